// The metric names each exporter serves, read from its Go source as the Go module proxy serves
// it (scripts/toolchain-oracles.sh, upstream_sources; versions in toolchain/versions.env).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { root } from "./harness";

export type Exporter = "kubelet" | "cadvisor" | "cert-manager" | "kube-state-metrics" | "traefik";

/** Module directories in the Go module cache: each exporter's, and component-helpers' (kernel parameters). */
export function upstreamSources(): Record<Exporter | "component-helpers", string> {
    const listing = execFileSync("bash", [path.join(root, "scripts", "toolchain.sh"), "upstream-sources"], { encoding: "utf8" });
    return Object.fromEntries(listing.split("\n").filter(Boolean).map((l) => l.split("\t"))) as Record<Exporter | "component-helpers", string>;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");
const all = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]);

/** Go string constants of a file, `a = "x"` and `b = a + "y"` alike, resolved. */
export function goStringConstants(source: string): Map<string, string> {
    const raw = new Map(all(source, /^\s*(\w+\s*=\s*(?:"[^"]*"|\w+)(?:\s*\+\s*(?:"[^"]*"|\w+))*)\s*(?:\/\/.*)?$/gm)
        .map((line) => { const [name, rhs] = line.split(/\s*=\s*/, 2); return [name, rhs.split(/\s*\+\s*/)] as const; }));
    const resolved = new Map<string, string>();
    const resolve = (name: string, seen: string[] = []): string | undefined => {
        if (resolved.has(name)) return resolved.get(name);
        const terms = raw.get(name);
        if (!terms || seen.includes(name)) return undefined;
        const parts = terms.map((t) => (t.startsWith('"') ? t.slice(1, -1) : resolve(t, [...seen, name])));
        if (parts.some((p) => p === undefined)) return undefined;
        resolved.set(name, parts.join(""));
        return resolved.get(name);
    };
    for (const name of raw.keys()) resolve(name);
    return resolved;
}

const derive: Record<Exporter, (dir: string) => string[]> = {
    // Every kubelet metric is the kubelet subsystem and a *Key constant (BuildFQName or Subsystem/Name).
    kubelet: (dir) => {
        const consts = goStringConstants(read(dir, "pkg/kubelet/metrics/metrics.go"));
        return [...consts].filter(([k]) => k.endsWith("Key")).map(([, v]) => `${consts.get("KubeletSubsystem")}_${v}`);
    },
    cadvisor: (dir) => all(read(dir, "metrics/prometheus.go"), /\bname:\s*"(\w+)"/g),
    "cert-manager": (dir) => {
        const source = read(dir, "pkg/metrics/metrics.go");
        const namespace = goStringConstants(source).get("namespace");
        return all(source, /\bName:\s*"(\w+)"/g).map((n) => `${namespace}_${n}`);
    },
    "kube-state-metrics": (dir) => fs.readdirSync(path.join(dir, "internal", "store")).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
        .flatMap((f) => all(read(dir, path.join("internal", "store", f)), /"(kube_[a-z0-9_]+)"/g)),
    traefik: (dir) => [...goStringConstants(read(dir, "pkg/observability/metrics/prometheus.go")).values()].filter((v) => /^traefik_\w+$/.test(v)),
};

/** The names `exporter` serves, from its source. */
export function exporterMetrics(exporter: Exporter, dir: string): Set<string> {
    const names = new Set(derive[exporter](dir));
    if (names.size === 0) throw new Error(`read no metric names from ${exporter}'s source in ${dir}: its layout changed`);
    return names;
}
