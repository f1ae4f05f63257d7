// MCP servers as b00t describes them: `*.mcp.toml` files with one [b00t] table (name, type = "mcp",
// command, args, hint, [b00t.env]), read from a directory, or the same fields inline under
// kubestrap:mcpServers. Every problem names where it is: `file:line: b00t.key: ...` for a file,
// `kubestrap:mcpServers.servers[i].key: ...` for an inline entry. Secrets in env are references
// (fromEnv, fromFile, fromConfig, or "${VAR}"), never plain text, and become Pulumi secrets.
import * as fs from "fs";
import * as path from "path";
import { parse, TomlError } from "smol-toml";
import { z } from "zod";
import { closestName, envNameProblem, secretLookingName } from "./formats";
import { dnsName, image, secretRef, SecretRef } from "./primitives";
import { ConfigError, configPath } from "./problems";
import { Secret, SecretResolver, SecretSources } from "./secrets";

/**
 * The pinned images an MCP server runs in when its file names no `image`, chosen by its command.
 * Both run as uid 1000 (the node image's `node` user; the uv image has no user of its own, and
 * HOME=/tmp gives it one), and get a package cache under the writable /tmp, since npx and uvx
 * download the server when the pod starts.
 */
export const mcpRuntimes = {
    node: {
        image: "node:22.12.0-bookworm-slim",
        commands: ["npx", "node"],
        runAsUser: 1000,
        cacheEnv: { npm_config_cache: "/tmp/.npm" },
    },
    python: {
        image: "ghcr.io/astral-sh/uv:0.5.11-python3.12-bookworm-slim",
        commands: ["uvx", "uv", "python", "python3"],
        runAsUser: 1000,
        cacheEnv: { UV_CACHE_DIR: "/tmp/uv" },
    },
} as const;
export type McpRuntime = keyof typeof mcpRuntimes;
export const defaultNodeImage = mcpRuntimes.node.image;
export const defaultPythonImage = mcpRuntimes.python.image;

/** The runtime whose pinned image has `command`, or undefined. */
export function runtimeOf(command: string): McpRuntime | undefined {
    return (Object.keys(mcpRuntimes) as McpRuntime[]).find((r) => (mcpRuntimes[r].commands as readonly string[]).includes(command));
}

export const mcpTransports = ["stdio", "http", "sse"] as const;
export type McpTransport = (typeof mcpTransports)[number];


/** One server as described, before its secrets are looked up and its image is chosen. */
export interface McpServerSpec {
    name: string;
    hint?: string;
    command: string;
    args: string[];
    /** Set in the file or entry; otherwise the runtime's pinned image, chosen when resolved. */
    image?: string;
    /** From the command (npx, node: node; uvx, uv, python: python); undefined for other commands. */
    runtime?: McpRuntime;
    transport: McpTransport;
    port?: number;
    path?: string;
    /** Always 1 for stdio: one client talks to one process. */
    replicas: number;
    env: Record<string, string>;
    secretEnv: Record<string, SecretRef>;
    /** Where the name is written, to name it in a problem ("a.mcp.toml:2: b00t.name"). */
    nameAt: string;
    /** Where each secret reference is written, likewise ("a.mcp.toml:9: b00t.env.TOKEN"). */
    secretAt: Record<string, string>;
    /** The file, or the inline entry's config path. */
    source: string;
}

export interface ResolvedMcpServer extends Omit<McpServerSpec, "image" | "secretEnv" | "nameAt" | "secretAt"> {
    image: string;
    /** The uid the pod runs as: the runtime's, for a runtime's image; unset (kubestrap's default) for your own. */
    runAsUser?: number;
    secretEnv: Record<string, Secret>;
}

export interface ResolvedMcpServers {
    namespace: string;
    servers: ResolvedMcpServer[];
    /** The `kubestrap:<key>` secrets the servers' files name by fromConfig: known settings, not strays. */
    configKeys: string[];
}

type Syntax = "toml" | "yaml";
interface Problem { path: (string | number)[]; message: string; lineOf?: string[] }

const keysOf = ["name", "type", "hint", "command", "args", "image", "transport", "port", "path", "replicas", "env", "desires"];

