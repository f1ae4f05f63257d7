// A stack's config file and the few settings the scripts act on before Pulumi runs (where the
// cluster is, which local node kind, which environment), read with the `yaml` package as Pulumi
// reads the file: flow style, quoting and indentation make no difference. scripts/stack-target.sh
// and `npm run status` both ask this module; nothing reads a stack file with sed.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** Pulumi.<stack>.yaml in the project, or an example's examples/<stack>/Pulumi.<stack>.yaml when the project has none of that name. */
export function stackConfigFile(projectDir: string, stack: string): string {
    const own = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const example = path.join(projectDir, "examples", stack, `Pulumi.${stack}.yaml`);
    return !fs.existsSync(own) && fs.existsSync(example) ? example : own;
}

export interface StackSettings {
    /** kubestrap:cluster.target: "local" unless the file says otherwise. */
    target: string;
    /** kubestrap:cluster.local.nodes: "kwok" unless the file says otherwise. */
    nodes: string;
    /** kubestrap:environment: "dev" unless the file says otherwise. */
    environment: string;
    /** kubestrap:cluster.mesh is set: the stack has a Headscale mesh. */
    mesh: boolean;
    /** kubestrap:cluster as the program reads it (an object, or the object a JSON string holds). */
    cluster: Record<string, any>;
    /** The whole `config:` map, values as Pulumi hands them to the program. */
    config: Record<string, unknown>;
}

/** A config value as the program's requireObject sees it: an object, or a string holding JSON. */
function objectValue(value: unknown): Record<string, any> {
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            return {};
        }
    }
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, any> : {};
}

/** The settings of a stack file; a missing file is a stack with every default (Pulumi creates it on first use). */
export function readStackSettings(file: string): StackSettings {
    let doc: unknown = {};
    if (fs.existsSync(file)) {
        try {
            doc = parse(fs.readFileSync(file, "utf8")) ?? {};
        } catch (e) {
            throw new Error(`${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}; fix the file (Pulumi could not read it either)`);
        }
    }
    const config = objectValue(objectValue(doc).config);
    const cluster = objectValue(config["kubestrap:cluster"]);
    const text = (v: unknown, fallback: string) => typeof v === "string" && v !== "" ? v : fallback;
    return {
        target: text(cluster.target, "local"),
        nodes: text(objectValue(cluster.local).nodes, "kwok"),
        environment: text(config["kubestrap:environment"], "dev"),
        mesh: cluster.mesh !== undefined && cluster.mesh !== null,
        cluster,
        config,
    };
}

/**
 * The stack file's config as Pulumi hands it to the program: scalars as text, objects as JSON;
 * a `secure:` value (which only Pulumi can decrypt) as a placeholder, its key listed as secret.
 */
export function toConfigValues(config: Record<string, unknown>): { values: Record<string, string>; secretKeys: string[] } {
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(config ?? {})) {
        if (value && typeof value === "object" && "secure" in value) {
            values[key] = `decrypted:${key}`;
            secretKeys.push(key);
        } else {
            values[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { values, secretKeys };
}
