// `npm run status` and `npm run logs` as a user runs them (the CLI in a child process): help,
// exit codes, errors as JSON, an unknown stack, an unreadable kubeconfig, and an API server that
// refuses the credentials (a stand-in on loopback answering 401 or 403).
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { kubeconfigPath } from "../../stacks/kubeconfig-path";
import { exitCodes } from "../../status/cluster";
import { buildReport } from "../../status/report";
import { renderReport } from "../../status/render";

const root = path.resolve(__dirname, "..", "..");

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    // Asynchronously: a test's stand-in API server answers from this process while the CLI waits.
    return new Promise((resolve) => {
        // As `npm run status` runs it: compiled once per change of the sources (scripts/cli.sh).
        const child = spawn("bash", [path.join(root, "scripts", "cli.sh"), "status/cli", ...args],
            { cwd: root, env: { ...process.env, NO_COLOR: "1", KUBESTRAP_STACK: "", ...env } });
        let stdout = "", stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

describe("the status and logs commands", function () {
    this.timeout(60000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-status-cli-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const command of ["status", "logs"]) {
        it(`${command} --help prints its usage and exit codes, and exits 0`, async () => {
            const r = await cli([command, "--help"]);
            assert.strictEqual(r.code, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`^usage: npm run ${command} --`));
            assert.match(r.stdout, /exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 .*\n {2}64 /);
        });
    }

    it("an unknown flag is a usage error (64), not an unreachable cluster (2)", async () => {
        const r = await cli(["status", "--jsn"]);
        assert.strictEqual(r.code, exitCodes.usage);
        assert.match(r.stderr, /unknown argument --jsn/);
    });

    it("refuses --watch 0 (it would read the cluster without a pause)", async () => {
        const r = await cli(["status", "--watch", "0"]);
        assert.strictEqual(r.code, exitCodes.usage);
        assert.match(r.stderr, /--watch 0: give at least 1 second/);
    });

    it("refuses a stack that does not exist instead of reading the local cluster, naming the stacks there are", async () => {
        const r = await cli(["status", "--stack", "nosuchstack"]);
        assert.strictEqual(r.code, exitCodes.usage);
        assert.match(r.stderr, /there is no stack "nosuchstack" here \(no Pulumi\.nosuchstack\.yaml\); the stacks are .*dev.*prod.*sugarkube/);
    });

    it("prints errors as JSON with --json", async () => {
        const r = await cli(["status", "--json", "--stack", "nosuchstack"]);
        assert.strictEqual(r.code, exitCodes.usage);
        const out = JSON.parse(r.stdout);
        assert.strictEqual(out.error.exitCode, exitCodes.usage);
        assert.match(out.error.message, /no stack "nosuchstack"/);
    });

    it("names a kubeconfig it cannot read as one", async () => {
        const file = path.join(dir, "broken-kubeconfig");
        fs.writeFileSync(file, "apiVersion: v1\nclusters: [\n");
        const r = await cli(["status", "--kubeconfig", file]);
        assert.strictEqual(r.code, exitCodes.unreachable);
        assert.match(r.stderr, new RegExp(`the kubeconfig from ${file.replace(/[/.]/g, "\\$&")} cannot be read`));
    });

    for (const [code, words] of [[401, /refused the credentials in .* \(401 Unauthorized.*`npm run up` writes its current kubeconfig/], [403, /forbids what status reads \(403 Forbidden\); give that user read access/]] as const) {
        it(`explains a ${code} in one line with the fix, and exits 3`, async () => {
            const server = http.createServer((_req, res) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, message: code === 401 ? "Unauthorized" : "forbidden" }));
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            const port = (server.address() as { port: number }).port;
            const file = path.join(dir, `kubeconfig-${code}`);
            fs.writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\n` +
                "users: [{name: u, user: {token: wrong}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
            try {
                const r = await cli(["status", "--kubeconfig", file]);
                assert.strictEqual(r.code, exitCodes.refused, r.stderr);
                assert.match(r.stderr, words);
                assert.strictEqual(r.stderr.trim().split("\n").length, 1, "more than one line");
                assert.doesNotMatch(r.stderr, /Headers|Body: undefined/, "the client library's raw dump");
            } finally {
                server.close();
            }
        });
    }

    it("reads Helm's release records as metadata only (their data is whole releases, not status's to read)", async () => {
        let secretsAccept = "";
        const server = http.createServer((req, res) => {
            const url = new URL(req.url!, "http://x");
            res.writeHead(200, { "content-type": "application/json" });
            if (url.pathname === "/api/v1/secrets") {
                secretsAccept = String(req.headers.accept);
                res.end(JSON.stringify({ kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", items: [
                    { metadata: { name: "sh.helm.release.v1.cert-manager.v1", namespace: "cert-manager", labels: { owner: "helm", name: "cert-manager", version: "1", status: "deployed" } } }] }));
            } else if (url.pathname === "/api/v1/nodes") {
                res.end(JSON.stringify({ kind: "NodeList", apiVersion: "v1", items: [{ metadata: { name: "n1" }, status: { conditions: [{ type: "Ready", status: "True" }] } }] }));
            } else {
                res.end(JSON.stringify({ kind: "List", apiVersion: "v1", items: [] }));
            }
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const file = path.join(dir, "kubeconfig-ok");
        fs.writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${(server.address() as { port: number }).port}", insecure-skip-tls-verify: true}}]\n` +
            "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
        try {
            const r = await cli(["status", "--kubeconfig", file, "--json"]);
            assert.strictEqual(r.code, 0, r.stderr + r.stdout);
            assert.match(secretsAccept, /^application\/json;as=PartialObjectMetadataList;g=meta\.k8s\.io;v=v1/);
            assert.deepStrictEqual(JSON.parse(r.stdout).addons.map((a: any) => [a.release, a.status]), [["cert-manager", "deployed"]]);
        } finally {
            server.close();
        }
    });

    it("honours KUBECONFIG for a stack that targets the cluster kubectl would use (target kubeconfig, no file)", async () => {
        const server = http.createServer((req, res) => {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify(new URL(req.url!, "http://x").pathname === "/api/v1/nodes"
                ? { kind: "NodeList", apiVersion: "v1", items: [{ metadata: { name: "from-kubeconfig-env" }, status: { conditions: [{ type: "Ready", status: "True" }] } }] }
                : { kind: "List", apiVersion: "v1", items: [] }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const file = path.join(dir, "kubeconfig-env");
        fs.writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${(server.address() as { port: number }).port}", insecure-skip-tls-verify: true}}]\n` +
            "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n");
        const stackDir = path.join(root, "examples", "unit-kubeconfig-env");
        fs.mkdirSync(stackDir);
        try {
            fs.writeFileSync(path.join(stackDir, "Pulumi.unit-kubeconfig-env.yaml"), "config:\n  kubestrap:cluster:\n    target: kubeconfig\n");
            const r = await cli(["status", "--stack", "unit-kubeconfig-env", "--json"], { KUBECONFIG: `${file}${path.delimiter}/nonexistent/second` });
            assert.strictEqual(r.code, 0, r.stderr + r.stdout);
            assert.deepStrictEqual(JSON.parse(r.stdout).nodes.map((n: any) => n.name), ["from-kubeconfig-env"]);
            // As `pulumi config set kubestrap:cluster '{...}'` writes it: a JSON string, read as the program reads it.
            fs.writeFileSync(path.join(stackDir, "Pulumi.unit-kubeconfig-env.yaml"), `config:\n  kubestrap:cluster: '{"target": "kubeconfig", "kubeconfig": "${file}"}'\n`);
            const json = await cli(["status", "--stack", "unit-kubeconfig-env", "--json"], { KUBECONFIG: "/nonexistent" });
            assert.strictEqual(json.code, 0, json.stderr + json.stdout);
            assert.deepStrictEqual(JSON.parse(json.stdout).nodes.map((n: any) => n.name), ["from-kubeconfig-env"]);
            const local = await cli(["status", "--json"], { KUBECONFIG: file, KUBESTRAP_LOCAL_DIR: path.join(dir, "no-local") });
            assert.notStrictEqual(local.code, 0, "a local stack reads its own cluster's kubeconfig, not KUBECONFIG");
        } finally {
            fs.rmSync(stackDir, { recursive: true, force: true });
            server.close();
        }
        assert.strictEqual(kubeconfigPath({ target: "kubeconfig" }, {}), path.join(os.homedir(), ".kube", "config"));
        assert.strictEqual(kubeconfigPath({ target: "kubeconfig", kubeconfig: "/etc/k.yaml" }, { KUBECONFIG: "/other" }), "/etc/k.yaml", "the stack's file wins");
    });

    it("says plainly that a kwok node runs no container, even when all is healthy", () => {
        const node = { metadata: { name: "kwok-node-0", annotations: { "kwok.x-k8s.io/node": "fake" } }, status: { conditions: [{ type: "Ready", status: "True" }] } };
        const report = buildReport({ deployments: [], statefulSets: [], daemonSets: [], jobs: [], pods: [], nodes: [node], ingresses: [], helmReleases: [], certificates: [] },
            "https://127.0.0.1:16443", new Date());
        assert.deepStrictEqual(report.nodes.map((n) => n.simulated), [true]);
        assert.match(report.notes[0], /simulated node kwok-node-0 \(kwok\): no container runs there/);
        const text = renderReport(report, false);
        assert.match(text, /\nhealthy \(simulated: no container ran\)$/);
        const real = buildReport({ deployments: [], statefulSets: [], daemonSets: [], jobs: [], pods: [], nodes: [{ ...node, metadata: { name: "n1" } }], ingresses: [], helmReleases: [], certificates: [] },
            "https://127.0.0.1:16443", new Date());
        assert.deepStrictEqual([real.notes, renderReport(real, false).split("\n").pop()], [[], "healthy"]);
    });

    it("reads logs through the API: no kubectl on PATH, no kubeconfig left on disk", async () => {
        const tmp = fs.mkdtempSync(path.join(dir, "tmp-"));
        const r = await cli(["logs", "web", "--stack", "nosuchstack"], { PATH: path.dirname(process.execPath), TMPDIR: tmp });
        assert.strictEqual(r.code, exitCodes.usage, r.stderr);
        assert.doesNotMatch(r.stderr, /spawn kubectl ENOENT/);
        assert.deepStrictEqual(fs.readdirSync(tmp), []);
    });
});
