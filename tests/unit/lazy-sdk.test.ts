// The command-line tools defer the parts of the SDK they never use (core/lazy-sdk.ts): the SDK
// then loads without TypeScript, npm's arborist and the Automation API, and each still works.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

function inFreshNode(script: string): any {
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out.trim().split("\n").pop()!);
}

const watchLoads = `
const Module = require("module");
const loaded = new Set();
const load = Module._load;
Module._load = function (request) { if (/^typescript$|typescript-shim|@npmcli\\/arborist$|^execa$/.test(request)) loaded.add(request); return load.apply(this, arguments); };
`;

describe("the SDK's unused parts, deferred for the command-line tools", function () {
    this.timeout(60000);

    it("leaves TypeScript and arborist unloaded until a serialiser function is called, then runs the real one", () => {
        const result = inFreshNode(`${watchLoads}
require("./core/lazy-sdk");
const pulumi = require("@pulumi/pulumi");
const before = [...loaded];
const deferred = typeof pulumi.runtime.serializeFunction === "function" && typeof pulumi.runtime.computeCodePaths === "function";
pulumi.runtime.serializeFunction(() => 42).then((s) => {
    console.log(JSON.stringify({ before, deferred, after: [...loaded].sort(), text: s.text.includes("42") }));
});`);
        assert.deepStrictEqual(result.before, [], "loaded before any call");
        assert.ok(result.deferred);
        assert.ok(result.after.includes("../../typescript-shim") || result.after.includes("typescript"), JSON.stringify(result.after));
        assert.ok(result.text, "the serialised function lost its body");
    });

    it("leaves the Automation API unloaded until used, then gives the real one", () => {
        const result = inFreshNode(`${watchLoads}
require("./core/lazy-sdk");
const pulumi = require("@pulumi/pulumi");
const before = [...loaded];
const workspace = typeof pulumi.automation.LocalWorkspace;
console.log(JSON.stringify({ before, workspace, after: [...loaded] }));`);
        assert.deepStrictEqual(result.before, [], "loaded before any use");
        assert.strictEqual(result.workspace, "function");
        assert.ok(result.after.includes("execa"), JSON.stringify(result.after));
    });

    it("changes nothing when not imported: the SDK loads both on start", () => {
        const result = inFreshNode(`${watchLoads}
require("@pulumi/pulumi");
console.log(JSON.stringify([...loaded].sort()));`);
        assert.ok(result.includes("@npmcli/arborist"), `the SDK no longer loads arborist on start (${result}): the deferral may be unneeded`);
    });
});
