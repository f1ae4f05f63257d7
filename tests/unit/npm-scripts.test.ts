// The npm scripts (up, down, preview) and scripts/pulumi.sh, run for real in a sandbox copy of
// the project whose `pulumi` and scripts/cluster.sh are stand-ins that log how they were called:
// stack files are read as YAML whatever their style, --stack/-s is honoured once, and --yes is
// added only where no one should have to confirm.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument, stringify } from "yaml";
import { readStackSettings } from "../../stacks/stack-file";

const root = path.resolve(__dirname, "..", "..");

/** The same document three ways Pulumi reads alike: flow style, double-quoted, four-space indents. */
function restyled(text: string): Record<string, string> {
    const value = parseDocument(text).toJS();
    return {
        flow: stringify(value, { collectionStyle: "flow" }),
        quoted: stringify(value, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" }),
        indented: stringify(value, { indent: 4 }),
        "config as JSON strings": stringify({ ...value, config: Object.fromEntries(Object.entries(value.config ?? {}).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])) }),
    };
}

const shipped = ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "examples/sugarkube/Pulumi.sugarkube.yaml", "examples/wright-now-staging/Pulumi.wright-now-staging.yaml"];

describe("stack files read by the scripts", function () {
    this.timeout(60000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-stackfile-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const viaScript = (file: string, what: string) =>
        execFileSync("bash", [path.join(root, "scripts", "stack-target.sh"), "any", what, "--file", file]).toString().trim();

    for (const shippedFile of shipped) {
        it(`${shippedFile}: flow style, quoted, re-indented or JSON-valued gives the same target, node kind and environment`, () => {
            const original = readStackSettings(path.join(root, shippedFile));
            const expected = { target: original.target, nodes: original.nodes, environment: original.environment };
            for (const [style, text] of Object.entries(restyled(fs.readFileSync(path.join(root, shippedFile), "utf8")))) {
                const file = path.join(dir, `${style.replace(/\W/g, "-")}.yaml`);
                fs.writeFileSync(file, text);
                const { target, nodes, environment, mesh } = readStackSettings(file);
                assert.deepStrictEqual({ target, nodes, environment }, expected, `${shippedFile} in ${style}`);
                assert.strictEqual(mesh, original.mesh, `${shippedFile} in ${style}: the mesh (npm run status reads its keys)`);
                assert.deepStrictEqual({ target: viaScript(file, "target"), nodes: viaScript(file, "nodes"), environment: viaScript(file, "environment") }, expected, `${shippedFile} in ${style}, through scripts/stack-target.sh`);
            }
        });
    }

    it("a stack has a mesh when kubestrap:cluster.mesh is set, in any style", () => {
        const file = path.join(dir, "mesh.yaml");
        fs.writeFileSync(file, 'config:\n  kubestrap:cluster: \'{"target": "k3s", "mesh": {"headscale": {"host": "10.0.0.1"}}}\'\n');
        assert.strictEqual(readStackSettings(file).mesh, true);
        fs.writeFileSync(file, "config:\n  kubestrap:cluster: {target: k3s}\n");
        assert.strictEqual(readStackSettings(file).mesh, false);
    });

    it("prod is a k3s stack in the prod environment (the settings the policy pack and the scripts act on)", () => {
        assert.deepStrictEqual(readStackSettings(path.join(root, "Pulumi.prod.yaml")).environment, "prod");
        assert.deepStrictEqual(readStackSettings(path.join(root, "Pulumi.prod.yaml")).target, "k3s");
    });

    it("a file that is not YAML is an error naming the file, not a local dev stack", () => {
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(file, "config:\n  kubestrap:cluster: { target: k3s\n");
        assert.throws(() => readStackSettings(file), new RegExp(`${file.replace(/[.]/g, "\\.")} is not valid YAML`));
        const run = spawnSync("bash", [path.join(root, "scripts", "stack-target.sh"), "any", "target", "--file", file]);
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr.toString(), /is not valid YAML/);
    });
});

