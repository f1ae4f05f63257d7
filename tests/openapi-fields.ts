// Which fields each Kubernetes object may have, as the real API server's OpenAPI (v2) says:
// compacted into tests/fixtures/k8s-openapi-fields.json from the local control plane's
// kube-apiserver (tests/e2e/strict-fields.e2e.ts regenerates it and fails on drift), so the unit
// suite refuses a misspelled field (`readinesProbe`) the schema models let through.
import * as fs from "fs";
import * as path from "path";

/** Per definition: field -> the definition it holds ("" a scalar; "[]X" a list of X; "{}X" a map of X); "*" any fields. */
export interface OpenApiFields {
    kinds: Record<string, string>;
    definitions: Record<string, Record<string, string> | "*">;
}

export const openApiFieldsFile = path.join(__dirname, "fixtures", "k8s-openapi-fields.json");

interface SwaggerProperty { $ref?: string; type?: string; items?: SwaggerProperty; additionalProperties?: SwaggerProperty | boolean; "x-kubernetes-preserve-unknown-fields"?: boolean }
interface SwaggerDefinition { properties?: Record<string, SwaggerProperty>; additionalProperties?: unknown; "x-kubernetes-preserve-unknown-fields"?: boolean;
    "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[] }

const refName = (ref: string) => ref.replace(/^#\/definitions\//, "");

function fieldType(p: SwaggerProperty): string {
    if (p.$ref) return refName(p.$ref);
    if (p.type === "array" && p.items) return `[]${fieldType(p.items)}`;
    if (p.type === "object" && p.additionalProperties && typeof p.additionalProperties === "object") return `{}${fieldType(p.additionalProperties)}`;
    return "";
}

/** The compact form of an OpenAPI v2 document (`kubectl get --raw /openapi/v2`). */
export function compactOpenApi(swagger: { definitions: Record<string, SwaggerDefinition> }): OpenApiFields {
    const kinds: Record<string, string> = {};
    const definitions: OpenApiFields["definitions"] = {};
    for (const [name, def] of Object.entries(swagger.definitions).sort(([a], [b]) => a.localeCompare(b))) {
        for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
            kinds[`${gvk.group || "core"}/${gvk.version}/${gvk.kind}`] ??= name;
        }
        definitions[name] = !def.properties || def["x-kubernetes-preserve-unknown-fields"]
            ? "*"
            : Object.fromEntries(Object.entries(def.properties).map(([field, p]) => [field, p["x-kubernetes-preserve-unknown-fields"] ? "*" : fieldType(p)]));
    }
    return { kinds, definitions };
}

let loaded: OpenApiFields | undefined;
const fields = () => loaded ??= JSON.parse(fs.readFileSync(openApiFieldsFile, "utf8")) as OpenApiFields;

/** The fields of `object` (a `group/version/Kind` the server knows) that its schema does not have, as paths. */
export function unknownFields(gvk: string, object: unknown): string[] {
    const root = fields().kinds[gvk];
    if (!root) return [];
    const found: string[] = [];
    const walk = (value: unknown, type: string, at: string) => {
        if (value === null || value === undefined || type === "" || type === "*") return;
        if (type.startsWith("[]")) {
            if (Array.isArray(value)) value.forEach((v, i) => walk(v, type.slice(2), `${at}[${i}]`));
            return;
        }
        if (type.startsWith("{}")) {
            if (typeof value === "object") Object.entries(value as object).forEach(([k, v]) => walk(v, type.slice(2), `${at}.${k}`));
            return;
        }
        const def = fields().definitions[type];
        if (!def || def === "*" || typeof value !== "object" || Array.isArray(value)) return;
        for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
            if (!(key in def)) found.push(`${at ? `${at}.` : ""}${key}`);
            else walk(v, def[key], `${at ? `${at}.` : ""}${key}`);
        }
    };
    walk(object, root, "");
    return found;
}
