// kubestrap's compose translation beside kompose's (built from its Go module by
// `scripts/toolchain.sh test-tools`), on the whole compose corpus: per file, what each carried
// into its Kubernetes objects. kubestrap must carry at least everything kompose does, except
// where kompose's output is wrong by Compose's own semantics (named below, with why), and every
// file kubestrap refuses must say why. `npm run bench:compose` prints the same table with timings.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { corpus, corpusEnv, Feature, featuresOf, komposeRun, kubestrapRun } from "../../bench/compose-features";
import { root } from "./harness";

/** Where kompose carries something kubestrap does not, on purpose. */
const komposeMistakes: Record<string, Partial<Record<Feature, string>>> = {
    tmpfs: { claims: "kompose makes a PersistentVolumeClaim of a tmpfs mount; a tmpfs is memory that dies with the container (kubestrap: an emptyDir in memory)" },
};

describe("compose translation side by side with kompose", function () {
    this.timeout(5 * 60 * 1000);
    const kompose = execFileSync(path.join(root, "scripts", "toolchain.sh"), ["kompose"]).toString().trim();

    it("carries at least what kompose carries from every file of the corpus", async () => {
        const table: string[] = [];
        const shortfalls: string[] = [];
        let compared = 0;
        for (const { name, file } of corpus()) {
            const [ours, theirs] = [await kubestrapRun(file, corpusEnv), await komposeRun(kompose, file, corpusEnv)];
            if (ours.error) {
                assert.ok(ours.error.length > 20, `${name}: refused without saying why`);
                table.push(`${name}: kubestrap refuses (${ours.error.slice(0, 100)}); kompose ${theirs.error ? "refuses too" : "converts it"}`);
                continue;
            }
            if (theirs.error) {
                table.push(`${name}: kompose refuses (${theirs.error.slice(0, 80)}); kubestrap carries ${[...featuresOf(ours.objects!)].join(" ")}`);
                continue;
            }
            compared++;
            const mine = featuresOf(ours.objects!);
            const other = featuresOf(theirs.objects!);
            for (const f of other) {
                if (!mine.has(f) && !komposeMistakes[name]?.[f]) shortfalls.push(`${name}: kompose carries ${f}, kubestrap does not`);
            }
            table.push(`${name}: kubestrap ${[...mine].join(" ") || "-"} | kompose ${[...other].join(" ") || "-"}`);
        }
        console.log(table.map((l) => `      ${l}`).join("\n"));
        assert.deepStrictEqual(shortfalls, []);
        assert.ok(compared >= 15, `only ${compared} files were translated by both`);
    });
});
