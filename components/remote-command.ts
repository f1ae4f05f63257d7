// command:remote:Command with the one output kubestrap's command provider adds: `hostKey`,
// the SHA256 fingerprint of the key the host offered. @pulumi/command's class only resolves
// the outputs it declares, so this declares the same resource with that output too. Inputs,
// defaults, secrecy and replacement rules are @pulumi/command 1.2.1's.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

const commandVersion: string = require("@pulumi/command/package.json").version;

export interface SshConnection {
    host: pulumi.Input<string>;
    port?: pulumi.Input<number>;
    user?: pulumi.Input<string>;
    privateKey?: pulumi.Input<string>;
    dialErrorLimit?: pulumi.Input<number>;
    /** The host's public key ("ssh-ed25519 AAAA...") or fingerprint ("SHA256:..."); unset: trust on first use. */
    hostKey?: pulumi.Input<string | undefined>;
}

export interface RemoteCommandArgs extends Omit<command.remote.CommandArgs, "connection"> {
    connection: pulumi.Input<SshConnection>;
}

const withDefaults = (c: SshConnection) => ({ ...c, dialErrorLimit: c.dialErrorLimit ?? 10, perDialTimeout: 15, port: c.port ?? 22, user: c.user ?? "root" });

export class RemoteCommand extends pulumi.CustomResource {
    declare readonly stdout: pulumi.Output<string>;
    declare readonly stderr: pulumi.Output<string>;
    /** The SHA256 fingerprint of the host key this command's connection saw. */
    declare readonly hostKey: pulumi.Output<string>;

    constructor(name: string, args: RemoteCommandArgs, opts: pulumi.CustomResourceOptions = {}) {
        super("command:remote:Command", name, {
            ...args,
            connection: pulumi.secret(pulumi.output(args.connection).apply(withDefaults)),
            stdout: undefined,
            stderr: undefined,
            hostKey: undefined,
        }, pulumi.mergeOptions(opts, { version: commandVersion, additionalSecretOutputs: ["connection"], replaceOnChanges: ["triggers[*]"] }));
    }
}

/** How to reach a host: SSH, or the machine Pulumi runs on. */
export type HostConnection =
    | {
        kind: "ssh"; host: string; port?: number; user: string; privateKey: pulumi.Input<string>;
        /** The host's public key or SHA256 fingerprint; unset, the key seen first is trusted and pinned. */
        hostKey?: pulumi.Input<string | undefined>;
    }
    | { kind: "local" };

export type SshHost = Extract<HostConnection, { kind: "ssh" }>;
export type StepArgs = Omit<command.remote.CommandArgs, "connection">;

/** The SSH connection of a step, with the host key it must see. */
export const sshConnection = (on: SshHost, hostKey: pulumi.Input<string | undefined> | undefined): SshConnection =>
    ({ host: on.host, port: on.port ?? 22, user: on.user, privateKey: on.privateKey, dialErrorLimit: 3, hostKey });

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
