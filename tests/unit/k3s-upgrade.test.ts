// Upgrades that keep etcd's quorum (cluster/k3s-upgrade.ts): the scripts run for real under
// /bin/sh with a fake `k3s` and `systemctl`, and the steps K3sCluster makes of them, under mocks.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { K3sCluster } from "../../cluster/k3s-cluster";
import { drainScript } from "../../cluster/k3s-drain";
import { etcdHealthyScript, etcdPreUpgradeCheck, preUpgradeSnapshotName, preUpgradeSnapshotScript, rejoinAfterRestoreScript } from "../../cluster/k3s-upgrade";
import { k3sUpgradeOrder, PlannedStep } from "../../policy/rules";
import { Recorder, settle, withMocks } from "../mocks";

interface Fake {
    /** What `k3s kubectl get nodes -l node-role.kubernetes.io/etcd=true -o jsonpath=...` prints: name|Ready|EtcdIsVoter|message lines. */
    members?: string;
    version?: string;
    active?: boolean;
    snapshotFails?: boolean;
}

function run(script: string, fake: Fake) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-upgrade-"));
    const log = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "k3s"), [
        "#!/bin/sh",
        `echo "k3s $*" >> ${log}`,
        'case "$*" in',
        `  "--version") echo "k3s version ${fake.version ?? ""} (abc)" ;;`,
        `  *"etcd-snapshot save"*) exit ${fake.snapshotFails ? 1 : 0} ;;`,
        `  *"get nodes -l node-role.kubernetes.io/etcd=true"*) printf '%s' '${fake.members ?? ""}' ;;`,
        `  *"get node "*) exit 0 ;;`,
        "esac",
    ].join("\n"), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "systemctl"), `#!/bin/sh\necho "systemctl $*" >> ${log}\ncase "$*" in *is-active*) exit ${fake.active === false ? 3 : 0} ;; esac\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const result = spawnSync("/bin/sh", ["-c", script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8", timeout: 20000 });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: result.status ?? -1, stderr: result.stderr, calls };
}

describe("k3s upgrades that keep etcd's quorum", () => {
    it("takes a snapshot before an upgrade, and none on a fresh install or at the same version", () => {
        const upgrade = run(preUpgradeSnapshotScript("v1.31.5+k3s1", "s1", ""), { version: "v1.31.4+k3s1" });
        assert.strictEqual(upgrade.status, 0, upgrade.stderr);
        assert.ok(upgrade.calls.includes(`k3s etcd-snapshot save --name ${preUpgradeSnapshotName("v1.31.5+k3s1")}`), upgrade.calls.join("\n"));
        assert.strictEqual(preUpgradeSnapshotName("v1.31.5+k3s1"), "kubestrap-pre-upgrade-v1-31-5-k3s1");
        assert.match(upgrade.stderr, /etcd snapshot kubestrap-pre-upgrade-v1-31-5-k3s1 taken on s1 before the upgrade from v1\.31\.4\+k3s1/);
        for (const fake of [{ version: "v1.31.5+k3s1" }, { version: "v1.31.4+k3s1", active: false }]) {
            const quiet = run(preUpgradeSnapshotScript("v1.31.5+k3s1", "s1", ""), fake);
            assert.strictEqual(quiet.status, 0, quiet.stderr);
            assert.ok(!quiet.calls.some((c) => c.includes("etcd-snapshot")), `${JSON.stringify(fake)}: ${quiet.calls}`);
        }
    });

    it("stops the upgrade when the snapshot fails, saying nothing was drained", () => {
        const failed = run(preUpgradeSnapshotScript("v1.31.5+k3s1", "s1", ""), { version: "v1.31.4+k3s1", snapshotFails: true });
        assert.strictEqual(failed.status, 1);
        assert.match(failed.stderr, /not upgrading from v1\.31\.4\+k3s1 to v1\.31\.5\+k3s1: the etcd snapshot taken before an upgrade failed \(above\), so nothing was drained or upgraded/);
    });

    it("goes on once every member is Ready and a voter, and stops naming the one that is not", () => {
        const healthy = "s1|True|True|voter\ns2|True|True|voter\ns3|True|True|voter\n";
        assert.strictEqual(run(`${etcdHealthyScript("", 3, 5, "x")}\necho after`, { members: healthy }).status, 0);
        const sick = run(etcdHealthyScript("", 3, 1, "not upgrading s1:"), { members: "s1|True|True|voter\ns2|True|False|etcd member is unhealthy\ns3|True|True|voter\n" });
        assert.strictEqual(sick.status, 1);
        assert.match(sick.stderr, /^not upgrading s1: etcd members not healthy after 1s: s2 \(Ready=True, EtcdIsVoter=False: etcd member is unhealthy\)/);
        const missing = run(etcdHealthyScript("", 3, 1, "x"), { members: "s1|True|True|voter\n" });
        assert.match(missing.stderr, /only 1 of 3 listed/);
        const unknown = run(etcdHealthyScript("", 1, 1, "x"), { members: "s1|True||\n" });
        assert.match(unknown.stderr, /s1 \(Ready=True, EtcdIsVoter=unknown\)/);
    });

    it("checks the members after the node is known and before the drain, so a sick member stops it with nothing drained", () => {
        const script = drainScript("s1", "", 300, etcdPreUpgradeCheck("s1", "", 3, 1));
        const r = run(script, { members: "s1|True|True|v\ns2|False|False|etcd member is not running\ns3|True|True|v\n" });
        assert.strictEqual(r.status, 1);
        assert.ok(!r.calls.some((c) => / drain /.test(c)), "drained");
        assert.match(r.stderr, /not upgrading s1: taking it down now could cost etcd its quorum, so nothing was drained or upgraded/);
        assert.ok(script.indexOf("get node 's1'") < script.indexOf("node-role.kubernetes.io/etcd"), "checked before knowing the node exists");
    });

    it("rejoins a restored etcd keeping the old data beside it", () => {
        const r = run(rejoinAfterRestoreScript("snap-1", "s2", "", "/nonexistent-kubestrap-test"), {});
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.calls, ["systemctl stop k3s", "systemctl start k3s"]);
        assert.match(rejoinAfterRestoreScript("snap-1", "s2", ""), /mv '\/var\/lib\/rancher\/k3s\/server\/db' '\/var\/lib\/rancher\/k3s\/server\/db'\.before-restore-\$\(date/);
    });
});

describe("K3sCluster's quorum steps", () => {
    let r: Recorder;
    before(async () => {
        r = await withMocks(false);
        const host = (name: string, n: number) => ({ name, host: `10.0.0.${n}` });
        new K3sCluster("k3s", {
            version: "v1.31.5+k3s1", ha: true, hardened: false, servers: [host("s1", 1), host("s2", 2), host("s3", 3)], agents: [host("a1", 4)],
            ssh: { user: "root", privateKey: "key", sudo: false }, disable: [], tlsSans: [], extraServerArgs: [], extraAgentArgs: [],
            drainTimeoutSeconds: 300, token: "t", restoreSnapshot: "snap-1",
        }, { transformations: [r.track] });
        await settle();
    });
    const step = (name: string) => r.one("command:remote:Command", name).inputs;
    const depNames = (name: string) => ((r.options.get(name)?.dependsOn as any[]) ?? []).map((d) => d.__name);

    it("snapshots on the first server only, before its drain", () => {
        assert.deepStrictEqual(r.resources.filter((x) => x.name.endsWith("-pre-upgrade-snapshot")).map((x) => x.name), ["k3s-s1-pre-upgrade-snapshot"]);
        assert.ok(depNames("k3s-s1-drain").includes("k3s-s1-pre-upgrade-snapshot"), depNames("k3s-s1-drain").join(", "));
    });

    it("checks quorum around each server, counting the members up to it, and not around agents", () => {
        for (const [server, members] of [["s1", 1], ["s2", 2], ["s3", 3]] as const) {
            assert.match(step(`k3s-${server}-drain`).create, new RegExp(`"\\$count" -ge ${members} \\]; then break`), server);
            assert.match(step(`k3s-${server}-uncordon`).create, new RegExp(`${server} runs v1\\.31\\.5\\+k3s1 again, but the upgrade stopped there`), server);
        }
        assert.doesNotMatch(step("k3s-a1-drain").create, /EtcdIsVoter/);
        assert.doesNotMatch(step("k3s-a1-uncordon").create, /EtcdIsVoter/);
    });

    it("protects the servers' install steps when asked, never the agents' (the engine then refuses to delete or replace a server)", async () => {
        const opts = (name: string) => r.options.get(name) as { protect?: boolean } | undefined;
        assert.deepStrictEqual(["s1", "s2", "s3", "a1"].map((n) => !!opts(`k3s-${n}-install`)?.protect), [false, false, false, false], "protected without being asked");
        const protectedRun = await withMocks(false);
        const host = (name: string, n: number) => ({ name, host: `10.0.0.${n}` });
        new K3sCluster("k3s", {
            version: "v1.31.5+k3s1", ha: true, hardened: false, servers: [host("s1", 1), host("s2", 2), host("s3", 3)], agents: [host("a1", 4)], protectServers: true,
            ssh: { user: "root", privateKey: "key", sudo: false }, disable: [], tlsSans: [], extraServerArgs: [], extraAgentArgs: [], drainTimeoutSeconds: 300, token: "t",
        }, { transformations: [protectedRun.track] });
        await settle();
        const protectedOf = (name: string) => !!(protectedRun.options.get(name) as { protect?: boolean } | undefined)?.protect;
        assert.deepStrictEqual(["s1", "s2", "a1"].map((n) => protectedOf(`k3s-${n}-install`)), [true, true, false]);
        assert.strictEqual(protectedOf("k3s-s1-drain"), false, "an upgrade replaces the drain step: it must stay unprotected");
    });

    it("passes the policy pack's k3s-one-host-at-a-time; a plan with two hosts down at once, or no snapshot first, fails it", () => {
        // As CrossGuard sees the plan: each step's dependencies and parent (a K3sNode waits for the node before it).
        const parentOf = (name: string) => (r.options.get(name)?.parent as any)?.__name;
        const plan = (): PlannedStep[] => r.resources.map((x) => ({ name: x.name, type: x.type, props: x.inputs, dependencies: depNames(x.name), parent: parentOf(x.name) }));
        assert.deepStrictEqual(k3sUpgradeOrder(plan()), []);
        // s3 not waiting for s2: both could be down at once.
        const parallel = plan().map((s) => s.name === "k3s-s3" ? { ...s, dependencies: s.dependencies.filter((d) => d !== "k3s-s2") } : s);
        // s3, and a1 after it, may now run beside s1 and s2; s3 no longer waits for the snapshot either.
        assert.deepStrictEqual(k3sUpgradeOrder(parallel).map((p) => p.message.split(":")[0]), [
            "k3s-s3-drain waits for neither k3s-s1-uncordon nor k3s-s2-uncordon",
            "k3s-a1-drain waits for neither k3s-s1-uncordon nor k3s-s2-uncordon",
            "k3s-s3-drain can drain a server of an embedded-etcd cluster without an etcd snapshot of the upgrade to v1.31.5+k3s1 taken first. kubestrap's K3sCluster takes one on the first server before any drain; compose the nodes through it",
        ]);
        // No snapshot before the first drain: every server's drain is named.
        const unsnapshotted = plan().filter((s) => !s.name.endsWith("-pre-upgrade-snapshot"))
            .map((s) => ({ ...s, dependencies: s.dependencies.filter((d) => !d.endsWith("-pre-upgrade-snapshot")) }));
        assert.deepStrictEqual(k3sUpgradeOrder(unsnapshotted).map((p) => p.name), ["k3s-s1-drain", "k3s-s2-drain", "k3s-s3-drain"]);
        assert.match(k3sUpgradeOrder(unsnapshotted)[0].message, /without an etcd snapshot of the upgrade to v1\.31\.5\+k3s1 taken first/);
        // A snapshot of another version does not count.
        const stale = plan().map((s) => s.name.endsWith("-pre-upgrade-snapshot") ? { ...s, props: { ...s.props, triggers: ["v1.31.4+k3s1"] } } : s);
        assert.strictEqual(k3sUpgradeOrder(stale).length, 3);
    });

    it("after a restore on the first server, the other servers rejoin, agents do not", () => {
        assert.deepStrictEqual(r.resources.filter((x) => x.name.endsWith("-rejoin-restored-etcd")).map((x) => x.name), ["k3s-s2-rejoin-restored-etcd", "k3s-s3-rejoin-restored-etcd"]);
        assert.deepStrictEqual(step("k3s-s2-rejoin-restored-etcd").triggers, ["snap-1"]);
    });
});
