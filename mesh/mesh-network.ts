import * as pulumi from "@pulumi/pulumi";
import {
    createKeyScript, deleteNodeScript, ensureUserScript, expireKeyScript, headscaleInstallScript, HeadscaleSettings,
    headscaleUninstallScript, managedTlsRemoveScript, managedTlsScript, removeUserScript,
} from "./mesh-headscale";
import { authKeyScript, parseAddresses, tailscaleJoinScript, tailscaleLeaveScript, tailscaleUpdateScript } from "./mesh-join";
import { MeshGroup, meshPaths, MeshPolicySettings } from "./mesh-plan";
import { HostConnection, HostSteps, StepArgs } from "../cluster/remote-command";

/**
 * Each step is an SSH session of its own, and every node has a membership step on the coordinator:
 * at most this many of those run at once (in as many chains). OpenSSH's default MaxStartups
 * (10:30:100) starts refusing connections at ten handshakes in progress, and the engine may run
 * far more steps than that at once (scripts/pulumi.sh asks for 64).
 */
export const coordinatorSessions = 4;

export interface MeshHost {
    /** The node's name: its tailnet host name and MagicDNS name. */
    name: string;
    group: MeshGroup;
    connection: HostConnection;
}

export interface MeshNetworkArgs {
    headscale: HeadscaleSettings;
    /** Where Headscale runs: one of the nodes' hosts, or a host of its own. */
    coordinator: HostConnection;
    policy: MeshPolicySettings;
    tailscaleVersion: string;
    nodes: MeshHost[];
    /** Prefix root commands with sudo (for a non-root SSH user). */
    sudo: boolean;
    keyExpirySeconds: number;
    /** The pools' keys' lifetime (the pool's own: instances launch on any day); default keyExpirySeconds. */
    poolKeyExpirySeconds?: number;
    /** Changing it issues new keys; nodes already on the mesh stay registered. */
    keyRotation?: string;
    /** Staged binaries on the machine running Pulumi; unset, hosts download the releases. */
    airGap?: { headscale?: string; tailscale?: string; tailscaled?: string };
    /** Headscale's TLS key (with `headscale.tls`): secret end to end. */
    tlsKey?: pulumi.Input<string>;
    /** A private CA nodes trust a given certificate by (PEM); with `tls: "managed"`, kubestrap's own CA instead. */
    ca?: string;
    /** Cloud worker pools: one ephemeral, reusable agents' key each, for their user data. */
    pools?: string[];
    /** Seconds since the epoch (tests fix it): a key is issued anew once half its lifetime has passed. */
    now?: () => number;
}

/**
 * Which half-lifetime of a key `now` falls in: in a key's triggers, any `up` after half its
 * lifetime issues a new one, so a key in use always has at least half its lifetime left.
 */
export const keyRenewalWindow = (expirySeconds: number, nowSeconds: number) => Math.floor(nowSeconds / Math.max(1, Math.floor(expirySeconds / 2)));


/** Checks a host can run the mesh: Linux, systemd, a TUN device. */
function meshPreflight(host: string): string {
    return [
        "set -eu",
        `fail() { echo "mesh preflight on ${host}: $*" >&2; exit 1; }`,
        "[ \"$(uname -s)\" = Linux ] || fail \"Tailscale here needs Linux, found $(uname -s)\"",
        "command -v systemctl >/dev/null || fail 'systemd is required (systemctl not found)'",
        "[ -c /dev/net/tun ] || fail 'no TUN device (/dev/net/tun): load the tun module (modprobe tun), or give the container --device /dev/net/tun'",
        `mkdir -p '${meshPaths.staging}' 2>/dev/null || sudo mkdir -p '${meshPaths.staging}'`,
        `echo "mesh preflight on ${host}: ok"`,
    ].join("\n");
}

/**
 * A Headscale tailnet: Headscale on the coordinator with its config and ACL policy, one user
 * and one reusable, expiring pre-auth key per node group, and Tailscale on every node, joined
 * with its group's key and tag. k3s then runs over the tailnet (K3sCluster's `mesh`).
 */