function fields(syntax: Syntax) {
    return z.object({
        name: dnsName,
        // Inline entries are MCP servers by where they are; a b00t file says what it is.
        type: syntax === "toml" ? z.literal("mcp") : z.literal("mcp").default("mcp"),
        hint: z.string().optional(),
        command: z.string().min(1),
        args: z.array(z.string()).default([]),
        image: image.optional(),
        transport: z.enum(mcpTransports).default("stdio"),
        port: z.number().int().min(1).max(65535).optional(),
        path: z.string().regex(/^\/\S*$/, "is not a URL path; write it like /mcp").optional(),
        replicas: z.number().int().min(1).optional(),
        env: z.record(z.unknown()).default({}),
        /** b00t's wanted version of the tool; kubestrap pins versions in args or image, and does not read it. */
        desires: z.string().optional(),
    }).strict();
}
type Fields = z.infer<ReturnType<typeof fields>>;

const wholeVariable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function referenceHelp(key: string, syntax: Syntax): string {
    return syntax === "toml"
        ? `${key} = { fromEnv = "${key}" }, { fromFile = "<path>" }, { fromConfig = "<key>" } or "\${${key}}"`
        : `{ fromEnv: ${key} }, { fromFile: <path> }, { fromConfig: <key> } or "\${${key}}"`;
}

type EnvValue = { literal: string } | { ref: SecretRef } | { problem: string };

/** What an env value is: a literal, a secret reference, or why it is neither. Never echoes a secret. */
function envValue(key: string, value: unknown, syntax: Syntax): EnvValue {
    const secretLooking = secretLookingName.test(key);
    if (typeof value === "string") {
        const variable = wholeVariable.exec(value);
        if (variable) {
            return { ref: { fromEnv: variable[1] } };
        }
        if (secretLooking) {
            return { problem: `looks like a secret and is written in plain text; reference it instead: ${referenceHelp(key, syntax)}` };
        }
        if (value.includes("${")) {
            return { problem: `"${value}" mixes text with \${...}; only a whole "\${VAR}" is read, as a reference to the environment variable` };
        }
        return { literal: value };
    }
    if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") {
        return secretLooking
            ? { problem: `looks like a secret and is written in plain text; reference it instead: ${referenceHelp(key, syntax)}` }
            : { literal: String(value) };
    }
    // A table: smol-toml's have no prototype, YAML's (through JSON) have Object's; a TOML date is neither.
    if (value && typeof value === "object" && [null, Object.prototype].includes(Object.getPrototypeOf(value))) {
        const ref = secretRef.safeParse(value);
        if (ref.success) {
            return { ref: ref.data };
        }
        const sources = ["fromEnv", "fromFile", "fromConfig"];
        const misspelt = Object.keys(value).find((k) => !sources.includes(k) && closestKey(k, sources));
        if (misspelt) {
            return { problem: `"${misspelt}" is not where a secret comes from; did you mean "${closestKey(misspelt, sources)}"?` };
        }
        return {
            problem: syntax === "toml"
                ? `a reference is one of { fromEnv = "<VAR>" }, { fromFile = "<path>" } or { fromConfig = "<key>" }`
                : ref.error.issues[0].message,
        };
    }
    return { problem: `must be a string (or, for a secret, a reference: ${referenceHelp(key, syntax)})` };
}

const examples: Record<string, string> = { port: "8080", image: '"registry/name:tag"' };

/** The checks that span fields, run on the raw entry so they report even when a field is wrong. */
function crossProblems(raw: Record<string, unknown>, syntax: Syntax): Problem[] {
    const problems: Problem[] = [];
    const set = (key: string) => syntax === "toml" ? `${key} = ${examples[key]}` : `${key}: ${examples[key].replace(/"/g, "")}`;
    const transport = raw.transport ?? "stdio";
    if (transport === "http" || transport === "sse") {
        if (raw.port === undefined) {
            problems.push({ path: ["port"], lineOf: ["transport"], message: `is required for transport "${transport}"; set it to the port the server listens on (${set("port")}, say)` });
        }
    } else if (transport === "stdio") {
        for (const key of ["port", "path", "replicas"]) {
            if (raw[key] !== undefined) {
                problems.push({ path: [key], message: `applies to transport "http" or "sse" only (a stdio server has no port and one replica); remove it or set transport` });
            }
        }
    }
    if (typeof raw.command === "string" && /\s/.test(raw.command)) {
        problems.push({ path: ["command"], message: `"${raw.command}" has spaces; put the program in command and each argument in args` });
    } else if (typeof raw.command === "string" && raw.command !== "" && raw.image === undefined && !runtimeOf(raw.command)) {
        const known = Object.values(mcpRuntimes).flatMap((r) => r.commands);
        problems.push({
            path: ["command"],
            message: `kubestrap pins an image only for ${known.slice(0, -1).join(", ")} and ${known[known.length - 1]}; ` +
                `set image to a pinned image that has "${raw.command}" (${set("image")})`,
        });
    }
    const env = raw.env;
    if (env && typeof env === "object" && !Array.isArray(env)) {
        for (const [key, value] of Object.entries(env)) {
            const name = envNameProblem(key);
            if (name) {
                problems.push({ path: ["env", key], message: name });
            }
            const parsed = envValue(key, value, syntax);
            if ("problem" in parsed) {
                problems.push({ path: ["env", key], message: parsed.problem });
            }
        }
    }
    return problems;
}

