import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { K3sCluster, K3sClusterArgs } from "../../cluster/k3s-cluster";
import { k3sFlagProblem, k3sFlags } from "../../cluster/k3s-flags";
import { installCommands, k3sConfigYaml, K3sNodeSettings, preflightScript, registriesYaml, s3CredentialsYaml, versionProblem } from "../../cluster/k3s-plan";
import { isSecret, isSecretValue, Recorder, reveal, settle, valueOf, withMocks } from "../mocks";

const settings: K3sNodeSettings = {
    role: "server", clusterInit: true, ha: true, nodeName: "s1", version: "v1.31.4+k3s1", labels: { zone: "a" },
    taints: [{ key: "dedicated", value: "control", effect: "NoSchedule" }], disable: ["traefik", "servicelb"], tlsSans: ["10.0.0.1"],
    extraArgs: [], hardened: false, drainTimeoutSeconds: 300,
};

const clusterArgs: K3sClusterArgs = {
    version: "v1.31.4+k3s1", token: "join-s3cret", ha: true, hardened: true,
    ssh: { user: "ops", privateKey: "PRIVATE KEY", sudo: true },
    servers: [{ name: "s1", host: "10.0.0.1" }, { name: "s2", host: "10.0.0.2" }, { name: "s3", host: "10.0.0.3" }],
    agents: [{ name: "a1", host: "10.0.0.4", labels: { role: "worker" } }],
    disable: ["traefik"], tlsSans: [], extraServerArgs: [], extraAgentArgs: [], drainTimeoutSeconds: 300,
};

async function cluster(args: Partial<K3sClusterArgs> = {}): Promise<{ r: Recorder; c: K3sCluster }> {
    const r = await withMocks(false);
    const c = new K3sCluster("k3s", { ...clusterArgs, ...args }, { transformations: [r.track] });
    await settle(c.kubeconfig, c.nodeNames);
    return { r, c };
}

const cmd = (r: Recorder, name: string) => r.one("command:remote:Command", name).inputs;
const depNames = (r: Recorder, name: string) => ((r.options.get(name)?.dependsOn as any[]) ?? []).map((d) => d.__name);

