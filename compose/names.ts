// Names as on a compose network, made valid for Kubernetes: service names (DNS-1035), the
// aliases other services call one by (container_name, hostname, network aliases, links), and
// names within their fields' limits, shortened with a hash only where they must be.
import { shortened } from "../core/labels";
import type { WebAppArgs } from "../apps/web-app";
import type { ComposeService } from "./load";

/** A Compose name (volume, secret, config: letters, digits, '.', '_', '-') as a Kubernetes object name. */
export const objectName = (name: string) => name.toLowerCase().replace(/[^a-z0-9.-]/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");

/** A pod volume's name (a DNS label, 63 at most): kept when it fits, else its start and a hash of the whole. */
export const label63 = (name: string) => shortened(name, 63);

export const volumeName = (source: string) => label63(`v-${source}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+$/, ""));

/**
 * A healthcheck that calls the service by its own name: on a compose network that name reaches
 * the container itself, while in the cluster it is a Service that routes only to Ready pods, so
 * the check could never pass. The pod resolves its own names to itself (hostAliases) instead.
 */
export function selfCallingAliases(p: WebAppArgs["probes"], names: unknown[]): { ip: string; hostnames: string[] }[] | undefined {
    const text = p?.exec?.command.join(" ");
    if (!text) return undefined;
    const own = [...new Set(names.filter((n): n is string => typeof n === "string" && n.length > 0))];
    const called = own.filter((n) => new RegExp(`(^|[\\s/@'"=])${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([:/'"\\s]|$)`).test(text));
    return called.length ? [{ ip: "127.0.0.1", hostnames: own.filter((n) => serviceName.test(n)) }] : undefined;
}

/** A Service's name: a DNS-1035 label (a letter first), at most 63 characters. */
export const serviceName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The other names a service answers to on a compose network: container_name, hostname and its
 * networks' aliases. Each becomes a headless Service (ComposeApp), so the names other services use
 * for it resolve in the cluster too; one that no Service can be named is reported.
 */
export const networkAliasesOf = (svc: ComposeService): (readonly [string, string])[] => Array.isArray(svc.networks) || !svc.networks ? [] :
    Object.entries(svc.networks as Record<string, any>).flatMap(([n, s]) => ((s?.aliases ?? []) as unknown[]).map((a, i) => [`networks.${n}.aliases.${i}`, String(a)] as const));

/** A service's environment with each renamed host (a name no Service can have) written as it is called in the cluster. */
export function followRenamedHosts(env: Record<string, string>, renamed: Map<string, string>, said: (key: string, from: string, to: string) => void): Record<string, string> {
    if (renamed.size === 0) return env;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        let value = v;
        for (const [from, to] of renamed) {
            // As a host: not inside a longer name (a path segment or a word of its own).
            const host = new RegExp(`(^|[^A-Za-z0-9_.-])${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_-])`, "g");
            const next = value.replace(host, `$1${to}`);
            if (next !== value) said(k, from, to);
            value = next;
        }
        out[k] = value;
    }
    return out;
}

/** A healthcheck's test (a string or CMD list) with renamed hosts followed, as the environment's are. */
export function followRenamedInTest(test: unknown, renamed: Map<string, string>, said: (from: string, to: string) => void): unknown {
    const follow = (word: string) => followRenamedHosts({ word }, renamed, (_, from, to) => said(from, to)).word;
    return typeof test === "string" ? follow(test) : Array.isArray(test) ? test.map((w) => typeof w === "string" ? follow(w) : w) : test;
}

export function serviceAliases(svc: ComposeService, name: string, services: Set<string>, taken: Set<string>, at: (k: string) => string, warn: (at: string, m: string) => void,
    links: [string, string][], renamed: Map<string, string>): string[] {
    const wanted: (readonly [string, string])[] = [
        ...(svc.container_name !== undefined ? [[at("container_name"), String(svc.container_name)] as const] : []),
        ...(svc.hostname !== undefined ? [[at("hostname"), String(svc.hostname)] as const] : []),
        ...networkAliasesOf(svc).map(([key, alias]) => [at(key), alias] as const),
        ...links,
    ];
    const aliases: string[] = [];
    for (const [where, given] of wanted) {
        const alias = renamed.get(given) ?? given;
        if (alias !== given) warn(where, `"${given}" cannot name a Service (lower-case letters, digits and '-', a letter first): it is ${alias} in the cluster, and other services' environment says so`);
        if (alias === name || aliases.includes(alias)) continue;
        if (services.has(alias) || taken.has(alias)) warn(where, `${alias} is already another service's name or alias; other services reach that one by it, not ${name}`);
        else if (!serviceName.test(alias)) warn(where, `"${alias}" cannot name a Service (lower-case letters, digits and '-', a letter first): other services reach ${name} by its service name only`);
        else {
            aliases.push(alias);
            taken.add(alias);
        }
    }
    return aliases;
}

/** The longest StatefulSet name whose revision label (`<name>-<hash of 10>`) is a valid label value. */
export const maxStatefulSetName = 52;

/**
 * A compose service's name as its objects' and Service's name in the cluster (DNS-1035): a valid
 * one is kept as it is; upper case is lowered, other characters become '-', a leading digit gets
 * "s-", and a name over 63 characters keeps its start and a short hash.
 */
export function kubeName(name: string): string {
    if (serviceName.test(name)) return name;
    let kube = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
    if (!/^[a-z]/.test(kube)) kube = `s-${kube}`;
    return shortened(kube, 63, name);
}
