// `npm run status` against a stack on its own local control plane: a healthy stack (exit 0,
// every workload listed, the JSON's shape), a Deployment that cannot get its pods (exit 1,
// named with its pods' reason), an unreachable cluster (exit 2, the endpoint and why), and the
// table as a person sees it in a terminal (run in tmux, the screen read back).
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { E2eEnv, eventually, managedObjects, onLocalCluster, root } from "./harness";

function stackConfig(env: E2eEnv) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:apps": [
            { name: "web", image: "ghcr.io/acme/web:1.0.0", ingress: { host: "web.e2e.localhost" } },
            { name: "api", image: "ghcr.io/acme/api:2.0.0", port: 9000 },
        ],
    };
}

async function status(env: E2eEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await promisify(execFile)("npx", ["--no-install", "ts-node", "--transpile-only", "status/cli.ts", "status", ...args],
            { cwd: root, env: { ...env.env, NO_COLOR: "1" } });
        return { code: 0, stdout: String(stdout), stderr: String(stderr) };
    } catch (e: any) {
        return { code: e.code, stdout: String(e.stdout), stderr: String(e.stderr) };
    }
}

describe("npm run status on the real engine and a local API server", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-status", 9);
    onLocalCluster(env, () => stackConfig(env));

    it("lists every workload of a healthy stack and exits 0; --json keeps its shape", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        const result = await status(env, "--kubeconfig", env.kubeconfig, "--json");
        assert.strictEqual(result.code, 0, result.stdout + result.stderr);
        const report = JSON.parse(result.stdout);
        assert.deepStrictEqual(Object.keys(report).sort(), ["addons", "apiServerCertificate", "certificates", "cluster", "nodes", "notes", "problems", "schemaVersion", "workloads"]);
        assert.strictEqual(report.schemaVersion, 4);
        // scripts/cluster.sh issues the local API server's certificate for ten years.
        assert.ok(report.apiServerCertificate.daysLeft > 3000 && report.apiServerCertificate.healthy, JSON.stringify(report.apiServerCertificate));
        assert.ok(report.nodes.every((n: any) => n.simulated === true), "the kwok node is not said to be simulated");
        assert.match(report.notes[0], /^simulated node kwok-node-0 \(kwok\): no container runs there/);
        const managed = (await env.json("get", "deployments", "-A", "-l", "app.kubernetes.io/managed-by=kubestrap")).items.map((d: any) => `${d.metadata.namespace}/${d.metadata.name}`).sort();
        assert.deepStrictEqual(report.workloads.map((w: any) => `${w.namespace}/${w.name}`).sort(), managed);
        const web = report.workloads.find((w: any) => w.name === "web");
        assert.deepStrictEqual([web.kind, web.ready, web.desired, web.images, web.url, web.healthy], ["Deployment", 1, 1, ["ghcr.io/acme/web:1.0.0"], "http://web.e2e.localhost/", true]);
        assert.ok(report.nodes.length >= 1 && report.nodes.every((n: any) => n.ready));
        assert.deepStrictEqual(Object.keys(web).sort(), ["ageSeconds", "component", "desired", "healthy", "images", "kind", "name", "namespace", "partOf", "ready", "restarts", "url"]);
    });

    it("shows the table in a terminal as a person sees it", async () => {
        const session = `kubestrap-status-${process.pid}`;
        const tmux = (...args: string[]) => env.sh("tmux", args);
        const command = `cd ${root} && KUBESTRAP_LOCAL_DIR=${env.clusterDir} npx --no-install ts-node --transpile-only status/cli.ts status --kubeconfig ${env.kubeconfig}; echo "exit=$?"; sleep 60`;
        await tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", command);
        try {
            const screen = await eventually("the status table on the screen", async () => {
                const text = (await tmux("capture-pane", "-p", "-t", session)).stdout;
                return /exit=\d/.test(text) ? text : undefined;
            }, 60000);
            assert.match(screen, /^WORKLOADS$/m);
            assert.match(screen, /^NAMESPACE +KIND +NAME +COMPONENT +READY +RESTARTS +AGE +IMAGE +URL$/m);
            assert.match(screen, /^apps +Deployment +web +web +1\/1 +0 +\S+ +ghcr\.io\/acme\/web:1\.0\.0 +http:\/\/web\.e2e\.localhost\/$/m);
            assert.match(screen, /^note: simulated node kwok-node-0 \(kwok\): no container runs there/m);
            assert.match(screen, /^healthy \(simulated: no container ran\)$/m);
            assert.match(screen, /exit=0/);
        } finally {
            await tmux("kill-session", "-t", session).catch(() => undefined);
        }
    });

    it("names a Deployment whose pods cannot run, and exits 1", async () => {
        const node = (await env.json("get", "nodes")).items[0].metadata.name;
        await env.kubectl("cordon", node);
        try {
            await env.kubectl("scale", "deployment/api", "-n", "apps", "--replicas=2");
            const result = await eventually("status to report api", async () => {
                const r = await status(env, "--kubeconfig", env.kubeconfig);
                return r.code === 1 && /Deployment apps\/api: 1\/2 Ready \(api-[a-z0-9-]+: Unschedulable/.test(r.stdout) ? r : undefined;
            }, 60000);
            assert.match(result.stdout, /1 problem:/);
            assert.strictEqual((await status(env, "--kubeconfig", env.kubeconfig, "--namespace", "kube-system")).code, 0, "a namespace filter reports on that namespace only");
        } finally {
            await env.kubectl("scale", "deployment/api", "-n", "apps", "--replicas=1");
            await env.kubectl("uncordon", node);
        }
        await eventually("api to be healthy again", async () => (await status(env, "--kubeconfig", env.kubeconfig)).code === 0, 60000);
    });

    it("says which endpoint it cannot reach, and why, with exit 2", async () => {
        const unreachable = path.join(env.dir, "unreachable-kubeconfig");
        fs.writeFileSync(unreachable, fs.readFileSync(env.kubeconfig, "utf8").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:1"));
        const result = await status(env, "--kubeconfig", unreachable);
        assert.strictEqual(result.code, 2);
        assert.match(result.stderr, /cannot reach the cluster's API server at https:\/\/127\.0\.0\.1:1 \(kubeconfig: .*unreachable-kubeconfig\): .*ECONNREFUSED/);
        const missing = await status(env, "--kubeconfig", path.join(env.dir, "nowhere"));
        assert.deepStrictEqual([missing.code, missing.stderr.trim()], [2, `no kubeconfig at ${path.join(env.dir, "nowhere")} (--kubeconfig)`]);
    });

    it("npm run drift reports an object edited with kubectl, status shows it, and up --refresh puts it back", async () => {
        // The report goes where status looks for it: this suite's directory, not the checkout's.
        env.env.KUBESTRAP_DRIFT_DIR = path.join(env.dir, "drift");
        const drift = async () => {
            try {
                const { stdout } = await env.sh("bash", [path.join(root, "scripts", "drift.sh"), "--config-file", env.configFile]);
                return { code: 0, stdout };
            } catch (e) {
                return { code: Number(/failed \((\d+)\)/.exec((e as Error).message)?.[1]), stdout: (e as Error).message };
            }
        };
        const clean = await drift();
        assert.deepStrictEqual([clean.code, /no drift: the cluster matches the last up/.test(clean.stdout)], [0, true], clean.stdout);

        await env.kubectl("scale", "deployment/web", "-n", "apps", "--replicas=3");
        await env.kubectl("label", "configmap", "-n", "apps", "-l", "app.kubernetes.io/name=api", "edited-by=hand", "--overwrite").catch(() => undefined);
        const found = await drift();
        assert.strictEqual(found.code, 3, found.stdout);
        assert.match(found.stdout, /drifted from the last up:/);
        assert.match(found.stdout, /Deployment apps-web(-deployment)?: changed \(.*spec\.replicas/);
        const withDrift = await status(env, "--kubeconfig", env.kubeconfig, "--json");
        const report = JSON.parse(withDrift.stdout);
        assert.ok(report.drift.changes.some((c: any) => c.type === "kubernetes:apps/v1:Deployment" && c.fields.includes("spec.replicas")), JSON.stringify(report.drift));
        assert.ok(report.problems.some((p: string) => /Deployment .*web.* changed outside Pulumi \(update: .*spec\.replicas.*npm run up -- --refresh puts it back/.test(p)), report.problems.join("\n"));
        assert.strictEqual(withDrift.code, 1, "drift is a problem status reports");

        // A plain up compares the program with the state, which still says 1: only a refreshing one sees the 3.
        await env.pulumi("up", "--yes", "--skip-preview", "--refresh");
        assert.strictEqual((await env.json("get", "deployment", "web", "-n", "apps")).spec.replicas, 1);
        const after = await drift();
        assert.deepStrictEqual([after.code, /no drift/.test(after.stdout)], [0, true], after.stdout);
        assert.strictEqual((await status(env, "--kubeconfig", env.kubeconfig)).code, 0, "a drift report with nothing in it is no problem");
    });

    it("destroys the stack and leaves nothing", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
    });
});
