import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { drainScript } from "./k3s-drain";
import { applyKernelParametersScript, restoreKernelParametersScript } from "./k3s-kernel";
import { adminKubeconfigScript } from "./k3s-kubeconfig";
import {
    etcdHealthyScript, etcdPostUpgradeWait, etcdPreUpgradeCheck, etcdRecoverySeconds, preUpgradeSnapshotScript, rejoinAfterRestoreScript,
} from "./k3s-upgrade";
import {
    auditPolicyYaml, installCommands, k3sConfigYaml, k3sPaths, K3sNodeSettings, preflightScript, psaConfigYaml,
    registriesYaml, removeNodeScript, restartIfInstalled, restoreScript, s3CredentialsYaml, uncordonScript,
    versionProblem, writeContentScript, writeFileScript,
} from "./k3s-plan";
import { HostConnection, HostSteps, RemoteCommand, StepArgs } from "./remote-command";

export { HostConnection } from "./remote-command";

export interface K3sNodeArgs extends K3sNodeSettings {
    connection: HostConnection;
    /** Prefix root commands with sudo (for a non-root SSH user). */
    sudo: boolean;
    /** The cluster's join token; stays a secret end to end. */
    token: pulumi.Input<string>;
    /** The address other machines use for this host (kubeconfig server URL, join URL). */
    address: string;
    /**
     * On a mesh: this node's tailnet IPv4 and the first server's, known once Tailscale is up.
     * k3s registers the node, advertises the API and joins over them, with flannel on the tailnet.
     */
    mesh?: { nodeIp: pulumi.Input<string>; firstServerIp: pulumi.Input<string>; iface: string };
    /**
     * Where kubectl steps run (drain, uncordon, removing the node): the first server. The
     * first server itself uses its own connection.
     */
    control: HostConnection;
    /** Restore the embedded etcd from this snapshot (first server only); changing it restores again. */
    restoreSnapshot?: string;
    /** The snapshot the first server restored: this server (HA, not the first) rejoins the restored etcd. */
    rejoinAfterRestore?: string;
    /**
     * A server on embedded etcd: how many etcd members there are up to and including this one.
     * Its upgrade waits for that many healthy members before it goes down and after it is back.
     */
    etcdMembers?: number;
    /** Protect the install step: deleting or replacing this node (uninstalling k3s from it) stops at preview. */
    protect?: boolean;
    /** Keys for etcdSnapshots.s3 (servers only); secrets end to end. */
    etcdS3Credentials?: { accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> };
    /** Changing it issues kubestrap's kubeconfig a new token (first server only). */
    kubeconfigRotation?: string;
}


/**
 * One k3s server or agent: preflight checks, token and config files, install (or upgrade, one
 * host at a time with drain and uncordon), and uninstall on delete.
 */
export class K3sNode extends pulumi.ComponentResource {
    readonly nodeName: pulumi.Output<string>;
    readonly version: pulumi.Output<string>;
    /** The admin kubeconfig, server URL pointing at this host (first server only). */
    readonly kubeconfig?: pulumi.Output<string>;
    /** The cluster's service-account JWKS (first server, with a public issuer only). */
    readonly serviceAccountJwks?: pulumi.Output<string>;
    /** The host key every SSH step insists on: configured, or the one the host-key step read at first contact. */
    readonly hostKey?: pulumi.Output<string | undefined>;

    constructor(name: string, args: K3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:cluster:K3sNode", name, {}, opts);
        const problem = versionProblem(args.version);
        if (problem) {
            throw new pulumi.InputPropertiesError({ message: `K3sNode ${name} has invalid arguments`, errors: [{ propertyPath: "version", reason: problem }] });
        }
        const sudo = args.sudo ? "sudo " : "";
        const steps = new HostSteps(this, name, sudo);
        const host = args.connection.kind === "ssh" ? args.connection.host : "localhost";
        // A configured key is used as given; without one, the first step reads the key the host offers.
        const pinned = args.connection.kind === "ssh" ? args.connection.hostKey ?? steps.firstUseKey("host-key", args.connection) : undefined;
        if (args.connection.kind === "ssh") {
            this.hostKey = pulumi.output(pinned);
        }
        // Every step on this host (and, for the first server, every kubectl step run through it)
        // must see the configured key, or the one the host-key step read at first contact.
        const keyFor = (on: Extract<HostConnection, { kind: "ssh" }>) =>
            on === args.connection || (args.clusterInit && on === args.control) ? pinned : on.hostKey;
        const run: Run = (role, on, cmd, extra = {}) => steps.run(role, on, cmd, on.kind === "ssh" ? keyFor(on) : undefined, extra);

        const preflight = run("preflight", args.connection, { create: preflightScript(args, host), logging: "stderr" });
        const staged: pulumi.Resource[] = [];
        if (args.airGap) {
            const files: [string, string | undefined][] = [["k3s", args.airGap.binary], ["install.sh", args.airGap.installScript], ["images.tar", args.airGap.images]];
            for (const [target, source] of files.filter(([, s]) => s)) {
                staged.push(steps.stage(target.replace(/\W/g, "-"), args.connection, source!, `${k3sPaths.staging}/${target}`, pinned, preflight));
            }
        }
        const settings = nodeSettings(args);
        const { token, config } = this.tokenAndConfig(args, run, sudo, settings, preflight);
        staged.push(...this.hostPreparation(args, run, sudo, preflight));
        const uncordon = this.installation(args, run, sudo, host, { preflight, files: [token, config], staged });
        if (args.role === "server" && args.clusterInit) {
            const read = this.readBack(args, run, sudo, settings, uncordon);
            this.kubeconfig = read.kubeconfig;
            this.serviceAccountJwks = read.serviceAccountJwks;
        }

        this.nodeName = pulumi.output(args.nodeName);
        this.version = pulumi.output(args.version);
        this.registerOutputs({ nodeName: this.nodeName, version: this.version, kubeconfig: this.kubeconfig, hostKey: this.hostKey });
    }

