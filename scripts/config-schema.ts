// The JSON Schema of a stack file (Pulumi.<stack>.yaml) and the settings reference, both generated
// from the config schema (config/schema.ts), so neither can drift from what the program checks.
// `npm run docs:schema` writes them; the unit suite fails when a committed copy is stale.
//   docs/reference/stack-file.schema.json   for editors (each shipped stack file names it)
//   docs/reference/settings.md              every setting: its path, type, default and allowed values
import * as fs from "fs";
import * as path from "path";
import { zodToJsonSchema } from "zod-to-json-schema";
import { appsShape, topLevel } from "../config/schema";
import { projectDir } from "../core/project-dir";

type Json = Record<string, any>;

export const schemaFile = path.join(projectDir, "docs", "reference", "stack-file.schema.json");
export const referenceFile = path.join(projectDir, "docs", "reference", "settings.md");

/** A `secure:` value, as `pulumi config set --secret` writes it. */
const secure: Json = { type: "object", properties: { secure: { type: "string" } }, required: ["secure"], additionalProperties: false };

export function stackFileSchema(): Json {
    const sections = Object.fromEntries(Object.entries({ ...topLevel, apps: appsShape }).map(([name, schema]) => {
        const json = zodToJsonSchema(schema as any, { target: "jsonSchema7", $refStrategy: "none", effectStrategy: "input" }) as Json;
        delete json.$schema;
        return [`kubestrap:${name}`, json];
    }));
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: "https://github.com/kubestrap/kubestrap/docs/reference/stack-file.schema.json",
        title: "kubestrap stack file (Pulumi.<stack>.yaml)",
        description: "Generated from config/schema.ts by `npm run docs:schema`; docs/reference/settings.md lists the same settings.",
        type: "object",
        properties: {
            config: {
                type: "object",
                properties: sections,
                // Other keys: secret keys a fromConfig names, and other packages' settings.
                additionalProperties: { anyOf: [secure, { type: ["string", "number", "boolean", "object", "array"] }] },
            },
            encryptionsalt: { type: "string" },
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
        },
    };
}

/** One row per setting: its path, its type, its default, what it allows. */
function rows(schema: Json, at: string, out: string[][]): void {
    const variants: Json[] = schema.anyOf ?? schema.oneOf ?? [schema];
    const types = [...new Set(variants.map((v) => v.enum ? v.enum.map((e: unknown) => JSON.stringify(e)).join(" \\| ") : v.type === "array" ? "list" : v.type ?? "any"))].join(" or ");
    const allows = variants.map((v) => [v.pattern ? `pattern \`${v.pattern.replace(/\|/g, "\\|")}\`` : "", v.minimum !== undefined ? `≥ ${v.minimum}` : "",
        v.maximum !== undefined ? `≤ ${v.maximum}` : "", v.minLength ? `at least ${v.minLength} character${v.minLength === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ")).filter(Boolean).join("; ");
    if (at) out.push([`\`${at}\``, types, schema.default !== undefined ? `\`${JSON.stringify(schema.default)}\`` : "", allows]);
    for (const v of variants) {
        for (const [key, child] of Object.entries<Json>(v.properties ?? {})) rows(child, at ? `${at}.${key}` : key, out);
        if (v.type === "array" && v.items) rows(v.items, `${at}[]`, out);
        if (v.additionalProperties && typeof v.additionalProperties === "object" && Object.keys(v.additionalProperties).length > 0) rows(v.additionalProperties, `${at}.<name>`, out);
    }
}

export function settingsReference(schema = stackFileSchema()): string {
    const lines = [
        "# Settings reference",
        "",
        "Every `kubestrap:` setting of a stack file, generated from `config/schema.ts` by `npm run docs:schema` (do not edit by hand).",
        "The same schema, as JSON Schema for editors, is [stack-file.schema.json](stack-file.schema.json). `npm run validate` checks a",
        "stack file against everything here and the checks across settings, offline.",
        "",
    ];
    for (const [key, section] of Object.entries<Json>(schema.properties.config.properties)) {
        const out: string[][] = [];
        rows(section, "", out);
        lines.push(`## ${key}`, "");
        const top: string[][] = [];
        rows({ properties: { [key]: section } }, "", top);
        lines.push(`Type: ${top[0][1]}${top[0][2] ? `, default ${top[0][2]}` : ""}.`, "");
        if (out.length > 0) {
            lines.push("| setting | type | default | allowed |", "|---|---|---|---|", ...out.map((r) => `| ${r.join(" | ")} |`), "");
        }
    }
    return lines.join("\n");
}

if (require.main === module) {
    const schema = stackFileSchema();
    fs.mkdirSync(path.dirname(schemaFile), { recursive: true });
    fs.writeFileSync(schemaFile, `${JSON.stringify(schema, null, 2)}\n`);
    fs.writeFileSync(referenceFile, `${settingsReference(schema)}\n`);
    console.log(`wrote ${path.relative(projectDir, schemaFile)} and ${path.relative(projectDir, referenceFile)}`);
}
