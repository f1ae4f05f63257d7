// The code cache (core/code-cache.ts), in fresh Node processes over modules written here: a second
// run compiles from the cache, an edited module is never run from it, and what Node gives a module
// (require.main, import(), a hashbang, ES modules, a syntax error's report) is kept.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

interface Run { status: number | null; stdout: string; stderr: string; cache: { kind: string; hits: number; fresh: number } }

/** Runs `main` in a fresh Node with the cache installed (kept in `blob`); the cache's counts are printed at exit. */
function run(dir: string, blob: string, main = "main.js"): Run {
    const install = `
const { installCodeCache } = require(${JSON.stringify(path.join(root, "core", "code-cache.ts"))});
const stats = installCodeCache(${JSON.stringify(blob)});
process.on("exit", () => process.stderr.write("CACHE " + JSON.stringify(stats) + "\\n"));`;
    fs.writeFileSync(path.join(dir, "install.js"), install);
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", path.join(dir, "install.js"), path.join(dir, main)], { cwd: root, encoding: "utf8" });
    const line = r.stderr.split("\n").find((l) => l.startsWith("CACHE ")) ?? "CACHE {}";
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, cache: JSON.parse(line.slice(6)) };
}

describe("the code cache", function () {
    this.timeout(60000);
    let dir: string;
    let blob: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-code-cache-"));
        blob = path.join(dir, "code-cache.bin");
        fs.writeFileSync(path.join(dir, "greeting.js"), `exports.greet = (who) => "hello " + who;\nexports.main = require.main.filename;\n`);
        // The main module is compiled by Node itself (its compile sets up the loader for the run).
        fs.writeFileSync(path.join(dir, "main.js"), [
            `const { greet, main } = require("./greeting");`,
            `console.log(greet("world"), main === __filename, typeof require.resolve("./greeting"));`,
            ``,
        ].join("\n"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("compiles anew once, then from the cache, with the same result and the cache left as it was", () => {
        const first = run(dir, blob);
        assert.strictEqual(first.status, 0, first.stderr);
        assert.strictEqual(first.stdout, "hello world true string\n");
        if (first.cache.kind === "node") {
            // Node 22.8+ keeps its own cache, in a directory beside the file.
            assert.ok(fs.readdirSync(path.join(dir, "node-compile-cache")).length > 0);
            return;
        }
        assert.strictEqual(first.cache.kind, "blob");
        assert.deepStrictEqual([first.cache.hits, first.cache.fresh], [0, 1]);
        const written = fs.readFileSync(blob);
        const second = run(dir, blob);
        assert.strictEqual(second.stdout, first.stdout);
        assert.deepStrictEqual([second.cache.hits, second.cache.fresh], [1, 0]);
        assert.ok(fs.readFileSync(blob).equals(written), "a run with nothing new rewrote the cache");
    });

    it("never runs an edited module from the cache, even one edited to the same size with its time kept", function () {
        run(dir, blob);
        const file = path.join(dir, "greeting.js");
        const before = fs.statSync(file);
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("hello", "howdy"));
        fs.utimesSync(file, before.atime, before.mtime); // as `cp -p` or a tar would
        assert.strictEqual(fs.statSync(file).size, before.size);
        const after = run(dir, blob);
        if (after.cache.kind === "node") this.skip();
        assert.strictEqual(after.stdout, "howdy world true string\n");
        assert.deepStrictEqual([after.cache.hits, after.cache.fresh], [0, 1]);
        assert.strictEqual(run(dir, blob).cache.hits, 1, "the edited module was not cached anew");
    });

    it("keeps a module's import(), a hashbang, ES modules and Node's report of a syntax error", function () {
        fs.writeFileSync(path.join(dir, "answer.mjs"), "export const answer = 42;\n");
        fs.writeFileSync(path.join(dir, "asks.js"), `import("./answer.mjs").then((m) => console.log("answer", m.answer));\n`);
        fs.writeFileSync(path.join(dir, "tool.js"), `#!/usr/bin/env node\nmodule.exports = require("./greeting").greet("tool");\n`);
        // A package of ES modules, required from CommonJS (Node 20.19+): one with ES syntax, one
        // without, which must still run as a module (strict, no `this`).
        const esm = path.join(dir, "node_modules", "esm-package");
        fs.mkdirSync(esm, { recursive: true });
        fs.writeFileSync(path.join(esm, "package.json"), JSON.stringify({ name: "esm-package", type: "module", exports: { ".": "./index.js", "./plain": "./plain.js" } }));
        fs.writeFileSync(path.join(esm, "index.js"), "export const kind = 'esm';\n");
        fs.writeFileSync(path.join(esm, "plain.js"), "globalThis.plainThis = typeof this;\n");
        fs.writeFileSync(path.join(dir, "uses.js"), [
            `console.log(require("./tool.js"));`,
            `try { console.log(require("esm-package").kind); require("esm-package/plain"); console.log(globalThis.plainThis); }`,
            `catch (e) { console.log(e.code); }`, ``,
        ].join("\n"));
        const withoutCache = spawnSync(process.execPath, [path.join(dir, "uses.js")], { encoding: "utf8" }).stdout;
        for (let i = 0; i < 2; i++) {
            const asks = run(dir, blob, "asks.js");
            assert.strictEqual(asks.status, 0, asks.stderr);
            assert.strictEqual(asks.stdout, "answer 42\n");
            const uses = run(dir, blob, "uses.js");
            assert.strictEqual(uses.status, 0, uses.stderr);
            assert.strictEqual(uses.stdout, withoutCache, "the cache changed what the modules did");
            assert.match(uses.stdout, /^hello tool\n/);
            if (i === 1 && uses.cache.kind === "blob") assert.strictEqual(uses.cache.hits, 2, "tool.js (a hashbang) and greeting.js were not cached");
        }
        fs.writeFileSync(path.join(dir, "broken.js"), "const = 1;\n");
        fs.writeFileSync(path.join(dir, "loads-broken.js"), "require('./broken.js');\n");
        const broken = run(dir, blob, "loads-broken.js");
        assert.notStrictEqual(broken.status, 0);
        assert.match(broken.stderr, /broken\.js:1/);
        assert.match(broken.stderr, /SyntaxError/);
    });

    it("runs as without a cache when the cache file is damaged, and replaces it", () => {
        fs.writeFileSync(blob, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
        const r = run(dir, blob);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "hello world true string\n");
        if (r.cache.kind === "blob") assert.strictEqual(run(dir, blob).cache.hits, 1);
    });
});

describe("the command-line tools' code cache (scripts/cli.sh)", function () {
    it("is kept beside their compilation, unchanged by a call with nothing new, and changes nothing they print", function () {
        this.timeout(300000); // compiles the tools first, if no run has since their last change
        const file = path.join(root, "tests", "fixtures", "compose", "anchors", "compose.yaml");
        const translate = (env: NodeJS.ProcessEnv) =>
            spawnSync("bash", [path.join(root, "scripts", "cli.sh"), "compose/cli", file], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
        const off = translate({ KUBESTRAP_CODE_CACHE: "off" });
        assert.strictEqual(off.status, 0, off.stderr);
        const blobs = () => {
            const compiled = path.join(root, ".kubestrap", "cli");
            const newest = fs.readdirSync(compiled).filter((d) => !d.startsWith(".")).map((d) => path.join(compiled, d))
                .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
            return fs.readdirSync(newest).filter((f) => f.startsWith("code-cache.bin.")).map((f) => fs.readFileSync(path.join(newest, f)));
        };
        const first = translate({});
        const kept = blobs();
        const second = translate({});
        for (const r of [first, second]) {
            assert.strictEqual(r.stdout, off.stdout);
            assert.strictEqual(r.stderr.replace(/^\[kubestrap\].*\n/m, ""), off.stderr.replace(/^\[kubestrap\].*\n/m, ""));
        }
        if (typeof (require("module") as { enableCompileCache?: unknown }).enableCompileCache === "function") return; // Node's own cache
        assert.strictEqual(kept.length, 1);
        assert.ok(kept[0].length > 1_000_000, `a cache of ${kept[0].length} bytes`);
        assert.ok(blobs()[0].equals(kept[0]), "the second call compiled modules anew");
    });

    it("does not load @pulumi/kubernetes's index, only the API groups the app components use (core/k8s-api.ts)", () => {
        const script = `
require(${JSON.stringify(path.join(root, "compose", "compose-app.ts"))});
console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /@pulumi[\\\\/]kubernetes[\\\\/]/.test(f)).map((f) => f.split(/@pulumi[\\\\/]kubernetes[\\\\/]/)[1])));`;
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: root, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const loaded: string[] = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.ok(loaded.includes("apps/v1/index.js"), loaded.join(" "));
        assert.ok(!loaded.includes("index.js"), "the package's index was loaded");
        assert.ok(!loaded.some((f) => f.startsWith("helm") || f.startsWith("yaml")), loaded.join(" "));
    });
});

describe("the Pulumi program's preload (core/program-preload.ts)", function () {
    this.timeout(60000);
    let dir: string;
    let blob: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-program-preload-"));
        blob = path.join(dir, "code-cache.bin");
        // A stand-in for the SDK's runner: it loads the SDK, then the closure serialiser's V8 hooks
        // (which turn a V8 flag on), then the program, as @pulumi/pulumi's cmd/run does.
        const hooks = path.join(root, "node_modules", "@pulumi", "pulumi", "runtime", "closure", "v8Hooks.js");
        fs.writeFileSync(path.join(dir, "runner.js"), `
require(${JSON.stringify(path.join(root, "node_modules", "@pulumi", "pulumi"))});
const arborist = Object.keys(require.cache).some((f) => /node_modules[\\\\/]@npmcli[\\\\/]arborist[\\\\/]/.test(f));
require(${JSON.stringify(hooks)});
require(${JSON.stringify(path.join(dir, "program.js"))});
console.log(JSON.stringify({ arborist }));
`);
        fs.writeFileSync(path.join(dir, "program.js"), "module.exports = 1;\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    // ts-node loads TypeScript itself, so the serialiser's deferral shows by npm's arborist, which it also loads.
    function runner(): { arborist: boolean } {
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", path.join(root, "core", "program-preload.ts"), path.join(dir, "runner.js")], {
            cwd: root, encoding: "utf8", env: { ...process.env, KUBESTRAP_CODE_CACHE: blob },
        });
        assert.strictEqual(r.status, 0, r.stderr);
        return JSON.parse(r.stdout.trim().split("\n").pop()!);
    }

    it("defers the closure serialiser, and caches the packages' code, not the program's, stably across runs", () => {
        assert.strictEqual(runner().arborist, false, "the closure serialiser loaded on start");
        if (!fs.existsSync(blob)) return; // Node 22.8+: Node's own cache
        const written = fs.readFileSync(blob);
        assert.ok(written.length > 100000, `a cache of ${written.length} bytes`);
        assert.ok(!written.includes(Buffer.from(`${path.join(dir, "program.js")}\0`)), "the program's own module was cached"); // keys are "<file>\0<stamp>"
        assert.ok(written.includes(Buffer.from(path.join("@pulumi", "pulumi", "runtime", "resource.js"))));
        // Unchanged by a second run: nothing compiled anew (V8 refuses code cached under other flags).
        runner();
        assert.ok(fs.readFileSync(blob).equals(written), "the second run compiled modules anew");
    });
});