export class MeshNetwork extends pulumi.ComponentResource {
    readonly serverUrl: pulumi.Output<string>;
    /** Each node's tailnet addresses, by node name. */
    readonly addresses: Record<string, pulumi.Output<{ ipv4: string; ipv6: string }>>;
    /** The CA nodes trust Headscale by, when it is a private one (PEM; kubestrap's own by default). */
    readonly ca: pulumi.Output<string | undefined>;
    /** The pre-auth key of each group: secret. */
    readonly keys: pulumi.Output<Record<string, string>>;
    /** Each cloud pool's ephemeral agents' key: secret. */
    readonly poolKeys: Record<string, pulumi.Output<string>>;
    /** The host key every step on a host pins (configured, or read at first contact), by SSH host. */
    readonly hostKeys: Record<string, pulumi.Output<string | undefined>>;
    /** What k3s waits for: every node on the mesh. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: MeshNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:mesh:MeshNetwork", name, {}, opts);
        this.hostKeys = {};
        const steps = this.meshSteps(name, args);
        const { headscale, ca } = this.headscale(args, steps);
        this.ca = ca;
        const { keys, users, poolKeys } = this.issueKeys(args, steps, headscale);
        this.poolKeys = poolKeys;
        this.addresses = {};
        this.ready = [];
        // The first node (the first server) joins first, then the others side by side: it
        // takes the prefix's first address on a new mesh, as k3s's join URL is its.
        let firstJoin: pulumi.Resource | undefined;
        const memberships: pulumi.Resource[] = [];
        for (const node of args.nodes) {
            const { join, membership } = this.joinNode(node, args, steps,
                { key: keys[node.group], user: users[node.group], ca, after: firstJoin, coordinatorTurn: memberships[memberships.length - coordinatorSessions] });
            memberships.push(membership);
            firstJoin = firstJoin ?? join;
            this.addresses[node.name] = join.stdout.apply((s) => parseAddresses(s ?? ""));
            this.ready.push(join);
        }
        this.serverUrl = pulumi.output(args.headscale.serverUrl);
        this.keys = pulumi.secret(pulumi.all(keys));
        this.registerOutputs({ serverUrl: this.serverUrl, ca: this.ca, addresses: this.addresses, keys: this.keys, poolKeys: this.poolKeys });
    }

    /** Steps on the hosts, each pinned to its host's key; one preflight per host, which reads that key at first contact. */
    private meshSteps(name: string, args: MeshNetworkArgs): MeshSteps {
        const sudo = args.sudo ? "sudo " : "";
        const hostOf = (c: HostConnection) => c.kind === "ssh" ? c.host : "localhost";
        const preflights = new Map<string, pulumi.Resource>();
        const steps = new HostSteps(this, name, sudo);
        const keyOf = (on: HostConnection) => on.kind === "ssh" ? this.hostKeys[on.host] ?? on.hostKey : undefined;
        const run = (id: string, on: HostConnection, cmd: StepArgs, extra: pulumi.CustomResourceOptions = {}) => steps.run(id, on, cmd, keyOf(on), extra);
        const preflight = (on: HostConnection): pulumi.Resource => {
            const host = hostOf(on);
            if (!preflights.has(host)) {
                const id = host.replace(/[^\w.-]/g, "-");
                if (on.kind === "ssh") {
                    this.hostKeys[host] = pulumi.output(on.hostKey ?? steps.firstUseKey(`host-key-${id}`, on));
                }
                preflights.set(host, run(`preflight-${id}`, on, { create: meshPreflight(host), logging: "stderr" }));
            }
            return preflights.get(host)!;
        };
        const stage = (id: string, on: HostConnection, source: string, target: string, after: pulumi.Resource): pulumi.Resource =>
            steps.stage(id, on, source, target, keyOf(on), after);
        return { sudo, run, preflight, stage };
    }

    /** Headscale on the coordinator, after its certificate when kubestrap makes it; and the CA nodes trust it by. */
    private headscale(args: MeshNetworkArgs, { sudo, run, preflight, stage }: MeshSteps) {
        const coordinatorCheck = preflight(args.coordinator);
        const headscaleStaged = args.airGap?.headscale
            ? [stage("headscale", args.coordinator, args.airGap.headscale, `${meshPaths.staging}/headscale`, coordinatorCheck)] : [];
        const managedTls = args.headscale.tls === "managed"
            ? run("headscale-tls", args.coordinator, {
                create: managedTlsScript(args.headscale.address, args.keyRotation ?? "", sudo),
                update: managedTlsScript(args.headscale.address, args.keyRotation ?? "", sudo),
                delete: managedTlsRemoveScript(sudo),
                logging: "stderr",
            }, { dependsOn: [coordinatorCheck] })
            : undefined;
        const ca = managedTls ? managedTls.stdout.apply((s) => s.trim() + "\n") : pulumi.output(args.ca);
        const install = headscaleInstallScript(args.headscale, args.policy, sudo, !!args.airGap?.headscale);
        // A new version, config or policy re-runs the install in place: Headscale's database stays.
        const headscale = run("headscale", args.coordinator, {
            create: install, update: install, delete: headscaleUninstallScript(sudo), logging: "stderr",
            ...(args.headscale.tls && args.headscale.tls !== "managed" ? { stdin: pulumi.secret(args.tlsKey ?? "") } : {}),
        }, { dependsOn: [coordinatorCheck, ...headscaleStaged, ...(managedTls ? [managedTls] : [])] });
        return { headscale, ca };
    }

