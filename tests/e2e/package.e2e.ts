// kubestrap as another project's dependency: the package built as `npm pack` builds it
// (tsconfig.package.json: JavaScript and type declarations in dist/), laid out in a consumer's
// node_modules with the files package.json ships, then type-checked against and run from there.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { root } from "./harness";

const run = promisify(execFile);

describe("the kubestrap package in a project of its own", function () {
    this.timeout(10 * 60 * 1000);
    let consumer = "";

    before(async () => {
        consumer = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-consumer-"));
        const installed = path.join(consumer, "node_modules", "kubestrap");
        await run(path.join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.package.json", "--outDir", path.join(installed, "dist")], { cwd: root });
        const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        fs.copyFileSync(path.join(root, "package.json"), path.join(installed, "package.json"));
        for (const shipped of manifest.files.filter((f: string) => f !== "dist")) {
            fs.cpSync(path.join(root, shipped), path.join(installed, shipped), { recursive: true });
        }
        // Its dependencies, as npm would install them beside it.
        for (const dep of fs.readdirSync(path.join(root, "node_modules")).filter((d) => !d.startsWith("."))) {
            fs.symlinkSync(path.join(root, "node_modules", dep), path.join(consumer, "node_modules", dep));
        }
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "my-platform", version: "1.0.0", dependencies: { kubestrap: "0.1.0" } }));
    });

    after(() => fs.rmSync(consumer, { recursive: true, force: true }));

    it("ships JavaScript and type declarations for every entry, and the files its code reads", () => {
        const installed = path.join(consumer, "node_modules", "kubestrap");
        for (const entry of ["index", "cluster", "aws", "cloudflare"]) {
            for (const ext of [".js", ".d.ts"]) assert.ok(fs.existsSync(path.join(installed, "dist", "lib", `${entry}${ext}`)), `dist/lib/${entry}${ext}`);
        }
        assert.ok(fs.existsSync(path.join(installed, "compose", "compose-spec.json")));
        assert.ok(fs.readdirSync(path.join(installed, "cluster", "k3s-flags")).length > 0);
    });

    it("type-checks a program that composes kubestrap's components, and refuses one that misuses them", async () => {
        const program = [
            'import * as pulumi from "@pulumi/pulumi";',
            'import { WebApp, WebAppArgs, configSchema } from "kubestrap";',
            'import { K3sCluster } from "kubestrap/cluster";',
            'const args: WebAppArgs = { namespace: "shop", image: "ghcr.io/acme/shop:1.4.2", port: 8080 };',
            'export const app = new WebApp("shop", args);',
            'export const url: pulumi.Output<string> | undefined = app.internalUrl;',
            'export const cluster: typeof K3sCluster = K3sCluster;',
            'export const target: "local" | "kubeconfig" | "k3s" = configSchema.cluster.parse({}).target;',
        ].join("\n");
        fs.writeFileSync(path.join(consumer, "index.ts"), program);
        const tsc = (file: string) => run(path.join(root, "node_modules", ".bin", "tsc"),
            ["--noEmit", "--strict", "--esModuleInterop", "--skipLibCheck", "--module", "commonjs", "--moduleResolution", "node", "--target", "ES2022", "--types", "node", file], { cwd: consumer });
        await tsc("index.ts").catch((e) => assert.fail(`the program did not type-check:\n${e.stdout}`));
        fs.writeFileSync(path.join(consumer, "wrong.ts"), 'import { WebApp } from "kubestrap";\nnew WebApp("shop", { namespace: "shop", image: "x:1", port: "8080" });\n');
        const refused = await tsc("wrong.ts").then(() => "", (e) => String(e.stdout));
        assert.match(refused, /wrong\.ts\(2,.*Type 'string' is not assignable to type 'number'/);
    });

    it("runs from node_modules: a WebApp under Pulumi's mocks, and config checks with the k3s flag lists it ships", async () => {
        const script = [
            'const pulumi = require("@pulumi/pulumi");',
            "const types = [];",
            "pulumi.runtime.setMocks({ newResource: (a) => { types.push(a.type); return { id: a.name, state: a.inputs }; }, call: () => ({}) }, 'p', 's', false).then(async () => {",
            '  const { WebApp, parseConfig } = require("kubestrap");',
            '  require("kubestrap/cluster");',
            "  // A k3s flag is checked against the lists the package ships: found only if it reads them from its own directory.",
            "  const k3s = { target: 'k3s', k3s: { version: 'v1.31.4+k3s1', ssh: { user: 'root', privateKey: { fromEnv: 'K' } }, servers: [{ name: 's1', host: '10.0.0.1' }], extraServerArgs: ['--no-such-flag'] } };",
            "  let flagError = '';",
            "  try { parseConfig({ 'kubestrap:cluster': JSON.stringify(k3s) }, { env: { K: 'k' }, readFile: () => '', baseDir: process.cwd() }); } catch (e) { flagError = e.message; }",
            '  const app = new WebApp("shop", { namespace: "shop", image: "ghcr.io/acme/shop:1.4.2", port: 8080 });',
            "  await new Promise((r) => app.internalUrl.apply(r));",
            "  // Until no registration is in flight (the SDK's own RPC queue), so nothing registered late goes unseen.",
            "  const { waitForRPCs } = require('@pulumi/pulumi/runtime/settings');",
            "  const { getStore } = require('@pulumi/pulumi/runtime/state');",
            "  for (let queue; queue !== getStore().settings.rpcDone;) { queue = getStore().settings.rpcDone; await waitForRPCs(); await new Promise((r) => setImmediate(r)); }",
            '  console.log(JSON.stringify({ types: [...new Set(types)].sort(), flagError }));',
            "});",
        ].join("\n");
        fs.writeFileSync(path.join(consumer, "run.js"), script);
        const { stdout } = await run(process.execPath, ["run.js"], { cwd: consumer });
        const out = JSON.parse(stdout.trim().split("\n").pop()!);
        assert.deepStrictEqual(out.types, ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "kubestrap:apps:WebApp"]);
        assert.match(out.flagError, /extraServerArgs.*--no-such-flag/, `k3s's flag lists not read from the package: ${out.flagError}`);
    });
});