    /** The join token (secret, never in a file's content) and k3s's config files, which restart k3s on change. */
    private tokenAndConfig(args: K3sNodeArgs, run: Run, sudo: string, settings: pulumi.Output<PlainSettings>, preflight: pulumi.Resource) {
        const token = run("token", args.connection, {
            create: writeFileScript(k3sPaths.token, sudo),
            stdin: pulumi.secret(args.token),
            logging: "none",
        }, { dependsOn: [preflight] });
        const writeFiles = settings.apply((n) => {
            const files: [string, string | undefined][] = [
                [k3sPaths.config, k3sConfigYaml(n)],
                [k3sPaths.registries, registriesYaml(n)],
                [k3sPaths.psa, n.hardened && n.role === "server" ? psaConfigYaml : undefined],
                [k3sPaths.audit, n.hardened && n.role === "server" ? auditPolicyYaml : undefined],
            ];
            return files.filter(([, content]) => content !== undefined).map(([path, content]) => writeContentScript(path, content!, "600", sudo));
        });
        const config = run("config", args.connection, {
            create: writeFiles.apply((w) => ["set -eu", ...w].join("\n")),
            // A changed config file restarts k3s on this host only; the cluster stays.
            update: writeFiles.apply((w) => ["set -eu", ...w, restartIfInstalled(args.role, sudo)].join("\n")),
        }, { dependsOn: [preflight] });
        return { token, config };
    }

    /**
     * What the host needs before k3s (re)starts: the etcd snapshots' S3 keys and, hardened, the
     * kernel parameters. After this host's preflight: a host that cannot be reached or fails its
     * checks is never drained.
     */
    private hostPreparation(args: K3sNodeArgs, run: Run, sudo: string, preflight: pulumi.Resource): pulumi.Resource[] {
        const prepared: pulumi.Resource[] = [];
        if (args.role === "server" && args.ha && args.etcdSnapshots?.s3 && args.etcdS3Credentials) {
            const { accessKey, secretKey } = args.etcdS3Credentials;
            const credentials = pulumi.secret(pulumi.all([accessKey, secretKey]).apply(([a, k]) => s3CredentialsYaml(a, k)));
            const write = writeFileScript(k3sPaths.s3Credentials, sudo);
            prepared.push(run("s3-credentials", args.connection, {
                create: write,
                update: `set -eu\n${write}\n${restartIfInstalled(args.role, sudo)}`,
                stdin: credentials,
                logging: "none",
            }, { dependsOn: [preflight] }));
        }
        if (args.hardened) {
            // kubelet exits at start under protect-kernel-defaults unless these are already set.
            prepared.push(run("kernel-parameters", args.connection, {
                create: applyKernelParametersScript(sudo),
                update: applyKernelParametersScript(sudo),
                delete: restoreKernelParametersScript(sudo),
            }, { dependsOn: [preflight] }));
        }
        return prepared;
    }