describe("k3s plan", () => {
    it("writes the first HA server's config: cluster-init, labels, taints, disabled add-ons, SANs, no secret", () => {
        const config = parse(k3sConfigYaml(settings));
        assert.strictEqual(config["cluster-init"], true);
        assert.strictEqual(config["token-file"], "/etc/rancher/k3s/token");
        assert.deepStrictEqual(config["node-label"], ["zone=a"]);
        assert.deepStrictEqual(config["node-taint"], ["dedicated=control:NoSchedule"]);
        assert.deepStrictEqual(config.disable, ["traefik", "servicelb"]);
        assert.deepStrictEqual(config["tls-san"], ["10.0.0.1"]);
        assert.strictEqual(config.server, undefined);
    });

    it("joins agents to the server URL and keeps server-only settings off them", () => {
        const config = parse(k3sConfigYaml({ ...settings, role: "agent", clusterInit: false, serverUrl: "https://10.0.0.1:6443" }));
        assert.strictEqual(config.server, "https://10.0.0.1:6443");
        assert.strictEqual(config["cluster-init"], undefined);
        assert.strictEqual(config.disable, undefined);
        assert.strictEqual(config["tls-san"], undefined);
    });

    it("writes registry mirrors as k3s's registries.yaml reads them (mirrors.<registry>.endpoint)", () => {
        assert.strictEqual(registriesYaml(settings), undefined);
        const yaml = parse(registriesYaml({ ...settings, registries: { "docker.io": { endpoints: ["https://mirror.lan:5000"] } } })!);
        assert.deepStrictEqual(yaml, { mirrors: { "docker.io": { endpoint: ["https://mirror.lan:5000"] } } });
    });

    it("writes only keys k3s knows, for servers and agents with every option on", () => {
        const everything: K3sNodeSettings = {
            ...settings, hardened: true, dataDir: "/data/k3s", flannelIface: "tailscale0", flannelBackend: "wireguard-native", nodeIp: "100.64.0.1",
            etcdSnapshots: { schedule: "0 3 * * *", retention: 3, s3: { endpoint: "s3.example.com", bucket: "b", folder: "f", region: "eu" } },
        };
        for (const n of [everything, { ...everything, role: "agent" as const, clusterInit: false, serverUrl: "https://100.64.0.1:6443" }]) {
            const flags = k3sFlags(n.role, n.version)!;
            const keys = Object.keys(parse(k3sConfigYaml(n)));
            assert.ok(keys.length > 5);
            assert.deepStrictEqual(keys.filter((k) => !flags.has(k)), [], `${n.role} keys k3s does not know`);
        }
        assert.deepStrictEqual(Object.keys(parse(s3CredentialsYaml("a", "b"))).filter((k) => !k3sFlags("server", "v1.31.4+k3s1")!.has(k)), []);
    });

    it("names the flag k3s has when an extra arg is a typo, and a server flag given to agents", () => {
        assert.strictEqual(k3sFlagProblem("--kubelet-arg=max-pods=200", "agent", "v1.31.4+k3s1"), undefined);
        assert.match(k3sFlagProblem("--kubelet-args=max-pods=200", "agent", "v1.31.4+k3s1")!, /"--kubelet-args" is not a flag of k3s agent v1\.31; did you mean --kubelet-arg\?/);
        assert.match(k3sFlagProblem("--tls-san=x", "agent", "v1.31.4+k3s1")!, /it is a server flag: put it in extraServerArgs/);
        assert.strictEqual(k3sFlagProblem("--anything", "server", "v1.99.0+k3s1"), undefined, "no list for that release: nothing to check against");
    });

    it("uses SQLite for a single non-HA server", () => {
        assert.strictEqual(parse(k3sConfigYaml({ ...settings, ha: false }))["cluster-init"], undefined);
    });

    it("switches on the CIS profile when hardened", () => {
        const config = parse(k3sConfigYaml({ ...settings, hardened: true }));
        assert.strictEqual(config["secrets-encryption"], true);
        assert.strictEqual(config["protect-kernel-defaults"], true);
        assert.ok(config["kube-apiserver-arg"].some((a: string) => a.startsWith("audit-policy-file=")));
        assert.ok(config["kube-apiserver-arg"].some((a: string) => a.startsWith("admission-control-config-file=")));
    });

    it("schedules etcd snapshots, to S3 when configured", () => {
        const config = parse(k3sConfigYaml({ ...settings, etcdSnapshots: { schedule: "0 3 * * *", retention: 7,
            s3: { endpoint: "s3.example.com", bucket: "snaps" } } }));
        assert.deepStrictEqual([config["etcd-snapshot-schedule-cron"], config["etcd-snapshot-retention"], config["etcd-s3-bucket"]], ["0 3 * * *", 7, "snaps"]);
    });

    it("installs the pinned version online, or from staged artifacts when air-gapped", () => {
        const online = installCommands(settings, "sudo ");
        assert.ok(online.create.includes("INSTALL_K3S_VERSION='v1.31.4+k3s1'"));
        assert.ok(online.create.includes("get.k3s.io"));
        const offline = installCommands({ ...settings, airGap: { binary: "/a/k3s", installScript: "/a/install.sh", images: "/a/images.tar" } }, "");
        assert.ok(!offline.create.includes("get.k3s.io"));
        assert.ok(offline.create.includes("INSTALL_K3S_SKIP_DOWNLOAD=true"));
        assert.ok(offline.create.includes("/var/lib/rancher/k3s/agent/images"));
        assert.ok(online.delete.includes("k3s-uninstall.sh"));
        assert.ok(installCommands({ ...settings, role: "agent" }, "").delete.includes("k3s-agent-uninstall.sh"));
    });

    it("checks the pinned version exists: a published release online, the staged binary's own when air-gapped", () => {
        const online = preflightScript(settings, "10.0.0.9");
        assert.ok(online.includes("https://github.com/k3s-io/k3s/releases/tag/v1.31.4%2Bk3s1"));
        assert.match(online, /is not a published release/);
        const airGap = { binary: "/a/k3s", installScript: "/a/install.sh" };
        assert.ok(!preflightScript({ ...settings, airGap }, "10.0.0.9").includes("github.com"), "an air-gapped host is sent to the internet");
        const install = installCommands({ ...settings, airGap }, "", "10.0.0.9").create.split("\n");
        assert.match(install[1], /\/var\/lib\/kubestrap\/k3s\/k3s --version .*grep -qF -- 'v1\.31\.4\+k3s1'/);
        assert.match(install[1], /preflight on 10\.0\.0\.9: airGap\.binary is not k3s v1\.31\.4\+k3s1/);
        assert.match(install[2], /^install -m 755/, "the version is checked before anything is installed");
    });

    it("preflights OS, architecture, memory, disk, systemd and ports, naming the host", () => {
        const script = preflightScript(settings, "10.0.0.9");
        for (const check of ["uname -s", "uname -m", "MemTotal", "df -Pm", "systemctl", "2379"]) {
            assert.ok(script.includes(check), check);
        }
        assert.ok(script.includes("host='10.0.0.9'"));
    });

    it("knows a k3s version when it sees one", () => {
        assert.strictEqual(versionProblem("v1.31.4+k3s1"), undefined);
        assert.match(versionProblem("1.31")!, /not a k3s release/);
    });
});

