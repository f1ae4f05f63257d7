// @pulumi/random under the real engine, through kubestrap's own random plugin
// (toolchain/providers/random): the tunnel secret (RandomBytes) and the generated tokens and
// passwords (RandomPassword) are made once, kept by every later up, encrypted in the state, and
// made anew only when a keeper changes. The project is tests/fixtures/random-project: no cluster.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { root } from "./harness";

describe("@pulumi/random on the real engine (kubestrap's random plugin)", function () {
    this.timeout(5 * 60 * 1000);
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const pulumi = async (...args: string[]) => {
        try {
            return String((await promisify(execFile)("pulumi", args, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 })).stdout);
        } catch (e: any) {
            throw new Error(`pulumi ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
        }
    };
    const outputs = async () => JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets", "--stack", "check"));

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-random-"));
        for (const f of ["Pulumi.yaml", "index.ts"]) {
            fs.copyFileSync(path.join(root, "tests", "fixtures", "random-project", f), path.join(dir, f));
        }
        fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
        env = { ...process.env, PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "random-e2e", PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
        fs.mkdirSync(path.join(dir, "state"));
        await pulumi("stack", "init", "check", "--secrets-provider", "passphrase");
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    let first: Record<string, string>;
    it("generates 32 random bytes (base64 and hex of the same bytes) and a 48-character token, secret in the state", async () => {
        await pulumi("up", "--yes", "--skip-preview", "--stack", "check");
        first = await outputs();
        const bytes = Buffer.from(first.tunnelSecretBase64, "base64");
        assert.strictEqual(bytes.length, 32);
        assert.strictEqual(bytes.toString("hex"), first.tunnelSecretHex);
        assert.match(first.k3sToken, /^[A-Za-z0-9]{48}$/);
        const masked = JSON.parse(await pulumi("stack", "output", "--json", "--stack", "check"));
        assert.deepStrictEqual(Object.values(masked), ["[secret]", "[secret]", "[secret]"]);
        const state = await pulumi("stack", "export", "--stack", "check");
        for (const value of Object.values(first)) {
            assert.ok(!state.includes(value), "a generated value is in the state in plain text");
        }
    });

    it("keeps every value on a second up, with no changes", async () => {
        await pulumi("up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", "check");
        assert.deepStrictEqual(await outputs(), first);
    });

    it("makes new bytes when a keeper changes, and keeps the token", async () => {
        await pulumi("config", "set", "rotation", "2", "--stack", "check");
        await pulumi("up", "--yes", "--skip-preview", "--stack", "check");
        const rotated = await outputs();
        assert.notStrictEqual(rotated.tunnelSecretBase64, first.tunnelSecretBase64);
        assert.strictEqual(Buffer.from(rotated.tunnelSecretBase64, "base64").length, 32);
        assert.strictEqual(rotated.k3sToken, first.k3sToken);
        await pulumi("destroy", "--yes", "--skip-preview", "--stack", "check");
        const left = JSON.parse(await pulumi("stack", "export", "--stack", "check")).deployment.resources ?? [];
        assert.deepStrictEqual(left, []);
    });
});