function toSpec(f: Fields, source: string, where: (...key: string[]) => string, syntax: Syntax): McpServerSpec {
    const env: Record<string, string> = {};
    const secretEnv: Record<string, SecretRef> = {};
    const at: Record<string, string> = {};
    for (const [key, value] of Object.entries(f.env)) {
        const parsed = envValue(key, value, syntax);
        if ("literal" in parsed) {
            env[key] = parsed.literal;
        } else if ("ref" in parsed) {
            secretEnv[key] = parsed.ref;
            at[key] = where("env", key);
        }
    }
    const web = f.transport !== "stdio";
    return {
        name: f.name,
        ...(f.hint !== undefined ? { hint: f.hint } : {}),
        command: f.command,
        args: f.args,
        ...(f.image ? { image: f.image } : {}),
        ...(runtimeOf(f.command) ? { runtime: runtimeOf(f.command) } : {}),
        transport: f.transport,
        ...(web ? { port: f.port, ...(f.path ? { path: f.path } : {}) } : {}),
        replicas: web ? f.replicas ?? 1 : 1,
        env, secretEnv, nameAt: where("name"), secretAt: at, source,
    };
}

/**
 * Validates one server's fields: the schema's own issues and the cross-field checks, all of them.
 * `issues` are zod issues (for the config's formatter); the result is undefined when any was found.
 */
function checkServer(raw: unknown, syntax: Syntax): { fields?: Fields; issues: z.ZodIssue[]; problems: Problem[] } {
    const parsed = fields(syntax).safeParse(raw);
    const problems = raw && typeof raw === "object" && !Array.isArray(raw) ? crossProblems(raw as Record<string, unknown>, syntax) : [];
    return { fields: parsed.success && problems.length === 0 ? parsed.data : undefined, issues: parsed.success ? [] : parsed.error.issues, problems };
}

/** An inline entry of kubestrap:mcpServers.servers: the fields of a [b00t] table, `type` optional. */
export const inlineMcpServer = z.unknown().superRefine((raw, ctx) => {
    const { issues, problems } = checkServer(raw, "yaml");
    issues.forEach((issue) => ctx.addIssue(issue as z.IssueData));
    problems.forEach((p) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: p.path, message: p.message }));
}).transform((raw) => fields("yaml").parse(raw));

/** The `kubestrap:mcpServers` section. */
export const mcpServersConfig = z.object({
    /** Where every MCP server runs (one namespace, like the apps'). */
    namespace: dnsName.default("mcp"),
    /** A directory of `*.mcp.toml` files, relative to the project directory. */
    directory: z.string().min(1).optional(),
    servers: z.array(inlineMcpServer).default([]),
    /** Your own pins for the runtimes' images, e.g. a mirror's copy. */
    runtimes: z.object({ node: image.optional(), python: image.optional() }).strict().default({}),
}).strict().superRefine((c, ctx) => {
    if (!c.directory && c.servers.length === 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "names no servers; set directory (a directory of *.mcp.toml files) or servers" });
    }
});
export type McpServersConfig = z.infer<typeof mcpServersConfig>;

/** The known key `key` is most likely a misspelling of (at most two edits away), or undefined. */
function closestKey(key: string, known: string[]): string | undefined {
    return closestName(key.toLowerCase(), known, 2);
}