describe("K3sCluster", () => {
    it("creates every command under its node, and every node under the cluster", async () => {
        const { r } = await cluster();
        for (const c of r.resources.filter((x) => x.type.startsWith("command:"))) {
            const node = r.parents.get(c.name)!;
            assert.ok(["k3s-s1", "k3s-s2", "k3s-s3", "k3s-a1"].includes(node), `${c.name} has parent ${node}`);
            assert.strictEqual(r.parents.get(node), "k3s");
        }
    });

    it("installs servers before agents, each host after the one before it", async () => {
        const { r } = await cluster();
        assert.deepStrictEqual(depNames(r, "k3s-s2"), ["k3s-s1"]);
        assert.deepStrictEqual(depNames(r, "k3s-s3"), ["k3s-s2"]);
        assert.deepStrictEqual(depNames(r, "k3s-a1"), ["k3s-s3"]);
        assert.deepStrictEqual(depNames(r, "k3s-s2-install").sort(), ["k3s-s2-config", "k3s-s2-drain", "k3s-s2-kernel-parameters", "k3s-s2-preflight", "k3s-s2-token"]);
        assert.deepStrictEqual(depNames(r, "k3s-s2-drain"), ["k3s-s2-preflight"], "a node is drained before its host passed preflight");
    });

    it("joins every node but the first to the first server with the token, kept secret", async () => {
        const { r } = await cluster();
        const token = cmd(r, "k3s-a1-token");
        assert.ok(isSecretValue(token.stdin), "the token is not a secret");
        assert.strictEqual(reveal(token.stdin), "join-s3cret");
        assert.strictEqual(token.logging, "none");
        for (const c of r.resources.filter((x) => x.type.startsWith("command:") && !x.name.endsWith("-token"))) {
            assert.ok(!JSON.stringify(reveal(c.inputs)).includes("join-s3cret"), `the token leaked into ${c.name}`);
        }
        const agentConfig = Buffer.from(/echo '([^']+)'/.exec(cmd(r, "k3s-a1-config").create)![1], "base64").toString();
        assert.strictEqual(parse(agentConfig).server, "https://10.0.0.1:6443");
        assert.deepStrictEqual(parse(agentConfig)["node-label"], ["role=worker"]);
    });


    it("generates the token once with random.RandomPassword when config gives none, and joins with it as a secret", async () => {
        const { r, c } = await cluster({ token: undefined });
        const generated = r.one("random:index/randomPassword:RandomPassword", "k3s-token");
        assert.deepStrictEqual([generated.inputs.length, generated.inputs.special], [48, false]);
        assert.ok(await isSecret(c.token));
        assert.strictEqual(reveal(cmd(r, "k3s-a1-token").stdin), "random-password-of-k3s-token");
        const explicit = await cluster();
        assert.strictEqual(explicit.r.ofType("random:index/randomPassword:RandomPassword").length, 0, "a configured token is used as it is");
    });
    it("sends the S3 snapshot keys to each server as a secret config drop-in, not in config.yaml", async () => {
        const { r } = await cluster({
            etcdSnapshots: { schedule: "0 3 * * *", retention: 7, s3: { endpoint: "s3.example.com", bucket: "snaps" } },
            etcdS3Credentials: { accessKey: "AKIAEXAMPLE", secretKey: "s3-secret-key-value" },
        });
        for (const server of ["s1", "s2", "s3"]) {
            const step = cmd(r, `k3s-${server}-s3-credentials`);
            assert.ok(isSecretValue(step.stdin), "the S3 keys are not a secret");
            assert.deepStrictEqual(parse(reveal(step.stdin)), { "etcd-s3-access-key": "AKIAEXAMPLE", "etcd-s3-secret-key": "s3-secret-key-value" });
            assert.match(step.create, /config\.yaml\.d\/etcd-s3-credentials\.yaml/);
            assert.strictEqual(step.logging, "none");
            assert.ok(depNames(r, `k3s-${server}-install`).includes(`k3s-${server}-s3-credentials`), "k3s starts before its S3 keys are there");
        }
        assert.ok(!r.resources.some((x) => x.name === "k3s-a1-s3-credentials"), "an agent got the S3 keys");
        for (const c of r.resources.filter((x) => x.type.startsWith("command:") && !x.name.endsWith("-s3-credentials"))) {
            assert.ok(!JSON.stringify(reveal(c.inputs)).includes("s3-secret-key-value"), `the S3 key leaked into ${c.name}`);
        }
    });

    it("drains, uncordons and removes nodes through the first server", async () => {
        const { r } = await cluster();
        for (const step of ["drain", "uncordon", "membership"]) {
            assert.strictEqual(reveal(cmd(r, `k3s-a1-${step}`).connection).host, "10.0.0.1", step);
        }
        assert.ok(cmd(r, "k3s-a1-membership").delete.includes("delete node 'a1'"));
        assert.deepStrictEqual(cmd(r, "k3s-a1-drain").triggers, ["v1.31.4+k3s1"], "a version change drains again");
        assert.strictEqual(r.resources.filter((x) => x.name === "k3s-s1-membership").length, 0, "the first server is never removed");
    });

    it("restarts k3s on a host when only its config changes", async () => {
        const { r } = await cluster();
        const config = cmd(r, "k3s-s2-config");
        assert.ok(config.update.includes("systemctl restart k3s"));
        assert.ok(!config.create.includes("restart"));
    });

    it("reads the kubeconfig back from the first server as a secret, pointing at its address", async () => {
        const { r, c } = await cluster();
        const read = cmd(r, "k3s-s1-kubeconfig");
        assert.ok(read.create.includes("https://10.0.0.1:6443"));
        assert.ok((r.options.get("k3s-s1-kubeconfig") as pulumi.CustomResourceOptions).additionalSecretOutputs!.includes("stdout"));
        assert.strictEqual(await (c.kubeconfig as any).isSecret, true);
        assert.deepStrictEqual(await valueOf(c.nodeNames), ["s1", "s2", "s3", "a1"]);
    });

    it("installs on the local machine with local commands", async () => {
        const { r } = await cluster({ ha: false, ssh: undefined, servers: [{ name: "me", host: "localhost" }], agents: [] });
        assert.ok(r.ofType("command:local:Command").length >= 5);
        assert.strictEqual(r.ofType("command:remote:Command").length, 0);
    });

    it("refuses impossible topologies before creating anything", async () => {
        const r = await withMocks(false);
        assert.throws(() => new K3sCluster("bad", { ...clusterArgs, ha: false, agents: [{ name: "s1", host: "x" }] }), (e: any) =>
            e.errors.some((x: any) => x.propertyPath === "ha") && e.errors.some((x: any) => x.propertyPath === "agents[0].name" && /already used by servers\[0\]/.test(x.reason)));
        assert.throws(() => new K3sCluster("even", { ...clusterArgs, servers: clusterArgs.servers.slice(0, 2) }), /invalid arguments/);
        assert.throws(() => new K3sCluster("ver", { ...clusterArgs, version: "latest" }), /invalid arguments/);
        assert.strictEqual(r.resources.filter((x) => x.type.startsWith("command:")).length, 0);
    });
});

