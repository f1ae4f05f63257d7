// scripts/pulumi.sh type-checks and compiles the program once per change of its sources, and the
// language host runs that JavaScript (README, "Performance"): a type error still stops preview and
// up before the engine starts, an unchanged program is not checked again, and an edited one is
// never run from an older compilation. In a working copy of its own.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { workingCopy } from "./harness";

describe("the program's type check and compilation, once per change of its sources", function () {
    this.timeout(10 * 60 * 1000);
    let copy: string;
    let env: NodeJS.ProcessEnv;
    const pulumiSh = async (...args: string[]): Promise<{ code: number; out: string }> => {
        try {
            const { stdout, stderr } = await promisify(execFile)(path.join(copy, "scripts", "pulumi.sh"), args, { cwd: copy, env, maxBuffer: 16 * 1024 * 1024 });
            return { code: 0, out: String(stdout) + String(stderr) };
        } catch (e: any) {
            return { code: e.code, out: String(e.stdout) + String(e.stderr) };
        }
    };

    before(() => {
        copy = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-typecheck-"));
        workingCopy(copy);
        const { PULUMI_NODEJS_TRANSPILE_ONLY: _, ...rest } = process.env;
        env = { ...rest, KUBESTRAP_STACK: "typecheck", PULUMI_BACKEND_URL: `file://${path.join(copy, "state")}`, PULUMI_CONFIG_PASSPHRASE: "typecheck" };
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));

    it("stops preview on a type error, naming the file, before any stack is made", async () => {
        fs.appendFileSync(path.join(copy, "core", "labels.ts"), '\nexport const broken: number = "not a number";\n');
        const result = await pulumiSh("preview");
        assert.notStrictEqual(result.code, 0);
        assert.match(result.out, /core\/labels\.ts\(\d+,\d+\): error TS2322/);
        assert.match(result.out, /the program has type errors \(above\); nothing was run/);
        assert.ok(!fs.existsSync(path.join(copy, "state", ".pulumi", "stacks")), "a stack was made");
    });

    it("checks a mended program once, then not again until a source changes", async () => {
        const labels = path.join(copy, "core", "labels.ts");
        fs.writeFileSync(labels, fs.readFileSync(labels, "utf8").replace('\nexport const broken: number = "not a number";\n', ""));
        const first = await pulumiSh("typecheck");
        assert.strictEqual(first.code, 0, first.out);
        assert.match(first.out, /type-checking and compiling the program/);
        const second = await pulumiSh("typecheck");
        assert.strictEqual(second.code, 0, second.out);
        assert.doesNotMatch(second.out, /type-checking/);
        fs.appendFileSync(labels, "\n// an edit\n");
        assert.match((await pulumiSh("typecheck")).out, /type-checking and compiling the program/);
    });

    it("runs the compiled program, and the sources when asked to check on every run", async () => {
        const compiled = path.join(copy, ".kubestrap", "program");
        const [current] = fs.readdirSync(compiled).filter((d) => !d.startsWith(".")).map((d) => path.join(compiled, d))
            .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
        const index = path.join(current, "index.js");
        assert.ok(fs.existsSync(index), `no compiled program in ${compiled}`);
        assert.ok(fs.existsSync(path.join(current, "core", "labels.js.map")), "the compiled program has no source maps");
        // Marked so that its run shows: the engine runs it, it says so and stops.
        fs.writeFileSync(index, 'throw new Error("the compiled program ran");\n' + fs.readFileSync(index, "utf8"));
        const fast = await pulumiSh("preview");
        assert.notStrictEqual(fast.code, 0);
        assert.match(fast.out, /the compiled program ran/);
        // The language host loaded core/program-preload.ts into that run's Node first: the SDK's code was cached.
        assert.ok(fs.statSync(path.join(current, "code-cache.bin")).size > 1_000_000, "the program's Node kept no code cache");
        // With the marked compilation still there, Pulumi's way runs the sources instead.
        env.KUBESTRAP_TYPECHECK = "every-run";
        try {
            const fromSources = await pulumiSh("preview");
            assert.doesNotMatch(fromSources.out, /the compiled program ran/, "KUBESTRAP_TYPECHECK=every-run still ran the compiled program");
            // And the sources did run (a crash would pass the check above): the program's own words
            // about this copy's missing local control plane.
            assert.match(fromSources.out, /error: kubestrap:cluster: cannot read kubeconfig .*\.kubestrap\/local\/kubeconfig; start the local control plane/);
        } finally {
            delete env.KUBESTRAP_TYPECHECK;
        }
        fs.rmSync(compiled, { recursive: true });
        // An error the compiled program throws names the TypeScript line it came from.
        const labels = path.join(copy, "core", "labels.ts");
        const line = fs.readFileSync(labels, "utf8").split("\n").length + 1;
        fs.appendFileSync(labels, '\nif (process.env.KUBESTRAP_E2E_BOOM) throw new Error("boom from the program");\n');
        env.KUBESTRAP_E2E_BOOM = "1";
        try {
            const boom = await pulumiSh("preview");
            assert.match(boom.out, /boom from the program/);
            assert.match(boom.out, new RegExp(`core/labels\\.ts:${line}\\b`), "the error does not point at its TypeScript line");
        } finally {
            delete env.KUBESTRAP_E2E_BOOM;
        }
    });
});
