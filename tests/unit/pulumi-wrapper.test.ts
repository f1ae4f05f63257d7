// scripts/pulumi.sh gives each run a private TMPDIR and removes it after: the Kubernetes provider
// leaves a copy of the cluster's kubeconfig in $TMPDIR every time it starts. A stand-in `pulumi`
// on PATH plays the provider's part. It also undoes an inherited SIGINT ignore.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

// Prints its pid, its TMPDIR and whether it ignores SIGINT (bit 2 of SigIgn, as its plugins would inherit it).
const standInPulumi = `#!/usr/bin/env bash
[ "$1" = refresh ] || exit 0
echo "token: secret" > "$TMPDIR/kubeconfig1234"
ignored=$(( 0x$(awk '/^SigIgn:/ {print $2}' /proc/$$/status) >> 1 & 1 ))
echo "$$ $TMPDIR $ignored"
`;

async function gone(dir: string, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    while (fs.existsSync(dir)) {
        if (Date.now() > deadline) {
            throw new Error(`${dir} is still there ${timeoutMs} ms after pulumi exited: ${fs.readdirSync(dir).join(", ")}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe("scripts/pulumi.sh's temporary directory", function () {
    this.timeout(30000);
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-wrapper-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.mkdirSync(path.join(dir, "tmp"));
        fs.writeFileSync(path.join(dir, "bin", "pulumi"), standInPulumi, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function runRefresh(sigintIgnored = false) {
        // `trap '' INT` then exec: the wrapper starts with SIGINT ignored, as a script's `cmd &` does.
        const wrapper = path.join(root, "scripts", "pulumi.sh");
        const child = spawn("bash", sigintIgnored ? ["-c", `trap '' INT; exec ${wrapper} refresh --yes`] : [wrapper, "refresh", "--yes"], {
            cwd: root,
            env: {
                ...process.env,
                PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
                TMPDIR: path.join(dir, "tmp"),
                KUBESTRAP_SYSTEM_PULUMI: "1",
                KUBESTRAP_STACK: "wrapper-test",
                PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
                PULUMI_CONFIG_PASSPHRASE: "test",
            },
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        let err = "";
        child.stderr.on("data", (d) => (err += d));
        const code = await new Promise((resolve) => child.on("close", resolve));
        assert.strictEqual(code, 0, err);
        const [pid, runTmp, ignored] = out.trim().split(" ");
        assert.strictEqual(Number(pid), child.pid, "pulumi.sh does not exec pulumi");
        assert.strictEqual(ignored, "0", "pulumi (and so its plugins) ignores SIGINT");
        assert.strictEqual(path.dirname(runTmp), path.join(dir, "tmp"));
        await gone(runTmp);
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "tmp")), []);
        fs.rmSync(path.join(root, "Pulumi.wrapper-test.yaml"), { force: true });
    }

    it("is private to the run, is pulumi's own process (signals reach it), and is gone with what the provider left in it", runRefresh);

    it("is removed as well where tail has no --pid (not GNU coreutils)", async () => {
        fs.writeFileSync(path.join(dir, "bin", "tail"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
        await runRefresh();
    });

    it("reads a stack without making one, and without a passphrase unless secrets are shown", () => {
        const run = (...args: string[]) => spawnSync("bash", [path.join(root, "scripts", "pulumi.sh"), ...args], {
            cwd: root, encoding: "utf8",
            env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, KUBESTRAP_SYSTEM_PULUMI: "1", KUBESTRAP_STACK: "wrapper-test",
                PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "" },
        });
        const missing = run("stack", "export");
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /there is no stack wrapper-test in file:\/\/.* yet \(npm run up makes it\)/);
        assert.ok(!fs.existsSync(path.join(dir, "state", ".pulumi", "stacks")), "a read made the stack");
        assert.match(run("stack", "output", "kubeconfig", "--show-secrets").stderr, /set PULUMI_CONFIG_PASSPHRASE \(or _FILE\) for the wrapper-test stack/);
    });

    it("gives pulumi SIGINT's default back when started with it ignored (a script's `cmd &`), so plugins exit when the CLI stops them, not 5 s later", () => runRefresh(true));
});

describe("which Pulumi scripts/pulumi.sh runs", function () {
    this.timeout(30000);
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-which-pulumi-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "pulumi"), "#!/usr/bin/env bash\necho \"stand-in pulumi $1\"\n", { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("uses a pulumi already on PATH when the offline toolchain is not built, and says how to choose", () => {
        const run = spawnSync("bash", [path.join(root, "scripts", "pulumi.sh"), "version"], {
            cwd: root,
            env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, KUBESTRAP_CACHE: path.join(dir, "empty-cache"), KUBESTRAP_SYSTEM_PULUMI: "",
                KUBESTRAP_STACK: "which-pulumi", PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "x" },
        });
        assert.strictEqual(run.status, 0, String(run.stderr));
        assert.match(String(run.stdout), /stand-in pulumi version/);
        assert.match(String(run.stderr), /using the pulumi on PATH \(.*\/bin\/pulumi\); KUBESTRAP_SYSTEM_PULUMI=0 builds kubestrap's offline toolchain instead/);
        fs.rmSync(path.join(root, "Pulumi.which-pulumi.yaml"), { force: true });
    });

    it("every toolchain error names the other way (a Pulumi CLI of your own)", () => {
        const run = spawnSync("bash", [path.join(root, "scripts", "toolchain.sh"), "no-such-command"], { env: { ...process.env, KUBESTRAP_CACHE: path.join(dir, "empty-cache") } });
        assert.strictEqual(run.status, 1);
        assert.match(String(run.stderr), /\[toolchain\] error: usage:.*\n\[toolchain\] \(with a Pulumi CLI installed and internet for its plugins, KUBESTRAP_SYSTEM_PULUMI=1 uses it/);
    });
});

