// Where a stack's cluster is (its kubeconfig, as the program would pick it), and reading the
// objects `npm run status` reports on through @kubernetes/client-node.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../core/project-dir";
import { kubeconfigPath } from "../stacks/kubeconfig-path";
import { ClusterObjects } from "./report";
import { readStackSettings, stackConfigFile } from "../stacks/stack-file";

export { projectDir };

export interface ClusterAccess {
    kubeconfig: string;
    context?: string;
    /** Where the kubeconfig came from, for messages. */
    source: string;
}

/** The CLI's exit codes: documented in `--help` and docs/reference/cli.md. */
export const exitCodes = { healthy: 0, unhealthy: 1, unreachable: 2, refused: 3, usage: 64 } as const;

/** The stacks with a config file: the project's own and the examples. */
export function knownStacks(): string[] {
    const own = fs.readdirSync(projectDir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);
    const examples = fs.existsSync(path.join(projectDir, "examples"))
        ? fs.readdirSync(path.join(projectDir, "examples")).filter((d) => fs.existsSync(path.join(projectDir, "examples", d, `Pulumi.${d}.yaml`))) : [];
    return [...new Set([...own, ...examples])].sort();
}

export class StatusError extends Error {
    constructor(message: string, readonly exitCode: number) {
        super(message);
    }
}

/** The stack's kubeconfig: the local control plane's, the configured file, or a k3s stack's output. */
export function clusterAccess(stack: string, kubeconfigFlag?: string): ClusterAccess {
    if (kubeconfigFlag) {
        return { kubeconfig: readKubeconfig(kubeconfigFlag, "--kubeconfig"), source: kubeconfigFlag };
    }
    const stackFile = stackConfigFile(projectDir, stack);
    if (!fs.existsSync(stackFile)) {
        throw new StatusError(`there is no stack "${stack}" here (no ${path.relative(projectDir, stackFile)}); the stacks are ${knownStacks().join(", ")}`, exitCodes.usage);
    }
    const { target, cluster } = readStackSettings(stackFile);
    if (target === "local" || target === "kubeconfig") {
        const file = kubeconfigPath({ target, kubeconfig: String(cluster.kubeconfig ?? "") });
        const what = target === "local" ? "the local control plane (start it with `npm run cluster:up` or `npm run up`)"
            : cluster.kubeconfig ? `kubestrap:cluster.kubeconfig of stack ${stack}` : `stack ${stack} targets the cluster kubectl would use: KUBECONFIG, else ~/.kube/config`;
        return { kubeconfig: readKubeconfig(file, what), context: cluster.context, source: file };
    }
    try {
        const kubeconfig = execFileSync(path.join(projectDir, "scripts", "pulumi.sh"), ["stack", "output", "kubeconfig", "--show-secrets"],
            { env: { ...process.env, KUBESTRAP_STACK: stack }, stdio: ["ignore", "pipe", "pipe"] }).toString();
        if (!kubeconfig.trim()) throw new Error("the output is empty");
        return { kubeconfig, source: `stack ${stack}'s kubeconfig output` };
    } catch (e) {
        throw new StatusError(`stack ${stack} is a k3s stack, and its kubeconfig output cannot be read (${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim().split("\n").pop()}); run \`npm run up\` first`, 2);
    }
}

function readKubeconfig(file: string, what: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        throw new StatusError(`no kubeconfig at ${file} (${what})`, 2);
    }
}

// @kubernetes/client-node ships ES modules only; keep a real dynamic import past the CommonJS compiler.
const importModule = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

/** The client library and the stack's kubeconfig loaded into it; an unreadable kubeconfig is a StatusError naming it. */
export async function kubeClient(access: ClusterAccess): Promise<{ k8s: any; kc: any }> {
    const k8s = await importModule("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    try {
        kc.loadFromString(access.kubeconfig);
        if (access.context) kc.setCurrentContext(access.context);
    } catch (e) {
        throw new StatusError(`the kubeconfig from ${access.source} cannot be read: ${(e as Error).message.split("\n")[0]}; fix the file or point --kubeconfig at another`, exitCodes.unreachable);
    }
    return { k8s, kc };
}

