// `npm run drift`'s report (scripts/drift-report.js) from a refreshing preview's JSON, and how
// `npm run status` shows it (status/drift.ts). The real engine's output is the status e2e's.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { driftProblems } from "../../status/drift";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-drift-"));
const urn = (type: string, name: string) => `urn:pulumi:prod::kubestrap::kubestrap:apps:WebApp$${type}::${name}`;

function report(steps: unknown[]) {
    fs.writeFileSync(path.join(dir, "preview.json"), JSON.stringify({ steps }));
    const run = spawnSync("node", [path.join(__dirname, "..", "..", "scripts", "drift-report.js"), path.join(dir, "preview.json"), "prod", path.join(dir, "prod.json")], { encoding: "utf8" });
    return { code: run.status, out: run.stdout, saved: JSON.parse(fs.readFileSync(path.join(dir, "prod.json"), "utf8")) };
}

describe("npm run drift's report", () => {
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("names each resource changed outside Pulumi and the fields, and exits 3", () => {
        const r = report([
            { op: "refresh", urn: urn("kubernetes:apps/v1:Deployment", "apps-web-deployment") },
            { op: "update", urn: urn("kubernetes:apps/v1:Deployment", "apps-web-deployment"), detailedDiff: { "spec.replicas": { kind: "update" } } },
            { op: "create", urn: urn("kubernetes:core/v1:Service", "apps-web-service") },
            { op: "same", urn: urn("kubernetes:core/v1:ConfigMap", "apps-web-config") },
            { op: "same", urn: "urn:pulumi:prod::kubestrap::pulumi:pulumi:Stack::kubestrap-prod" },
        ]);
        assert.strictEqual(r.code, 3);
        assert.match(r.out, /prod: 2 resources drifted from the last up:/);
        assert.match(r.out, /kubernetes:apps\/v1:Deployment apps-web-deployment: changed \(spec\.replicas\)/);
        assert.match(r.out, /kubernetes:core\/v1:Service apps-web-service: deleted outside Pulumi/);
        assert.deepStrictEqual(r.saved.changes.map((c: any) => [c.op, c.name, c.fields]), [["update", "apps-web-deployment", ["spec.replicas"]], ["create", "apps-web-service", []]]);
    });

    it("says no drift, and exits 0, when every step after the refresh is the same", () => {
        const r = report([{ op: "refresh", urn: urn("kubernetes:core/v1:Service", "s") }, { op: "same", urn: urn("kubernetes:core/v1:Service", "s") }]);
        assert.deepStrictEqual([r.code, r.saved.changes], [0, []]);
        assert.match(r.out, /no drift/);
    });

    it("does not call a stack that was never deployed drifted", () => {
        const r = report([{ op: "create", urn: urn("kubernetes:core/v1:Service", "s") }]);
        assert.deepStrictEqual([r.code, r.saved.neverDeployed], [0, true]);
        assert.match(r.out, /nothing deployed yet/);
    });
});

describe("drift in npm run status", () => {
    it("is one problem per drifted resource, saying when it was seen and what puts it back", () => {
        const now = new Date("2026-12-06T10:00:00Z");
        assert.deepStrictEqual(driftProblems({ checkedAt: "2026-12-06T07:00:00Z", changes: [{ op: "update", type: "kubernetes:apps/v1:Deployment", name: "apps-web-deployment", fields: ["spec.replicas"] }] }, now),
            ["kubernetes:apps/v1:Deployment apps-web-deployment changed outside Pulumi (update: spec.replicas; seen by npm run drift 3h ago): npm run up -- --refresh puts it back"]);
        assert.deepStrictEqual(driftProblems({ checkedAt: "2026-12-06T07:00:00Z", changes: [] }, now), []);
        assert.deepStrictEqual(driftProblems(undefined, now), []);
    });
});
