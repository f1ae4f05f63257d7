// command:remote:Command with kubestrap's connection defaults (dial retries and timeout), the
// connection kept secret and replaced only on a trigger change, and nothing more: every input and
// output is one upstream's pulumi-command 1.2.1 defines (tests/fixtures/upstream-schemas.json), so
// the program runs the same on upstream's plugin as on kubestrap's offline build of it.
// Host keys: a pin is a public key in authorized_keys form, which is what upstream's plugin
// takes; trust on first use is a step of its own (`host-key`) that reads the key the host's SSH
// server offers, after which every step on that host pins it.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

const commandVersion: string = require("@pulumi/command/package.json").version;

export interface SshConnection {
    host: pulumi.Input<string>;
    port?: pulumi.Input<number>;
    user?: pulumi.Input<string>;
    privateKey?: pulumi.Input<string>;
    dialErrorLimit?: pulumi.Input<number>;
    /** The host's public key in authorized_keys form ("ssh-ed25519 AAAA..."); unset: the first step on the host reads it. */
    hostKey?: pulumi.Input<string | undefined>;
}

export interface RemoteCommandArgs extends Omit<command.remote.CommandArgs, "connection"> {
    connection: pulumi.Input<SshConnection>;
}

const withDefaults = (c: SshConnection) => ({ ...c, dialErrorLimit: c.dialErrorLimit ?? 10, perDialTimeout: 15, port: c.port ?? 22, user: c.user ?? "root" });

export class RemoteCommand extends pulumi.CustomResource {
    declare readonly stdout: pulumi.Output<string>;
    declare readonly stderr: pulumi.Output<string>;

    constructor(name: string, args: RemoteCommandArgs, opts: pulumi.CustomResourceOptions = {}) {
        super("command:remote:Command", name, {
            ...args,
            connection: pulumi.secret(pulumi.output(args.connection).apply(withDefaults)),
            stdout: undefined,
            stderr: undefined,
        }, pulumi.mergeOptions(opts, { version: commandVersion, additionalSecretOutputs: ["connection"], replaceOnChanges: ["triggers[*]"] }));
    }
}

/** How to reach a host: SSH, or the machine Pulumi runs on. */
export type HostConnection =
    | {
        kind: "ssh"; host: string; port?: number; user: string; privateKey: pulumi.Input<string>;
        /** The host's public key ("ssh-ed25519 AAAA..."); unset, the key seen first is trusted and pinned. */
        hostKey?: pulumi.Input<string | undefined>;
    }
    | { kind: "local" };

export type SshHost = Extract<HostConnection, { kind: "ssh" }>;
export type StepArgs = Omit<command.remote.CommandArgs, "connection">;

/** The SSH connection of a step, with the host key it must see. */
export const sshConnection = (on: SshHost, hostKey: pulumi.Input<string | undefined> | undefined): SshConnection =>
    ({ host: on.host, port: on.port ?? 22, user: on.user, privateKey: on.privateKey, dialErrorLimit: 3, hostKey });

/**
 * Run on a host over the SSH connection being trusted for the first time: prints the public key
 * that connection's server offers (ssh-keyscan of the address and port in SSH_CONNECTION, so a
 * second sshd or a non-default key file is read right), preferring the key types upstream's
 * plugin negotiates best, else the default host key files.
 */
export const readHostKeyScript = [
    "set -eu",
    "set -- ${SSH_CONNECTION:-}",
    "key=",
    "if [ $# -ge 4 ] && command -v ssh-keyscan >/dev/null; then",
    "  for type in ed25519 ecdsa rsa; do",
    "    key=$(ssh-keyscan -T 5 -p \"$4\" -t \"$type\" \"$3\" 2>/dev/null | awk '$1 !~ /^#/ && NF >= 3 {print $2 \" \" $3; exit}')",
    "    [ -z \"$key\" ] || break",
    "  done",
    "fi",
    "for type in ed25519 ecdsa rsa; do",
    "  [ -z \"$key\" ] && [ -r \"/etc/ssh/ssh_host_${type}_key.pub\" ] && key=$(awk '{print $1 \" \" $2; exit}' \"/etc/ssh/ssh_host_${type}_key.pub\")",
    "done",
    "[ -n \"$key\" ] || { echo \"cannot read the SSH host key of this host (no ssh-keyscan, no /etc/ssh/ssh_host_*_key.pub): set its hostKey in the stack config to the key that ssh-keyscan -t ed25519 HOST prints\" >&2; exit 1; }",
    "echo \"host-key: $key\"",
].join("\n");

/** The key readHostKeyScript printed, in authorized_keys form. */
export function hostKeyFromOutput(stdout: string, host: string): string {
    const found = /^host-key: (\S+ \S+)\s*$/m.exec(stdout);
    if (!found) throw new Error(`the host-key step on ${host} printed no key; set its hostKey in the stack config (\`ssh-keyscan -t ed25519 ${host}\`)`);
    return found[1];
}

/**
 * Steps on hosts, named `<prefix>-<id>` and parented to one component: a local command through
 * /bin/sh on the machine Pulumi runs on, or a RemoteCommand over SSH that must see `hostKey`.
 */
export class HostSteps {
    constructor(private readonly parent: pulumi.Resource, private readonly prefix: string, private readonly sudo: string) {}

    run(id: string, on: HostConnection, cmd: StepArgs, hostKey?: pulumi.Input<string | undefined>, opts: pulumi.CustomResourceOptions = {}): command.local.Command | RemoteCommand {
        return on.kind === "local"
            ? new command.local.Command(`${this.prefix}-${id}`, { ...cmd, interpreter: ["/bin/sh", "-c"] }, { parent: this.parent, ...opts })
            : new RemoteCommand(`${this.prefix}-${id}`, { ...cmd, connection: sshConnection(on, hostKey) }, { parent: this.parent, ...opts });
    }

    /** Trust on first use: a step that reads the host's key with no pin; every step given the result pins it. */
    firstUseKey(id: string, on: SshHost): pulumi.Output<string> {
        const step = this.run(id, on, { create: readHostKeyScript, logging: "stderr" }) as RemoteCommand;
        return step.stdout.apply((out) => hostKeyFromOutput(out, on.host));
    }

    /** A file from the machine running Pulumi onto the host (executable), after `after`. */
    stage(id: string, on: HostConnection, source: string, target: string, hostKey: pulumi.Input<string | undefined> | undefined, after: pulumi.Resource): pulumi.Resource {
        return on.kind === "local"
            ? this.run(`stage-${id}`, on, { create: `${this.sudo}install -D -m 755 '${source}' '${target}'`, triggers: [source] }, undefined, { dependsOn: [after] })
            : new command.remote.CopyToRemote(`${this.prefix}-stage-${id}`, {
                connection: sshConnection(on, hostKey) as command.types.input.remote.ConnectionArgs,
                source: new pulumi.asset.FileAsset(source),
                remotePath: target,
            }, { parent: this.parent, dependsOn: [after] });
    }
}
