// Where secrets come from (config, environment, file), each resolved to a Pulumi secret; every
// problem is collected so the config loader can report them all at once.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { configPath, namespace } from "./problems";
import { SecretRef } from "./primitives";

export type Secret = pulumi.Output<string>;

/** Everything outside the config file that secrets may come from; injectable for tests. */
export interface SecretSources {
    env: Record<string, string | undefined>;
    readFile: (file: string) => string;
    /** Keys stored with `--secret`; when known, a plain-text key used as a secret is an error. */
    secretKeys?: string[];
    baseDir: string;
}

export const defaultSources = (): SecretSources => ({
    env: process.env,
    readFile: (file) => fs.readFileSync(file, "utf8"),
    secretKeys: process.env.PULUMI_CONFIG_SECRET_KEYS ? JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS) : undefined,
    baseDir: process.cwd(),
});

export function secretKeyName(ref: SecretRef): string | undefined {
    return "fromConfig" in ref ? `${namespace}:${ref.fromConfig}` : undefined;
}

export class SecretResolver {
    readonly problems: string[] = [];
    constructor(private readonly values: Record<string, string>, private readonly sources: SecretSources) {}

    resolve(ref: SecretRef, at: (string | number)[]): Secret {
        const where = configPath(at);
        let value: string | undefined;
        if ("fromConfig" in ref) {
            const key = `${namespace}:${ref.fromConfig}`;
            value = this.values[key];
            if (value === undefined) {
                this.problems.push(`${where}: config key ${key} is not set; run \`pulumi config set --secret ${ref.fromConfig} <value>\``);
            } else if (this.sources.secretKeys && !this.sources.secretKeys.includes(key)) {
                this.problems.push(`${where}: config key ${key} is stored in plain text; set it again with \`pulumi config set --secret ${ref.fromConfig} <value>\``);
            }
        } else if ("fromEnv" in ref) {
            value = this.sources.env[ref.fromEnv];
            if (value === undefined || value === "") {
                this.problems.push(`${where}: environment variable ${ref.fromEnv} is not set; export it before running pulumi`);
            }
        } else {
            const file = path.resolve(this.sources.baseDir, ref.fromFile.replace(/^~(?=\/)/, os.homedir()));
            try {
                value = this.sources.readFile(file).replace(/\r?\n$/, "");
                if (value === "") {
                    this.problems.push(`${where}: secret file ${file} is empty; put the secret in it`);
                }
            } catch (e) {
                this.problems.push(`${where}: cannot read secret file ${file} (${(e as NodeJS.ErrnoException).code ?? e}); create it or fix the path`);
            }
        }
        return pulumi.secret(value ?? "");
    }
}
