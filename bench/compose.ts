// `npm run bench:compose`: per file of the compose corpus (tests/fixtures/compose), the time
// kubestrap takes to read and translate it (and to render the objects through ComposeApp),
// beside the time of a `kompose convert` process on the same file, and what each carried over.
// Target: under 50 ms a file, and faster than kompose's process. Needs kompose from
// `scripts/toolchain.sh test-tools`.
import { execFileSync } from "child_process";
import * as path from "path";
import { corpus, corpusEnv, Feature, features, featuresOf, komposeRun, kubestrapRun } from "./compose-features";

async function main() {
    const kompose = execFileSync(path.join(__dirname, "..", "scripts", "toolchain.sh"), ["kompose"]).toString().trim();
    const rows: string[][] = [["file", "kubestrap ms", "+render ms", "kompose ms", "kubestrap carries", "kompose carries", "kompose only"]];
    const times: number[] = [];
    const komposeTimes: number[] = [];
    // One warm-up: the first translation pays for loading the schema validator and Pulumi's mocks.
    await kubestrapRun(corpus()[0].file, corpusEnv);
    for (const { name, file } of corpus()) {
        const ours = await kubestrapRun(file, corpusEnv);
        const theirs = await komposeRun(kompose, file, corpusEnv);
        const mine = ours.objects ? featuresOf(ours.objects) : new Set<Feature>();
        const other = theirs.objects ? featuresOf(theirs.objects) : new Set<Feature>();
        const list = (s: Set<Feature>, run: { error?: string }) => (run.error ? "refused" : features.filter((f) => s.has(f)).join(" ") || "-");
        rows.push([
            name,
            (ours.translateMs ?? ours.ms).toFixed(1),
            ours.ms.toFixed(1),
            theirs.ms.toFixed(0),
            list(mine, ours),
            list(other, theirs),
            ours.error ? "" : features.filter((f) => other.has(f) && !mine.has(f)).join(" ") || "-",
        ]);
        times.push(ours.translateMs ?? ours.ms);
        komposeTimes.push(theirs.ms);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
    const sorted = [...times].sort((a, b) => a - b);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`\nkubestrap translate: median ${median(times).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms a file (target under 50 ms)`);
    console.log(`kompose process:     median ${median(komposeTimes).toFixed(0)} ms a file`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
