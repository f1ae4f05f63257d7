// Loads config fixtures and Pulumi.<stack>.yaml files into what the config module receives.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SecretSources } from "../config";
import { toConfigValues } from "../stacks/stack-file";

export { toConfigValues };

export interface Fixture {
    file: string;
    description: string;
    values: Record<string, string>;
    sources: SecretSources;
    expect: string[];
}

export function loadFixture(file: string): Fixture {
    const doc = parse(fs.readFileSync(file, "utf8")) ?? {};
    const { values, secretKeys } = toConfigValues(doc.config ?? {});
    const files: Record<string, string> = doc.files ?? {};
    return {
        file,
        description: doc.description ?? path.basename(file),
        values,
        expect: doc.expect ?? [],
        sources: {
            env: doc.env ?? {},
            readFile: (p) => {
                if (!(p in files)) {
                    throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
                }
                return files[p];
            },
            secretKeys: doc.secretKeys ?? (secretKeys.length ? secretKeys : undefined),
            baseDir: "/",
        },
    };
}

export function fixtures(kind: "valid" | "invalid"): Fixture[] {
    const dir = path.join(__dirname, "fixtures", "config", kind);
    return fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => loadFixture(path.join(dir, f)));
}

export const stackFile = (stack: string) => path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
