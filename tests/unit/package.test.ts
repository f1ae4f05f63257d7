// The package entry (lib/index.ts) as a Pulumi user's program imports it: importing it
// registers nothing and loads no cloud SDK, and a WebApp composed into a stack of its own
// registers the WebApp and its children alone, with the type tokens kubestrap's stacks have.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { settle, withMocks } from "../mocks";

const root = path.resolve(__dirname, "..", "..");

describe("the kubestrap package entry", function () {
    this.timeout(60000);

    it("composes a WebApp into a program of its own, and registers nothing else", async () => {
        const r = await withMocks(false);
        const kubestrap = await import("../../lib");
        assert.strictEqual(r.resources.length, 0, "importing the package registered resources");
        const app = new kubestrap.WebApp("shop", { namespace: "shop", image: "ghcr.io/acme/shop:1.4.2", port: 8080, ingress: { host: "shop.example.com" } }, { transformations: [r.track] });
        await settle(app.internalUrl);
        const types = [...new Set(r.resources.map((x) => x.type))].sort();
        assert.deepStrictEqual(types, ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:Ingress", "kubestrap:apps:WebApp"]);
        assert.ok(r.resources.every((x) => x.type === "kubestrap:apps:WebApp" || r.ancestry.get(`${x.type}::${x.name}`) === "kubestrap:apps:WebApp::shop"),
            "a child outside the WebApp");
        assert.strictEqual(typeof kubestrap.configSchema.cluster.parse, "function", "the config schema is exported");
    });

    it("loads no cloud SDK and reads no stack config when imported", () => {
        const probe = [
            "require('ts-node/register/transpile-only');",
            "const before = new Set(Object.keys(require.cache));",
            "require('./lib');",
            "const loaded = Object.keys(require.cache).filter((k) => !before.has(k));",
            "console.log(JSON.stringify({ aws: loaded.some((k) => k.includes('@pulumi/aws/')), cloudflare: loaded.some((k) => k.includes('@pulumi/cloudflare/')),",
            "  stacks: loaded.some((k) => k.includes('/stacks/')), count: loaded.length }));",
        ].join("\n");
        const run = spawnSync(process.execPath, ["-e", probe], { cwd: root, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" } });
        assert.strictEqual(run.status, 0, String(run.stderr));
        const seen = JSON.parse(String(run.stdout));
        assert.deepStrictEqual([seen.aws, seen.cloudflare, seen.stacks], [false, false, false], String(run.stdout));
        assert.ok(seen.count > 20, "a positive control: the entry loaded its modules");
    });
});