function unknownKey(key: string, known: string[], table: string): string {
    const meant = closestKey(key, known);
    return meant ? `unknown key; did you mean "${meant}"?` : `unknown key; [${table}] takes ${known.join(", ")}`;
}

const keyPart = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const dottedKey = String.raw`${keyPart}(?:\s*\.\s*${keyPart})*`;
const headerLine = new RegExp(String.raw`^\s*\[(\[?)\s*(${dottedKey})\s*\]\]?\s*(?:#.*)?$`);
const keyLine = new RegExp(String.raw`^\s*(${dottedKey})\s*=`);

function splitKey(text: string): string[] {
    const unquote = (p: string): string => {
        if (p.startsWith('"')) {
            try {
                return JSON.parse(p);
            } catch {
                return p.slice(1, -1); // a TOML escape JSON lacks (\U0001F600): close enough for a line number
            }
        }
        return p.replace(/^'|'$/g, "");
    };
    return (text.match(new RegExp(keyPart, "g")) ?? []).map(unquote);
}

/**
 * Where each key of a TOML text is, by dotted path ("b00t.env.TOKEN" -> its line), found by a
 * scan of table headers and `key =` lines: enough for the flat files b00t writes. Keys inside
 * inline tables and multi-line arrays are not mapped, nor lines inside multi-line strings;
 * a problem there is reported at its nearest mapped parent.
 */
export function tomlKeyLines(text: string): Map<string, number> {
    const lines = new Map<string, number>();
    const note = (parts: string[], line: number) => {
        for (let n = 1; n <= parts.length; n++) {
            const key = parts.slice(0, n).join(".");
            if (!lines.has(key)) {
                lines.set(key, line);
            }
        }
    };
    let table: string[] = [];
    let inString: string | undefined;
    text.split(/\r?\n/).forEach((line, i) => {
        const number = i + 1;
        if (inString) {
            if (line.split(inString).length % 2 === 0) {
                inString = undefined;
            }
            return;
        }
        const header = headerLine.exec(line);
        if (header) {
            table = splitKey(header[2]);
            note(table, number);
            return;
        }
        const key = keyLine.exec(line);
        if (key) {
            note([...table, ...splitKey(key[1])], number);
        }
        for (const quote of ['"""', "'''"]) {
            if (line.split(quote).length % 2 === 0) {
                inString = quote;
            }
        }
    });
    return lines;
}

function describeFileIssue(issue: z.ZodIssue): string {
    switch (issue.code) {
        case z.ZodIssueCode.invalid_type:
            if (issue.received === "undefined") {
                const help: Record<string, string> = {
                    name: `; write name = "<server>" (lower-case letters, digits and '-')`,
                    type: `; write type = "mcp"`,
                    command: `; write the program that starts the server, e.g. command = "npx"`,
                };
                return `is required${help[String(issue.path[0])] ?? ""}`;
            }
            return `expected ${issue.expected}, got ${issue.received}` +
                (issue.expected === "number" || issue.expected === "boolean" ? "; write it without quotes" : "");
        case z.ZodIssueCode.invalid_literal:
            return `"${String(issue.received)}" is not an MCP server's type; kubestrap deploys type = "mcp" only (move other b00t files out of the directory)`;
        case z.ZodIssueCode.invalid_enum_value:
            return `"${String(issue.received)}" is not one of ${issue.options.map((o) => `"${String(o)}"`).join(", ")}`;
        case z.ZodIssueCode.too_small:
            return issue.type === "string" ? "is empty" : `must be at least ${issue.minimum}`;
        case z.ZodIssueCode.too_big:
            return `must be at most ${issue.maximum}`;
        default:
            return issue.message;
    }
}

function syntaxProblem(file: string, e: unknown): string {
    if (e instanceof TomlError) {
        const what = e.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
        return `${file}:${e.line}:${e.column}: invalid TOML: ${what}`;
    }
    return `${file}: invalid TOML: ${(e as Error).message.split("\n")[0]}`;
}

