// The cluster the platform runs on, and the Kubernetes provider every in-cluster component uses.
import * as fs from "fs";
import * as net from "net";
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedCluster, ResolvedK3s, ResolvedMesh } from "../config";
import { ApiServerEndpoint, endpointsFromSlice } from "../demon";
import { serviceAccountIssuerUrl } from "../aws/aws-policies";
import { HostConnection } from "../cluster";
import { K3sCluster, K3sClusterArgs, MeshNetwork, MeshNetworkArgs } from "../lib/cluster";
import { meshInterface } from "../mesh";
import type { AwsWorkers } from "./aws";
import { awsWorkersSide } from "./on-demand";
import { activeKubeconfigCluster, k3sClusterIdentifier, kubeconfigClusterIdentifier } from "./cluster-identity";
import { EnvironmentProfile } from "./environments";

export { kubeconfigPath, localKubeconfigPath } from "./kubeconfig-path";
import { kubeconfigPath } from "./kubeconfig-path";

/** Reads the kubeconfig for a local or kubeconfig target, or explains how to get one. */
export function readKubeconfig(cluster: ResolvedCluster, readFile = (p: string) => fs.readFileSync(p, "utf8")): string {
    const file = kubeconfigPath(cluster);
    try {
        return readFile(file);
    } catch {
        const fix = cluster.target === "local"
            ? "start the local control plane with `npm run cluster:up` (or use `npm run up`, which does)"
            : "fix kubestrap:cluster.kubeconfig, or point it at the file your cluster's admin kubeconfig was saved to";
        throw new pulumi.RunError(`kubestrap:cluster: cannot read kubeconfig ${file}; ${fix}`);
    }
}

export function k3sClusterArgs(k3s: ResolvedK3s, profile: EnvironmentProfile, aws?: ResolvedCluster["aws"]): K3sClusterArgs {
    const issuer = aws?.serviceAccountIssuer;
    return {
        version: k3s.version,
        token: k3s.token,
        ha: k3s.ha,
        hardened: k3s.hardened ?? profile.hardenK3s,
        ssh: k3s.ssh && { user: k3s.ssh.user, port: k3s.ssh.port, privateKey: k3s.ssh.privateKey, sudo: k3s.ssh.sudo },
        servers: k3s.servers,
        agents: k3s.agents,
        disable: k3s.disable,
        flannelIface: k3s.flannel.iface,
        flannelBackend: k3s.flannel.backend,
        tlsSans: k3s.tlsSans,
        extraServerArgs: k3s.extraServerArgs,
        extraAgentArgs: k3s.extraAgentArgs,
        dataDir: k3s.dataDir,
        registries: k3s.registries,
        etcdSnapshots: k3s.etcdSnapshots && {
            schedule: k3s.etcdSnapshots.schedule,
            retention: k3s.etcdSnapshots.retention,
            s3: k3s.etcdSnapshots.s3 && {
                endpoint: k3s.etcdSnapshots.s3.endpoint, bucket: k3s.etcdSnapshots.s3.bucket,
                folder: k3s.etcdSnapshots.s3.folder, region: k3s.etcdSnapshots.s3.region,
            },
        },
        etcdS3Credentials: k3s.etcdSnapshots?.s3 && { accessKey: k3s.etcdSnapshots.s3.accessKey, secretKey: k3s.etcdSnapshots.s3.secretKey },
        airGap: k3s.airGap,
        restoreSnapshot: k3s.restoreSnapshot,
        drainTimeoutSeconds: k3s.drainTimeout,
        protectServers: k3s.protectServers ?? profile.protectServers,
        kubeconfigRotation: k3s.kubeconfigRotation,
        serviceAccountIssuer: issuer && serviceAccountIssuerUrl(issuer.bucket, aws!.region),
    };
}

/** The mesh of a k3s stack with `kubestrap:cluster.mesh`: Headscale on the coordinator, Tailscale on every node. */
export function meshNetworkArgs(k3s: ResolvedK3s, mesh: ResolvedMesh, readFile = (p: string) => fs.readFileSync(p, "utf8")): MeshNetworkArgs {
    const ssh = k3s.ssh!;
    const hosts = [...k3s.servers.map((h) => ({ ...h, group: "servers" as const })), ...k3s.agents.map((h) => ({ ...h, group: "agents" as const }))];
    const connection = (host: string, hostKey?: string): HostConnection =>
        ({ kind: "ssh", host, port: ssh.port, user: ssh.user, privateKey: ssh.privateKey, hostKey });
    const hs = mesh.headscale;
    const coordinatorNode = hs.host ? undefined : hosts.find((h) => h.name === (hs.node ?? k3s.servers[0].name))!;
    const address = hs.address ?? coordinatorNode?.address ?? coordinatorNode!.host;
    return {
        headscale: {
            version: hs.version,
            address,
            port: hs.port,
            // HTTPS unless a server URL says otherwise: the DERP relay is reached over TLS only.
            serverUrl: hs.serverUrl ?? `https://${address.includes(":") ? `[${address}]` : address}:${hs.port}`,
            baseDomain: hs.baseDomain,
            prefixes: hs.prefixes,
            derp: hs.derp,
            // A given certificate; with no server URL of the user's, a private CA of kubestrap's.
            tls: hs.tls ? { certificate: readFile(hs.tls.certFile) } : hs.serverUrl ? undefined : "managed",
        },
        tlsKey: hs.tls?.key,
        ca: hs.tls?.caFile ? readFile(hs.tls.caFile) : undefined,
        coordinator: coordinatorNode ? connection(coordinatorNode.host, coordinatorNode.hostKey) : connection(hs.host!),
        policy: { groups: mesh.acl.groups, rules: mesh.acl.rules.map((r) => ({ ...r, ports: r.ports ?? ["*"] })) },
        tailscaleVersion: mesh.tailscale.version,
        nodes: hosts.map((h) => ({ name: h.name, group: h.group, connection: connection(h.host, h.hostKey) })),
        sudo: ssh.sudo,
        keyExpirySeconds: mesh.keys.expiry,
        poolKeyExpirySeconds: mesh.keys.poolExpiry,
        keyRotation: mesh.keys.rotation,
        airGap: { headscale: hs.airGap?.binary, tailscale: mesh.tailscale.airGap?.tailscale, tailscaled: mesh.tailscale.airGap?.tailscaled },
    };
}

