// Reads a docker-compose file as `docker compose config` would before kubestrap translates it:
// YAML with anchors and merge keys, variables interpolated from the environment and the .env
// file beside it, validated against the Compose Specification's JSON schema (vendored:
// compose/compose-spec.json, from github.com/compose-spec/compose-go/v2 v2.16.2), and the
// services of the selected profiles. Every problem names the file, the line and the key.
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import standaloneCode from "ajv/dist/standalone";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { projectDir } from "../core/project-dir";

export const composeSpecSource = "github.com/compose-spec/compose-go/v2@v2.16.2 schema/compose-spec.json";

export type ComposeService = Record<string, any> & { profiles?: string[] };
export interface ComposeProject {
    name?: string;
    /** What `docker compose config` would warn about too: variables used but not set. */
    warnings?: string[];
    /** What the file was interpolated from: .env under the environment. Also what `environment: [NAME]` reads. */
    environment?: Record<string, string | undefined>;
    services: Record<string, ComposeService>;
    volumes: Record<string, any>;
    secrets: Record<string, any>;
    configs: Record<string, any>;
    networks: Record<string, any>;
}

export class ComposeError extends Error {
    constructor(readonly file: string, readonly problems: string[]) {
        super(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

export interface LoadOptions {
    /** The environment variables interpolate from (the shell's win over .env, as Compose does). */
    env?: Record<string, string | undefined>;
    profiles?: string[];
    readFile?: (file: string) => string;
}

/** `mode: 0440` is octal to Compose (its Go YAML reads YAML 1.1), not the decimal 440 of YAML 1.2. */
const legacyOctal = { tag: "tag:yaml.org,2002:int", format: "OCT", default: true, test: /^0[0-7]+$/, resolve: (s: string) => parseInt(s, 8) };

// Compiled on the first Compose file, not when the program loads: most stacks have none.
let validator: ValidateFunction | undefined;
const composeSchema = () => validator ??= cachedValidator();

/**
 * Compiling the schema takes about 300 ms, most of a `translate` call: the compiled validator
 * is kept as code (Ajv's standalone output) in .kubestrap/cache, keyed by the schema and Ajv's
 * version, and later runs load it. A cache that cannot be written is only slower.
 */
function cachedValidator(): ValidateFunction {
    const schema = fs.readFileSync(path.join(projectDir, "compose", "compose-spec.json"), "utf8");
    const ajvVersion = JSON.parse(fs.readFileSync(require.resolve("ajv/package.json"), "utf8")).version;
    const key = createHash("sha256").update(`${ajvVersion}\n${schema}`).digest("hex").slice(0, 16);
    const file = path.join(projectDir, ".kubestrap", "cache", `compose-spec-${key}.js`);
    if (fs.existsSync(file)) {
        try {
            return require(file) as ValidateFunction;
        } catch {
            // A damaged cache file: compile again below, and replace it.
        }
    }
    const ajv = new Ajv2020({ strict: false, allErrors: true, code: { source: true } });
    const validate = ajv.compile(JSON.parse(schema));
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, standaloneCode(ajv, validate));
        fs.renameSync(tmp, file);
    } catch {
        // Read-only checkout: every run compiles.
    }
    return validate;
}

/**
 * KEY=VALUE lines of a .env file: comments, `export`, and single or double quotes as Compose
 * reads them. Unquoted and double-quoted values expand `${VAR}` from the lines above, then `env`.
 */
export function parseDotEnv(text: string, env: Record<string, string | undefined> = {}): Record<string, string> {
    const values: Record<string, string> = {};
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim().replace(/^export\s+/, "");
        const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
        if (!m || line.startsWith("#")) continue;
        let value = m[2];
        const expand = (v: string) => interpolate(v, { ...env, ...values }, () => undefined);
        if (/^'.*'$/.test(value)) value = value.slice(1, -1);
        else if (/^".*"$/.test(value)) value = expand(value.slice(1, -1).replace(/\\n/g, "\n").replace(/\\"/g, '"'));
        else value = expand(value.replace(/\s+#.*$/, ""));
        values[m[1]] = value;
    }
    return values;
}

/**
 * `${VAR}`, `$VAR`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a literal `$`. Defaults may nest.
 */
export function interpolate(text: string, env: Record<string, string | undefined>, problem: (message: string) => void,
    unset: (name: string) => void = () => undefined): string {
    let out = "";
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (c !== "$") {
            out += c;
            i++;
            continue;
        }
        const next = text[i + 1];
        if (next === "$") {
            out += "$";
            i += 2;
        } else if (next === "{") {
            let depth = 1, j = i + 2;
            while (j < text.length && depth > 0) {
                if (text[j] === "{") depth++;
                if (text[j] === "}") depth--;
                j++;
            }
            if (depth > 0) {
                problem(`"${text}" opens \${ without closing it; write \${NAME} (or $$ for a literal $)`);
                return text;
            }
            out += expand(text.slice(i + 2, j - 1), env, problem, unset);
            i = j;
        } else if (next !== undefined && /[A-Za-z_]/.test(next)) {
            const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))![0];
            if (env[name] === undefined) unset(name);
            out += env[name] ?? "";
            i += 1 + name.length;
        } else {
            out += "$";
            i++;
        }
    }
    return out;
}

function expand(body: string, env: Record<string, string | undefined>, problem: (message: string) => void, unset: (name: string) => void): string {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(body);
    if (!m) {
        problem(`"\${${body}}" is not a variable; write \${NAME}, \${NAME:-default} or \${NAME:?message}`);
        return "";
    }
    const [, name, colon, op, arg = ""] = m;
    const value = env[name];
    const missing = colon ? value === undefined || value === "" : value === undefined;
    switch (op) {
        case "-": return missing ? interpolate(arg, env, problem, unset) : value!;
        case "+": return missing ? "" : interpolate(arg, env, problem, unset);
        case "?":
            if (missing) problem(`required variable ${name} is ${value === undefined ? "not set" : "empty"}${arg ? `: ${interpolate(arg, env, problem, unset)}` : ""}; set it in the environment or in .env`);
            return value ?? "";
        default:
            if (value === undefined) unset(name);
            return value ?? "";
    }
}

/** Interpolates every string value (not the keys), reporting problems at their key path. */
function interpolateAll(value: unknown, env: Record<string, string | undefined>, at: string[], problem: (at: string[], message: string) => void,
    unset: (at: string[], name: string) => void): unknown {
    if (typeof value === "string") return interpolate(value, env, (m) => problem(at, m), (name) => unset(at, name));
    if (Array.isArray(value)) return value.map((v, i) => interpolateAll(v, env, [...at, String(i)], problem, unset));
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k.startsWith("x-") && at.length === 0 ? v : interpolateAll(v, env, [...at, k], problem, unset)]));
    }
    return value;
}

