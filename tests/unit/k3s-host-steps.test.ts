// The host steps that run shell on a k3s host, run for real under /bin/sh with a fake `k3s`
// (kubectl) that answers as a cluster would and records what it was asked.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { K3sCluster, K3sClusterArgs } from "../../cluster/k3s-cluster";
import { drainScript } from "../../cluster/k3s-drain";
import { kernelParametersPreflight, kubeletKernelParameters, kubeletSysctlConf } from "../../cluster/k3s-kernel";
import { adminKubeconfigScript, adminTokenSecret } from "../../cluster/k3s-kubeconfig";
import { readHostKeyScript } from "../../cluster/remote-command";
import { Recorder, reveal, settle, withMocks } from "../mocks";

interface FakeCluster {
    /** `k3s kubectl get nodes -o jsonpath=...` lines: name|unschedulable|Ready status. */
    nodes?: string;
    /** `k3s kubectl get pods ... -o jsonpath=...` lines: namespace/name, owner kind. */
    pods?: string;
    drainExit?: number;
    /** Whether `get node NAME` finds the node (a host being added is not a node yet). */
    nodeKnown?: boolean;
    token?: string;
    tlsServerName?: string;
}

function runWithFakeK3s(script: string, fake: FakeCluster): { status: number; stdout: string; stderr: string; calls: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-fake-"));
    const log = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "k3s"), [
        "#!/bin/sh",
        `echo "$*" >> ${log}`,
        'case "$*" in',
        `  *"get nodes"*) printf '%s' '${fake.nodes ?? ""}' ;;`,
        `  *"get pods"*) printf '%s' '${fake.pods ?? ""}' ;;`,
        `  *"get node "*) exit ${fake.nodeKnown === false ? 1 : 0} ;;`,
        `  *" drain "*) exit ${fake.drainExit ?? 0} ;;`,
        `  *"get secret"*) printf '%s' '${Buffer.from(fake.token ?? "").toString("base64")}' ;;`,
        "  *certificate-authority-data*) printf 'Q0EgREFUQQ==' ;;",
        `  *tls-server-name*) printf '%s' '${fake.tlsServerName ?? ""}' ;;`,
        "esac",
    ].join("\n"), { mode: 0o755 });
    const result = spawnSync("/bin/sh", ["-c", script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls };
}

describe("k3s upgrade drain", () => {
    it("skips the drain where no other ready, schedulable node could take the pods, and says so", () => {
        const oneNode = "s1||True\n";
        const cordonedOther = "s1||True\na1|true|True\nother||False\n";
        for (const nodes of [oneNode, cordonedOther]) {
            const run = runWithFakeK3s(drainScript("s1", "", 300), { nodes });
            assert.strictEqual(run.status, 0, run.stderr);
            assert.ok(!run.calls.some((c) => c.includes(" drain ")), `drained with nodes ${JSON.stringify(nodes)}`);
            assert.match(run.stderr, /not draining s1: no other ready, schedulable node could take its pods/);
        }
    });

    it("drains with the configured timeout where another node can take the pods", () => {
        const run = runWithFakeK3s(drainScript("s1", "", 90), { nodes: "s1||True\na1||True\n" });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.ok(run.calls.some((c) => /^kubectl drain s1 .*--timeout=90s/.test(c)), run.calls.join("\n"));
    });

    it("on a drain that does not finish: uncordons the node and fails naming the pods that held it", () => {
        const run = runWithFakeK3s(drainScript("a1", "", 30), {
            nodes: "s1||True\na1|true|True\n",
            pods: "apps/web-7d9f-abcde ReplicaSet\nkube-system/flannel-x DaemonSet\ndefault/bare \n",
            drainExit: 1,
        });
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /draining a1 did not finish within 30s; these pods did not leave: apps\/web-7d9f-abcde default\/bare/);
        assert.doesNotMatch(run.stderr, /flannel/, "a DaemonSet pod is named as blocking the drain");
        assert.match(run.stderr, /raise kubestrap:cluster\.k3s\.drainTimeout/);
        assert.ok(run.calls.includes("kubectl uncordon a1"), "the node was left cordoned");
    });

    it("leaves a node the cluster does not know yet alone", () => {
        const run = runWithFakeK3s(drainScript("new", "", 300), { nodeKnown: false, nodes: "s1||True\nnew||True\n" });
        assert.strictEqual(run.status, 0);
        assert.ok(!run.calls.some((c) => c.includes("drain")));
    });
});