/** Reads one `*.mcp.toml` text: the server it describes, or every problem with it (never both). */
export function readMcpFile(file: string, text: string): { server?: McpServerSpec; problems: string[] } {
    let doc: Record<string, unknown>;
    try {
        doc = parse(text, { unsafeKeyBehaviour: "throw" });
    } catch (e) {
        return { problems: [syntaxProblem(file, e)] };
    }
    const lines = tomlKeyLines(text);
    const lineOf = (at: (string | number)[]): number => {
        for (let n = at.length; n > 0; n--) {
            const line = lines.get(at.slice(0, n).join("."));
            if (line !== undefined) {
                return line;
            }
        }
        return 1;
    };
    const found: { line: number; text: string }[] = [];
    const report = (at: (string | number)[], message: string, lineAt = at) =>
        found.push({ line: lineOf(lineAt), text: `${file}:${lineOf(lineAt)}: ${at.join(".")}: ${message}` });
    for (const key of Object.keys(doc).filter((k) => k !== "b00t")) {
        report([key], `unknown table; an MCP server file has one [b00t] table (and [b00t.env])`);
    }
    const raw = doc.b00t;
    if (raw === undefined) {
        report(["b00t"], `is required; an MCP server file starts with a [b00t] table (name, type = "mcp", command, args)`);
    } else if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
        report(["b00t"], "must be a table: [b00t]");
    }
    const { fields: ok, issues, problems } = raw && typeof raw === "object" && !Array.isArray(raw)
        ? checkServer(raw, "toml")
        : { fields: undefined, issues: [], problems: [] };
    // A misspelt key is one mistake: "did you mean" says it, without "is required" for the key meant.
    const meant = new Set(issues.flatMap((i) => i.code === z.ZodIssueCode.unrecognized_keys ? i.keys.map((k) => closestKey(k, keysOf)) : []));
    for (const issue of issues) {
        if (issue.code === z.ZodIssueCode.unrecognized_keys) {
            const table = ["b00t", ...issue.path].join(".");
            issue.keys.forEach((key) => report(["b00t", ...issue.path, key], unknownKey(key, keysOf, table)));
        } else if (issue.code === z.ZodIssueCode.invalid_type && issue.received === "undefined" && issue.path.length === 1 && meant.has(String(issue.path[0]))) {
            continue;
        } else {
            report(["b00t", ...issue.path], describeFileIssue(issue));
        }
    }
    problems.forEach((p) => report(["b00t", ...p.path], p.message, p.lineOf ? ["b00t", ...p.lineOf] : ["b00t", ...p.path]));
    if (found.length > 0 || !ok) {
        return { problems: found.sort((a, b) => a.line - b.line).map((p) => p.text) };
    }
    return { server: toSpec(ok, file, (...key) => `${file}:${lineOf(["b00t", ...key])}: ${["b00t", ...key].join(".")}`, "toml"), problems: [] };
}

/** One `*.mcp.toml` file's server; throws ConfigError with every problem, each at `file:line: key`. */
export function loadMcpFile(file: string, text: string): McpServerSpec {
    const { server, problems } = readMcpFile(file, text);
    if (!server) {
        throw new ConfigError(problems);
    }
    return server;
}

function readMcpDirectory(dir: string, readFile: (file: string) => string, readdir: (dir: string) => string[]): { servers: McpServerSpec[]; problems: string[] } {
    let names: string[];
    try {
        names = readdir(dir).filter((f) => f.endsWith(".mcp.toml")).sort();
    } catch (e) {
        return { servers: [], problems: [`${configPath(["mcpServers", "directory"])}: cannot read ${dir} (${(e as NodeJS.ErrnoException).code ?? e}); create it or fix the path (relative paths are from the project directory)`] };
    }
    if (names.length === 0) {
        return { servers: [], problems: [`${configPath(["mcpServers", "directory"])}: ${dir} holds no *.mcp.toml files; put the servers' files there or fix the path`] };
    }
    const servers: McpServerSpec[] = [];
    const problems: string[] = [];
    for (const name of names) {
        const file = path.join(dir, name);
        let text: string;
        try {
            text = readFile(file);
        } catch (e) {
            problems.push(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
            continue;
        }
        const read = readMcpFile(file, text);
        problems.push(...read.problems);
        if (read.server) {
            servers.push(read.server);
        }
    }
    return { servers, problems };
}

/**
 * Every `*.mcp.toml` file in `dir` (sorted by name; other files are ignored). Throws ConfigError
 * listing the problems of all files at once, and two files naming one server.
 */
export function loadMcpDirectory(dir: string, readFile: (file: string) => string, readdir: (dir: string) => string[]): McpServerSpec[] {
    const { servers, problems } = readMcpDirectory(dir, readFile, readdir);
    problems.push(...duplicateProblems(servers, []));
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return servers;
}

function duplicateProblems(fromFiles: McpServerSpec[], inline: McpServerSpec[]): string[] {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const s of [...inline, ...fromFiles]) {
        const first = seen.get(s.name);
        if (first) {
            problems.push(`${s.nameAt}: "${s.name}" is also the server of ${first}; each MCP server needs its own name`);
        } else {
            seen.set(s.name, s.source);
        }
    }
    return problems;
}