describe("a stack on k3s", () => {
    for (const preview of [false, true]) {
        it(`installs the cluster and puts every in-cluster resource on its kubeconfig (preview: ${preview})`, async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { parseConfig } = require("../../config");
            const { connectCluster } = require("../../stacks/cluster");
            const { profiles } = require("../../stacks/environments");
            const { composePlatform } = require("../../stacks/platform");
            const r = await withMocks(preview);
            const config = parseConfig({
                "kubestrap:environment": "prod",
                "kubestrap:cluster": JSON.stringify({ target: "k3s", k3s: { version: "v1.31.4+k3s1", token: { fromEnv: "T" }, servers: [{ name: "s1", host: "localhost" }] } }),
                "kubestrap:demon": JSON.stringify({ secrets: { adminToken: { fromEnv: "T" } } }),
                "kubestrap:addons": JSON.stringify({ "cert-manager": { enabled: false } }),
            }, { env: { T: "t" }, readFile: () => "", baseDir: "/" });
            const cluster = connectCluster(config.cluster, profiles.prod);
            const platform = composePlatform(config, profiles.prod, cluster.provider);
            await settle(platform.demon.natsUrl);
            assert.ok(r.ofType("command:local:Command").some((c) => c.name === "k3s-s1-install"));
            const hardened = Buffer.from(/echo '([^']+)'/.exec(r.one("command:local:Command", "k3s-s1-config").inputs.create)![1], "base64").toString();
            assert.strictEqual(parse(hardened)["secrets-encryption"], true, "prod hardens k3s by default");
            const objects = r.kubernetesObjects();
            assert.ok(objects.length >= 25, `preview lists only ${objects.length} in-cluster objects`);
            for (const o of objects) {
                assert.ok(o.provider?.includes("pulumi:providers:kubernetes::cluster"), o.name);
            }
            // Named by its first server, known at preview: a kubeconfig read again (a rotation) replaces nothing.
            assert.strictEqual(r.one("pulumi:providers:kubernetes", "cluster").inputs.clusterIdentifier, "kubestrap/k3s/s1");
        });
    }
});