describe("k3s kernel parameters (CIS profile)", () => {
    const preflight = (mounts: string) => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mounts-")), "mounts");
        fs.writeFileSync(file, mounts);
        return spawnSync("/bin/sh", ["-c", ['fail() { echo "preflight: $*" >&2; exit 1; }', ...kernelParametersPreflight(file), "echo ok"].join("\n")], { encoding: "utf8" });
    };

    it("refuses a host whose /proc/sys is read-only before anything is installed", () => {
        const run = preflight("proc /proc proc rw,nosuid 0 0\nproc /proc/sys proc ro,nosuid,nodev 0 0\n");
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /needs the kernel parameters vm\.panic_on_oom=0, vm\.overcommit_memory=1, kernel\.panic=10, kernel\.panic_on_oops=1/);
        assert.match(run.stderr, /\/proc\/sys is read-only here .* or set kubestrap:cluster\.k3s\.hardened to false/);
    });

    it("passes a host where they can be set", () => {
        const run = preflight("proc /proc proc rw,nosuid 0 0\n");
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.stdout.trim(), "ok");
    });

    it("writes what kubelet's protect-kernel-defaults checks, in sysctl.d form this kernel accepts", () => {
        for (const line of kubeletSysctlConf.trim().split("\n")) {
            const [key, value] = line.split("=");
            assert.strictEqual(String(kubeletKernelParameters[key]), value);
            assert.ok(fs.existsSync(`/proc/sys/${key.replace(/\./g, "/")}`), `${key} is not a kernel parameter`);
        }
    });
});

describe("kubestrap's k3s kubeconfig", () => {
    it("issues a ServiceAccount token of its own for each rotation, revokes the others, and prints a kubeconfig with the cluster CA", () => {
        const run = runWithFakeK3s(adminKubeconfigScript("10.0.0.1", "", "2026-11"), { token: "eyJhbGciOi.token" });
        assert.strictEqual(run.status, 0, run.stderr);
        const secret = adminTokenSecret("2026-11");
        assert.notStrictEqual(secret, adminTokenSecret(), "a rotation reuses the Secret name, and so the very same legacy token");
        assert.notStrictEqual(secret, adminTokenSecret("2027-01"));
        const applyAt = run.calls.findIndex((c) => c.startsWith("kubectl apply"));
        const revokeAt = run.calls.findIndex((c) => c === `kubectl -n kube-system delete secret -l kubestrap.dev/admin-token --field-selector metadata.name!=${secret}`);
        assert.ok(applyAt >= 0 && revokeAt > applyAt, `the other tokens are not revoked once the new one exists: ${run.calls.join("; ")}`);
        assert.ok(run.calls.includes(`kubectl -n kube-system get secret ${secret} -o jsonpath={.data.token}`));
        const config = parse(run.stdout);
        assert.strictEqual(config.clusters[0].cluster.server, "https://10.0.0.1:6443");
        assert.strictEqual(config.clusters[0].cluster["certificate-authority-data"], "Q0EgREFUQQ==");
        assert.strictEqual(config.clusters[0].cluster["tls-server-name"], undefined);
        assert.deepStrictEqual(config.users[0].user, { token: "eyJhbGciOi.token" }, "the kubeconfig carries a client certificate k3s rotates");
        assert.strictEqual(config.contexts[0].context.user, config.users[0].name);
    });

    it("keeps the server name the CA was issued for", () => {
        const run = runWithFakeK3s(adminKubeconfigScript("10.0.0.1", ""), { token: "t", tlsServerName: "127.0.0.1" });
        assert.strictEqual(parse(run.stdout).clusters[0].cluster["tls-server-name"], "127.0.0.1");
    });
});

