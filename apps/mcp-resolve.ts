// MCP servers resolved: the files' and the inline entries together, no name twice, and their
// secret references turned into values (Pulumi secrets) from kubestrap's sources.
import * as fs from "fs";
import * as path from "path";
import { mcpRuntimes, toSpec, type McpServerSpec, type McpServersConfig, type ResolvedMcpServer, type ResolvedMcpServers } from "./mcp-config";
import { duplicateProblems, readMcpDirectory } from "./mcp-files";
import type { SecretRef } from "../core/primitives";
import { ConfigError, configPath } from "../core/problems";
import { type Secret, SecretResolver, type SecretSources } from "../core/secrets";


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
export function resolveSecret(resolver: SecretResolver, ref: SecretRef, where: string): Secret {
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

export function resolveServer(s: McpServerSpec, config: McpServersConfig, resolver: SecretResolver): ResolvedMcpServer {
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
