// scripts/compiled-main.js, the compiled program's entry point, formats stack traces itself: the
// program's own frames point at their TypeScript lines, everything else (the SDKs in
// node_modules, with source maps of their own) keeps its JavaScript position, as it would without
// source maps, because mapping every frame of the SDK's many recorded traces cost seconds a run.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

const root = path.resolve(__dirname, "..", "..");

/** Compiles `source` (a .ts file's text) to `jsFile` with an external source map, as tsc -p tsconfig.program.json does. */
function compile(tsFile: string, jsFile: string, source: string) {
    fs.mkdirSync(path.dirname(tsFile), { recursive: true });
    fs.mkdirSync(path.dirname(jsFile), { recursive: true });
    fs.writeFileSync(tsFile, source);
    const out = ts.transpileModule(source, {
        fileName: tsFile,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, sourceMap: true },
    });
    const map = JSON.parse(out.sourceMapText!);
    map.file = path.basename(jsFile);
    map.sources = [path.relative(path.dirname(jsFile), tsFile)];
    fs.writeFileSync(jsFile, out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(jsFile)}.map`));
    fs.writeFileSync(`${jsFile}.map`, JSON.stringify(map));
}

describe("the compiled program's stack traces (scripts/compiled-main.js)", function () {
    this.timeout(30000);
    let dir: string;
    let trace: string[];

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-compiled-main-"));
        // A stand-in SDK in node_modules, shipped compiled with its source map, as @pulumi/pulumi is.
        compile(path.join(dir, "sdk-src", "sdk.ts"), path.join(dir, "node_modules", "sdk", "index.js"),
            "// the SDK\n\n\nexport function record(): string {\n    const stack: string = new Error(\"recorded\").stack!;\n    return stack;\n}\n");
        const program = path.join(dir, ".kubestrap", "program", "0123456789abcdef");
        compile(path.join(dir, "components", "app.ts"), path.join(program, "components", "app.js"),
            "import { record } from \"sdk\";\n\ntype Unused = { a: number };\n\nexport class App {\n    trace: string;\n    constructor() {\n        this.trace = record();\n    }\n}\n");
        compile(path.join(dir, "index.ts"), path.join(program, "index.js"),
            "import { App } from \"./components/app\";\n\n\nconsole.log(new App().trace);\n");
        fs.copyFileSync(path.join(root, "scripts", "compiled-main.js"), path.join(program, "main.js"));
        const run = spawnSync(process.execPath, ["--enable-source-maps", path.join(program, "main.js")], { cwd: dir, encoding: "utf8" });
        assert.strictEqual(run.status, 0, run.stderr);
        trace = run.stdout.trim().split("\n");
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keeps the error's own line first", () => {
        assert.strictEqual(trace[0], "Error: recorded");
    });

    it("points the program's frames at their TypeScript lines", () => {
        const app = trace.find((l) => l.includes("new App"));
        assert.ok(app, trace.join("\n"));
        assert.ok(app.endsWith(`(${path.join(dir, "components", "app.ts")}:8:28)`), app);
        assert.ok(trace.some((l) => l.includes(`${path.join(dir, "index.ts")}:4:13`)), trace.join("\n"));
    });

    it("leaves the SDK's frames at their JavaScript positions", () => {
        const sdk = trace.find((l) => l.includes("at record "));
        assert.ok(sdk, trace.join("\n"));
        assert.match(sdk, new RegExp(`\\(${path.join(dir, "node_modules", "sdk", "index.js").replace(/[.]/g, "\\.")}:\\d+:\\d+\\)$`));
        assert.ok(!trace.some((l) => l.includes("sdk.ts")), trace.join("\n"));
    });
});

describe("the SDK's promise stamps (scripts/compiled-main.js)", function () {
    this.timeout(30000);
    let dir: string;
    let program: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-promise-stamps-"));
        // A stand-in for @pulumi/pulumi's runtime/debuggable.js: it stamps a promise with a trace,
        // shown only in a leak report with PULUMI_DEBUG_PROMISE_LEAKS set.
        const sdk = path.join(dir, "node_modules", "@pulumi", "pulumi", "runtime");
        fs.mkdirSync(sdk, { recursive: true });
        fs.writeFileSync(path.join(sdk, "debuggable.js"), [
            "function debuggablePromise(p) { p._debugStackTrace = new Error().stack; return p; }",
            "function record() { return new Error(\"thrown\").stack; }",
            "module.exports = { debuggablePromise, record };", "",
        ].join("\n"));
        program = path.join(dir, ".kubestrap", "program", "0123456789abcdef");
        fs.mkdirSync(program, { recursive: true });
        fs.writeFileSync(path.join(program, "index.js"), [
            "const { debuggablePromise, record } = require(\"@pulumi/pulumi/runtime/debuggable.js\");",
            "function declare() { return debuggablePromise(Promise.resolve())._debugStackTrace; }",
            "console.log(JSON.stringify({ stamp: declare(), error: record() }));", "",
        ].join("\n"));
        fs.copyFileSync(path.join(root, "scripts", "compiled-main.js"), path.join(program, "main.js"));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function run(env: NodeJS.ProcessEnv): { stamp: string; error: string } {
        const r = spawnSync(process.execPath, ["--enable-source-maps", path.join(program, "main.js")], { cwd: dir, encoding: "utf8", env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "", ...env } });
        assert.strictEqual(r.status, 0, r.stderr);
        return JSON.parse(r.stdout);
    }

    it("leaves them unformatted unless PULUMI_DEBUG_PROMISE_LEAKS asks for them; other errors keep every frame", () => {
        const plain = run({});
        assert.strictEqual(plain.stamp, "Error");
        assert.match(plain.error, /^Error: thrown\n {4}at record \(.*debuggable\.js:2:\d+\)/);
        const debug = run({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        assert.match(debug.stamp, /^Error\n {4}at debuggablePromise \(.*debuggable\.js:1:\d+\)\n {4}at declare \(/);
    });
});