describe("K3sCluster host steps", () => {
    const args: K3sClusterArgs = {
        version: "v1.31.4+k3s1", token: "t", ha: true, hardened: true, drainTimeoutSeconds: 120,
        ssh: { user: "ops", privateKey: "KEY", sudo: true },
        servers: [{ name: "s1", host: "10.0.0.1", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" }],
        agents: [{ name: "a1", host: "10.0.0.4" }],
        disable: [], tlsSans: [], extraServerArgs: [], extraAgentArgs: [],
    };
    const build = async (over: Partial<K3sClusterArgs> = {}) => {
        const r = await withMocks(false);
        const c = new K3sCluster("k3s", { ...args, ...over }, { transformations: [r.track] });
        await settle(c.kubeconfig, c.nodeNames);
        return r;
    };
    const cmd = (r: Recorder, name: string) => r.one("command:remote:Command", name).inputs;
    const deps = (r: Recorder, name: string) => ((r.options.get(name)?.dependsOn as any[]) ?? []).map((d) => d.__name);

    it("sets the CIS kernel parameters on every hardened host before k3s starts, and puts them back on delete", async () => {
        const r = await build();
        for (const node of ["s1", "a1"]) {
            const step = cmd(r, `k3s-${node}-kernel-parameters`);
            assert.match(step.create, /sysctl -p \/etc\/sysctl\.d\/90-kubelet\.conf/);
            assert.match(step.delete, /sysctl -p \/var\/lib\/kubestrap\/sysctl-before\.conf/);
            assert.ok(deps(r, `k3s-${node}-install`).includes(`k3s-${node}-kernel-parameters`), `${node}'s k3s starts before its kernel parameters are set`);
            assert.ok(deps(r, `k3s-${node}-kernel-parameters`).includes(`k3s-${node}-preflight`));
        }
        const plain = await build({ hardened: false });
        assert.ok(!plain.resources.some((x) => x.name.endsWith("-kernel-parameters")), "an unhardened host gets kernel parameters");
    });

    it("bounds every upgrade drain with the configured timeout", async () => {
        const r = await build();
        assert.match(cmd(r, "k3s-a1-drain").create, /--timeout=120s/);
    });

    it("checks the configured host key, and pins the key the host-key step read at first contact for every step on that host", async () => {
        const r = await build();
        const key = (name: string) => reveal(cmd(r, name).connection).hostKey;
        assert.strictEqual(key("k3s-s1-preflight"), args.servers[0].hostKey);
        assert.strictEqual(key("k3s-s1-install"), args.servers[0].hostKey);
        assert.ok(!r.resources.some((x) => x.name === "k3s-s1-host-key"), "a host with a configured key is trusted on first use");
        assert.strictEqual(key("k3s-a1-host-key"), undefined, "an unconfigured host is trusted on first use");
        assert.strictEqual(cmd(r, "k3s-a1-host-key").create, readHostKeyScript);
        for (const step of ["preflight", "token", "config", "install", "kernel-parameters"]) {
            assert.strictEqual(key(`k3s-a1-${step}`), Recorder.hostKeyOf("10.0.0.4"), `${step} does not insist on the key read at first contact`);
        }
        for (const step of ["drain", "uncordon", "membership"]) {
            assert.strictEqual(key(`k3s-a1-${step}`), args.servers[0].hostKey, `${step} runs on the first server without its key`);
        }
    });

    it("issues the kubeconfig's token again when kubeconfigRotation changes", async () => {
        const r = await build({ kubeconfigRotation: "2026-11" });
        assert.deepStrictEqual(cmd(r, "k3s-s1-kubeconfig").triggers, ["2026-11"]);
        assert.match(cmd(r, "k3s-s1-kubeconfig").create, new RegExp(adminTokenSecret("2026-11")));
    });
});