    /**
     * Install or upgrade between a drain and an uncordon (run on the first server); then, for a
     * joining node, its membership (removed from the cluster on delete) and, for the first server,
     * a restore from a snapshot. Returns the uncordon step, which what reads the node waits for.
     */
    private installation(args: K3sNodeArgs, run: Run, sudo: string, host: string,
        { preflight, files, staged }: { preflight: pulumi.Resource; files: pulumi.Resource[]; staged: pulumi.Resource[] }): pulumi.Resource {
        const quorum = args.role === "server" && args.ha && args.etcdMembers !== undefined;
        // The first server takes a snapshot before an upgrade moves any host (each host waits for the one before it).
        const snapshot = quorum && args.clusterInit
            ? [run("pre-upgrade-snapshot", args.connection, { create: preUpgradeSnapshotScript(args.version, args.nodeName, sudo), triggers: [args.version], logging: "stderr" },
                { dependsOn: [preflight] })]
            : [];
        const drain = run("drain", args.control, {
            create: drainScript(args.nodeName, sudo, args.drainTimeoutSeconds, quorum ? etcdPreUpgradeCheck(args.nodeName, sudo, args.etcdMembers!) : undefined),
            triggers: [args.version],
        }, { dependsOn: [preflight, ...snapshot] });
        const install = installCommands(args, sudo, host);
        const installed = run("install", args.connection, { ...install, logging: "stderr" },
            { dependsOn: [preflight, ...files, drain, ...staged], ...(args.protect ? { protect: true } : {}) });
        const uncordon = run("uncordon", args.control, {
            create: [uncordonScript(args.nodeName, sudo), ...(quorum ? [etcdPostUpgradeWait(args.nodeName, args.version, sudo, args.etcdMembers!)] : [])].join("\n"),
            triggers: [args.version],
        }, { dependsOn: [installed] });
        if (!args.clusterInit) {
            // Removing the node from config: drain it and delete it from the cluster, then (as
            // its dependency) the install step uninstalls k3s from the host.
            run("membership", args.control, { create: "true", delete: removeNodeScript(args.nodeName, sudo) }, { dependsOn: [uncordon] });
        }
        if (args.clusterInit && args.restoreSnapshot) {
            run("restore", args.connection, { create: restoreScript(args.restoreSnapshot, sudo), triggers: [args.restoreSnapshot] },
                { dependsOn: [uncordon] });
        }
        if (!args.clusterInit && args.rejoinAfterRestore) {
            // After the first server's restore (this node waits for the hosts before it), then healthy again before the next.
            const members = args.etcdMembers ?? 1;
            run("rejoin-restored-etcd", args.connection, {
                create: [rejoinAfterRestoreScript(args.rejoinAfterRestore, args.nodeName, sudo, args.dataDir), etcdHealthyScript(sudo, members, etcdRecoverySeconds,
                    `${args.nodeName} rejoined the restored etcd, but the restore stopped there:`)].join("\n"),
                triggers: [args.rejoinAfterRestore],
                logging: "stderr",
            }, { dependsOn: [uncordon] });
        }
        return uncordon;
    }

    /** The first server's admin kubeconfig and, with a public issuer, the service-account key set. */
    private readBack(args: K3sNodeArgs, run: Run, sudo: string, settings: pulumi.Output<PlainSettings>, uncordon: pulumi.Resource) {
        const read = run("kubeconfig", args.connection, {
            create: settings.apply((n) => adminKubeconfigScript(n.address, sudo, args.kubeconfigRotation)),
            logging: "none",
            ...(args.kubeconfigRotation ? { triggers: [args.kubeconfigRotation] } : {}),
        }, { dependsOn: [uncordon], additionalSecretOutputs: ["stdout"] });
        // The key set tokens are signed with, for the issuer's public copy.
        const serviceAccountJwks = args.serviceAccountIssuer
            ? run("jwks", args.connection, { create: `${sudo}k3s kubectl get --raw /openid/v1/jwks`, logging: "stderr" }, { dependsOn: [uncordon] }).stdout
            : undefined;
        return { kubeconfig: pulumi.secret(read.stdout), serviceAccountJwks };
    }
}

type Run = (role: string, on: HostConnection, cmd: StepArgs, extra?: pulumi.CustomResourceOptions) => command.local.Command | RemoteCommand;

/** The plain settings, tailnet addresses laid over them on a mesh: wrapping the token or the SSH key would make every file a secret. */
function nodeSettings(args: K3sNodeArgs): pulumi.Output<PlainSettings> {
    const { connection: _c, token: _t, control: _ctl, etcdS3Credentials: _s3, mesh, ...plain } = args;
    return mesh ? meshSettings(plain, mesh) : pulumi.output(plain);
}

/** A node's settings on the mesh: its tailnet address for k3s, the first server's for joining and the kubeconfig. */
type PlainSettings = Omit<K3sNodeArgs, "connection" | "token" | "control" | "etcdS3Credentials" | "mesh">;

function meshSettings(args: PlainSettings, mesh: NonNullable<K3sNodeArgs["mesh"]>): pulumi.Output<PlainSettings> {
    return pulumi.all([mesh.nodeIp, mesh.firstServerIp]).apply(([nodeIp, first]) => ({
        ...args,
        nodeIp,
        address: nodeIp,
        serverUrl: args.clusterInit ? undefined : `https://${first}:6443`,
        flannelIface: mesh.iface,
        tlsSans: [...new Set([first, ...args.tlsSans])],
    }));
}
