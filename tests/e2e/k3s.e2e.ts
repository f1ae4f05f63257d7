// K3sNode and K3sCluster under the real engine, over real SSH: three OpenSSH servers in network
// namespaces, the k3s stand-in from tests/fixtures/k3s-standin installed air-gapped, and the
// cluster's kubeconfig (served through the first host) pointing at the local control plane.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { E2eEnv, eventually, root } from "./harness";
import { events, fingerprintOf, hostFile, hostFiles, hostsOf, onHost, publicKeyOf, standin } from "./hosts";

const token = "e2e-k3s-join-token-value";
const s3Secret = "e2e-s3-secret-key-value";

/** Settings a test changes and every later step keeps, as a user's stack config would. */
const kept: { hostKeys: Record<string, string>; kubeconfigRotation?: string } = { hostKeys: {} };

function stackConfig(env: E2eEnv, opts: { version?: string; agents?: string[]; labels?: Record<string, string>; restore?: string; drainTimeout?: string } = {}) {
    const agents = (opts.agents ?? ["a1", "a2"]).map((name) => {
        const host = { a1: "10.77.2.2", a2: "10.77.3.2", a3: "10.77.9.2" }[name];
        return {
            name, host,
            ...(kept.hostKeys[name] ? { hostKey: kept.hostKeys[name] } : {}),
            ...(name === "a1" ? { labels: opts.labels ?? { tier: "apps" }, taints: [{ key: "dedicated", value: "apps", effect: "NoSchedule" }] } : {}),
        };
    });
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": {
            target: "k3s",
            k3s: {
                version: opts.version ?? "v1.31.4+k3s1",
                token: { fromEnv: "E2E_K3S_TOKEN" },
                ssh: { user: "root", privateKey: { fromFile: path.join(hostsOf(env), "id_ed25519") }, sudo: false },
                // One server on embedded etcd: snapshots (to S3, keys as secrets) and restore apply.
                ha: true,
                // The CIS profile: kernel parameters set before k3s starts, which the stand-in checks as kubelet does.
                hardened: true,
                ...(opts.drainTimeout ? { drainTimeout: opts.drainTimeout } : {}),
                ...(kept.kubeconfigRotation ? { kubeconfigRotation: kept.kubeconfigRotation } : {}),
                etcdSnapshots: {
                    schedule: "0 */6 * * *", retention: 4,
                    s3: { endpoint: "s3.e2e.localhost", bucket: "k3s-snapshots", accessKey: { fromEnv: "E2E_S3_ACCESS_KEY" }, secretKey: { fromEnv: "E2E_S3_SECRET_KEY" } },
                },
                ...(opts.restore ? { restoreSnapshot: opts.restore } : {}),
                servers: [{ name: "s1", host: "10.77.1.2", labels: { role: "control" } }],
                agents,
                disable: ["traefik"],
                airGap: { binary: path.join(standin, "k3s"), installScript: path.join(standin, "install.sh") },
            },
        },
        "kubestrap:demon": { enabled: false },
        "kubestrap:apps": [{ name: "hello", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080 }],
    };
}