    /** A user and a key per node group, and a key per cloud pool. */
    private issueKeys(args: MeshNetworkArgs, { sudo, run }: MeshSteps, headscale: pulumi.Resource) {
        const now = (args.now ?? (() => Math.floor(Date.now() / 1000)))();
        const groups = [...new Set([...args.nodes.map((n) => n.group), ...(args.pools?.length ? ["agents" as const] : [])])];
        const keys: Record<string, pulumi.Output<string>> = {};
        const users: Record<string, pulumi.Resource> = {};
        for (const group of groups) {
            const user = users[group] = run(`user-${group}`, args.coordinator, { create: ensureUserScript(group, sudo), delete: removeUserScript(group, sudo) },
                { dependsOn: [headscale] });
            const key = run(`key-${group}`, args.coordinator, {
                create: createKeyScript(group, args.keyExpirySeconds, sudo),
                delete: expireKeyScript(group, sudo),
                logging: "none",
                // A key registers nodes only when they join: issued anew whenever the group's nodes
                // change, and at any up past half its lifetime, a node added after the last key expired still joins.
                triggers: [args.keyRotation ?? "", args.keyExpirySeconds, args.nodes.filter((n) => n.group === group).map((n) => n.name).join(","),
                    keyRenewalWindow(args.keyExpirySeconds, now)],
            }, { dependsOn: [user], additionalSecretOutputs: ["stdout"] });
            keys[group] = pulumi.secret(key.stdout.apply((s) => (s ?? "").trim()));
        }
        const poolKeys: Record<string, pulumi.Output<string>> = {};
        const poolExpiry = args.poolKeyExpirySeconds ?? args.keyExpirySeconds;
        for (const pool of args.pools ?? []) {
            const key = run(`key-pool-${pool}`, args.coordinator, {
                create: createKeyScript("agents", poolExpiry, sudo, true),
                delete: expireKeyScript("agents", sudo),
                logging: "none",
                // Past half its lifetime, an up puts a new key in the launch template and rolls the pool.
                triggers: [args.keyRotation ?? "", poolExpiry, keyRenewalWindow(poolExpiry, now)],
            }, { dependsOn: [users.agents], additionalSecretOutputs: ["stdout"] });
            poolKeys[pool] = pulumi.secret(key.stdout.apply((s) => (s ?? "").trim()));
        }
        return { keys, users, poolKeys };
    }

    /**
     * Tailscale on a node, joined with its group's key (delivered apart), after the nodes before it;
     * its membership on the coordinator takes its turn after `coordinatorTurn`'s.
     */
    private joinNode(node: MeshHost, args: MeshNetworkArgs, { sudo, run, preflight, stage }: MeshSteps,
        { key, user, ca, after, coordinatorTurn }: {
            key: pulumi.Output<string>; user: pulumi.Resource; ca: pulumi.Output<string | undefined>; after?: pulumi.Resource; coordinatorTurn?: pulumi.Resource;
        }): { join: RemoteStep; membership: RemoteStep } {
        const check = preflight(node.connection);
        const airGap = args.airGap?.tailscale && args.airGap.tailscaled ? args.airGap : undefined;
        const staged = airGap ? [
            stage(`${node.name}-tailscale`, node.connection, airGap.tailscale!, `${meshPaths.staging}/tailscale`, check),
            stage(`${node.name}-tailscaled`, node.connection, airGap.tailscaled!, `${meshPaths.staging}/tailscaled`, check),
        ] : [];
        // Created before the node joins, deleted after it left and before its user goes:
        // Headscale forgets the node, then the user that held it.
        const membership = run(`membership-${node.name}`, args.coordinator, { create: "true", delete: deleteNodeScript(node.name, sudo) },
            { dependsOn: [user, ...(coordinatorTurn ? [coordinatorTurn] : [])] });
        const authKey = run(`authkey-${node.name}`, node.connection, { ...authKeyScript(sudo, args.headscale.serverUrl), stdin: key, logging: "none" },
            { dependsOn: [check] });
        const settings = ca.apply((ca) => ({ name: node.name, group: node.group, version: args.tailscaleVersion, loginServer: args.headscale.serverUrl, ca }));
        const join = run(`join-${node.name}`, node.connection, {
            create: settings.apply((n) => tailscaleJoinScript(n, sudo, !!airGap)),
            update: settings.apply((n) => tailscaleUpdateScript(n, sudo)),
            delete: tailscaleLeaveScript(sudo),
            logging: "stderr",
        }, { dependsOn: [check, authKey, membership, ...staged, ...(after ? [after] : [])] });
        return { join, membership };
    }
}

type RemoteStep = ReturnType<HostSteps["run"]>;


interface MeshSteps {
    sudo: string;
    run: (id: string, on: HostConnection, cmd: StepArgs, extra?: pulumi.CustomResourceOptions) => RemoteStep;
    preflight: (on: HostConnection) => pulumi.Resource;
    stage: (id: string, on: HostConnection, source: string, target: string, after: pulumi.Resource) => pulumi.Resource;
}
