// The command-line tools' code cache (core/code-cache.ts), in fresh Node processes over modules
// written here: a second call compiles from the cache, an edited module is never run from it, and
// what Node gives a module (require.main, import(), a hashbang, a syntax error's report) is kept.
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
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", path.join(dir, "install.js"), path.join(dir, main)], {
        cwd: root, encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    });
    const line = r.stderr.split("\n").find((l) => l.startsWith("CACHE ")) ?? "CACHE {}";
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, cache: JSON.parse(line.slice(6)) };
}

describe("the command-line tools' code cache", function () {
    this.timeout(60000);
    let dir: string;
    let blob: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-code-cache-"));
        blob = path.join(dir, "code-cache.bin");
        fs.writeFileSync(path.join(dir, "greeting.js"), `exports.greet = (who) => "hello " + who;\n`);
        fs.writeFileSync(path.join(dir, "main.js"), [
            `const { greet } = require("./greeting");`,
            `console.log(greet("world"), require.main === module, typeof require.resolve("./greeting"));`,
            ``,
        ].join("\n"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("compiles anew once, then from the cache, with the same result and the cache left as it was", function () {
        const first = run(dir, blob);
        assert.strictEqual(first.status, 0, first.stderr);
        if (first.cache.kind === "node") this.skip(); // Node 22.1+ keeps its own cache: nothing of ours to test
        assert.strictEqual(first.cache.kind, "blob");
        assert.strictEqual(first.stdout, "hello world true string\n");
        assert.deepStrictEqual([first.cache.hits, first.cache.fresh], [0, 2]);
        const written = fs.readFileSync(blob);
        const second = run(dir, blob);
        assert.strictEqual(second.stdout, first.stdout);
        assert.deepStrictEqual([second.cache.hits, second.cache.fresh], [2, 0]);
        assert.ok(fs.readFileSync(blob).equals(written), "a call with nothing new rewrote the cache");
    });

    it("never runs an edited module from the cache, even one edited to the same size", function () {
        run(dir, blob);
        const file = path.join(dir, "greeting.js");
        const before = fs.statSync(file);
        fs.writeFileSync(file, `exports.greet = (who) => "howdy " + who;\n`);
        assert.strictEqual(fs.statSync(file).size, before.size);
        const after = run(dir, blob);
        if (after.cache.kind === "node") this.skip();
        assert.strictEqual(after.stdout, "howdy world true string\n");
        assert.deepStrictEqual([after.cache.hits, after.cache.fresh], [1, 1]);
        assert.strictEqual(run(dir, blob).cache.hits, 2, "the edited module was not cached anew");
    });

    it("keeps a module's import(), a hashbang, and Node's report of a syntax error", function () {
        fs.writeFileSync(path.join(dir, "answer.mjs"), "export const answer = 42;\n");
        fs.writeFileSync(path.join(dir, "asks.js"), `import("./answer.mjs").then((m) => console.log("answer", m.answer));\n`);
        fs.writeFileSync(path.join(dir, "tool.js"), `#!/usr/bin/env node\nconsole.log(require("./greeting").greet("tool"));\n`);
        for (let i = 0; i < 2; i++) {
            const asks = run(dir, blob, "asks.js");
            assert.strictEqual(asks.status, 0, asks.stderr);
            assert.strictEqual(asks.stdout, "answer 42\n");
            const tool = run(dir, blob, "tool.js");
            assert.strictEqual(tool.status, 0, tool.stderr);
            assert.strictEqual(tool.stdout, "hello tool\n");
            if (i === 1 && tool.cache.kind === "blob") assert.strictEqual(tool.cache.hits, 2, "the hashbang file was not cached");
        }
        fs.writeFileSync(path.join(dir, "broken.js"), "const = 1;\n");
        const broken = run(dir, blob, "broken.js");
        assert.notStrictEqual(broken.status, 0);
        assert.match(broken.stderr, /broken\.js:1/);
        assert.match(broken.stderr, /SyntaxError/);
    });

    it("runs as without a cache when the cache file is damaged, and replaces it", function () {
        fs.writeFileSync(blob, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
        const r = run(dir, blob);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "hello world true string\n");
        if (r.cache.kind === "node") this.skip();
        assert.strictEqual(run(dir, blob).cache.hits, 2);
    });

    it("is what scripts/cli.sh preloads, and the tools' output is the same with it off", function () {
        this.timeout(300000); // compiles the tools first, if no run has since their last change
        const script = fs.readFileSync(path.join(root, "scripts", "cli.sh"), "utf8");
        assert.match(script, /-r "\$here\/\$compiled\/core\/code-cache-preload\.js"/);
        assert.match(fs.readFileSync(path.join(root, "tsconfig.cli.json"), "utf8"), /core\/code-cache-preload\.ts/);
        const file = path.join(root, "tests", "fixtures", "compose", "anchors", "compose.yaml");
        const translate = (env: NodeJS.ProcessEnv) =>
            spawnSync("bash", [path.join(root, "scripts", "cli.sh"), "compose/cli", file], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
        const off = translate({ KUBESTRAP_CODE_CACHE: "off" });
        const on = [translate({}), translate({})];
        assert.strictEqual(off.status, 0, off.stderr);
        for (const r of on) {
            assert.strictEqual(r.stdout, off.stdout);
            assert.strictEqual(r.stderr.replace(/^\[kubestrap\].*\n/m, ""), off.stderr.replace(/^\[kubestrap\].*\n/m, ""));
        }
    });
});

describe("the Pulumi program's preload (core/program-preload.ts)", function () {
    this.timeout(60000);
    let dir: string;
    let blob: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-program-preload-"));
        blob = path.join(dir, "code-cache.bin");
        // Stand-ins for the SDK's runner (its path is what the preload acts in) and any other script;
        // both load the real SDK, as the runner does before it runs the program.
        const report = `
const loaded = () => Object.keys(require.cache);
require(${JSON.stringify(path.join(root, "node_modules", "@pulumi", "pulumi"))});
const ours = loaded().filter((f) => f.startsWith(${JSON.stringify(dir)}) && !f.includes("node_modules"));
console.log(JSON.stringify({ arborist: loaded().some((f) => /node_modules[\\\\/]@npmcli[\\\\/]arborist[\\\\/]/.test(f)), ours }));
`;
        const runner = path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run");
        fs.mkdirSync(runner, { recursive: true });
        // The real runner loads the closure serialiser's V8 hooks (turning a V8 flag on) before the program.
        const hooks = path.join(root, "node_modules", "@pulumi", "pulumi", "runtime", "closure", "v8Hooks.js");
        fs.writeFileSync(path.join(runner, "index.js"), `${report}\nrequire(${JSON.stringify(hooks)});\nrequire(${JSON.stringify(path.join(dir, "program.js"))});\n`);
        fs.writeFileSync(path.join(dir, "program.js"), "module.exports = 1;\n");
        fs.writeFileSync(path.join(dir, "other.js"), report);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    // ts-node loads TypeScript itself, so the serialiser's deferral shows by npm's arborist, which it also loads.
    function node(script: string): { arborist: boolean } {
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-r", path.join(root, "core", "program-preload.ts"), script], {
            cwd: root, encoding: "utf8", env: { ...process.env, KUBESTRAP_CODE_CACHE: blob },
        });
        assert.strictEqual(r.status, 0, r.stderr);
        return JSON.parse(r.stdout.trim().split("\n").pop()!);
    }

    it("in the SDK's runner: defers the closure serialiser, and caches the packages' code stably, not the program's", function () {
        const first = node(path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run"));
        assert.strictEqual(first.arborist, false, "the closure serialiser loaded on start");
        const written = fs.readFileSync(blob);
        assert.ok(written.length > 100000, `a cache of ${written.length} bytes`);
        assert.ok(!written.includes(Buffer.from(`${path.join(dir, "program.js")}\0`)), "the program's own module was cached"); // an entry is keyed "<file>\\0<stamp>"
        assert.ok(written.includes(Buffer.from(path.join("@pulumi", "pulumi", "runtime", "resource.js"))));
        // Unchanged by a second run: nothing compiled anew (V8 refuses a cache made under other flags).
        node(path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run"));
        assert.ok(fs.readFileSync(blob).equals(written), "the second run compiled modules anew");
    });

    it("does nothing in any other Node started with the same environment", () => {
        fs.rmSync(blob, { force: true });
        assert.strictEqual(node(path.join(dir, "other.js")).arborist, true);
        assert.ok(!fs.existsSync(blob));
    });
});
