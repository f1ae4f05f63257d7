// The key paths a chart's values accept, from the descriptions in tests/fixtures/chart-values
// (made from each pinned chart's values.yaml by scripts/chart-value-keys.ts).
import * as fs from "fs";
import * as path from "path";

const dir = path.join(__dirname, "fixtures", "chart-values");

export interface ChartKeys {
    file: string;
    exact: Set<string>;
    /** Paths below which any key is the chart's to accept (written "a.b.*" in the description). */
    prefixes: string[];
}

export function chartKeys(chart: string, version: string): ChartKeys {
    const file = path.join(dir, `${chart}-${version}.txt`);
    if (!fs.existsSync(file)) {
        throw new Error(`no values description for chart ${chart} ${version}: make ${path.relative(process.cwd(), file)} with scripts/chart-value-keys.ts`);
    }
    const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    return {
        file,
        exact: new Set(lines.filter((l) => !l.endsWith(".*"))),
        prefixes: lines.filter((l) => l.endsWith(".*")).map((l) => l.slice(0, -2)),
    };
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Every leaf key path set in `values`: scalars, lists and empty maps end a path. */
export function leafPaths(values: unknown, prefix = ""): string[] {
    if (!isMap(values) || (prefix && Object.keys(values).length === 0)) {
        return prefix ? [prefix] : [];
    }
    return Object.entries(values).flatMap(([key, value]) => leafPaths(value, prefix ? `${prefix}.${key}` : key));
}

/** The leaf paths of `values` the chart does not know. */
export function unknownPaths(values: unknown, keys: ChartKeys): string[] {
    return leafPaths(values).filter((p) => !keys.exact.has(p) && !keys.prefixes.some((x) => p === x || p.startsWith(`${x}.`)));
}