/** The config keys the servers' secrets are read from (`fromConfig`), as `kubestrap:<key>`. */
export function mcpSecretConfigKeys(servers: McpServerSpec[]): string[] {
    return [...new Set(servers.flatMap((s) => Object.values(s.secretEnv).flatMap((r) => "fromConfig" in r ? [`kubestrap:${r.fromConfig}`] : [])))];
}

/** What the directory of server files is read with; injectable for tests. */
export interface McpSources extends SecretSources {
    readdir: (dir: string) => string[];
}

export const defaultMcpSources = (sources: SecretSources): McpSources => ({ ...sources, readdir: (dir) => fs.readdirSync(dir) });

/**
 * The servers of the files and of the inline entries, with their images chosen and their
 * secrets resolved by `resolver`. Problems go to `problems` (and the resolver's, for secrets);
 * the result is undefined when any server could not be read.
 */
export function resolveMcpServers(config: McpServersConfig, resolver: SecretResolver, sources: McpSources, problems: string[]): ResolvedMcpServers | undefined {
    const inline = config.servers.map((f, i) => {
        const at = ["mcpServers", "servers", i];
        return toSpec(f, configPath(at), (...key) => configPath([...at, ...key]), "yaml");
    });
    const read = config.directory
        ? readMcpDirectory(config.directory, (f) => sources.readFile(path.resolve(sources.baseDir, f)), (d) => sources.readdir(path.resolve(sources.baseDir, d)))
        : { servers: [], problems: [] };
    const found = [...read.problems, ...duplicateProblems(read.servers, inline)];
    problems.push(...found);
    const servers = [...inline, ...read.servers].map((s) => resolveServer(s, config, resolver));
    return found.length > 0 ? undefined : { namespace: config.namespace, servers, configKeys: mcpSecretConfigKeys([...inline, ...read.servers]) };
}

/** Looks up a secret, naming the reference where it is written when it cannot be found. */
function resolveSecret(resolver: SecretResolver, ref: SecretRef, where: string): Secret {
    // SecretResolver names a problem by config path: resolve under a placeholder, then name the file.
    const at = ["mcpServers"];
    const before = resolver.problems.length;
    const secret = resolver.resolve(ref, at);
    const prefix = `${configPath(at)}: `;
    for (let i = before; i < resolver.problems.length; i++) {
        resolver.problems[i] = `${where}: ${resolver.problems[i].slice(prefix.length)}`;
    }
    return secret;
}

function resolveServer(s: McpServerSpec, config: McpServersConfig, resolver: SecretResolver): ResolvedMcpServer {
    const { image: own, secretEnv, nameAt: _nameAt, secretAt, ...rest } = s;
    const runtime = own ? undefined : s.runtime;
    return {
        ...rest,
        image: own ?? (runtime ? config.runtimes[runtime] ?? mcpRuntimes[runtime].image : ""),
        ...(runtime ? { runAsUser: mcpRuntimes[runtime].runAsUser } : {}),
        secretEnv: Object.fromEntries(Object.entries(secretEnv).map(([key, ref]) => [key, resolveSecret(resolver, ref, secretAt[key])])),
    };
}

/**
 * The MCP servers of a parsed `kubestrap:mcpServers`, on their own: throws ConfigError with every
 * problem (files, inline entries, secrets). Inside the config loader, call resolveMcpServers with
 * its resolver and problem list instead, so these problems come in the same run as the others.
 */
export function loadMcpServers(config: McpServersConfig, values: Record<string, string>, sources: McpSources): ResolvedMcpServers {
    const resolver = new SecretResolver(values, sources);
    const problems: string[] = [];
    const resolved = resolveMcpServers(config, resolver, sources, problems);
    problems.push(...resolver.problems);
    if (!resolved || problems.length > 0) {
        throw new ConfigError(problems);
    }
    return resolved;
}
