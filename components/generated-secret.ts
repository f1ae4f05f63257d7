// A random secret made once, at create, and kept in the stack's state (as a secret) from then on:
// what a Grafana admin password or an S3 key needs, without a `random` provider plugin.
import * as pulumi from "@pulumi/pulumi";

export interface GeneratedSecretArgs {
    /** Number of characters, from [A-Za-z0-9]. Changing it makes a new secret. */
    length: number;
}

const generator: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { length: number }) {
        const { randomBytes, randomUUID } = await import("crypto");
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let value = "";
        while (value.length < inputs.length) {
            // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every character equally likely.
            for (const byte of randomBytes(inputs.length)) {
                if (byte < 248 && value.length < inputs.length) {
                    value += alphabet[byte % alphabet.length];
                }
            }
        }
        return { id: randomUUID(), outs: { length: inputs.length, generated: value } };
    },
    async diff(_id: string, olds: { length: number }, news: { length: number }) {
        const changed = olds.length !== news.length;
        return { changes: changed, replaces: changed ? ["length"] : [], deleteBeforeReplace: false };
    },
};

export class GeneratedSecret extends pulumi.dynamic.Resource {
    /** The secret; always marked secret, whatever the engine (or a test's mocks) hands back. */
    readonly value: pulumi.Output<string>;

    constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
        super(generator, name, { length: args.length, generated: undefined }, { ...opts, additionalSecretOutputs: ["generated"] },
            "kubestrap", "GeneratedSecret");
        this.value = pulumi.secret((this as unknown as { generated: pulumi.Output<string> }).generated);
    }
}
