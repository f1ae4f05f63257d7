// The runtime, not just the graph: the Demon stack and two WebApps on the real-pod local node
// (containerd + runc, the CNI bridge, kube-proxy, CoreDNS, kube-network-policies). NATS and the
// nats CLI are the real ones, built from their Go modules; the Demon engine, runtime and
// operate-ui are kubestrap's stand-ins (toolchain/standins), doing what the real ones need of
// the platform: NATS through its Service, the API server through `kubernetes.default`.
import * as assert from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { stringify } from "yaml";
import { demonStackConfig, E2eEnv, e2eStream as stream, eventually, managedObjects, root } from "./harness";

const busybox = "kubestrap.local/busybox:1.35.0";
const natsBox = "natsio/nats-box:0.14.5";
const natsUrl = "nats://nats.demon-system.svc.cluster.local:4222";

function stackConfig(env: E2eEnv, dedupe = stream.dedupeWindowSeconds) {
    return {
        ...demonStackConfig(env, dedupe),
        "kubestrap:apps": [{
            name: "notes", image: busybox, port: 8080,
            command: ["sh", "-c", "echo \"$GREETING\" > /data/last-greeting; exec httpd -f -v -p 8080 -h /www"],
            env: { GREETING: "hello from config" },
            secretEnv: { API_KEY: { fromEnv: "DEMON_ADMIN_TOKEN" } },
            config: { data: { "index.html": "notes are served" }, mountPath: "/www" },
            persistence: { size: "1Gi", storageClass: "local-path", mountPath: "/data" },
        }, {
            // Calls notes: its policies let it out to notes (and notes' let it in), nothing else.
            name: "reader", image: busybox, port: 9000,
            command: ["httpd", "-f", "-p", "9000", "-h", "/www"],
            config: { data: { "index.html": "reader is up" }, mountPath: "/www" },
            networkPolicy: { dependsOn: ["notes"] },
        }, {
            // Calls notes from another namespace: the cross-namespace peer notes' policy must name.
            name: "caller", namespace: "tools", image: busybox, port: 9100,
            command: ["httpd", "-f", "-p", "9100", "-h", "/www"],
            config: { data: { "index.html": "caller is up" }, mountPath: "/www" },
            networkPolicy: { dependsOn: ["apps/notes"] },
        }, {
            name: "shop",
            compose: `${env.dir}/shop/compose.yaml`,
            volumes: { natsdata: { size: "1Gi", storageClass: "local-path" } },
            // busybox's nc waits for dependencies; the real node packs Debian's busybox, not the default busybox:1.37.0.
            waitImage: busybox,
        }, {
            // Services as Docker runs them (the default, baseline): a root-starting image, a
            // self-calling healthcheck, a service with no ports.
            name: "stash",
            compose: `${env.dir}/stash/compose.yaml`,
            volumes: { storedata: { size: "1Gi", storageClass: "local-path" } },
            waitImage: busybox,
        }],
        // The compose app's services have no policies of their own: the namespace's baseline
        // denies everything but DNS and the namespace's own pods (Compose's network). Its Pod
        // Security is baseline: the services run as Docker runs them.
        "kubestrap:namespaces": [{ name: "shop", podSecurity: "baseline", networkPolicy: { sameNamespace: true } }],
    };
}

/** A compose app of real processes: NATS as the database, a run-once Job, busybox httpd as the web. */
const shopCompose = `
services:
  db:
    image: nats:2.10.22-alpine
    command: ["-js", "-sd", "/data", "-m", "8222"]
    expose: ["4222"]
    volumes: [natsdata:/data]
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"], interval: 2s, retries: 5 }
  migrate:
    image: ${busybox}
    command: ["sh", "-c", "nc -w 2 db 4222 -e true && echo reached db"]
    restart: "no"
    depends_on: { db: { condition: service_healthy } }
  web:
    image: ${busybox}
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    expose: ["8080"]
    configs: [{ source: page, target: /www/index.html }]
    secrets: [token]
    healthcheck: { test: ["CMD-SHELL", "wget -q -O - http://127.0.0.1:8080/ | grep -q compose"], interval: 2s }
    depends_on:
      db: { condition: service_healthy }
      migrate: { condition: service_completed_successfully }
configs:
  page: { content: "served from compose" }
secrets:
  token: { environment: DEMON_ADMIN_TOKEN }
volumes:
  natsdata: {}
`;

