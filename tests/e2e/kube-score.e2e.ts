// The security bar on what the dev, prod and example stacks render: every object, as the
// program hands it to the Kubernetes provider (composed under mocks: no cluster is needed to
// render prod), scored by kube-score 1.20.0 (built from its Go module by test-tools). No
// critical finding may stand but those policy/kube-score-waivers.yaml lists with a reason, and
// every waiver must still match something. Helm-installed add-ons are releases here, not
// objects: kube-score does not see inside them.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse, stringify } from "yaml";
import { renderedStacks, renderStack, root } from "../rendered-stacks";

const run = promisify(execFile);
interface Waiver { check: string; reason: string; objects?: string[] }
const waivers: Waiver[] = parse(fs.readFileSync(path.join(root, "policy", "kube-score-waivers.yaml"), "utf8"));
const matches = (pattern: string, object: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`).test(object);
const waiverFor = (check: string, object: string) => waivers.find((w) => w.check === check && (!w.objects || w.objects.some((p) => matches(p, object))));

async function criticals(objects: object[]): Promise<{ check: string; object: string; comments: string[] }[]> {
    const kubeScore = (await run("bash", [path.join(root, "scripts", "toolchain.sh"), "kube-score"])).stdout.trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-kube-score-"));
    try {
        const file = path.join(dir, "objects.yaml");
        // kubectl reads YAML 1.1, where an unquoted yes is a boolean: write what 1.1 reads back as it was.
        fs.writeFileSync(file, objects.map((o) => stringify(o, { version: "1.1" })).join("---\n"));
        // kube-score exits non-zero when it finds something; its JSON report is on stdout either way.
        const stdout = await run(kubeScore, ["score", file, "--output-format", "json"], { maxBuffer: 64 * 1024 * 1024 })
            .then((r) => r.stdout, (e) => String(e.stdout));
        return JSON.parse(stdout).flatMap((o: any) => o.checks.filter((c: any) => c.grade === 1 && !c.skipped).map((c: any) => ({
            check: c.check.id,
            object: `${o.type_meta.kind}/${o.object_meta.namespace ?? ""}/${o.object_meta.name}`,
            comments: (c.comments ?? []).map((x: any) => x.summary),
        })));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the stacks' rendered objects, scored by kube-score", function () {
    this.timeout(5 * 60 * 1000);
    const used = new Set<Waiver>();

    it("has a reason for every waiver", () => {
        for (const w of waivers) assert.ok(w.check && w.reason?.length > 40, `${w.check}: give the waiver a reason`);
    });

    for (const { name, file, fromDisk } of renderedStacks()) {
        it(`${name}: no critical finding beyond the waived ones`, async () => {
            const { objects } = await renderStack(file, fromDisk);
            const found = await criticals(objects);
            found.forEach((f) => { const w = waiverFor(f.check, f.object); if (w) used.add(w); });
            const standing = found.filter((f) => !waiverFor(f.check, f.object)).map((f) => `${f.check} ${f.object}: ${f.comments.join("; ")}`);
            assert.deepStrictEqual(standing, [], name);
        });
    }

    it("has no waiver left that matches nothing", () => {
        assert.deepStrictEqual(waivers.filter((w) => !used.has(w)).map((w) => w.check), []);
    });
});