describe("the name each Kubernetes provider gives its cluster", () => {
    const { kubeconfigClusterIdentifier } = require("../../stacks/cluster-identity");
    const kubeconfig = (server: string, ca: string | undefined, token: string) => `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}, {name: other, context: {cluster: k2, user: u}}]
clusters:
- {name: k, cluster: {server: "${server}"${ca ? `, certificate-authority-data: ${ca}` : ""}}}
- {name: k2, cluster: {server: "https://other:6443", certificate-authority-data: OTHERCA}}
users: [{name: u, user: {token: ${token}}}]
`;

    it("is the cluster's CA: a new address or token keeps it, a new CA or another context changes it", () => {
        const id = kubeconfigClusterIdentifier(kubeconfig("https://10.0.0.1:6443", "Q0EK", "t1"));
        assert.match(id, /^kubestrap\/kubeconfig\/ca-[0-9a-f]{16}$/);
        assert.strictEqual(kubeconfigClusterIdentifier(kubeconfig("https://100.64.0.1:6443", "Q0EK", "t2")), id);
        assert.notStrictEqual(kubeconfigClusterIdentifier(kubeconfig("https://10.0.0.1:6443", "TkVXCg==", "t1")), id);
        assert.notStrictEqual(kubeconfigClusterIdentifier(kubeconfig("https://10.0.0.1:6443", "Q0EK", "t1"), "other"), id);
    });

    it("reads a CA file's contents (the same as the same CA inline), falls back to the server URL, and never uses the credentials", () => {
        const withFile = kubeconfig("https://10.0.0.1:6443", undefined, "t").replace('server: "https://10.0.0.1:6443"}', 'server: "https://10.0.0.1:6443", certificate-authority: /etc/ca.crt}');
        assert.strictEqual(kubeconfigClusterIdentifier(withFile, undefined, () => "CA\n"), kubeconfigClusterIdentifier(kubeconfig("https://10.0.0.1:6443", "Q0EK", "t")));
        assert.notStrictEqual(kubeconfigClusterIdentifier(withFile, undefined, () => "NEW\n"), kubeconfigClusterIdentifier(withFile, undefined, () => "CA\n"));
        assert.match(kubeconfigClusterIdentifier(kubeconfig("https://10.0.0.1:6443", undefined, "t")), /^kubestrap\/kubeconfig\/server-[0-9a-f]{16}$/);
        for (const token of ["t1", "t2"]) {
            assert.strictEqual(kubeconfigClusterIdentifier(kubeconfig("https://10.0.0.1:6443", "Q0EK", token), "no-such-context"), "kubestrap/kubeconfig/no-active-cluster");
        }
    });
});
