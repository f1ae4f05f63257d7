import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HostConnection, K3sNode } from "./k3s-node";
import { AirGap, EtcdSnapshots, nodeOrder, Taint, topologyProblems } from "./k3s-plan";

export interface K3sHost {
    /** Node name in Kubernetes. */
    name: string;
    /** SSH host name or address; "localhost" installs on the machine running Pulumi. */
    host: string;
    /** Address other nodes and the kubeconfig use; defaults to `host`. */
    address?: string;
    labels?: Record<string, string>;
    taints?: Taint[];
    /** The host's SSH public key ("ssh-ed25519 AAAA..."); unset, the key read at first contact is pinned. */
    hostKey?: string;
}

export interface K3sClusterArgs {
    version: string;
    /** The join token; unset, one is generated once (random.RandomPassword) and kept in the state. */
    token?: pulumi.Input<string>;
    /** Embedded etcd (cluster-init) instead of SQLite; required for more than one server. */
    ha: boolean;
    /** The CIS hardening profile: secrets encryption, audit log, Pod Security admission, protected kernel defaults. */
    hardened: boolean;
    ssh?: { user: string; port?: number; privateKey: pulumi.Input<string>; sudo: boolean };
    servers: K3sHost[];
    agents: K3sHost[];
    disable: string[];
    flannelIface?: string;
    flannelBackend?: string;
    tlsSans: string[];
    extraServerArgs: string[];
    extraAgentArgs: string[];
    dataDir?: string;
    registries?: Record<string, { endpoints: string[] }>;
    etcdSnapshots?: EtcdSnapshots;
    airGap?: AirGap;
    restoreSnapshot?: string;
    /** Keys for etcdSnapshots.s3. */
    etcdS3Credentials?: { accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> };
    /** Bound on each upgrade's drain. */
    drainTimeoutSeconds: number;
    /** Protect each server's install step: the engine then refuses to delete or replace a server. */
    protectServers?: boolean;
    /** A public service-account issuer URL the servers sign tokens as (AwsIdentity publishes it). */
    serviceAccountIssuer?: string;
    /** Changing it issues kubestrap's kubeconfig a new token. */
    kubeconfigRotation?: string;
    /** The tailnet k3s runs over (MeshNetwork): each node's tailnet IPv4 by name, and the host keys the mesh pinned. */
    mesh?: { nodeIps: Record<string, pulumi.Input<string>>; hostKeys: Record<string, pulumi.Input<string | undefined>>; iface: string };
}

const withHostKey = (c: HostConnection, hostKey: pulumi.Input<string | undefined> | undefined): HostConnection =>
    c.kind === "ssh" ? { ...c, hostKey } : c;

export function k3sClusterProblems(args: K3sClusterArgs): { propertyPath: string; reason: string }[] {
    const problems = args.servers.length === 0 ? [{ propertyPath: "servers", reason: "a cluster needs at least one server" }] : [];
    return [...problems, ...topologyProblems({ ...args, hasSsh: !!args.ssh })
        .map((p) => ({ propertyPath: p.path.map((x, i) => typeof x === "number" ? `[${x}]` : i ? `.${x}` : x).join(""), reason: p.message }))];
}

/**
 * A k3s cluster from a list of hosts: the first server starts it, the other servers and then
 * the agents join with the secret token, each waiting for the one before it, so installs and
 * upgrades go one host at a time, servers first.
 */
export class K3sCluster extends pulumi.ComponentResource {
    readonly kubeconfig: pulumi.Output<string>;
    /** The cluster's service-account key set, with a public issuer only. */
    readonly serviceAccountJwks?: pulumi.Output<string>;
    readonly nodeNames: pulumi.Output<string[]>;
    readonly serverUrl: string;
    /** The join token (secret): the configured one or the generated one. Cloud workers join with it. */
    readonly token: pulumi.Output<string>;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:cluster:K3sCluster", name, {}, opts);
        const problems = k3sClusterProblems(args);
        if (problems.length > 0) {
            throw new pulumi.InputPropertiesError({ message: `K3sCluster ${name} has invalid arguments`, errors: problems });
        }
        const connectionOf = (h: K3sHost): HostConnection => h.host === "localhost"
            ? { kind: "local" }
            : { kind: "ssh", host: h.host, port: args.ssh!.port, user: args.ssh!.user, privateKey: args.ssh!.privateKey, hostKey: args.mesh?.hostKeys[h.host] ?? h.hostKey };
        // Letters and digits only: the token travels in config files and shell lines unquoted.
        this.token = pulumi.secret(args.token ?? new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this }).result);
        const first = args.servers[0];
        const firstAddress = first.address ?? first.host;
        this.serverUrl = `https://${firstAddress}:6443`;

        const ordered = nodeOrder([
            ...args.servers.map((h) => ({ ...h, role: "server" as const })),
            ...args.agents.map((h) => ({ ...h, role: "agent" as const })),
        ]);
        let previous: K3sNode | undefined;
        const nodes: K3sNode[] = [];
        for (const h of ordered) {
            const isFirst = h === ordered[0];
            const node: K3sNode = new K3sNode(`${name}-${h.name}`, {
                role: h.role,
                clusterInit: isFirst,
                ha: args.ha,
                nodeName: h.name,
                version: args.version,
                serverUrl: isFirst ? undefined : this.serverUrl,
                labels: h.labels ?? {},
                taints: h.taints ?? [],
                disable: args.disable,
                flannelIface: args.flannelIface,
                flannelBackend: args.flannelBackend,
                tlsSans: [...new Set([firstAddress, ...args.tlsSans])],
                extraArgs: h.role === "server" ? args.extraServerArgs : args.extraAgentArgs,
                dataDir: args.dataDir,
                hardened: args.hardened,
                registries: args.registries,
                etcdSnapshots: args.etcdSnapshots,
                airGap: args.airGap,
                connection: connectionOf(h),
                sudo: args.ssh?.sudo ?? false,
                token: this.token,
                address: h.address ?? h.host,
                // kubectl steps run on the first server, over the connection its preflight pinned.
                control: isFirst ? connectionOf(first) : withHostKey(connectionOf(first), nodes[0].hostKey),
                drainTimeoutSeconds: args.drainTimeoutSeconds,
                serviceAccountIssuer: args.serviceAccountIssuer,
                kubeconfigRotation: isFirst ? args.kubeconfigRotation : undefined,
                restoreSnapshot: isFirst ? args.restoreSnapshot : undefined,
                rejoinAfterRestore: !isFirst && h.role === "server" && args.ha ? args.restoreSnapshot : undefined,
                etcdMembers: h.role === "server" && args.ha ? args.servers.findIndex((s) => s.name === h.name) + 1 : undefined,
                protect: h.role === "server" && args.protectServers,
                etcdS3Credentials: args.etcdS3Credentials,
                mesh: args.mesh && { nodeIp: args.mesh.nodeIps[h.name], firstServerIp: args.mesh.nodeIps[first.name], iface: args.mesh.iface },
            }, { parent: this, dependsOn: previous ? [previous] : [] });
            nodes.push(node);
            previous = node;
        }
        this.kubeconfig = pulumi.secret(nodes[0].kubeconfig!);
        this.serviceAccountJwks = nodes[0].serviceAccountJwks;
        this.nodeNames = pulumi.output(ordered.map((h) => h.name));
        this.registerOutputs({ kubeconfig: this.kubeconfig, nodeNames: this.nodeNames, token: this.token });
    }
}