/**
 * An image built here that behaves as the official database images do (postgres, mariadb,
 * redis): it starts as root, takes ownership of its data directory, drops to its own user
 * (store, 999) and refuses a data directory it does not own; it keeps its pid file under
 * /var/run, in the image.
 */
const rootStartingImage = "kubestrap.local/root-starting-store:1.0.0";
const rootStartingEntrypoint = `#!/bin/sh
set -e
if [ "$(id -u)" = 0 ]; then
    mkdir -p /var/lib/store
    chown -R store:store /var/lib/store
    exec su -s /bin/sh store -c "exec /usr/local/bin/docker-entrypoint.sh"
fi
owner=$(stat -c %u /var/lib/store)
[ "$owner" = 999 ] || { echo "data directory /var/lib/store has wrong ownership ($owner): it must be owned by store (999)" >&2; exit 1; }
echo $$ > /var/run/store/store.pid
echo "owned-by-$(id -u)" > /var/lib/store/whoami
exec httpd -f -p 5432 -h /var/lib/store
`;

async function buildRootStartingImage(env: E2eEnv): Promise<void> {
    const fs = require("fs");
    const dir = `${env.dir}/root-starting`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/entrypoint.sh`, rootStartingEntrypoint);
    fs.writeFileSync(`${dir}/passwd`, "root:x:0:0:root:/root:/bin/sh\nstore:x:999:999:store:/var/lib/store:/bin/sh\n");
    fs.writeFileSync(`${dir}/group`, "root:x:0:\nstore:x:999:\n");
    const applets = (await env.sh("/bin/busybox", ["--list"])).stdout.split("\n").filter((a) => a && a !== "busybox");
    await env.sh("python3", [`${root}/toolchain/images/build-image.py`, "--name", rootStartingImage, "--out", `${dir}/image.tar`,
        "--file", "/bin/busybox:/bin/busybox:0755", ...applets.flatMap((a) => ["--symlink", `/bin/${a}:/bin/busybox`]),
        "--file", `${dir}/entrypoint.sh:/usr/local/bin/docker-entrypoint.sh:0755`, "--file", `${dir}/passwd:/etc/passwd:0644`, "--file", `${dir}/group:/etc/group:0644`,
        "--dir", "/var/run/store:1777", "--dir", "/var/lib/store:0755", "--entrypoint", '["/usr/local/bin/docker-entrypoint.sh"]', "--env", "PATH=/bin"]);
    await env.sh("ctr", ["--address", `${env.clusterDir}/node/containerd/containerd.sock`, "-n", "k8s.io", "images", "import", `${dir}/image.tar`]);
}

/** The compose app of services as Docker runs them. */
const stashCompose = `
services:
  store:
    image: ${rootStartingImage}
    volumes: [storedata:/var/lib/store]
    expose: ["5432"]
    # Calls the service by its own name, as many published files do.
    healthcheck: { test: ["CMD-SHELL", "wget -q -O - http://store:5432/whoami | grep -q owned-by-999"], interval: 2s, retries: 10 }
  quiet:
    # No ports: or expose: at all; others still reach it by name, as on a compose network.
    image: ${busybox}
    command: ["sh", "-c", "mkdir -p /tmp/www && echo quiet answers > /tmp/www/index.html && exec httpd -f -p 7000 -h /tmp/www"]
volumes:
  storedata: {}
`;

const restricted = {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
    container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
};

/** Runs `script` in a throwaway restricted pod and returns its exit code and output. */
async function runPod(env: E2eEnv, namespace: string, name: string, image: string, script: string, labels: Record<string, string> = {}) {
    const pod = {
        apiVersion: "v1", kind: "Pod",
        metadata: { name, namespace, labels: { "kubestrap.io/e2e-probe": "true", ...labels } },
        spec: {
            restartPolicy: "Never", automountServiceAccountToken: false, securityContext: restricted.securityContext,
            containers: [{ name: "probe", image, command: ["sh", "-c", script], securityContext: restricted.container }],
        },
    };
    await applyYaml(env, pod);
    try {
        const phase = await eventually(`probe pod ${namespace}/${name} to finish`, async () => {
            const p = (await env.json("get", "pod", name, "-n", namespace)).status.phase;
            return p === "Succeeded" || p === "Failed" ? p : undefined;
        }, 90000);
        return { ok: phase === "Succeeded", logs: await env.kubectl("logs", name, "-n", namespace) };
    } finally {
        await env.kubectl("delete", "pod", name, "-n", namespace, "--wait=true", "--grace-period=1");
    }
}

async function applyYaml(env: E2eEnv, object: unknown) {
    const file = `${env.dir}/apply-${Date.now()}.yaml`;
    require("fs").writeFileSync(file, stringify(object));
    await env.kubectl("apply", "-f", file);
}

/** A label selector as kubectl's -l reads it. */
function selectorString(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }): string {
    const terms = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
        terms.push({ In: `${key} in (${values})`, NotIn: `${key} notin (${values})`, Exists: key, DoesNotExist: `!${key}` }[operator]!);
    }
    return terms.join(",");
}

/**
 * A running restricted probe pod. When a NetworkPolicy selects it (the API server judges the
 * selectors), the wait goes on until the policy agent has put its address in the set of pods it
 * polices (kube-network-policies' podips-v4): until then its packets bypass the agent.
 */
async function probePod(env: E2eEnv, namespace: string, labels: Record<string, string>): Promise<string> {
    const name = `probe-${Math.random().toString(36).slice(2, 8)}`;
    await applyYaml(env, {
        apiVersion: "v1", kind: "Pod",
        metadata: { name, namespace, labels: { "kubestrap.io/e2e-probe": "true", ...labels } },
        spec: {
            restartPolicy: "Never", automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, securityContext: restricted.securityContext,
            containers: [{ name: "probe", image: busybox, command: ["sleep", "600"], securityContext: restricted.container }],
        },
    });
    await env.kubectl("wait", "--for=condition=Ready", `pod/${name}`, "-n", namespace, "--timeout=90s");
    const ip = (await env.json("get", "pod", name, "-n", namespace)).status.podIP as string;
    const policies = (await env.json("get", "networkpolicies", "-n", namespace)).items;
    let selected = false;
    for (const policy of policies) {
        const matching = await env.kubectl("get", "pods", "-n", namespace, "-l", selectorString(policy.spec.podSelector), "--field-selector", `metadata.name=${name}`, "-o", "name");
        selected ||= matching.trim() !== "";
    }
    if (selected) {
        await eventually(`the policy agent to police probe ${namespace}/${name} (${ip} in podips-v4)`, async () =>
            (await env.sh("nft", ["list", "set", "inet", "kube-network-policies", "podips-v4"])).stdout.includes(ip), 30000);
    }
    return name;
}

/**
 * Whether a TCP connection from a pod in `namespace` (with `labels`) to host:port succeeds. A
 * connection that should succeed is tried until it does (DNS and the target's view of the new
 * pod settle within seconds); one that should not is tried once, the agent already policing it.
 */
async function canConnect(env: E2eEnv, namespace: string, labels: Record<string, string>, host: string, port: number, expected: boolean): Promise<boolean> {
    const name = await probePod(env, namespace, labels);
    // busybox's nc has no -z: an empty stdin makes it connect, send nothing and exit 0.
    const attempt = () => env.kubectl("exec", name, "-n", namespace, "--", "sh", "-c", `nc -w 3 ${host} ${port} </dev/null`).then(() => true, () => false);
    try {
        if (!expected) return await attempt();
        return await eventually(`${namespace}/${name} to reach ${host}:${port}`, attempt, 30000).catch(() => false);
    } finally {
        await env.kubectl("delete", "pod", name, "-n", namespace, "--wait=true");
    }
}

async function streamInfo(env: E2eEnv) {
    const name = `stream-info-${Math.random().toString(36).slice(2, 8)}`;
    const result = await runPod(env, "demon-system", name, natsBox,
        `nats --server ${natsUrl} stream info ${stream.name} --json`, { "demon.kubestrap.io/nats-client": "true" });
    assert.ok(result.ok, `nats stream info failed: ${result.logs}`);
    return JSON.parse(result.logs);
}

/** What the node holds for pods: running containers, pod interfaces, kubelet pod directories. */
async function nodeFootprint(env: E2eEnv) {
    const ctr = async (...args: string[]) => (await env.sh("ctr", ["--address", `${env.clusterDir}/node/containerd/containerd.sock`, "-n", "k8s.io", ...args])).stdout;
    const tasks = (await ctr("tasks", "ls")).split("\n").slice(1).filter((l) => /RUNNING/.test(l)).length;
    const veths = (await env.sh("ip", ["-o", "link", "show", "master", "kubestrap0"])).stdout.split("\n").filter(Boolean).length;
    const podDirs = require("fs").readdirSync(`${env.clusterDir}/node/kubelet/pods`).length;
    return { tasks, veths, podDirs };
}

describe("kubestrap on a real node: containers, Services, DNS and NetworkPolicies", function () {
    this.timeout(20 * 60 * 1000);
    const env = new E2eEnv("e2e-real", 3, "real");
    let baseline: { tasks: number; veths: number; podDirs: number };

    before(async () => {
        await env.cluster("up");
        require("fs").mkdirSync(`${env.dir}/shop`);
        require("fs").writeFileSync(`${env.dir}/shop/compose.yaml`, shopCompose);
        require("fs").mkdirSync(`${env.dir}/stash`);
        require("fs").writeFileSync(`${env.dir}/stash/compose.yaml`, stashCompose);
        await buildRootStartingImage(env);
        env.writeConfig(stackConfig(env));
        await applyYaml(env, { apiVersion: "v1", kind: "Namespace", metadata: { name: "e2e-outside", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } });
        baseline = await nodeFootprint(env);
    });

    after(async () => {
        if (process.env.KUBESTRAP_E2E_KEEP !== "1") {
            await env.cluster("down").catch(() => undefined);
            const left = (await env.sh("bash", ["scripts/cluster.sh", "leftovers"])).stdout.trim();
            env.cleanup();
            assert.strictEqual(left, "", `cluster:down left this on the host:\n${left}`);
        }
    });

    it("runs every pod of the Demon stack and the app, Ready by their own probes", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        const pods = (await env.json("get", "pods", "-n", "demon-system")).items;
        const running = pods.filter((p: any) => p.status.phase === "Running");
        assert.deepStrictEqual(running.map((p: any) => p.metadata.labels["app.kubernetes.io/name"]).sort(), ["engine", "nats", "operate-ui", "runtime"]);
        for (const p of running) {
            for (const c of p.status.containerStatuses) {
                assert.ok(c.ready && c.state.running && c.containerID.startsWith("containerd://"), `${p.metadata.name}/${c.name} is not a running, ready container`);
            }
        }
        const job = (await env.json("get", "jobs", "-n", "demon-system")).items[0];
        assert.strictEqual(job.status.succeeded, 1);
        const bootstrapLog = await env.kubectl("logs", `job/${job.metadata.name}`, "-n", "demon-system");
        assert.match(bootstrapLog, /created stream RITUAL_EVENTS/);
    });

    it("bootstraps the stream NATS really holds: subjects, file storage, dedupe window", async () => {
        const info = await streamInfo(env);
        assert.deepStrictEqual(info.config.subjects, stream.subjects);
        assert.strictEqual(info.config.storage, "file");
        assert.strictEqual(info.config.duplicate_window, 60 * 1e9);
    });

    it("changes nothing when the bootstrap Job runs a second time", async () => {
        const before = await streamInfo(env);
        const job = (await env.json("get", "jobs", "-n", "demon-system")).items[0];
        const template = job.spec.template;
        delete template.metadata.labels["controller-uid"];
        delete template.metadata.labels["batch.kubernetes.io/controller-uid"];
        delete template.metadata.labels["batch.kubernetes.io/job-name"];
        delete template.metadata.labels["job-name"];
        await applyYaml(env, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "bootstrap-again", namespace: "demon-system" }, spec: { backoffLimit: 2, template } });
        await eventually("the second bootstrap to complete", async () => (await env.json("get", "job", "bootstrap-again", "-n", "demon-system")).status.succeeded === 1, 120000);
        assert.match(await env.kubectl("logs", "job/bootstrap-again", "-n", "demon-system"), /updated stream RITUAL_EVENTS/);
        await env.kubectl("delete", "job", "bootstrap-again", "-n", "demon-system", "--cascade=foreground");
        const after = await streamInfo(env);
        assert.deepStrictEqual(after.config, before.config);
        assert.strictEqual(after.created, before.created);
    });

    it("updates the stream in NATS when its settings change in config", async () => {
        env.writeConfig(stackConfig(env, 120));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual((await streamInfo(env)).config.duplicate_window, 120 * 1e9);
    });

    it("lets the engine and runtime use the API server through kubernetes.default, within their egress policy", async () => {
        const runtimeLog = await env.kubectl("logs", "deployment/runtime", "-n", "demon-system");
        // The runtime's Jobs run in a namespace of their own; in the Demon's namespace it may not create any.
        assert.match(runtimeLog, /created job demon-jobs\/standin-probe-/);
        assert.match(runtimeLog, /deleted job demon-jobs\/standin-probe-/);
        const canI = async (ns: string) => (await env.sh("kubectl", ["--kubeconfig", env.kubeconfig, "auth", "can-i", "create", "jobs", "-n", ns,
            "--as", "system:serviceaccount:demon-system:runtime"]).catch((e) => ({ stdout: String(e.message) }))).stdout.trim();
        assert.match(await canI("demon-jobs"), /^yes/);
        assert.match(await canI("demon-system"), /\bno\b/, "the runtime may run Jobs (as any ServiceAccount) in the Demon's namespace");
        assert.match(runtimeLog, /check job-create-delete is ok/);
        const engineLog = await env.kubectl("logs", "deployment/engine", "-n", "demon-system");
        assert.match(engineLog, /check configmap is ok/);
        assert.match(engineLog, /check configmap-watch is ok/);
        // The runtime checks again every 10 s on a new connection; without its API egress policy
        // the next check is refused, and `up --refresh` (drift repair) puts the policy back.
        await env.kubectl("delete", "networkpolicy", "runtime-api-egress", "-n", "demon-system");
        const runtimeChecks = async () => {
            const log = await env.kubectl("logs", "deployment/runtime", "-n", "demon-system");
            return { failing: log.lastIndexOf("check job-create-delete is FAILING"), ok: log.lastIndexOf("check job-create-delete is ok") };
        };
        await eventually("the runtime to be refused the API server", async () => (await runtimeChecks()).failing >= 0, 90000);
        await env.pulumi("up", "--yes", "--skip-preview", "--refresh");
        await eventually("the runtime to reach the API server again", async () => {
            const { failing, ok } = await runtimeChecks();
            return ok > failing;
        }, 90000);
    });

    it("enforces the Demon stack's NetworkPolicies", async () => {
        const client = { "demon.kubestrap.io/nats-client": "true" };
        assert.strictEqual(await canConnect(env, "demon-system", client, "nats.demon-system.svc.cluster.local", 4222, true), true, "a NATS client cannot reach NATS");
        assert.strictEqual(await canConnect(env, "demon-system", {}, "nats.demon-system.svc.cluster.local", 4222, false), false, "a pod without the client label reached NATS");
        assert.strictEqual(await canConnect(env, "e2e-outside", client, "nats.demon-system.svc.cluster.local", 4222, false), false, "a pod in another namespace reached NATS");
        assert.strictEqual(await canConnect(env, "kube-system", {}, "operate-ui.demon-system.svc.cluster.local", 3000, true), true, "the ingress controller's namespace cannot reach operate-ui");
        assert.strictEqual(await canConnect(env, "e2e-outside", {}, "operate-ui.demon-system.svc.cluster.local", 3000, false), false, "another namespace reached operate-ui");
        assert.strictEqual(await canConnect(env, "demon-system", client, "kubernetes.default.svc.cluster.local", 443, false), false, "a pod with no API egress policy reached the API server");
        assert.strictEqual(await canConnect(env, "e2e-outside", {}, "kubernetes.default.svc.cluster.local", 443, true), true, "a namespace without policies cannot reach the API server");
    });

    it("gives a WebApp its env, secret and config, and a volume that outlives its pod", async () => {
        const exec = (script: string) => env.kubectl("exec", "deployment/notes", "-n", "apps", "--", "sh", "-c", script);
        assert.strictEqual((await exec("echo \"$GREETING|$API_KEY\"; cat /data/last-greeting")).trim(), "hello from config|e2e-admin-token-value\nhello from config");
        await exec("echo kept > /data/written-by-first-pod");
        const first = (await env.json("get", "pods", "-n", "apps", "-l", "app.kubernetes.io/name=notes")).items[0].metadata.name;
        await env.kubectl("delete", "pod", first, "-n", "apps", "--wait=true");
        await env.kubectl("rollout", "status", "deployment/notes", "-n", "apps", "--timeout", "120s");
        assert.strictEqual((await exec("cat /data/written-by-first-pod")).trim(), "kept");
    });

    it("enforces an app's NetworkPolicies: DNS and the calls it declares work, nothing else", async () => {
        const inReader = (script: string) => env.kubectl("exec", "deployment/reader", "-n", "apps", "--", "sh", "-c", script);
        assert.strictEqual((await inReader("timeout 20 wget -q -O - http://notes.apps.svc.cluster.local/index.html")).trim(), "notes are served",
            "an app cannot call the app it declares");
        assert.match(await inReader("nslookup kubernetes.default.svc.cluster.local"), /Address:? .*10\.96\.0\.1/, "an app cannot resolve names");
        // The API server takes any pod without an egress policy (see the Demon's test): only the app's own policy refuses it.
        const undeclared = await inReader("timeout 10 nc -w 3 kubernetes.default.svc.cluster.local 443 </dev/null && echo reached || echo refused");
        assert.strictEqual(undeclared.trim(), "refused", "an app reached a destination it did not declare");
        const inNotes = await env.kubectl("exec", "deployment/notes", "-n", "apps", "--", "sh", "-c",
            "timeout 10 nc -w 3 reader.apps.svc.cluster.local 80 </dev/null && echo reached || echo refused");
        assert.strictEqual(inNotes.trim(), "refused", "the called app reached its caller, which it did not declare");
        const inCaller = (script: string) => env.kubectl("exec", "deployment/caller", "-n", "tools", "--", "sh", "-c", script);
        assert.strictEqual((await inCaller("timeout 20 wget -q -O - http://notes.apps.svc.cluster.local/index.html")).trim(), "notes are served",
            "an app in another namespace cannot call the app it declares");
        assert.strictEqual(await canConnect(env, "tools", {}, "notes.apps.svc.cluster.local", 80, false), false, "an undeclared pod in the caller's namespace reached notes");
        assert.strictEqual(await canConnect(env, "e2e-outside", {}, "notes.apps.svc.cluster.local", 80, false), false, "a pod in another namespace reached an app");
        assert.strictEqual(await canConnect(env, "apps", {}, "notes.apps.svc.cluster.local", 80, false), false, "an undeclared pod in the app's own namespace reached it");
    });

    it("runs compose services as Docker does: a root-starting image Ready, a self-calling healthcheck passing, a port-less service reached by name", async () => {
        const store = await env.json("get", "deployment", "store", "-n", "stash");
        assert.strictEqual(store.status.readyReplicas, 1, "the root-starting store is not Ready by its self-calling healthcheck");
        const inStore = (script: string) => env.kubectl("exec", "deployment/store", "-n", "stash", "--", "sh", "-c", script);
        assert.strictEqual((await inStore("cat /var/lib/store/whoami")).trim(), "owned-by-999", "it dropped to its own user after taking its volume");
        assert.strictEqual((await inStore("stat -c %u /var/lib/store")).trim(), "999");
        assert.strictEqual((await inStore("wget -q -O - http://quiet:7000/")).trim(), "quiet answers", "a service with no ports is reached by its name");
        const ns = await env.json("get", "namespace", "stash");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        // A positive control: the same image under kubestrap's restricted defaults does not start.
        const hardened = await runPod(env, "e2e-outside", "root-starting-restricted", rootStartingImage, "exec /usr/local/bin/docker-entrypoint.sh");
        assert.strictEqual(hardened.ok, false, `the image started under restricted: ${hardened.logs}`);
        assert.match(hardened.logs, /wrong ownership|Read-only file system|Permission denied/);
    });

    it("runs a compose app: exec probes, the Job before web, init containers that hold a pod until its dependency is Ready", async () => {
        for (const name of ["db", "web"]) {
            const d = await env.json("get", "deployment", name, "-n", "shop");
            assert.strictEqual(d.status.readyReplicas, 1, `${name} is not Ready by its compose healthcheck`);
        }
        const job = await env.json("get", "job", "migrate", "-n", "shop");
        assert.strictEqual(job.status.succeeded, 1);
        assert.match(await env.kubectl("logs", "job/migrate", "-n", "shop"), /reached db/);
        const web = (await env.json("get", "pods", "-n", "shop", "-l", "app.kubernetes.io/name=web")).items[0];
        assert.ok(Date.parse(web.metadata.creationTimestamp) >= Date.parse(job.status.completionTime), "web started before the migration completed");
        assert.strictEqual(web.status.initContainerStatuses[0].state.terminated?.exitCode, 0);
        const inWeb = (script: string) => env.kubectl("exec", "deployment/web", "-n", "shop", "--", "sh", "-c", script);
        assert.strictEqual((await inWeb("cat /run/secrets/token")).trim(), "e2e-admin-token-value");
        assert.strictEqual((await inWeb("wget -q -O - http://web.shop.svc.cluster.local:8080/")).trim(), "served from compose");
        // What a user runs next: the app's status and its logs, through the same kubeconfig.
        const cli = async (...args: string[]) => String((await promisify(execFile)("npx", ["--no-install", "ts-node", "--transpile-only", "status/cli.ts", ...args, "--kubeconfig", env.kubeconfig],
            { cwd: root, env: { ...env.env, NO_COLOR: "1" } })).stdout);
        const report = JSON.parse(await cli("status", "--namespace", "shop", "--json"));
        assert.deepStrictEqual(report.workloads.map((w: any) => [w.kind, w.name, w.healthy]), [["Deployment", "db", true], ["Job", "migrate", true], ["Deployment", "web", true]]);
        assert.match(await cli("logs", "migrate", "--namespace", "shop"), /reached db/);

        // With db gone, a new web pod waits in its init container; it starts once db is Ready again.
        await env.kubectl("scale", "deployment/db", "-n", "shop", "--replicas=0");
        await eventually("db to have no pod", async () => (await env.json("get", "pods", "-n", "shop", "-l", "app.kubernetes.io/name=db")).items.length === 0, 90000);
        await env.kubectl("delete", "pod", web.metadata.name, "-n", "shop", "--wait=true");
        const waiting = await eventually("a new web pod waiting for db", async () => {
            const pod = (await env.json("get", "pods", "-n", "shop", "-l", "app.kubernetes.io/name=web")).items[0];
            return pod?.status.initContainerStatuses?.[0]?.state.running ? pod : undefined;
        }, 90000);
        // Waiting, not passing: it has tried and said so more than once.
        await eventually("web's init container to report waiting for db twice", async () =>
            ((await env.kubectl("logs", waiting.metadata.name, "-n", "shop", "-c", "wait-db")).match(/waiting for db:4222/g) ?? []).length >= 2, 60000);
        assert.strictEqual((await env.json("get", "pod", waiting.metadata.name, "-n", "shop")).status.phase, "Pending", "web started without db");
        await env.kubectl("scale", "deployment/db", "-n", "shop", "--replicas=1");
        await env.kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout", "180s");
    });

    it("enforces a listed namespace's baseline: its own pods reach each other, nothing else gets in or out", async () => {
        const web = "web.shop.svc.cluster.local";
        assert.strictEqual(await canConnect(env, "shop", {}, web, 8080, true), true, "a pod of the namespace cannot reach web (sameNamespace)");
        assert.strictEqual(await canConnect(env, "e2e-outside", {}, web, 8080, false), false, "a pod in another namespace reached web through the default deny");
        assert.strictEqual(await canConnect(env, "shop", {}, "kubernetes.default.svc.cluster.local", 443, false), false, "a pod of the namespace got out through the default deny");
    });

    it("destroys everything: no pod, container, pod interface or volume data left", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        await eventually("the node to hold no more than before the stack", async () => {
            const now = await nodeFootprint(env);
            return now.tasks === baseline.tasks && now.veths === baseline.veths && now.podDirs === baseline.podDirs;
        }, 120000);
        await eventually("released volumes to be emptied", async () => {
            const dirs = (await env.sh("find", [`${env.clusterDir}/node/volumes`, "-mindepth", "2"])).stdout.trim();
            return dirs === "";
        }, 60000);
    });
});