/** Reads everything the report needs; a cluster that cannot be reached is a StatusError with exit code 2. */
export async function readCluster(access: ClusterAccess): Promise<{ server: string; objects: ClusterObjects }> {
    const { k8s, kc } = await kubeClient(access);
    const server = kc.getCurrentCluster()?.server ?? "(no server in the kubeconfig)";
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const labelSelector = "app.kubernetes.io/managed-by=kubestrap";
    const items = async (call: Promise<{ items: unknown[] }>) => {
        try {
            return (await call).items as Record<string, any>[];
        } catch (e) {
            throw refusal(e, server, access.source) ?? e;
        }
    };
    let nodes: Record<string, any>[];
    try {
        nodes = await items(core.listNode());
    } catch (e) {
        if (e instanceof StatusError) throw e;
        const err = e as { code?: string; cause?: { code?: string }; message?: string };
        throw new StatusError(`cannot reach the cluster's API server at ${server} (kubeconfig: ${access.source}): ${err.cause?.code ?? err.code ?? ""} ${err.message ?? e}`.replace(/\s+/g, " ").trim(), exitCodes.unreachable);
    }
    const certificates = await items(custom.listClusterCustomObject({ group: "cert-manager.io", version: "v1", plural: "certificates" })).catch(() => []);
    const objects: ClusterObjects = {
        nodes,
        deployments: await items(apps.listDeploymentForAllNamespaces({ labelSelector })),
        statefulSets: await items(apps.listStatefulSetForAllNamespaces({ labelSelector })),
        daemonSets: await items(apps.listDaemonSetForAllNamespaces({ labelSelector })),
        jobs: await items(batch.listJobForAllNamespaces({ labelSelector })),
        pods: await items(core.listPodForAllNamespaces({ labelSelector })),
        ingresses: await items(networking.listIngressForAllNamespaces({ labelSelector })),
        helmReleases: await helmReleaseMetadata(kc, server).catch((e) => { throw refusal(e, server, access.source) ?? e; }),
        certificates,
    };
    return { server, objects };
}

/** A 401 or 403 from the API server, said in one line with the fix; undefined for anything else. */
export function refusal(e: unknown, server: string, source: string): StatusError | undefined {
    const code = (e as { code?: unknown }).code;
    if (code === 401) {
        return new StatusError(`the API server at ${server} refused the credentials in ${source} (401 Unauthorized: a wrong, expired or revoked token or certificate); ` +
            "for a stack kubestrap installed, `npm run up` writes its current kubeconfig (kubeconfigRotation issues a new one); otherwise get a fresh kubeconfig from the cluster's admin", exitCodes.refused);
    }
    if (code === 403) {
        return new StatusError(`the API server at ${server} knows the user in ${source} but forbids what status reads (403 Forbidden); ` +
            "give that user read access cluster-wide (get/list on nodes, pods, deployments, statefulsets, daemonsets, jobs, ingresses, and Secrets' metadata), or use an admin kubeconfig", exitCodes.refused);
    }
    return undefined;
}

/**
 * Helm's release records as metadata only (a PartialObjectMetadataList): the release's state is in
 * their labels, and their data (the whole release, chart included) is not status's to read.
 */
async function helmReleaseMetadata(kc: any, server: string): Promise<Record<string, any>[]> {
    const https = await import("https");
    const http = await import("http");
    const url = new URL(`${server.replace(/\/+$/, "")}/api/v1/secrets`);
    url.searchParams.set("labelSelector", "owner=helm");
    url.searchParams.set("fieldSelector", "type=helm.sh/release.v1");
    const opts: Record<string, any> = { headers: { Accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json" } };
    await kc.applyToHTTPSOptions(opts);
    const body = await new Promise<string>((resolve, reject) => {
        const request = (url.protocol === "http:" ? http : https).get(url, opts, (res) => {
            let text = "";
            res.on("data", (d) => (text += d));
            res.on("end", () => ((res.statusCode ?? 500) < 300 ? resolve(text) : reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`), { code: res.statusCode }))));
        });
        request.on("error", reject);
    });
    return (JSON.parse(body).items ?? []).map((item: Record<string, any>) => ({ metadata: item.metadata }));
}
