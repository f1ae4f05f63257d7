// Every run of every stack loads what index.ts imports; @pulumi/aws and @pulumi/cloudflare are a
// noticeable share of that and most stacks use neither (stacks/on-demand.ts).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

describe("the program's start-up", () => {
    it("loads neither @pulumi/aws nor @pulumi/cloudflare through what index.ts imports", function () {
        this.timeout(60000);
        const imported = [...fs.readFileSync(path.join(root, "index.ts"), "utf8").matchAll(/^import .* from "(\.[^"]+)";$/gm)].map((m) => m[1]);
        assert.ok(imported.includes("./stacks/platform") && imported.includes("./stacks/cluster"), `index.ts imports ${imported.join(", ")}`);
        const loaded = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", `
            for (const m of ${JSON.stringify(imported)}) require(m);
            console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules\\/@pulumi\\/(aws|cloudflare)\\//.test(f))));`,
        ], { cwd: root, encoding: "utf8" });
        assert.deepStrictEqual(JSON.parse(loaded), []);
    });

    it("still gives the stacks that have them their AWS and Cloudflare sides", () => {
        const { awsWorkersSide, cloudflareTunnelSide } = require("../../stacks/on-demand");
        assert.strictEqual(typeof awsWorkersSide().composeAwsWorkers, "function");
        assert.strictEqual(typeof cloudflareTunnelSide().CloudflareTunnel, "function");
    });
});