export function loadCompose(file: string, opts: LoadOptions = {}): ComposeProject {
    const readFile = opts.readFile ?? ((f: string) => fs.readFileSync(f, "utf8"));
    const text = readFile(file);
    const lines = new LineCounter();
    const doc = parseDocument(text, { merge: true, lineCounter: lines, uniqueKeys: true, customTags: (tags) => [legacyOctal, ...tags] });
    const lineOf = (at: string[]): string => {
        let node: unknown = doc.contents;
        let last: unknown = node;
        for (const key of at) {
            if (isMap(node)) node = node.get(key, true);
            else if (isSeq(node)) node = node.get(Number(key), true);
            else break;
            if (node) last = node;
        }
        const range = (last as { range?: [number, number] } | undefined)?.range;
        return range ? `:${lines.linePos(range[0]).line}` : "";
    };
    const where = (at: string[]) => `${path.basename(file)}${lineOf(at)}: ${at.join(".") || "(top level)"}`;
    if (doc.errors.length > 0) {
        throw new ComposeError(file, doc.errors.map((e) => `${path.basename(file)}:${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0]}`));
    }
    const raw = doc.toJS({ maxAliasCount: 1000 });
    if (!raw || typeof raw !== "object" || Array.isArray(raw) || isScalar(doc.contents)) {
        throw new ComposeError(file, [`${path.basename(file)}: is not a Compose file (a mapping with services)`]);
    }
    let dotEnv: Record<string, string> = {};
    try {
        dotEnv = parseDotEnv(readFile(path.join(path.dirname(file), ".env")), opts.env ?? process.env);
    } catch {
        // no .env: only the environment
    }
    // As `docker compose`: the environment over .env, and ${PWD} the project's directory.
    const env: Record<string, string | undefined> = { ...dotEnv, ...(opts.env ?? process.env), PWD: path.resolve(path.dirname(file)) };
    const problems: string[] = [];
    const warnings: string[] = [];
    const project = interpolateAll(raw, env, [], (at, m) => problems.push(`${where(at)}: ${m}`),
        (at, name) => warnings.push(`${path.basename(file)}: ${at.join(".")}: the ${name} variable is not set; it is the empty string here, as docker compose makes it (set it in the environment or in .env)`)) as Record<string, any>;
    const validate = composeSchema();
    if (!validate(project)) {
        const errors = validate.errors ?? [];
        const extraOf = (e: (typeof errors)[number]) =>
            (e.params as { unevaluatedProperty?: string; additionalProperty?: string }).unevaluatedProperty ?? (e.params as { additionalProperty?: string }).additionalProperty;
        const pathOf = (instancePath: string) => instancePath.split("/").filter(Boolean).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
        const byValue = new Map<string, string[]>();
        for (const e of errors) {
            const extra = extraOf(e);
            if (!extra) {
                const detail = `${e.message}${e.keyword === "enum" ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : ""}`;
                byValue.set(e.instancePath, [...new Set([...(byValue.get(e.instancePath) ?? []), detail])]);
                continue;
            }
            // A key whose value failed its own schema is also "unevaluated" to its parent: report the value once.
            if (errors.some((o) => !extraOf(o) && o.instancePath.startsWith(`${e.instancePath}/${extra}`))) continue;
            problems.push(`${where([...pathOf(e.instancePath), extra])}: "${extra}" is not a Compose key here; check its spelling against the Compose Specification`);
        }
        for (const [instancePath, details] of byValue) {
            // The alternatives of a oneOf, said once: "must be array or object".
            const specific = details.filter((d) => !/^must match (exactly one|a) schema in (oneOf|anyOf)/.test(d));
            const said = specific.length > 0 ? specific : details;
            const text = said.every((d) => d.startsWith("must be ")) ? `must be ${said.map((d) => d.slice(8)).join(" or ")}` : said.join("; ");
            problems.push(`${where(pathOf(instancePath))}: ${text}`);
        }
    }
    if (!project.services || Object.keys(project.services).length === 0) {
        problems.push(`${where([])}: no services; a Compose file kubestrap deploys needs at least one`);
    }
    if (problems.length > 0) {
        throw new ComposeError(file, [...new Set(problems)]);
    }
    // Profiles the caller names, else COMPOSE_PROFILES from the environment or .env, as docker compose reads it.
    const profiles = new Set(opts.profiles && opts.profiles.length > 0 ? opts.profiles : (env.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim()).filter(Boolean));
    const services = Object.fromEntries(Object.entries(project.services as Record<string, ComposeService>)
        .filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.has(p))));
    return {
        name: env.COMPOSE_PROJECT_NAME || project.name, environment: env, services, warnings: [...new Set(warnings)],
        volumes: project.volumes ?? {}, secrets: project.secrets ?? {}, configs: project.configs ?? {}, networks: project.networks ?? {},
    };
}
