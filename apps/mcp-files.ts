// MCP server files: `*.mcp.toml` (and YAML) read and checked, each problem with its file and
// line and a "did you mean" for a mistyped key, and a directory of them read as one.
import * as path from "path";
import { TomlError, parse } from "smol-toml";
import { z } from "zod";
import { checkServer, closestKey, keysOf, toSpec, type McpServerSpec } from "./mcp-config";
import { ConfigError, configPath } from "../core/problems";


export function unknownKey(key: string, known: string[], table: string): string {
    const meant = closestKey(key, known);
    return meant ? `unknown key; did you mean "${meant}"?` : `unknown key; [${table}] takes ${known.join(", ")}`;
}

export const keyPart = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;

export const dottedKey = String.raw`${keyPart}(?:\s*\.\s*${keyPart})*`;

export const headerLine = new RegExp(String.raw`^\s*\[(\[?)\s*(${dottedKey})\s*\]\]?\s*(?:#.*)?$`);

export const keyLine = new RegExp(String.raw`^\s*(${dottedKey})\s*=`);

export function splitKey(text: string): string[] {
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

export function describeFileIssue(issue: z.ZodIssue): string {
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

export function syntaxProblem(file: string, e: unknown): string {
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

export function readMcpDirectory(dir: string, readFile: (file: string) => string, readdir: (dir: string) => string[]): { servers: McpServerSpec[]; problems: string[] } {
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

export function duplicateProblems(fromFiles: McpServerSpec[], inline: McpServerSpec[]): string[] {
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
