// Day two on a three-server cluster of embedded etcd, under the real engine over real SSH (three
// OpenSSH servers in network namespaces, the k3s stand-in, which reports etcd membership as
// k3s's etcd controller does: each server's EtcdIsVoter condition). An upgrade takes a snapshot
// first, then moves one server at a time and never has two down at once (read from the hosts'
// own event logs), and stops at an unhealthy member with quorum kept; a restore drill resets
// etcd on the first server from a snapshot and the other two rejoin it.
import * as assert from "assert";
import * as path from "path";
import { E2eEnv, root } from "./harness";
import { events, hostsOf, onHost, sshHostsScript, StandinEvent, standin } from "./hosts";

const sshEnv = { SSH_HOSTS_FIRST: "10" };
const servers = [{ name: "s1", host: "10.77.10.2", dir: "h10" }, { name: "s2", host: "10.77.11.2", dir: "h11" }, { name: "s3", host: "10.77.12.2", dir: "h12" }];

function stackConfig(env: E2eEnv, opts: { version?: string; restore?: string; protectServers?: boolean } = {}) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": {
            target: "k3s",
            k3s: {
                version: opts.version ?? "v1.31.4+k3s1",
                token: { fromEnv: "E2E_K3S_TOKEN" },
                ssh: { user: "root", privateKey: { fromFile: path.join(hostsOf(env), "id_ed25519") }, sudo: false },
                ha: true,
                hardened: false,
                etcdSnapshots: { schedule: "0 */6 * * *", retention: 4 },
                ...(opts.restore ? { restoreSnapshot: opts.restore } : {}),
                ...(opts.protectServers !== undefined ? { protectServers: opts.protectServers } : {}),
                servers: servers.map(({ name, host }) => ({ name, host })),
                agents: [],
                disable: ["traefik"],
                airGap: { binary: path.join(standin, "k3s"), installScript: path.join(standin, "install.sh") },
            },
        },
        "kubestrap:demon": { enabled: false },
    };
}

/** The seconds during which each host's k3s was stopped, from its own stop and start events. */
function downtimes(log: StandinEvent[]): { host: string; from: number; to: number }[] {
    const open = new Map<string, number>();
    const spans: { host: string; from: number; to: number }[] = [];
    for (const e of log.filter((x) => x.service === "k3s" && (x.event === "stop" || x.event === "start"))) {
        if (e.event === "stop") open.set(e.host, e.time);
        else if (open.has(e.host)) {
            spans.push({ host: e.host, from: open.get(e.host)!, to: e.time });
            open.delete(e.host);
        }
    }
    for (const [host, from] of open) spans.push({ host, from, to: Infinity });
    return spans;
}

const voters = async (env: E2eEnv) => (await env.json("get", "nodes", "-l", "node-role.kubernetes.io/etcd=true")).items
    .map((n: any) => `${n.metadata.name}:${n.status.conditions.find((c: any) => c.type === "EtcdIsVoter")?.status}`).sort();

