// The CustomResourceDefinitions the pinned add-on releases ship, read from their Go modules
// (scripts/toolchain-oracles.sh), so that custom resources meet the real schemas: in the
// strict-fields suite, and in the stand-in charts, which carry them in place of open stand-ins.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import { root } from "./harness";

export type CrdSet = "prometheus-operator" | "cert-manager" | "rook-ceph" | "metallb";

let cached: Map<CrdSet, any[]> | undefined;

/** Every CRD of each set; cert-manager's templated labels and keep annotation dropped. */
export function upstreamCrds(): Map<CrdSet, any[]> {
    if (cached) return cached;
    const listing = execFileSync("bash", [path.join(root, "scripts", "toolchain.sh"), "upstream-crds"], { encoding: "utf8" });
    const sets = new Map<CrdSet, any[]>();
    for (const line of listing.split("\n").filter(Boolean)) {
        const [set, file] = line.split("\t") as [CrdSet, string];
        const crds = parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS()).filter((o) => o?.kind === "CustomResourceDefinition");
        for (const crd of crds) {
            delete crd.metadata.labels;
            delete crd.metadata.annotations;
        }
        sets.set(set, [...(sets.get(set) ?? []), ...crds]);
    }
    for (const set of ["prometheus-operator", "cert-manager", "rook-ceph", "metallb"] as CrdSet[]) {
        if (!sets.get(set)?.length) throw new Error(`no CRDs found for ${set}: run scripts/toolchain.sh test-tools`);
    }
    return (cached = sets);
}

/** The CRDs a stand-in chart carries: all of a release's, or those kubestrap makes objects of. */
const standInCrds: Record<string, { set: CrdSet; names?: string[] }> = {
    "cert-manager": { set: "cert-manager" },
    // The whole set is over Helm's 1 MiB release limit; kubestrap makes rules and monitors only.
    "prometheus-operator": { set: "prometheus-operator", names: ["prometheusrules.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com", "podmonitors.monitoring.coreos.com"] },
};

/**
 * A copy of fixture chart `name` under `dir`, with the upstream CRDs it stands in for in place
 * of none: in templates/ (through .Files.Get, so Helm renders their text as it is), so that
 * uninstalling the release removes them as the stand-in's own did.
 */
export function standInChart(name: string, dir: string): string {
    const source = path.join(root, "tests", "fixtures", "charts", name);
    const copy = path.join(dir, "charts", name);
    if (fs.existsSync(copy)) return copy;
    fs.cpSync(source, copy, { recursive: true });
    const carries = standInCrds[name];
    if (carries) {
        const crds = upstreamCrds().get(carries.set)!.filter((c) => !carries.names || carries.names.includes(c.metadata.name));
        fs.writeFileSync(path.join(copy, "upstream-crds.yaml"), crds.map((c) => stringify(c)).join("---\n"));
        fs.writeFileSync(path.join(copy, "templates", "upstream-crds.yaml"), '{{ .Files.Get "upstream-crds.yaml" }}\n');
    }
    return copy;
}
