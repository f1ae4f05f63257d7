// Every Kubernetes object a stack's config composes into, under mocks and as the provider would
// receive it (secrets revealed): for the policy pack's rules and the kube-score bar.
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { parseConfig } from "../config";
import { profiles } from "../stacks/environments";
import { composePlatform } from "../stacks/platform";
import { loadFixture, stackFile } from "./config-fixtures";
import { Recorder, reveal, settle, withMocks } from "./mocks";

export const root = path.join(__dirname, "..");

/** dev, prod and each example stack, with their config files. */
export const renderedStacks = (): { name: string; file: string; fromDisk: boolean }[] => [
    { name: "dev", file: stackFile("dev"), fromDisk: false },
    { name: "prod", file: stackFile("prod"), fromDisk: false },
    ...fs.readdirSync(path.join(root, "examples")).map((d) => ({ name: d, file: path.join(root, "examples", d, `Pulumi.${d}.yaml`), fromDisk: true })),
];

export type RenderedObject = { apiVersion?: string; kind?: string; metadata?: any; [key: string]: any };

/** The stack's objects (Helm releases aside), each with its apiVersion and kind, and the recorder that saw every resource. */
export async function renderStack(file: string, fromDisk: boolean, env: Record<string, string> = {}): Promise<{ objects: RenderedObject[]; environment: string; r: Recorder }> {
    const r = await withMocks(false);
    // A stack with a Cloudflare Tunnel asks Cloudflare for the connector's token.
    r.invokes.set("cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken", () => ({ token: "rendered-tunnel-token" }));
    const fixture = loadFixture(file);
    // Example stacks read their compose files from the project, as `pulumi up` does.
    const sources = fromDisk ? { ...fixture.sources, readFile: (f: string) => fs.readFileSync(f, "utf8"), baseDir: root } : fixture.sources;
    const config = parseConfig(fixture.values, { ...sources, env: { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k", ...env } });
    const platform = composePlatform(config, profiles[config.environment], new k8s.Provider("cluster", { kubeconfig: "{}" }), [r.track], () => []);
    await settle(...Object.values(platform.composeApps).map((a) => a.services), ...(platform.demon ? [platform.demon.uiUrl] : []),
        ...Object.values(platform.apps).flatMap((a) => (a.internalUrl ? [a.internalUrl] : [])), ...Object.values(platform.staticSites).map((s) => s.internalUrl));
    return { objects: renderedObjects(r), environment: config.environment, r };
}

/** The Kubernetes objects a recorder saw (Helm releases aside), each with its apiVersion and kind, secrets revealed. */
export function renderedObjects(r: Recorder): RenderedObject[] {
    return r.resources.filter((x) => x.type.startsWith("kubernetes:") && !x.type.startsWith("kubernetes:helm.sh")).map((x) => {
        const [, groupVersion, kind] = x.type.split(":");
        return { apiVersion: groupVersion.replace(/^core\//, ""), kind, ...reveal(x.inputs) };
    });
}
