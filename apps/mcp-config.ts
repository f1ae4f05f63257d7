// MCP servers as b00t describes them: `*.mcp.toml` files with one [b00t] table (name, type = "mcp",
// command, args, hint, [b00t.env]), read from a directory, or the same fields inline under
// kubestrap:mcpServers. Every problem names where it is: `file:line: b00t.key: ...` for a file,
// `kubestrap:mcpServers.servers[i].key: ...` for an inline entry. Secrets in env are references
// (fromEnv, fromFile, fromConfig, or "${VAR}"), never plain text, and become Pulumi secrets.
import { z } from "zod";
import { closestName, envNameProblem, secretLookingName } from "../core/formats";
import { dnsName, image, secretRef, type SecretRef } from "../core/primitives";
import type { Secret } from "../core/secrets";

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

export type Syntax = "toml" | "yaml";

export interface Problem { path: (string | number)[]; message: string; lineOf?: string[] }

export const keysOf = ["name", "type", "hint", "command", "args", "image", "transport", "port", "path", "replicas", "env", "desires"];

export function fields(syntax: Syntax) {
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

export type Fields = z.infer<ReturnType<typeof fields>>;

export const wholeVariable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function referenceHelp(key: string, syntax: Syntax): string {
    return syntax === "toml"
        ? `${key} = { fromEnv = "${key}" }, { fromFile = "<path>" }, { fromConfig = "<key>" } or "\${${key}}"`
        : `{ fromEnv: ${key} }, { fromFile: <path> }, { fromConfig: <key> } or "\${${key}}"`;
}

export type EnvValue = { literal: string } | { ref: SecretRef } | { problem: string };

/** What an env value is: a literal, a secret reference, or why it is neither. Never echoes a secret. */
export function envValue(key: string, value: unknown, syntax: Syntax): EnvValue {
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

export const examples: Record<string, string> = { port: "8080", image: '"registry/name:tag"' };

/** The checks that span fields, run on the raw entry so they report even when a field is wrong. */
export function crossProblems(raw: Record<string, unknown>, syntax: Syntax): Problem[] {
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

export function toSpec(f: Fields, source: string, where: (...key: string[]) => string, syntax: Syntax): McpServerSpec {
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
export function checkServer(raw: unknown, syntax: Syntax): { fields?: Fields; issues: z.ZodIssue[]; problems: Problem[] } {
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
export function closestKey(key: string, known: string[]): string | undefined {
    return closestName(key.toLowerCase(), known, 2);
}
