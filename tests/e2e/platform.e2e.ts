// The real Pulumi engine against a real local API server: preview, up, a no-op up, in-place
// changes, an interrupted up that converges, and a destroy that leaves nothing behind.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { demonStackConfig, E2eEnv, eventually, managedObjects, onLocalCluster, root, sleep } from "./harness";

function stackConfig(env: E2eEnv, overrides: { dedupe?: number; helloReplicas?: number } = {}) {
    return {
        ...demonStackConfig(env, overrides.dedupe),
        "kubestrap:apps": [
            {
                name: "hello", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080, replicas: overrides.helloReplicas ?? 1,
                env: { GREETING: "hi" }, secretEnv: { API_KEY: { fromEnv: "DEMON_ADMIN_TOKEN" } },
                ingress: { host: "hello.e2e.localhost" },
            },
            { name: "static", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080, config: { data: { "index.html": "hi" }, mountPath: "/usr/share/nginx/html" } },
        ],
    };
}

const changed = (steps: { op: string; type: string; name: string }[]) =>
    steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${s.type} ${s.name}`).sort();

describe("kubestrap on the real engine and a local API server", function () {
    this.timeout(15 * 60 * 1000);
    const env = new E2eEnv();

    onLocalCluster(env, () => stackConfig(env));

    it("previews every create on a fresh stack", async () => {
        const steps = await env.previewSteps();
        const creates = steps.filter((s) => s.op === "create");
        assert.ok(creates.length >= 40, `only ${creates.length} creates`);
        // Besides the creates, one read: the API server's endpoints, from the kubernetes EndpointSlice.
        assert.deepStrictEqual(steps.filter((s) => s.op !== "create").map((s) => `${s.op} ${s.name}`), ["read kubernetes-api-endpoints"]);
        for (const name of ["demon-nats", "demon-stream-bootstrap", "demon-default-deny", "apps-hello-deployment"]) {
            assert.ok(creates.some((s) => s.name === name), `${name} is not in the preview`);
        }
    });

    it("previews a stack whose cluster does not exist yet", async () => {
        const ghost = new E2eEnv("e2e-ghost");
        try {
            ghost.writeConfig({ ...stackConfig(ghost), "kubestrap:cluster": { target: "kubeconfig", kubeconfig: `${ghost.dir}/kubeconfig` } });
            require("fs").writeFileSync(`${ghost.dir}/kubeconfig`, (await env.kubectl("config", "view", "--raw")).replace(/127\.0\.0\.1:\d+/, "127.0.0.1:1"));
            const steps = await ghost.previewSteps();
            assert.ok(steps.filter((s) => s.op === "create").length >= 40);
        } finally {
            ghost.cleanup();
        }
    });

    it("deploys the Demon stack and the apps, all Ready", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        const sts = await env.json("get", "statefulset", "nats", "-n", "demon-system");
        assert.strictEqual(sts.status.readyReplicas, 1);
        for (const d of ["engine", "runtime", "operate-ui"]) {
            const dep = await env.json("get", "deployment", d, "-n", "demon-system");
            assert.strictEqual(dep.status.readyReplicas, dep.spec.replicas, `${d} is not ready`);
        }
        const pvc = await env.json("get", "pvc", "data-nats-0", "-n", "demon-system");
        assert.strictEqual(pvc.status.phase, "Bound");
        const jobs = (await env.json("get", "jobs", "-n", "demon-system")).items;
        assert.strictEqual(jobs.length, 1);
        assert.strictEqual(jobs[0].status.succeeded, 1, "the stream bootstrap Job did not complete");
        const policies = (await env.json("get", "networkpolicies", "-n", "demon-system")).items;
        assert.strictEqual(policies.length, 9);
        const hello = await env.json("get", "deployment", "hello", "-n", "apps");
        assert.strictEqual(hello.status.readyReplicas, 1);
        assert.ok((await env.json("get", "ingress", "hello", "-n", "apps")).spec.rules[0].host === "hello.e2e.localhost");
        const ns = await env.json("get", "namespace", "demon-system");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("keeps secrets out of the state file in plain text", async () => {
        const { stdout } = await env.pulumi("stack", "export");
        assert.ok(!stdout.includes("e2e-admin-token-value"), "a secret is stored in plain text in the state");
        const outputs = JSON.parse((await env.pulumi("stack", "output", "--json")).stdout);
        assert.strictEqual(outputs.natsUrl, "nats://nats.demon-system.svc.cluster.local:4222");
    });

    it("records a few declaring frames per resource, not the SDK runtime's whole stack (stacks/stack-traces.ts)", async () => {
        const resources = (await env.stackResources()).filter((r) => r.type !== "pulumi:pulumi:Stack" && r.stackTrace);
        assert.ok(resources.length > 20, `a positive control: ${resources.length} resources with stack traces`);
        const long = resources.filter((r) => r.stackTrace.length > 4).map((r) => `${r.urn}: ${r.stackTrace.length}`);
        assert.deepStrictEqual(long, []);
        const positions = resources.filter((r) => r.sourcePosition?.startsWith("project:///")).length;
        assert.strictEqual(positions, resources.length, "a resource lost its source position");
    });

    it("leaves no copy of the cluster's credentials in the temporary directory", async () => {
        const token = /token: (\S+)/.exec(fs.readFileSync(env.kubeconfig, "utf8"))![1];
        const holding = () => {
            const files = fs.readdirSync(env.tmpDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
            return files.map((f) => path.join(f.parentPath, f.name)).filter((f) => fs.readFileSync(f, "utf8").includes(token));
        };
        // The run's private directory goes within a second or so of pulumi's exit.
        await eventually("the run's temporary files removed", async () => holding().length === 0, 10000)
            .catch(() => assert.fail(`left with the cluster's token: ${holding().join(", ")}`));
    });

    it("reports no changes on a second up", async () => {
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("sends the SDK's debug messages to the engine only when the run shows them (stacks/sdk-bookkeeping.ts)", async () => {
        const logCalls = (trace: string) => (fs.readFileSync(trace, "utf8").match(/"name":"pulumirpc\.Engine\/Log"/g) ?? []).length;
        const [quiet, shown] = ["quiet", "debug"].map((name) => path.join(env.dir, `${name}-trace.json`));
        await env.pulumi("preview", "--otel-traces", `file://${quiet}`);
        const debug = await env.pulumi("preview", "--debug", "--otel-traces", `file://${shown}`);
        assert.match(debug.stdout, /Registering resource: t=kubernetes:apps\/v1:Deployment/);
        const resources = (await env.stackResources()).length;
        // The SDK sends about three a resource; a quiet run keeps only the messages people see.
        assert.ok(logCalls(shown) >= 2 * resources, `${logCalls(shown)} log calls with --debug for ${resources} resources`);
        assert.ok(logCalls(quiet) <= logCalls(shown) - 2 * resources, `${logCalls(quiet)} log calls without --debug, ${logCalls(shown)} with`);
    });

    it("re-runs only the stream bootstrap when the stream settings change", async () => {
        env.writeConfig(stackConfig(env, { dedupe: 120 }));
        assert.deepStrictEqual(changed(await env.previewSteps()), ["replace kubernetes:batch/v1:Job demon-stream-bootstrap"]);
        await env.pulumi("up", "--yes", "--skip-preview");
        const jobs = (await env.json("get", "jobs", "-n", "demon-system")).items;
        assert.strictEqual(jobs.length, 1, "the old bootstrap Job was not removed");
        assert.ok(jobs[0].spec.template.spec.containers[0].command[2].includes("--dupe-window 120s"));
        assert.strictEqual(jobs[0].status.succeeded, 1);
    });

    it("patches only the one Deployment when an app's replica count changes", async () => {
        env.writeConfig(stackConfig(env, { dedupe: 120, helloReplicas: 3 }));
        assert.deepStrictEqual(changed(await env.previewSteps()), ["update kubernetes:apps/v1:Deployment apps-hello-deployment"]);
        await env.pulumi("up", "--yes", "--skip-preview");
        const hello = await env.json("get", "deployment", "hello", "-n", "apps");
        assert.deepStrictEqual([hello.spec.replicas, hello.status.readyReplicas], [3, 3]);
    });

    it("destroys everything it created and leaves an empty stack", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.deepStrictEqual((await env.stackResources()).length, 0);
    });

    /** After the recovery's up: a no-op, more objects than the killed run made, none twice, one bootstrap Job; then a clean destroy. */
    async function convergedAfter(partial: number) {
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
        const objects = await managedObjects(env);
        assert.ok(objects.length > partial, `up created nothing after the interruption (${partial} -> ${objects.length})`);
        assert.strictEqual(new Set(objects).size, objects.length);
        assert.strictEqual((await env.json("get", "jobs", "-n", "demon-system")).items.length, 1, "a second bootstrap Job was created");
        const deployments = (await env.json("get", "deployments", "-A", "-l", "app.kubernetes.io/managed-by=kubestrap")).items;
        assert.deepStrictEqual(deployments.map((d: any) => d.metadata.name).sort(), ["engine", "hello", "operate-ui", "runtime", "static"]);
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
    }

    it("converges after an interrupted up, with nothing duplicated", async () => {
        await env.cluster("recycle-volumes");
        const child = env.spawnUp();
        await eventually("the interrupted up to create something", async () => (await managedObjects(env)).length >= 5, 120000);
        process.kill(-child.pid!, "SIGKILL");
        await sleep(1000);
        // The killed run's plugins outlive it (process groups of their own); stop them, as a reboot
        // would, rather than leave them idling after the suite.
        const orphans = env.runProcesses();
        orphans.forEach((pid) => { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } });
        await eventually("the killed run's plugins to be gone", async () => env.runProcesses().length === 0, 10000);
        const partial = (await managedObjects(env)).length;
        // A kill while the file backend wrote a metadata sidecar in place used to leave it empty,
        // and every later command failed with "failed to load checkpoint: EOF". pulumi.sh writes
        // none and removes an empty one; leave the worst case behind to prove it.
        const stacks = path.join(env.dir, "state", ".pulumi", "stacks", "kubestrap");
        assert.deepStrictEqual(fs.readdirSync(stacks).filter(f => f.endsWith(".attrs")), []);
        fs.writeFileSync(path.join(stacks, `${env.stack}.json.attrs`), "");
        // The documented recovery: release the killed run's lock, then reconcile state with the cluster.
        await env.pulumi("cancel", "--yes");
        await env.pulumi("refresh", "--yes", "--skip-preview", "--clear-pending-creates");
        // Objects the killed run created belong to its field manager; take them over.
        env.env.PULUMI_K8S_ENABLE_PATCH_FORCE = "true";
        await env.pulumi("up", "--yes", "--skip-preview");
        delete env.env.PULUMI_K8S_ENABLE_PATCH_FORCE;
        await convergedAfter(partial);
    });

    it("saves a Kubernetes-only `npm run up` once, at the end, and converges after it is killed midway", async () => {
        await env.cluster("recycle-volumes");
        const log = path.join(env.dir, "up-without-checkpoints.log");
        const out = fs.openSync(log, "w");
        const child = spawn(path.join(root, "scripts", "up.sh"), ["--yes", "--config-file", env.configFile], { cwd: root, env: env.env, stdio: ["ignore", out, out], detached: true });
        await eventually("the up to create something", async () => (await managedObjects(env)).length >= 5, 180000);
        process.kill(-child.pid!, "SIGKILL");
        await sleep(1000);
        env.runProcesses().forEach((pid) => { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } });
        await eventually("the killed run's plugins to be gone", async () => env.runProcesses().length === 0, 10000);
        assert.match(fs.readFileSync(log, "utf8"), /this up changes only Kubernetes objects: the state is saved once, at the end/);
        const partial = (await managedObjects(env)).length;
        assert.deepStrictEqual((await env.stackResources()).length, 0, "the state was saved before the end");
        // The same recovery as above, with no pending operations to clear: the next up adopts what the killed one made.
        await env.pulumi("cancel", "--yes");
        await env.sh(path.join(root, "scripts", "up.sh"), ["--yes", "--config-file", env.configFile]);
        await convergedAfter(partial);
    });

    it("saves a Kubernetes-only `npm run down` once, at the end, and finishes after it is killed midway", async () => {
        await env.cluster("recycle-volumes");
        await env.pulumi("up", "--yes", "--skip-preview");
        const recorded = (await env.stackResources()).map((r) => r.urn).sort();
        // Objects the state names, as managedObjects lists them (a Deployment's pods and ReplicaSets,
        // gone before its delete step ends, are not among them).
        const live = new Set(await managedObjects(env));
        const named = (await env.stackResources()).filter((r) => r.type.startsWith("kubernetes:") && r.outputs?.metadata?.name)
            .map((r) => `${r.outputs.kind}/${r.outputs.metadata.namespace ?? ""}/${r.outputs.metadata.name}`).filter((o) => live.has(o));
        assert.ok(named.length > 10, `the state names ${named.length} of the live objects`);
        const log = path.join(env.dir, "down-without-checkpoints.log");
        const out = fs.openSync(log, "w");
        const child = spawn(path.join(root, "scripts", "down.sh"), ["--yes", "--config-file", env.configFile], { cwd: root, env: env.env, stdio: ["ignore", out, out], detached: true });
        await eventually("the destroy to delete three objects the state names", async () => {
            const now = new Set(await managedObjects(env));
            return named.filter((o) => !now.has(o)).length >= 3;
        }, 180000);
        await sleep(2000); // their delete steps end (and, with a save per step, would be saved)
        process.kill(-child.pid!, "SIGKILL");
        await sleep(1000);
        env.runProcesses().forEach((pid) => { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } });
        await eventually("the killed run's plugins to be gone", async () => env.runProcesses().length === 0, 10000);
        assert.match(fs.readFileSync(log, "utf8"), /this destroy deletes only Kubernetes objects: the state is saved once, at the end/);
        assert.deepStrictEqual((await env.stackResources()).map((r) => r.urn).sort(), recorded, "the state was saved before the end");
        // The next destroy deletes again what the killed one had deleted: the provider takes those as
        // gone. (Plain destroy, not down.sh, which would then stop this suite's control plane.)
        await env.pulumi("cancel", "--yes");
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.deepStrictEqual((await env.stackResources()).length, 0);
    });
});