export interface ConnectedCluster {
    provider: k8s.Provider;
    /** The admin kubeconfig, when kubestrap installed the cluster (a secret). */
    kubeconfig?: pulumi.Output<string>;
    k3s?: K3sCluster;
    mesh?: MeshNetwork;
    aws?: AwsWorkers;
}

/** Installs k3s when the stack says so, and returns the provider for everything in the cluster. */
export function connectCluster(cluster: ResolvedCluster, profile: EnvironmentProfile, transformations: pulumi.ResourceTransformation[] = [],
    awsProvider?: aws.Provider): ConnectedCluster {
    if (cluster.target === "k3s") {
        const meshArgs = cluster.mesh && { ...meshNetworkArgs(cluster.k3s!, cluster.mesh), pools: cluster.aws?.pools.map((p) => p.name) };
        const mesh = meshArgs && new MeshNetwork("mesh", meshArgs, { transformations });
        const k3s = new K3sCluster("k3s", {
            ...k3sClusterArgs(cluster.k3s!, profile, cluster.aws),
            mesh: mesh && {
                nodeIps: Object.fromEntries(Object.entries(mesh.addresses).map(([name, a]) => [name, a.apply((x) => x.ipv4)])),
                hostKeys: mesh.hostKeys,
                iface: meshInterface,
            },
        }, { dependsOn: mesh ? mesh.ready : [], transformations });
        const workers = cluster.aws && awsWorkersSide().composeAwsWorkers(cluster, k3s, mesh && meshArgs && { network: mesh, args: meshArgs }, transformations, awsProvider);
        return {
            k3s,
            mesh,
            aws: workers,
            kubeconfig: k3s.kubeconfig,
            provider: new k8s.Provider("cluster", {
                kubeconfig: k3s.kubeconfig, clusterIdentifier: k3sClusterIdentifier(cluster.k3s!.servers[0].name),
            }, { dependsOn: [k3s] }),
        };
    }
    return {
        provider: kubeconfigProvider(cluster),
    };
}

function kubeconfigProvider(cluster: ResolvedCluster): k8s.Provider {
    const kubeconfig = readKubeconfig(cluster);
    return new k8s.Provider("cluster", {
        kubeconfig: pulumi.secret(kubeconfig),
        ...(cluster.context ? { context: cluster.context } : {}),
        clusterIdentifier: kubeconfigClusterIdentifier(kubeconfig, cluster.context),
    });
}

/**
 * The API server's real endpoints, as the cluster publishes them in the `kubernetes`
 * EndpointSlice (read through the engine, so a change shows in the diff of what uses them).
 */
export function apiServerEndpoints(provider: k8s.Provider): pulumi.Output<ApiServerEndpoint[]> {
    const slice = k8s.discovery.v1.EndpointSlice.get("kubernetes-api-endpoints", "default/kubernetes", { provider });
    return pulumi.all([slice.endpoints, slice.ports]).apply(([endpoints, ports]) => endpointsFromSlice({ endpoints, ports }));
}

/** The API server URL of a kubeconfig's context (the current one unless named). */
export function kubeconfigServer(kubeconfig: string, context?: string): URL | undefined {
    try {
        const server = activeKubeconfigCluster(kubeconfig, context)?.server;
        return server ? new URL(server) : undefined;
    } catch {
        return undefined;
    }
}

/** Why a TCP connection to `url` fails, or undefined when it connects. */
export function unreachable(url: URL, timeoutMs = 3000): Promise<string | undefined> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 443) });
        const done = (problem?: string) => { socket.destroy(); resolve(problem); };
        socket.setTimeout(timeoutMs, () => done(`no answer in ${timeoutMs / 1000} s`));
        socket.once("connect", () => done());
        socket.once("error", (e) => done(e.message));
    });
}

/**
 * The API server's endpoints for this stack. A preview of a stack whose existing cluster does
 * not answer shows them as unknown (with a warning) instead of failing on the read; `up` reads
 * them, and fails there, naming the cluster. k3s stacks read through the provider built from
 * the kubeconfig output, which the engine already treats as unknown before the cluster exists.
 */
export async function apiServerEndpointsFor(cluster: ResolvedCluster, provider: k8s.Provider): Promise<pulumi.Output<ApiServerEndpoint[]>> {
    if (cluster.target !== "k3s" && pulumi.runtime.isDryRun()) {
        const server = kubeconfigServer(readKubeconfig(cluster), cluster.context);
        const problem = server && await unreachable(server);
        if (problem) {
            pulumi.log.warn(`kubestrap:cluster: the API server ${server.host} does not answer (${problem}); ` +
                "the preview shows the Demon stack's API-server egress policy without its endpoints, which `up` reads from the cluster");
            return pulumi.output(pulumi.unknown as unknown as ApiServerEndpoint[]);
        }
    }
    return apiServerEndpoints(provider);
}
