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
