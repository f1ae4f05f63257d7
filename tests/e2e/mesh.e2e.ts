// MeshNetwork under the real engine with real software: Headscale and tailscaled built from
// their Go modules (scripts/toolchain.sh test-tools), run on three OpenSSH hosts in network
// namespaces (tailscaled on a real TUN device in each), and k3s (the stand-in) joined over the
// tailnet. Only systemd is simulated (the stand-in's systemctl starts the units' ExecStart).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { meshPolicyJson } from "../../components/mesh-plan";
import { randomPolicy } from "../mesh-policies";
import { E2eEnv, eventually, root } from "./harness";
import { events, hostFile, hostFiles, hostsOf, onHost, sshHostsScript, standin } from "./hosts";

const token = "e2e-mesh-k3s-token";
// Hosts 4-6: the k3s suite, which may run beside this one, has 1-3.
const hosts = { s1: "10.77.4.2", a1: "10.77.5.2", a2: "10.77.6.2" } as const;
const hostDirs = { s1: "h4", a1: "h5", a2: "h6" } as const;
type Node = keyof typeof hosts;
const sshEnv = { SSH_HOSTS_FIRST: "4" };

const tools = async (env: E2eEnv) => (await env.sh(path.join(root, "scripts", "toolchain.sh"), ["mesh-tools"])).stdout.trim();
const tailscale = "tailscale --socket=/run/tailscale/tailscaled.sock";

interface MeshOptions { agents?: Node[]; rotation?: string; extraRules?: unknown[] }

function stackConfig(env: E2eEnv, meshTools: string, opts: MeshOptions = {}) {
    const agents = (opts.agents ?? ["a1", "a2"]).map((name) => ({ name, host: hosts[name] }));
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": {
            target: "k3s",
            k3s: {
                version: "v1.31.4+k3s1",
                token: { fromEnv: "E2E_K3S_TOKEN" },
                ssh: { user: "root", privateKey: { fromFile: path.join(hostsOf(env), "id_ed25519") }, sudo: false },
                servers: [{ name: "s1", host: hosts.s1 }],
                agents,
                disable: ["traefik"],
                airGap: { binary: path.join(standin, "k3s"), installScript: path.join(standin, "install.sh") },
            },
            mesh: {
                headscale: {
                    airGap: { binary: path.join(meshTools, "headscale") },
                    // HTTPS from a private CA: the embedded DERP relay only speaks TLS.
                    tls: { certFile: path.join(env.dir, "tls", "headscale.crt"), key: { fromFile: path.join(env.dir, "tls", "headscale.key") }, caFile: path.join(env.dir, "tls", "ca.crt") },
                },
                tailscale: { airGap: { tailscale: path.join(meshTools, "tailscale"), tailscaled: path.join(meshTools, "tailscaled") } },
                keys: { expiry: "24h", ...(opts.rotation ? { rotation: opts.rotation } : {}) },
                acl: { groups: { "group:admins": ["admin@"] }, rules: opts.extraRules ?? [] },
            },
        },
        "kubestrap:demon": { enabled: false },
        "kubestrap:apps": [{ name: "hello", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080 }],
    };
}

const headscale = async (env: E2eEnv, args: string) => JSON.parse((await onHost(env, hosts.s1, `headscale ${args} -o json`)).stdout || "null");
const meshNodes = async (env: E2eEnv): Promise<any[]> => (await headscale(env, "nodes list")) ?? [];
const userId = async (env: E2eEnv, user: string) => (await headscale(env, `users list --name ${user}`))[0].id;
const keysOf = async (env: E2eEnv, user: string): Promise<any[]> => (await headscale(env, `preauthkeys list --user ${await userId(env, user)}`)) ?? [];

