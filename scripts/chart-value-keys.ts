// Writes the key-path description of a chart's values (tests/fixtures/chart-values/*.txt) from the
// chart's own values.yaml, so the unit tests can check every key kubestrap sets against it.
//
//   npx ts-node scripts/chart-value-keys.ts --chart loki --version 6.22.0 \
//     --source "grafana/loki tag helm-loki-6.22.0, production/helm/loki/values.yaml" \
//     --values /path/to/values.yaml --templates /path/to/templates [--values grafana=/path/to/grafana/values.yaml] \
//     [--templates grafana=/path/to/grafana/templates] [--free loki.limits_config]
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** Keys whose value the charts render whole (toYaml): any keys below them are Kubernetes's to judge. */
export const kubernetesObjectKeys = [
    "resources", "securityContext", "podSecurityContext", "containerSecurityContext", "nodeSelector", "affinity",
    "tolerations", "podAnnotations", "podLabels", "annotations", "labels", "extraArgs",
];

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Every key path in `values`; a free-form map (empty, a Kubernetes object, or named in `free`) ends in ".*". */
export function valueKeyPaths(values: unknown, free: string[] = [], prefix = ""): string[] {
    if (!isMap(values)) {
        return [];
    }
    const paths: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        const path = prefix ? `${prefix}.${key}` : key;
        if (isMap(value) && (Object.keys(value).length === 0 || kubernetesObjectKeys.includes(key) || free.includes(path))) {
            paths.push(`${path}.*`);
        } else if (isMap(value)) {
            paths.push(...valueKeyPaths(value, free, path));
        } else {
            paths.push(path);
        }
    }
    return paths;
}

/** The `.Values.a.b` paths the templates read: keys values.yaml leaves out or only mentions in a comment. */
export function templateKeyPaths(templates: string[]): string[] {
    return templates.flatMap((text) => [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => m[1].slice(1)));
}

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const subchart = (spec: string) => (spec.includes("=") ? spec.split("=", 2) : ["", spec]);

function main(argv: string[]): void {
    const opt = (name: string) => argv.flatMap((a, i) => (a === `--${name}` ? [argv[i + 1]] : []));
    const [chart, version, source] = [opt("chart")[0], opt("version")[0], opt("source")[0]];
    const free = opt("free");
    const fromValues = opt("values").flatMap((spec) => {
        const [sub, file] = subchart(spec);
        const subFree = free.filter((f) => !sub || f.startsWith(`${sub}.`)).map((f) => (sub ? f.slice(sub.length + 1) : f));
        return valueKeyPaths(parse(fs.readFileSync(file, "utf8")), subFree).map((p) => (sub ? `${sub}.${p}` : p));
    });
    const prefixes = fromValues.filter((p) => p.endsWith(".*")).map((p) => p.slice(0, -2));
    const fromTemplates = opt("templates").flatMap((spec) => {
        const [sub, dir] = subchart(spec);
        return templateKeyPaths(filesUnder(dir).map((f) => fs.readFileSync(f, "utf8"))).map((p) => (sub ? `${sub}.${p}` : p));
    }).filter((p) => !prefixes.some((x) => p === x || p.startsWith(`${x}.`)));
    // A path the templates read whole (`.Values.a` where values.yaml has a.b) is not a leaf of its own.
    const paths = [...fromValues, ...fromTemplates.filter((p) => !fromValues.some((v) => v.startsWith(`${p}.`)))];
    const lines = [
        `# Helm values key paths of chart ${chart} ${version}.`,
        `# Source: ${source}.`,
        "# Made by scripts/chart-value-keys.ts from that values.yaml and the .Values paths its templates read",
        "# (and its subcharts' where named above): templates read keys values.yaml only mentions in comments.",
        '# One key path a line; a path ending in ".*" takes any keys below it: an empty map in values.yaml,',
        `# a Kubernetes object the chart renders whole (${kubernetesObjectKeys.join(", ")}),`,
        `# or a free-form section the chart renders whole${free.length ? ` (${free.join(", ")})` : ""}.`,
        ...[...new Set(paths)].sort(),
    ];
    process.stdout.write(lines.join("\n") + "\n");
}

if (require.main === module) {
    main(process.argv.slice(2));
}