describe("k3s over SSH on the real engine", function () {
    this.timeout(20 * 60 * 1000);
    const env = new E2eEnv("e2e-k3s", 2);
    const baseline: Record<string, string[]> = {};

    before(async () => {
        await env.cluster("up");
        env.env.E2E_K3S_TOKEN = token;
        env.env.E2E_S3_ACCESS_KEY = "e2e-s3-access";
        env.env.E2E_S3_SECRET_KEY = s3Secret;
        await env.sh(path.join(root, "tests", "e2e", "ssh-hosts.sh"), ["up", hostsOf(env), "3", env.kubeconfig]);
        for (const host of ["h1", "h2", "h3"]) {
            baseline[host] = hostFiles(env, host);
        }
        env.writeConfig(stackConfig(env));
    });

    after(async () => {
        if (process.env.KUBESTRAP_E2E_KEEP !== "1") {
            await env.sh(path.join(root, "tests", "e2e", "ssh-hosts.sh"), ["down", hostsOf(env), "3"]).catch(() => undefined);
            await env.cluster("down").catch(() => undefined);
            env.cleanup();
        }
    });

    it("previews every host step and the in-cluster resources before any host is touched", async () => {
        const creates = (await env.previewSteps()).filter((s) => s.op === "create").map((s) => s.name);
        for (const name of ["k3s-s1-preflight", "k3s-s1-install", "k3s-a2-install", "k3s-s1-kubeconfig", "apps-hello-deployment"]) {
            assert.ok(creates.includes(name), `${name} is not in the preview`);
        }
        assert.deepStrictEqual(events(env), [], "the preview ran something on a host");
        for (const host of ["h1", "h2", "h3"]) {
            assert.deepStrictEqual(hostFiles(env, host), baseline[host]);
        }
    });

    it("installs the server, then each agent, with the token over stdin and each host's own config", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        const starts = events(env).filter((e) => e.event === "start");
        assert.deepStrictEqual(starts.map((e) => `${e.host}:${e.node}`), ["h1:s1", "h2:a1", "h3:a2"], "install order");
        for (const e of starts) {
            assert.strictEqual(e.registered, true, `${e.node} did not join`);
            assert.strictEqual(e.version, "v1.31.4+k3s1");
            assert.strictEqual(e.token_sha256, require("crypto").createHash("sha256").update(token).digest("hex"), `${e.node} has another token`);
        }
        assert.strictEqual(starts[1].server, "https://10.77.1.2:6443", "agents join through the first server");
        const installs = events(env).filter((e) => e.event === "install");
        assert.ok(installs.every((e) => e.staged), "the binary was not staged (air-gapped) before the install script ran");
        // Under the CIS profile the stand-in, like kubelet, starts only with the kernel parameters set.
        assert.ok(starts.every((e) => /protect-kernel-defaults: true/.test(e.config)), "the CIS profile is not on");
        assert.deepStrictEqual(events(env).filter((e) => e.event === "start-refused"), []);
        for (const host of ["h1", "h2", "h3"]) {
            assert.match(hostFile(env, host, "/etc/sysctl.d/90-kubelet.conf"), /^vm\.panic_on_oom=0\nvm\.overcommit_memory=1\nkernel\.panic=10\nkernel\.panic_on_oops=1\n/);
        }

        const a1 = hostFile(env, "h2", "/etc/rancher/k3s/config.yaml");
        assert.match(a1, /node-name: a1/);
        assert.match(a1, /tier=apps/);
        assert.match(a1, /dedicated=apps:NoSchedule/);
        assert.match(a1, /server: https:\/\/10\.77\.1\.2:6443/);
        assert.doesNotMatch(a1, new RegExp(token), "the token is in the config file");
        const s1 = hostFile(env, "h1", "/etc/rancher/k3s/config.yaml");
        assert.match(s1, /disable:\n\s+- traefik/);
        assert.match(s1, /cluster-init: true/);
        assert.match(s1, /etcd-snapshot-schedule-cron: 0 \*\/6 \* \* \*/);
        assert.match(s1, /etcd-s3-bucket: k3s-snapshots/);
        assert.doesNotMatch(s1, new RegExp(s3Secret), "the S3 key is in config.yaml");
        const dropIn = "/etc/rancher/k3s/config.yaml.d/etcd-s3-credentials.yaml";
        assert.match(hostFile(env, "h1", dropIn), new RegExp(`etcd-s3-secret-key: ${s3Secret}`));
        assert.strictEqual(fs.statSync(path.join(hostsOf(env), "h1", "root", dropIn)).mode & 0o777, 0o600);
        assert.ok(!fs.existsSync(path.join(hostsOf(env), "h2", "root", dropIn)), "an agent got the S3 keys");
        assert.strictEqual(fs.statSync(path.join(hostsOf(env), "h3", "root", "etc/rancher/k3s/token")).mode & 0o777, 0o600);

        const nodes = (await env.json("get", "nodes", "-l", "kubernetes.io/os=linux")).items.map((n: any) => n.metadata.name).sort();
        assert.deepStrictEqual(nodes.filter((n: string) => n !== "kwok-node-0"), ["a1", "a2", "s1"]);
        const a1Node = await env.json("get", "node", "a1");
        assert.strictEqual(a1Node.metadata.labels.tier, "apps");
        assert.ok(!a1Node.spec.unschedulable, "a1 was left cordoned");
    });

    it("exports the kubeconfig as a secret that reaches the cluster through the first server", async () => {
        const { stdout } = await env.pulumi("stack", "export");
        assert.ok(!stdout.includes(token), "the join token is in the state in plain text");
        assert.ok(!stdout.includes(s3Secret), "the S3 key is in the state in plain text");
        const outputs = JSON.parse((await env.pulumi("stack", "output", "--json", "--show-secrets")).stdout);
        assert.match(outputs.kubeconfig, /server: https:\/\/10\.77\.1\.2:6443/);
        assert.deepStrictEqual(outputs.nodes, ["s1", "a1", "a2"]);
        const plain = JSON.parse((await env.pulumi("stack", "output", "--json")).stdout);
        assert.strictEqual(plain.kubeconfig, "[secret]");
        const file = path.join(env.dir, "k3s-kubeconfig");
        fs.writeFileSync(file, outputs.kubeconfig);
        const deployment = JSON.parse((await env.sh("kubectl", ["--kubeconfig", file, "get", "deployment", "hello", "-n", "apps", "-o", "json"])).stdout);
        assert.strictEqual(deployment.status.readyReplicas, 1, "the app deployed through the k3s kubeconfig is not ready");
        // A ServiceAccount token, not k3s's client certificate, which k3s rotates on restart near its expiry.
        assert.doesNotMatch(outputs.kubeconfig, /client-certificate-data|client-key-data/);
        assert.match(outputs.kubeconfig, /token: \S+/);
    });

    it("rotates kubestrap's kubeconfig token on request: the old one stops working, nothing in the cluster is replaced", async () => {
        const oldFile = path.join(env.dir, "k3s-kubeconfig");
        const uids = async (kubeconfig: string) => (await env.sh("kubectl", ["--kubeconfig", kubeconfig, "get", "namespace/apps", "deployment/hello", "service/hello",
            "-n", "apps", "-o", "jsonpath={.items[*].metadata.uid}"])).stdout;
        const before = await uids(env.kubeconfig);
        kept.kubeconfigRotation = "2026-11";
        env.writeConfig(stackConfig(env));
        const preview = await env.previewSteps();
        assert.ok(preview.some((s) => s.name === "k3s-s1-kubeconfig" && /replace/.test(s.op)), "the rotation does not issue a new token");
        // The kubeconfig is unknown until the new token exists; the provider names its cluster
        // (clusterIdentifier), so the plan neither replaces it nor any object it manages.
        const replaced = preview.filter((s) => /replace/.test(s.op) && (s.type === "pulumi:providers:kubernetes" || s.type.startsWith("kubernetes:")));
        assert.deepStrictEqual(replaced, [], "the plan replaces the provider or in-cluster objects");
        console.log(`      rotation preview: ${JSON.stringify(preview.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`))}`);
        await env.pulumi("up", "--yes", "--skip-preview");
        const outputs = JSON.parse((await env.pulumi("stack", "output", "--json", "--show-secrets")).stdout);
        assert.notStrictEqual(outputs.kubeconfig, fs.readFileSync(oldFile, "utf8"), "the token did not change");
        // kube-apiserver caches a token it accepted for 10 s (TokenSuccessCacheTTL), so the revoked
        // one can pass for a few seconds after the rotation; on a busy machine it did, once.
        await eventually("the old token to be refused", () => env.sh("kubectl", ["--kubeconfig", oldFile, "get", "namespaces"])
            .then(() => false, (e: Error) => /Unauthorized|must be logged in/.test(e.message)), 30000);
        const newFile = path.join(env.dir, "k3s-kubeconfig-rotated");
        fs.writeFileSync(newFile, outputs.kubeconfig);
        assert.strictEqual(await uids(newFile), before, "the app's objects were recreated");
    });

    it("runs no remote command on a second up", async () => {
        const before = events(env).length;
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
        assert.strictEqual(events(env).length, before);
    });

    it("refuses to start k3s, as k3s does, without the CIS kernel parameters", async () => {
        await assert.rejects(onHost(env, "10.77.3.2", "sysctl -w vm.overcommit_memory=0 && systemctl restart k3s-agent"),
            /invalid kernel flag: vm\/overcommit_memory, expected value: 1, actual value: 0/);
        await onHost(env, "10.77.3.2", "sysctl -p /etc/sysctl.d/90-kubelet.conf && systemctl start k3s-agent");
        assert.strictEqual(events(env).at(-1)?.event, "start");
    });

    it("refuses to start k3s, as kubelet does, with a node label under kubernetes.io outside kubelet's own (config refuses it before that)", async () => {
        const original = hostFile(env, "h3", "/etc/rancher/k3s/config.yaml");
        try {
            await onHost(env, "10.77.3.2", "printf 'node-label:\\n  - node-role.kubernetes.io/worker=true\\n' >> /etc/rancher/k3s/config.yaml");
            await assert.rejects(onHost(env, "10.77.3.2", "systemctl restart k3s-agent"),
                /unknown 'kubernetes\.io' or 'k8s\.io' labels specified with --node-labels: \[node-role\.kubernetes\.io\/worker\]/);
        } finally {
            fs.writeFileSync(path.join(hostsOf(env), "h3", "root", "etc/rancher/k3s/config.yaml"), original);
            await onHost(env, "10.77.3.2", "systemctl start k3s-agent");
        }
        assert.strictEqual(events(env).at(-1)?.event, "start");
    });

    it("pins each host's SSH key at first contact, as upstream's plugin would (a host-key step, then the key in authorized_keys form), and refuses a host whose key changed until the new key is accepted", async () => {
        const state = JSON.parse((await env.pulumi("stack", "export", "--show-secrets")).stdout).deployment.resources;
        for (const [node, host] of [["s1", "h1"], ["a1", "h2"], ["a2", "h3"]]) {
            const read = state.find((r: any) => r.urn.endsWith(`::k3s-${node}-host-key`));
            assert.match(read.outputs.stdout, new RegExp(`^host-key: ${publicKeyOf(env, host).replace(/[+/]/g, "\\$&")}$`, "m"), `${node}'s key was not read`);
            for (const step of ["preflight", "install"]) {
                // The connection is a secret: the export shows it as {<signature>, plaintext}.
                const connection = state.find((r: any) => r.urn.endsWith(`::k3s-${node}-${step}`)).inputs.connection;
                const pinned = (connection.plaintext !== undefined ? JSON.parse(connection.plaintext) : connection).hostKey;
                assert.strictEqual(pinned, publicKeyOf(env, host), `${node}'s ${step} does not pin the key in the form upstream's plugin parses`);
            }
        }
        await env.sh(path.join(root, "tests", "e2e", "ssh-hosts.sh"), ["rekey", hostsOf(env), "2"]);
        const newKey = await fingerprintOf(env, "h2");
        const before = events(env).length;
        const config = hostFile(env, "h2", "/etc/rancher/k3s/config.yaml");
        env.writeConfig(stackConfig(env, { labels: { tier: "rekeyed" } }));
        await assert.rejects(env.pulumi("up", "--yes", "--skip-preview"),
            (e: Error) => /host key mismatch for 10\.77\.2\.2:22/.test(e.message) && e.message.includes(newKey) && /hostKey/.test(e.message));
        assert.strictEqual(events(env).length, before, "a command ran on a host whose key changed");
        assert.strictEqual(hostFile(env, "h2", "/etc/rancher/k3s/config.yaml"), config);
        // The user checks the new key out of band and accepts it in config, as the error says: the key itself.
        kept.hostKeys.a1 = publicKeyOf(env, "h2");
        env.writeConfig(stackConfig(env, { labels: { tier: "rekeyed" } }));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.match(hostFile(env, "h2", "/etc/rancher/k3s/config.yaml"), /tier=rekeyed/);
        const ran = events(env).slice(before);
        assert.deepStrictEqual(ran.filter((e) => e.event === "install"), [], "accepting a key reinstalled k3s");
    });

    it("rewrites one host's config and restarts only that host when its labels change", async () => {
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { labels: { tier: "batch" } }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const after = events(env).slice(before);
        assert.deepStrictEqual(after.filter((e) => e.event === "systemctl").map((e) => `${e.host}:${e.verb}`), ["h2:restart"]);
        assert.match(hostFile(env, "h2", "/etc/rancher/k3s/config.yaml"), /tier=batch/);
        assert.strictEqual((await env.json("get", "node", "a1")).metadata.labels.tier, "batch");
    });

    it("stops an upgrade whose drain a PodDisruptionBudget holds, naming the pod; nothing is upgraded", async () => {
        const held = path.join(env.dir, "held.yaml");
        fs.writeFileSync(held, JSON.stringify({ apiVersion: "v1", kind: "List", items: [
            { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "held", namespace: "default" }, spec: {
                replicas: 1, selector: { matchLabels: { app: "held" } },
                template: { metadata: { labels: { app: "held" } }, spec: { nodeName: "s1", containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] } } } },
            { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "held", namespace: "default" },
                spec: { minAvailable: 1, selector: { matchLabels: { app: "held" } } } },
        ] }));
        await env.kubectl("apply", "-f", held);
        await env.kubectl("rollout", "status", "deployment/held", "-n", "default", "--timeout=60s");
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" }, drainTimeout: "5s" }));
        await assert.rejects(env.pulumi("up", "--yes", "--skip-preview"),
            /draining s1 did not finish within 5s; these pods did not leave: default\/held-[a-z0-9]+-[a-z0-9]+ /);
        assert.deepStrictEqual(events(env).slice(before).filter((e) => e.event === "install"), [], "a host was upgraded");
        assert.ok(!(await env.json("get", "node", "s1")).spec.unschedulable, "s1 was left cordoned");
        await env.kubectl("delete", "-f", held, "--wait=true");
    });

    it("upgrades one host at a time: drain, install, uncordon, then the next", async () => {
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" } }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const steps = events(env).slice(before).flatMap((e): string[] => {
            if (e.event === "install") {
                return [`install:${e.host}:${e.version}`];
            }
            if (e.event === "kubectl" && ["drain", "uncordon"].includes(e.args[0])) {
                return [`${e.args[0]}:${e.args[1]}`];
            }
            return [];
        });
        assert.deepStrictEqual(steps, [
            "drain:s1", "install:h1:v1.31.5+k3s1", "uncordon:s1",
            "drain:a1", "install:h2:v1.31.5+k3s1", "uncordon:a1",
            "drain:a2", "install:h3:v1.31.5+k3s1", "uncordon:a2",
        ]);
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("restores etcd from the declared snapshot, on the first server only", async () => {
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" }, restore: "etcd-snapshot-s1-1763856000" }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const after = events(env).slice(before);
        // The service's own story (etcd-member events, the stand-in's report of the member, aside).
        assert.deepStrictEqual(after.filter((e) => e.event !== "etcd-member").map((e) => `${e.host}:${e.event}:${e.event === "systemctl" ? e.verb : e.event === "cluster-reset" ? e.args.join(" ") : ""}`), [
            "h1:systemctl:stop", "h1:stop:", "h1:cluster-reset:--cluster-reset --cluster-reset-restore-path=etcd-snapshot-s1-1763856000",
            "h1:systemctl:start", "h1:start:",
        ]);
        // Back to no restore: the setting goes, nothing runs again.
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" } }));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual(events(env).length, before + after.length);
    });

    it("fails clearly on an unreachable host and changes nothing on the others", async () => {
        const before = events(env).length;
        const files = ["h1", "h2", "h3"].map((h) => hostFiles(env, h).map((f) => `${f}:${hostFile(env, h, f).length}`));
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" }, agents: ["a1", "a2", "a3"] }));
        await assert.rejects(env.pulumi("up", "--yes", "--skip-preview"), /cannot reach root@10\.77\.9\.2:22 over SSH/);
        assert.strictEqual(events(env).length, before, "a reachable host was touched");
        assert.deepStrictEqual(["h1", "h2", "h3"].map((h) => hostFiles(env, h).map((f) => `${f}:${hostFile(env, h, f).length}`)), files);
        // Taking the host out again only forgets the empty component the failed run recorded.
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" } }));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual(events(env).length, before);
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("removes a node from config: drained, deleted from the cluster, k3s uninstalled from its host", async () => {
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1", labels: { tier: "batch" }, agents: ["a1"] }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const after = events(env).slice(before);
        assert.ok(after.some((e) => e.event === "kubectl" && e.args[0] === "delete" && e.args.includes("a2")), "a2 was not deleted from the cluster");
        assert.ok(after.some((e) => e.event === "uninstall" && e.host === "h3"));
        assert.ok(after.every((e) => e.host === "h3" || e.event === "kubectl"), "another host was touched");
        assert.strictEqual(await env.kubectl("get", "node", "a2", "--ignore-not-found"), "");
        assert.deepStrictEqual(hostFiles(env, "h3"), baseline.h3, "k3s left files on the removed host");
    });

    it("destroys the cluster and leaves every host as it was", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        for (const host of ["h1", "h2", "h3"]) {
            assert.deepStrictEqual(hostFiles(env, host), baseline[host], `${host} is not as it was`);
        }
        assert.strictEqual(await env.kubectl("get", "node", "s1", "a1", "--ignore-not-found"), "", "a node outlived its cluster");
        assert.deepStrictEqual((await env.stackResources()).length, 0);
    });
});