describe("k3s day two on three servers of embedded etcd", function () {
    this.timeout(20 * 60 * 1000);
    const env = new E2eEnv("e2e-k3s-ha", 17);

    before(async () => {
        Object.assign(env.env, sshEnv);
        await env.cluster("up");
        env.env.E2E_K3S_TOKEN = "e2e-k3s-ha-token-value";
        await env.sh(sshHostsScript, ["up", hostsOf(env), "3", env.kubeconfig]);
        env.writeConfig(stackConfig(env));
    });

    after(async () => {
        if (process.env.KUBESTRAP_E2E_KEEP !== "1") {
            await env.sh(sshHostsScript, ["down", hostsOf(env), "3"]).catch(() => undefined);
            await env.cluster("down").catch(() => undefined);
            env.cleanup();
        }
    });

    it("installs three servers, each a healthy etcd voter, and takes no snapshot on a fresh install", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.deepStrictEqual(events(env).filter((e) => e.event === "start").map((e) => `${e.host}:${e.node}`), ["h10:s1", "h11:s2", "h12:s3"]);
        assert.deepStrictEqual(await voters(env), ["s1:True", "s2:True", "s3:True"]);
        assert.deepStrictEqual(events(env).filter((e) => e.event === "etcd-snapshot"), []);
    });

    it("upgrades with a snapshot first, one server at a time, never two down at once, each waited for healthy", async () => {
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.5+k3s1" }));
        // The policy pack sees the plan as the engine does (each step's dependencies and parent):
        // one host at a time, after the snapshot of the new version.
        const { stdout } = await env.sh(path.join(root, "scripts", "preview.sh"), ["--config-file", env.configFile]);
        assert.match(stdout, /Policies:\s+✅ kubestrap@v0\.1\.0/);
        assert.strictEqual(events(env).length, before, "the preview touched a host");
        await env.pulumi("up", "--yes", "--skip-preview");
        const log = events(env).slice(before);
        const snapshot = log.findIndex((e) => e.event === "etcd-snapshot");
        const firstStop = log.findIndex((e) => e.event === "stop");
        assert.ok(snapshot >= 0 && log[snapshot].saved && log[snapshot].host === "h10", "no snapshot on the first server");
        assert.match(log[snapshot].args.join(" "), /save --name kubestrap-pre-upgrade-v1-31-5-k3s1/);
        assert.ok(firstStop > snapshot, "a server went down before the snapshot");
        const spans = downtimes(log);
        assert.deepStrictEqual(spans.map((s) => s.host), ["h10", "h11", "h12"], "each server went down once, in order");
        for (let i = 1; i < spans.length; i++) {
            assert.ok(spans[i].from >= spans[i - 1].to, `${spans[i].host} went down before ${spans[i - 1].host} was back`);
        }
        // Each server back and every member a voter again before the next went down: the next drain waited for it.
        for (const next of spans.slice(1)) {
            const healthyAgain = log.filter((e) => e.event === "etcd-member" && e.healthy && e.time < next.from).map((e) => e.node);
            assert.ok(healthyAgain.length > 0, `nothing reported healthy before ${next.host} went down`);
        }
        assert.ok(log.filter((e) => e.event === "install").every((e) => e.version === "v1.31.5+k3s1"));
        assert.deepStrictEqual(await voters(env), ["s1:True", "s2:True", "s3:True"]);
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("refuses to take a server down while another etcd member is unhealthy: nothing is drained or upgraded, and it says which", async () => {
        await onHost(env, servers[1].host, "touch /run/k3s-standin/etcd-unhealthy && systemctl restart k3s");
        assert.deepStrictEqual(await voters(env), ["s1:True", "s2:False", "s3:True"]);
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.4+k3s1" }));
        await assert.rejects(env.pulumi("up", "--yes", "--skip-preview"),
            /not upgrading s1: taking it down now could cost etcd its quorum, so nothing was drained or upgraded\. .*etcd members not healthy after \d+s: s2 \(Ready=True, EtcdIsVoter=False: etcd member is unhealthy \(kubestrap stand-in\)\)/s);
        const log = events(env).slice(before);
        assert.deepStrictEqual(log.filter((e) => e.event === "install" || e.event === "stop"), [], "a host was upgraded or stopped");
        assert.ok(!log.some((e) => e.event === "kubectl" && e.args[0] === "drain"), "a node was drained");
        // Mended, the same up goes through.
        await onHost(env, servers[1].host, "rm /run/k3s-standin/etcd-unhealthy && systemctl restart k3s");
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.deepStrictEqual(await voters(env), ["s1:True", "s2:True", "s3:True"]);
    });

    it("restores a snapshot on the first server, and the other servers rejoin the restored etcd keeping their old data", async () => {
        const snapshot = events(env).find((e) => e.event === "etcd-snapshot" && e.saved)!.path as string;
        const before = events(env).length;
        env.writeConfig(stackConfig(env, { version: "v1.31.4+k3s1", restore: snapshot }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const log = events(env).slice(before).filter((e) => ["stop", "start", "cluster-reset"].includes(e.event));
        assert.deepStrictEqual(log.map((e) => `${e.host}:${e.event}`), [
            "h10:stop", "h10:cluster-reset", "h10:start",
            "h11:stop", "h11:start",
            "h12:stop", "h12:start",
        ]);
        assert.deepStrictEqual(log[1].args, ["--cluster-reset", `--cluster-reset-restore-path=${snapshot}`]);
        for (const s of servers.slice(1)) {
            const kept = (await onHost(env, s.host, "ls -d /var/lib/rancher/k3s/server/db.before-restore-* 2>/dev/null | wc -l")).stdout.trim();
            assert.strictEqual(kept, "1", `${s.name} did not keep its old etcd data`);
        }
        assert.deepStrictEqual(await voters(env), ["s1:True", "s2:True", "s3:True"]);
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("protected servers (prod's default) stop a destroy at its preview, nothing uninstalled; unprotected, it goes through", async () => {
        env.writeConfig(stackConfig(env, { version: "v1.31.4+k3s1", protectServers: true }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const before = events(env).length;
        await assert.rejects(env.pulumi("destroy", "--yes"), /protect/i);
        assert.deepStrictEqual(events(env).slice(before).filter((e) => ["uninstall", "stop"].includes(e.event)), [], "a server was touched");
        env.writeConfig(stackConfig(env, { version: "v1.31.4+k3s1", protectServers: false }));
        await env.pulumi("up", "--yes", "--skip-preview");
    });

    it("destroys the cluster", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual((await env.stackResources()).length, 0);
    });
});