/** A CA of the test's own and Headscale's certificate from it, for the coordinator's address. */
async function privateCa(env: E2eEnv, address: string): Promise<void> {
    const dir = path.join(env.dir, "tls");
    fs.mkdirSync(dir, { recursive: true });
    const ssl = (...args: string[]) => env.sh("openssl", args, { cwd: dir });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=kubestrap e2e mesh CA");
    await ssl("req", ...ec, "-keyout", "headscale.key", "-out", "headscale.csr", "-subj", `/CN=${address}`);
    fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=IP:${address}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    await ssl("x509", "-req", "-in", "headscale.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "headscale.crt", "-days", "2", "-extfile", "ext.cnf");
}

/** Headscale and tailscaled processes in a host's network namespace (the hosts share one process table). */
async function meshProcesses(env: E2eEnv, dir: string): Promise<string[]> {
    const { stdout } = await env.sh("sh", ["-c", `for p in $(ip netns pids ks-e2e-${dir}); do cat /proc/$p/comm 2>/dev/null; done`]);
    return stdout.split("\n").filter((c) => /^(headscale|tailscaled)$/.test(c));
}

/** Whether a TCP connection from `from` to ip:port opens within 3 s. */
async function connects(env: E2eEnv, from: Node, ip: string, port: number): Promise<boolean> {
    const probe = `python3 -c "import socket,sys; s=socket.socket(); s.settimeout(3); sys.exit(0 if s.connect_ex(('${ip}', ${port})) == 0 else 1)"`;
    return onHost(env, hosts[from], probe).then(() => true, () => false);
}

describe("the mesh: real Headscale and Tailscale on SSH hosts, k3s over the tailnet", function () {
    this.timeout(20 * 60 * 1000);
    const env = new E2eEnv("e2e-mesh", 4);
    const baseline: Record<string, string[]> = {};
    let meshTools = "";
    let addresses: Record<string, { ipv4: string; ipv6: string }> = {};

    before(async () => {
        meshTools = await tools(env);
        Object.assign(env.env, sshEnv, { E2E_K3S_TOKEN: token });
        await privateCa(env, hosts.s1);
        await env.cluster("up");
        await env.sh(sshHostsScript, ["up", hostsOf(env), "3", env.kubeconfig]);
        for (const dir of Object.values(hostDirs)) {
            baseline[dir] = hostFiles(env, dir);
        }
        // This machine plays an admin's laptop on the tailnet: the kubeconfig points at s1's
        // tailnet address, which the first host answers for.
        await env.sh("ip", ["route", "replace", "100.64.0.0/10", "via", hosts.s1]);
        env.writeConfig(stackConfig(env, meshTools));
    });

    after(async () => {
        await env.sh("ip", ["route", "del", "100.64.0.0/10"]).catch(() => undefined);
        if (process.env.KUBESTRAP_E2E_KEEP !== "1") {
            await env.sh(sshHostsScript, ["down", hostsOf(env), "3"]).catch(() => undefined);
            await env.cluster("down").catch(() => undefined);
            env.cleanup();
        }
    });

    it("writes policies Headscale's own validator accepts, for any ACL config (property, 40 cases)", async () => {
        for (let seed = 1; seed <= 40; seed++) {
            const file = path.join(env.dir, `policy-${seed}.json`);
            fs.writeFileSync(file, meshPolicyJson(randomPolicy(seed)));
            const { stdout } = await env.sh(path.join(meshTools, "headscale"), ["policy", "check", "--file", file]);
            assert.match(stdout, /Policy is valid/, `seed ${seed}`);
        }
    });

    it("joins every node to Headscale with its group's key and tag, then runs k3s over the tailnet", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        const outputs = JSON.parse((await env.pulumi("stack", "output", "--json", "--show-secrets")).stdout);
        addresses = outputs.mesh.addresses;
        assert.strictEqual(outputs.mesh.headscaleUrl, `https://${hosts.s1}:8080`);
        assert.deepStrictEqual(Object.keys(outputs.mesh.keys).sort(), ["agents", "servers"]);
        const nodes = await meshNodes(env);
        assert.deepStrictEqual(nodes.map((n) => n.name).sort(), ["a1", "a2", "s1"]);
        for (const n of nodes) {
            const group = n.name === "s1" ? "servers" : "agents";
            assert.strictEqual(n.user.name, `kubestrap-${group}`, `${n.name}'s user`);
            assert.deepStrictEqual(n.forced_tags ?? n.valid_tags, [group === "servers" ? "tag:k3s-server" : "tag:k3s-agent"], `${n.name}'s tags`);
            assert.strictEqual(addresses[n.name].ipv4, n.ip_addresses.find((a: string) => a.includes(".")));
        }
        // k3s: each node registered with its tailnet address, the agents joined through s1's.
        const k8sNodes = (await env.json("get", "nodes")).items;
        for (const name of ["s1", "a1", "a2"]) {
            const node = k8sNodes.find((x: any) => x.metadata.name === name);
            assert.strictEqual(node.status.addresses.find((a: any) => a.type === "InternalIP")?.address, addresses[name].ipv4, `${name}'s InternalIP`);
        }
        for (const [name, dir] of Object.entries(hostDirs)) {
            const config = hostFile(env, dir, "etc/rancher/k3s/config.yaml");
            assert.match(config, new RegExp(`node-ip: ${addresses[name].ipv4.replace(/\./g, "\\.")}`), `${name}'s config.yaml`);
            assert.match(config, /flannel-iface: tailscale0/);
            if (name !== "s1") {
                assert.match(config, new RegExp(`server: https://${addresses.s1.ipv4.replace(/\./g, "\\.")}:6443`));
            }
        }
        assert.ok(events(env).filter((e) => e.event === "start" && e.node).every((e) => e.registered), "a k3s node did not register");
        assert.match(outputs.kubeconfig, new RegExp(`server: https://${addresses.s1.ipv4.replace(/\./g, "\\.")}:6443`), "the kubeconfig points at the tailnet");
        assert.strictEqual((await env.json("get", "deployment", "hello", "-n", "apps")).metadata.name, "hello", "deployed through the tailnet kubeconfig");
    });

    it("lets every pair of nodes reach each other: tailscale ping", async () => {
        for (const from of Object.keys(hosts) as Node[]) {
            for (const to of Object.keys(hosts) as Node[]) {
                if (from !== to) {
                    const { stdout } = await onHost(env, hosts[from], `${tailscale} ping -c 10 --timeout 5s ${addresses[to].ipv4}`);
                    assert.match(stdout, /pong from/, `${from} -> ${to}: ${stdout}`);
                }
            }
        }
    });

    it("relays through Headscale's embedded DERP when direct UDP between two nodes is blocked", async () => {
        // a2 serves kubelet's port, which the ACL allows between nodes.
        await onHost(env, hosts.a2, "nohup python3 -m http.server 10250 >/dev/null 2>&1 & sleep 1");
        const block = (op: string) => `iptables ${op} INPUT -p udp -s ${hosts.a2} -j DROP && iptables ${op} OUTPUT -p udp -d ${hosts.a2} -j DROP`;
        await onHost(env, hosts.a1, block("-I"));
        try {
            const via = await eventually("a1 reaches a2 through the relay", async () => {
                const { stdout } = await onHost(env, hosts.a1, `${tailscale} ping -c 3 --timeout 5s ${addresses.a2.ipv4} || true`);
                return /pong from a2 .* via DERP\(kubestrap\)/.test(stdout) ? stdout : undefined;
            }, 90000);
            assert.match(via, /via DERP\(kubestrap\)/);
            assert.strictEqual(await connects(env, "a1", addresses.a2.ipv4, 10250), true, "TCP over the relay");
            assert.strictEqual(await connects(env, "a1", hosts.a2, 10250), true, "TCP on the LAN is not blocked, only UDP");
        } finally {
            await onHost(env, hosts.a1, block("-D"));
            await onHost(env, hosts.a2, "pkill -f '[h]ttp.server 10250' || true");
        }
    });

    it("lets k3s's ports through the ACL and blocks the rest, until a rule allows it", async () => {
        // A listener on s1 on a port no rule allows; reachable on the LAN, so a failure over the tailnet is the ACL's.
        await onHost(env, hosts.s1, "nohup python3 -m http.server 7777 >/dev/null 2>&1 & sleep 1");
        assert.strictEqual(await connects(env, "a1", hosts.s1, 7777), true, "the listener is up on the LAN");
        assert.strictEqual(await connects(env, "a1", addresses.s1.ipv4, 6443), true, "agents reach the API server over the tailnet");
        assert.strictEqual(await connects(env, "a1", addresses.s1.ipv4, 7777), false, "a port no rule allows is blocked");
        const headscalePid = async () => (await onHost(env, hosts.s1, "cat /run/k3s-standin/headscale.pid")).stdout.trim();
        const pid = await headscalePid();
        env.writeConfig(stackConfig(env, meshTools, { extraRules: [{ from: ["tag:k3s-agent"], to: ["tag:k3s-server"], ports: ["7777"] }] }));
        await env.pulumi("up", "--yes", "--skip-preview");
        await eventually("the new rule reaches a1", async () => await connects(env, "a1", addresses.s1.ipv4, 7777) || undefined, 30000);
        assert.strictEqual(await headscalePid(), pid, "a policy change reloads Headscale instead of restarting it");
        assert.strictEqual(await connects(env, "a2", addresses.a1.ipv4, 7777), false, "the rule opens s1's port only");
    });

    it("changes nothing and creates no key on a second up", async () => {
        const before = (await keysOf(env, "kubestrap-servers")).length + (await keysOf(env, "kubestrap-agents")).length;
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
        assert.strictEqual((await keysOf(env, "kubestrap-servers")).length + (await keysOf(env, "kubestrap-agents")).length, before);
    });

    it("rotates the keys without re-registering a node", async () => {
        const nodesBefore = (await meshNodes(env)).map((n) => `${n.id}:${n.name}:${n.machine_key}`).sort();
        const oldKeys = await keysOf(env, "kubestrap-agents");
        env.writeConfig(stackConfig(env, meshTools, { rotation: "2", extraRules: [{ from: ["tag:k3s-agent"], to: ["tag:k3s-server"], ports: ["7777"] }] }));
        await env.pulumi("up", "--yes", "--skip-preview");
        const keys = await keysOf(env, "kubestrap-agents");
        assert.strictEqual(keys.length, oldKeys.length + 1, "one new key for the group");
        const expired = (k: any) => new Date(k.expiration.seconds * 1000) <= new Date();
        assert.ok(oldKeys.every((old) => expired(keys.find((k) => k.id === old.id))), "the replaced key is expired");
        assert.ok(!expired(keys.find((k) => !oldKeys.some((o) => o.id === k.id))), "the new key is valid");
        assert.deepStrictEqual((await meshNodes(env)).map((n) => `${n.id}:${n.name}:${n.machine_key}`).sort(), nodesBefore);
    });

    it("logs a removed node out and deletes it from Headscale", async () => {
        env.writeConfig(stackConfig(env, meshTools, { agents: ["a1"], rotation: "2", extraRules: [{ from: ["tag:k3s-agent"], to: ["tag:k3s-server"], ports: ["7777"] }] }));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.deepStrictEqual((await meshNodes(env)).map((n) => n.name).sort(), ["a1", "s1"]);
        const left = hostFiles(env, "h6").filter((f) => /tailscale|headscale/.test(f));
        assert.deepStrictEqual(left, [], "tailscale left files on a2");
        assert.deepStrictEqual(await meshProcesses(env, "h6"), [], "tailscaled still runs on a2");
    });

    it("destroys everything: no tailscaled, no Headscale, no state on any host", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        for (const [name, dir] of Object.entries(hostDirs)) {
            assert.deepStrictEqual(hostFiles(env, dir), baseline[dir], `${name} was not left as it was`);
            assert.deepStrictEqual(await meshProcesses(env, dir), [], `a mesh process still runs on ${name}`);
        }
    });
});