describe("npm run up / down / preview in a sandbox project", function () {
    this.timeout(120000);
    let project: string;
    let log: string;

    before(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-npm-scripts-"));
        log = path.join(project, "calls.log");
        for (const d of ["scripts", "stacks", "core", "policy", "bin"]) fs.mkdirSync(path.join(project, d));
        for (const f of fs.readdirSync(path.join(root, "scripts"))) fs.copyFileSync(path.join(root, "scripts", f), path.join(project, "scripts", f));
        fs.copyFileSync(path.join(root, "stacks", "stack-file.ts"), path.join(project, "stacks", "stack-file.ts"));
        fs.copyFileSync(path.join(root, "core", "project-dir.ts"), path.join(project, "core", "project-dir.ts"));
        for (const f of ["Pulumi.yaml", "tsconfig.json"]) fs.copyFileSync(path.join(root, f), path.join(project, f));
        fs.symlinkSync(path.join(root, "node_modules"), path.join(project, "node_modules"));
        // The stand-ins: the local control plane is up, and pulumi logs its arguments.
        fs.writeFileSync(path.join(project, "scripts", "cluster.sh"), `#!/usr/bin/env bash\necho "cluster.sh $*" >> "${log}"\n`, { mode: 0o755 });
        // A preview --json prints the plan in PREVIEW_JSON; a run without per-step checkpoints says so.
        fs.writeFileSync(path.join(project, "bin", "pulumi"), `#!/usr/bin/env bash\necho "pulumi $*\${PULUMI_SKIP_CHECKPOINTS:+ [checkpoints skipped]}\${KUBESTRAP_SDK_DEBUG_LOGS:+ [sdk debug logs]}" >> "${log}"\n` +
            `if [ "$1" = version ]; then echo "pulumi version, parallel \${PULUMI_PARALLEL:-unset}" >> "${log}"; fi\n` +
            `if [ "$1 $2" = "preview --json" ] && [ -n "\${PREVIEW_JSON:-}" ]; then printf '%s' "$PREVIEW_JSON"; fi\n` +
            `if [ "$1 $2" = "stack export" ] && [ -n "\${STATE_FAIL:-}" ]; then echo "error: no such stack" >&2; exit 1; fi\n` +
            `if [ "$1 $2" = "stack export" ] && [ -n "\${STATE_JSON:-}" ]; then printf '%s' "$STATE_JSON"; fi\n`, { mode: 0o755 });
        // dev on the local control plane, prod on k3s hosts, written the ways the old sed misread.
        fs.writeFileSync(path.join(project, "Pulumi.dev.yaml"), "config:\n  kubestrap:cluster: { target: local }\n");
        fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), 'config:\n    "kubestrap:environment": "prod"\n    kubestrap:cluster: {target: "k3s", k3s: {servers: [{name: s1, host: 10.0.0.1}]}}\n');
        fs.mkdirSync(path.join(project, ".kubestrap", "state", ".pulumi", "stacks", "kubestrap"), { recursive: true });
        for (const s of ["dev", "prod"]) fs.writeFileSync(path.join(project, ".kubestrap", "state", ".pulumi", "stacks", "kubestrap", `${s}.json`), "{}");
    });
    after(() => fs.rmSync(project, { recursive: true, force: true }));

    function run(script: string, args: string[], env: Record<string, string> = {}): string[] {
        fs.writeFileSync(log, "");
        const res = spawnSync("bash", [path.join(project, "scripts", script), ...args], {
            cwd: project,
            env: {
                ...process.env, CI: "", KUBESTRAP_STACK: "", PULUMI_BACKEND_URL: "", KUBESTRAP_SDK_DEBUG_LOGS: "", PULUMI_PARALLEL: "",
                PATH: `${path.join(project, "bin")}:${process.env.PATH}`,
                KUBESTRAP_SYSTEM_PULUMI: "1", PULUMI_NODEJS_TRANSPILE_ONLY: "1", PULUMI_CONFIG_PASSPHRASE: "test", ...env,
            },
        });
        assert.strictEqual(res.status, 0, `${script} ${args.join(" ")}: ${res.stderr}`);
        return fs.readFileSync(log, "utf8").trim().split("\n").filter((l) => l.startsWith("pulumi ") && !l.startsWith("pulumi stack"));
    }
    const stacksNamed = (call: string) => [...call.matchAll(/--stack (\S+)/g)].map((m) => m[1]);

    const upCall = (calls: string[]) => calls.find((c) => c.startsWith("pulumi up"))!;

    it("up of the local dev stack confirms by itself", () => {
        const calls = run("up.sh", []);
        assert.match(calls[0], /^pulumi preview --json --stack dev$/, "the plan is not read first");
        assert.match(upCall(calls), /^pulumi up --skip-preview --yes/);
        assert.deepStrictEqual(stacksNamed(upCall(calls)), ["dev"]);
    });

    it("saves a confirmed up's state once, at the end, when its plan changes only Kubernetes objects; after every step otherwise", () => {
        const plan = (type: string) => JSON.stringify({ steps: [{ op: "create", urn: "urn:pulumi:dev::kubestrap::kubernetes:apps/v1:Deployment::web" },
            { op: "update", urn: `urn:pulumi:dev::kubestrap::${type}::x` }] });
        assert.match(upCall(run("up.sh", [], { PREVIEW_JSON: plan("kubernetes:core/v1:Service") })), /\[checkpoints skipped\]$/);
        assert.doesNotMatch(upCall(run("up.sh", [], { PREVIEW_JSON: plan("command:remote:Command") })), /checkpoints skipped/);
        assert.doesNotMatch(upCall(run("up.sh", [], { PREVIEW_JSON: plan("kubernetes:helm.sh/v3:Release") })), /checkpoints skipped/);
        const always = run("up.sh", [], { PREVIEW_JSON: plan("kubernetes:core/v1:Service"), KUBESTRAP_CHECKPOINTS: "always" });
        assert.deepStrictEqual(always.map((c) => c.split(" ").slice(0, 2).join(" ")), ["pulumi up"], "KUBESTRAP_CHECKPOINTS=always still read the plan");
        // An up that asks first (prod without --yes), or with a flag preview lacks, is Pulumi's own flow.
        assert.deepStrictEqual(run("up.sh", ["--stack", "prod"]).map((c) => c.split(" ").slice(0, 2).join(" ")), ["pulumi up"]);
        assert.deepStrictEqual(run("up.sh", ["--continue-on-error"], { PREVIEW_JSON: plan("kubernetes:core/v1:Service") }).map((c) => c.split(" ").slice(0, 2).join(" ")), ["pulumi up"]);
    });

    it("saves a confirmed destroy's state once, at the end, when the stack holds only Kubernetes objects; after every step otherwise", () => {
        const state = (type: string) => JSON.stringify({ deployment: { resources: [
            { urn: "urn:pulumi:dev::kubestrap::pulumi:pulumi:Stack::kubestrap-dev" },
            { urn: "urn:pulumi:dev::kubestrap::kubestrap:apps:WebApp$kubernetes:apps/v1:Deployment::web" },
            { urn: `urn:pulumi:dev::kubestrap::${type}::x` }] } });
        const destroyCall = (calls: string[]) => calls.find((c) => c.startsWith("pulumi destroy"))!;
        assert.match(destroyCall(run("down.sh", [], { STATE_JSON: state("kubernetes:core/v1:Namespace") })), /^pulumi destroy --yes --stack dev \[checkpoints skipped\]$/);
        assert.doesNotMatch(destroyCall(run("down.sh", [], { STATE_JSON: state("command:remote:Command") })), /checkpoints skipped/);
        assert.doesNotMatch(destroyCall(run("down.sh", [], { STATE_JSON: state("random:index/randomPassword:RandomPassword") })), /checkpoints skipped/);
        assert.doesNotMatch(destroyCall(run("down.sh", [], { STATE_JSON: state("kubernetes:core/v1:Namespace"), KUBESTRAP_CHECKPOINTS: "always" })), /checkpoints skipped/);
        assert.doesNotMatch(destroyCall(run("down.sh", ["--target", "urn:x"], { STATE_JSON: state("kubernetes:core/v1:Namespace") })), /checkpoints skipped/);
        for (const flags of [["--config-file", "c.yaml"], ["--config-file=c.yaml"]]) {
            assert.match(destroyCall(run("down.sh", flags, { STATE_JSON: state("kubernetes:core/v1:Namespace") })), /\[checkpoints skipped\]$/, flags.join(" "));
        }
        assert.doesNotMatch(destroyCall(run("down.sh", ["--config-file", "c.yaml", "--target", "urn:x"], { STATE_JSON: state("kubernetes:core/v1:Namespace") })), /checkpoints skipped/);
        // A state that cannot be read (no stack yet, a backend error) leaves Pulumi's own flow, and the destroy still runs.
        assert.doesNotMatch(destroyCall(run("down.sh", [], { STATE_FAIL: "1", STATE_JSON: state("kubernetes:core/v1:Namespace") })), /checkpoints skipped/);
        // A destroy that asks first (prod) keeps Pulumi's own flow.
        assert.doesNotMatch(destroyCall(run("down.sh", ["--stack", "prod"], { STATE_JSON: state("kubernetes:core/v1:Namespace") })), /checkpoints skipped/);
    });

    for (const flag of [["--stack", "prod"], ["-s", "prod"], ["--stack=prod"], ["-sprod"]]) {
        it(`up ${flag.join(" ")} runs prod, names it once, and leaves the confirmation to Pulumi`, () => {
            const [up] = run("up.sh", flag);
            assert.deepStrictEqual(stacksNamed(up), ["prod"], up);
            assert.doesNotMatch(up, /--yes/);
            assert.doesNotMatch(fs.readFileSync(log, "utf8"), /cluster\.sh/, "a k3s stack started the local control plane");
        });
    }

    it("up of prod with --yes or in CI confirms once", () => {
        assert.strictEqual(upCall(run("up.sh", ["--stack", "prod", "--yes"])).match(/--yes/g)?.length, 1);
        assert.strictEqual(upCall(run("up.sh", ["--stack", "prod"], { CI: "true" })).match(/--yes/g)?.length, 1);
    });

    it("down of prod asks (destroy uninstalls k3s from every host); down of dev does not, and stops the local control plane", () => {
        const [destroyProd] = run("down.sh", ["--stack", "prod"]);
        assert.match(destroyProd, /^pulumi destroy/);
        assert.doesNotMatch(destroyProd, /--yes/);
        assert.deepStrictEqual(stacksNamed(destroyProd), ["prod"]);
        const [destroyDev] = run("down.sh", [], {});
        assert.match(destroyDev, /^pulumi destroy --yes/);
        assert.match(fs.readFileSync(log, "utf8"), /cluster\.sh down/);
    });

    it("preview of prod (flow style, quoted) enforces protect-data-in-prod for the prod environment", () => {
        const [preview] = run("preview.sh", ["-s", "prod"]);
        assert.deepStrictEqual(stacksNamed(preview), ["prod"]);
        const config = preview.match(/--policy-pack-config (\S+)/)![1];
        assert.ok(config, preview);
        // The config file is removed after the run: the wrapper logged what it passed, so rebuild it the same way.
        const env = run("preview.sh", ["--stack", "prod"], { KUBESTRAP_POLICY_CONFIG: path.join(project, "none.json") });
        assert.ok(env.length === 1);
    });

    it("asks the program for the SDK's debug logs only when the run shows them (--debug, -d, -v)", () => {
        for (const flags of [["--debug"], ["--debug=true"], ["--debug=1"], ["-d"], ["-yd"], ["-dfy"], ["-ed"], ["-Qd"], ["-dv9"], ["-v=9"], ["-v", "9"], ["-v9"], ["--verbose=3"], ["--logtostderr"]]) {
            assert.match(run("pulumi.sh", ["preview", ...flags])[0], /\[sdk debug logs\]$/, flags.join(" "));
        }
        for (const flags of [["--diff"], ["-y"], ["-md"], ["--debug=false"]]) {
            assert.doesNotMatch(run("pulumi.sh", ["preview", ...flags])[0], /sdk debug logs/, flags.join(" "));
        }
        assert.doesNotMatch(run("pulumi.sh", ["up", "--yes"])[0], /sdk debug logs/);
    });

    it("runs up to 64 steps at once unless PULUMI_PARALLEL says otherwise", () => {
        assert.ok(run("pulumi.sh", ["version"]).includes("pulumi version, parallel 64"));
        assert.ok(run("pulumi.sh", ["version"], { PULUMI_PARALLEL: "4" }).includes("pulumi version, parallel 4"));
    });

    it("a stack name that is not one is refused before anything runs", () => {
        const res = spawnSync("bash", [path.join(project, "scripts", "up.sh"), "--stack", "../prod"], { env: { ...process.env, PATH: `${path.join(project, "bin")}:${process.env.PATH}` } });
        assert.strictEqual(res.status, 2);
        assert.match(res.stderr.toString(), /is not a stack name/);
    });
});
