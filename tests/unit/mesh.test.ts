import * as assert from "assert";
import { parse } from "yaml";
import { k3sConfigYaml, K3sNodeSettings } from "../../cluster/k3s-plan";
import { K3sCluster } from "../../cluster/k3s-cluster";
import { coordinatorSessions, keyRenewalWindow, MeshNetwork, MeshNetworkArgs } from "../../mesh/mesh-network";
import { createKeyScript, headscaleConfigYaml, headscaleInstallScript, HeadscaleSettings, managedTlsScript, removeUserScript } from "../../mesh/mesh-headscale";
import { authKeyScript, parseAddresses, tailscaleJoinScript, tailscaleUpdateScript } from "../../mesh/mesh-join";
import { meshPolicy, meshPolicyJson } from "../../mesh/mesh-plan";
import { isSecret, isSecretValue, Recorder, reveal, settle, valueOf, withMocks } from "../mocks";
import { random, randomPolicy } from "../mesh-policies";

const headscale: HeadscaleSettings = {
    version: "0.27.1", address: "10.0.0.1", port: 8080, serverUrl: "http://10.0.0.1:8080", baseDomain: "kubestrap.mesh",
    prefixes: { v4: "100.64.0.0/10", v6: "fd7a:115c:a1e0::/48" }, derp: { embedded: true, stunPort: 3478, urls: [] },
};

const ssh = (host: string) => ({ kind: "ssh" as const, host, port: 22, user: "ops", privateKey: "PRIVATE KEY" });

const meshArgs: MeshNetworkArgs = {
    headscale,
    coordinator: ssh("10.0.0.1"),
    policy: { groups: { "group:admins": ["alice@"] }, rules: [] },
    tailscaleVersion: "1.86.5",
    nodes: [
        { name: "s1", group: "servers", connection: ssh("10.0.0.1") },
        { name: "a1", group: "agents", connection: ssh("10.0.0.2") },
        { name: "a2", group: "agents", connection: ssh("10.0.0.3") },
    ],
    sudo: false,
    keyExpirySeconds: 7776000,
    now: () => 1_800_000_000,
};

describe("mesh plan", () => {
    it("removes a user's nodes (a pool's vanished ephemeral ones too) before the user, which Headscale refuses while it has nodes", () => {
        const script = removeUserScript("agents", "sudo ");
        const deleteNodes = script.indexOf("nodes delete"), destroyUser = script.indexOf("users destroy");
        assert.ok(script.includes("nodes list --user 'kubestrap-agents'"), script);
        assert.ok(deleteNodes >= 0 && destroyUser >= 0 && deleteNodes < destroyUser, script);
    });

    it("configures Headscale from typed settings: URL, prefixes, embedded DERP with STUN, local database, policy file", () => {
        const config = parse(headscaleConfigYaml(headscale));
        assert.strictEqual(config.server_url, "http://10.0.0.1:8080");
        assert.strictEqual(config.listen_addr, "0.0.0.0:8080");
        assert.deepStrictEqual(config.prefixes, { v4: "100.64.0.0/10", v6: "fd7a:115c:a1e0::/48", allocation: "sequential" });
        assert.strictEqual(config.derp.server.enabled, true);
        assert.strictEqual(config.derp.server.stun_listen_addr, "0.0.0.0:3478");
        assert.strictEqual(config.derp.server.ipv4, "10.0.0.1");
        assert.deepStrictEqual(config.derp.urls, []);
        assert.strictEqual(config.derp.auto_update_enabled, false, "an air-gapped Headscale must not fetch Tailscale's DERP map");
        assert.strictEqual(config.database.sqlite.path, "/var/lib/headscale/db.sqlite");
        assert.deepStrictEqual(config.policy, { mode: "file", path: "/etc/headscale/policy.json" });
        assert.strictEqual(config.dns.base_domain, "kubestrap.mesh");
    });

    it("allows what k3s needs between nodes, admins on 22 and 6443, and nothing else by default", () => {
        const acls = meshPolicy({ groups: { "group:admins": ["alice@"] }, rules: [] }).acls as any[];
        const flat = acls.flatMap((a) => a.dst.map((d: string) => `${a.src.join(",")} -> ${d}${a.proto ? `/${a.proto}` : ""}`));
        assert.deepStrictEqual(flat, [
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-server:6443",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-server:10250",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-agent:10250",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-server:8472/udp",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-server:51820/udp",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-server:51821/udp",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-agent:8472/udp",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-agent:51820/udp",
            "tag:k3s-server,tag:k3s-agent -> tag:k3s-agent:51821/udp",
            "tag:k3s-server -> tag:k3s-server:2379-2380",
            "group:admins -> tag:k3s-server:22",
            "group:admins -> tag:k3s-server:6443",
            "group:admins -> tag:k3s-agent:22",
            "group:admins -> tag:k3s-agent:6443",
        ]);
        assert.ok(!acls.some((a) => a.dst.some((d: string) => d.endsWith(":*"))), "nothing open on every port");
    });

    it("writes a policy whose every name is defined, for any config (property, 200 cases)", () => {
        for (let seed = 1; seed <= 200; seed++) {
            const input = randomPolicy(seed);
            const policy = JSON.parse(meshPolicyJson(input));
            const known = new Set(["*", ...Object.keys(policy.groups), ...Object.keys(policy.tagOwners)]);
            for (const acl of policy.acls) {
                assert.strictEqual(acl.action, "accept");
                assert.ok([undefined, "udp", "icmp"].includes(acl.proto), `seed ${seed}: proto ${acl.proto}`);
                acl.src.forEach((s: string) => assert.ok(known.has(s), `seed ${seed}: src ${s} is not defined`));
                acl.dst.forEach((d: string) => {
                    const m = /^(.*):(\*|\d+(-\d+)?)$/.exec(d);
                    assert.ok(m && known.has(m[1]), `seed ${seed}: dst ${d} is not principal:port`);
                });
            }
            for (const owners of Object.values(policy.tagOwners) as string[][]) {
                owners.forEach((o) => assert.match(o, /^kubestrap-(servers|agents)@$/));
            }
        }
    });

    it("gives no two nodes one host name, MagicDNS name or k3s address, for any cluster (property, 100 cases)", async () => {
        for (let seed = 1; seed <= 100; seed++) {
            const r = random(seed);
            const names = [...new Set(Array.from({ length: 1 + r.int(8) }, (_, i) => `n${r.int(20)}-${i % 3}`))];
            const plans = names.map((name, i) => ({
                name,
                script: tailscaleJoinScript({ name, group: i === 0 ? "servers" : "agents", version: "1.86.5", loginServer: "https://h:8080" }, "", true),
                config: parse(k3sConfigYaml({
                    role: i === 0 ? "server" : "agent", clusterInit: i === 0, ha: false, nodeName: name, version: "v1.31.4+k3s1", labels: {}, taints: [],
                    disable: [], tlsSans: [], extraArgs: [], hardened: false, drainTimeoutSeconds: 60, nodeIp: `100.64.0.${i + 1}`,
                })),
            }));
            const hostnames = plans.map((p) => /--hostname='([^']+)'/.exec(p.script)![1]);
            assert.strictEqual(new Set(hostnames).size, names.length, `seed ${seed}: hostnames ${hostnames}`);
            assert.strictEqual(new Set(hostnames.map((h) => `${h}.kubestrap.mesh`)).size, names.length);
            assert.strictEqual(new Set(plans.map((p) => p.config["node-ip"])).size, names.length, `seed ${seed}: node-ip`);
            assert.deepStrictEqual(plans.map((p) => p.config["node-name"]), hostnames, "the tailnet name is the k3s node name");
        }
    });

    it("checks a new policy before it replaces the old, and reloads Headscale for a policy change alone", () => {
        const script = headscaleInstallScript(headscale, { groups: {}, rules: [] }, "", true);
        const lines = script.split("\n");
        const at = (re: RegExp) => {
            const i = lines.findIndex((l) => re.test(l));
            assert.ok(i >= 0, `no line matches ${re}`);
            return i;
        };
        assert.ok(at(/policy check --file '\/etc\/headscale\/policy\.json\.new'/) < at(/^mv '\/etc\/headscale\/policy\.json\.new' '\/etc\/headscale\/policy\.json'$/));
        assert.match(script, /if \[ "\$before" = "\$\(cat .*\/etc\/headscale\/config\.yaml.* \| sha256sum\)" \] && systemctl is-active --quiet headscale; then\n  systemctl reload headscale\nelse\n  systemctl restart headscale\nfi/);
        assert.doesNotMatch(script, /curl/);
    });

    it("joins each node with its group's tag and a key delivered apart, on stdin, never on a command line", () => {
        const script = tailscaleJoinScript({ name: "a1", group: "agents", version: "1.86.5", loginServer: "http://10.0.0.1:8080" }, "", true);
        assert.match(script, /--login-server='http:\/\/10\.0\.0\.1:8080'/);
        assert.match(script, /--hostname='a1'/);
        assert.match(script, /--advertise-tags='tag:k3s-agent'/);
        assert.match(script, /--auth-key='file:\/var\/lib\/tailscale\/kubestrap-authkey'/);
        assert.doesNotMatch(script, /\/dev\/stdin '\/var\/lib\/tailscale\/kubestrap-authkey'/, "the join reads no secret: its output stays visible");
        assert.match(script, /\nrm -f '\/var\/lib\/tailscale\/kubestrap-authkey'\n/, "the key is removed once used");
        assert.match(script, /\|\| \{ echo "tailscale up on a1 failed; tailscaled reports:" >&2;/);
        const authKey = authKeyScript("", "http://10.0.0.1:8080");
        assert.match(authKey.create, /install -m 600 \/dev\/stdin '\/var\/lib\/tailscale\/kubestrap-authkey'/);
        assert.match(authKey.update, /^if test -e '\/var\/lib\/tailscale\/kubestrap-authkey' \|\| \[ "\$\(.* debug prefs .*ControlURL.*\)" != 'http:\/\/10\.0\.0\.1:8080' \]; then .*install -m 600 \/dev\/stdin '\/var\/lib\/tailscale\/kubestrap-authkey'; fi$/,
            "a rotated key reaches only a node that has not joined, or that must log in at a new URL");
        assert.doesNotMatch(script, /curl/, "an air-gapped join downloads nothing");
        assert.match(createKeyScript("servers", 3600, ""), /preauthkeys create --user "\$id" --reusable --expiration 3600s --tags 'tag:k3s-server'/);
        assert.deepStrictEqual(parseAddresses("100.64.0.2 fd7a:115c:a1e0::2\n"), { ipv4: "100.64.0.2", ipv6: "fd7a:115c:a1e0::2" });
    });

    it("puts k3s on the tailnet: node-ip, advertise-address, flannel on tailscale0, join URL and SAN on the first server's address", () => {
        const base: K3sNodeSettings = {
            role: "server", clusterInit: true, ha: true, nodeName: "s1", version: "v1.31.4+k3s1", labels: {}, taints: [], disable: [],
            tlsSans: ["100.64.0.1"], extraArgs: [], hardened: false, drainTimeoutSeconds: 300, nodeIp: "100.64.0.1", flannelIface: "tailscale0",
        };
        const server = parse(k3sConfigYaml(base));
        assert.strictEqual(server["node-ip"], "100.64.0.1");
        assert.strictEqual(server["advertise-address"], "100.64.0.1");
        assert.strictEqual(server["flannel-iface"], "tailscale0");
        assert.deepStrictEqual(server["tls-san"], ["100.64.0.1"]);
        const agent = parse(k3sConfigYaml({ ...base, role: "agent", clusterInit: false, nodeName: "a1", nodeIp: "100.64.0.2", serverUrl: "https://100.64.0.1:6443" }));
        assert.strictEqual(agent["node-ip"], "100.64.0.2");
        assert.strictEqual(agent["advertise-address"], undefined);
        assert.strictEqual(agent.server, "https://100.64.0.1:6443");
    });
});

describe("MeshNetwork", () => {
    const addressOf: Record<string, string> = { s1: "100.64.0.1 fd7a:115c:a1e0::1", a1: "100.64.0.2 fd7a:115c:a1e0::2", a2: "100.64.0.3 fd7a:115c:a1e0::3" };
    const stdout = (name: string) => {
        const join = /^mesh-join-(\w+)$/.exec(name);
        if (join) {
            return addressOf[join[1]];
        }
        return /^mesh-key-/.test(name) ? `key-for-${name}\n` : undefined;
    };

    async function mesh(args: Partial<MeshNetworkArgs> = {}): Promise<{ r: Recorder; m: MeshNetwork }> {
        const r = await withMocks(false);
        r.stdoutFor = stdout;
        const m = new MeshNetwork("mesh", { ...meshArgs, ...args }, { transformations: [r.track] });
        await settle(m.serverUrl, m.keys, ...Object.values(m.addresses));
        return { r, m };
    }
    const deps = (r: Recorder, name: string) => ((r.optionsOf.get(`command:remote:Command::${name}`)?.dependsOn as any[]) ?? []).map((d) => d.__name);

    it("puts Headscale, one user and key per group, and Tailscale on every node under itself, in order", async () => {
        const { r } = await mesh();
        const names = r.ofType("command:remote:Command").map((c) => c.name).sort();
        assert.deepStrictEqual(names, [
            "mesh-authkey-a1", "mesh-authkey-a2", "mesh-authkey-s1", "mesh-headscale", "mesh-host-key-10.0.0.1", "mesh-host-key-10.0.0.2", "mesh-host-key-10.0.0.3", "mesh-join-a1", "mesh-join-a2", "mesh-join-s1", "mesh-key-agents", "mesh-key-servers",
            "mesh-membership-a1", "mesh-membership-a2", "mesh-membership-s1",
            "mesh-preflight-10.0.0.1", "mesh-preflight-10.0.0.2", "mesh-preflight-10.0.0.3", "mesh-user-agents", "mesh-user-servers",
        ]);
        for (const name of names) {
            assert.strictEqual(r.ancestry.get(`command:remote:Command::${name}`), "kubestrap:mesh:MeshNetwork::mesh", name);
        }
        assert.deepStrictEqual(deps(r, "mesh-user-servers"), ["mesh-headscale"]);
        assert.deepStrictEqual(deps(r, "mesh-key-agents"), ["mesh-user-agents"]);
        assert.deepStrictEqual(deps(r, "mesh-join-a1"), ["mesh-preflight-10.0.0.2", "mesh-authkey-a1", "mesh-membership-a1", "mesh-join-s1"], "the first server joins first");
        assert.deepStrictEqual(deps(r, "mesh-join-s1"), ["mesh-preflight-10.0.0.1", "mesh-authkey-s1", "mesh-membership-s1"]);
        assert.deepStrictEqual(deps(r, "mesh-membership-a1"), ["mesh-user-agents"], "a node leaves Headscale before its user does");
        assert.deepStrictEqual(deps(r, "mesh-headscale"), ["mesh-preflight-10.0.0.1"]);
    });

    it(`runs at most ${coordinatorSessions} nodes' membership steps on the coordinator at once, in chains, whatever the engine's parallelism`, async () => {
        const agents = Array.from({ length: 9 }, (_, i) => `n${i}`);
        for (const [i, name] of agents.entries()) addressOf[name] = `100.64.1.${i} fd7a:115c:a1e0::1:${i}`;
        const { r } = await mesh({ nodes: [meshArgs.nodes[0], ...agents.map((name, i) => ({ name, group: "agents" as const, connection: ssh(`10.0.1.${i}`) }))] });
        const order = ["s1", ...agents];
        for (const [i, name] of order.entries()) {
            const turn = i >= coordinatorSessions ? [`mesh-membership-${order[i - coordinatorSessions]}`] : [];
            assert.deepStrictEqual(deps(r, `mesh-membership-${name}`), [name === "s1" ? "mesh-user-servers" : "mesh-user-agents", ...turn], name);
        }
        // The chains' heads, waiting on the user alone: as many as may run at once.
        const free = order.filter((name) => deps(r, `mesh-membership-${name}`).length === 1);
        assert.strictEqual(free.length, coordinatorSessions);
    });

    it("keeps the keys secret: as outputs, in state and on the way to the nodes", async () => {
        const { r, m } = await mesh();
        assert.strictEqual(await isSecret(m.keys), true);
        assert.deepStrictEqual(Object.keys(await valueOf(m.keys)).sort(), ["agents", "servers"]);
        const key = r.optionsOf.get("command:remote:Command::mesh-key-servers")!;
        assert.ok((key as any).additionalSecretOutputs.includes("stdout"));
        const authKey = r.one("command:remote:Command", "mesh-authkey-a1").inputs;
        assert.ok(isSecretValue(authKey.stdin), "the key goes to the node as a secret stdin");
        assert.strictEqual(reveal(authKey.stdin), "key-for-mesh-key-agents");
        assert.strictEqual(authKey.logging, "none");
        const join = r.one("command:remote:Command", "mesh-join-a1").inputs;
        assert.ok(!JSON.stringify(reveal(join)).includes("key-for"), "the join holds no key, so its output is not hidden");
        assert.strictEqual(r.one("command:remote:Command", "mesh-key-agents").inputs.logging, "none");
    });

    it("reports each node's tailnet addresses and pins each host's key once", async () => {
        const { r, m } = await mesh();
        assert.deepStrictEqual(await valueOf(m.addresses.a2), { ipv4: "100.64.0.3", ipv6: "fd7a:115c:a1e0::3" });
        assert.strictEqual(await valueOf(m.hostKeys["10.0.0.2"]), Recorder.hostKeyOf("10.0.0.2"));
        const later = reveal(r.one("command:remote:Command", "mesh-join-a1").inputs.connection);
        assert.strictEqual(later.hostKey, Recorder.hostKeyOf("10.0.0.2"), "later steps insist on the key read at first contact");
    });

    it("issues a group's key anew when the group's nodes change, so a node added after the key expired joins with a fresh one", async () => {
        const { r } = await mesh();
        const before = r.one("command:remote:Command", "mesh-key-agents").inputs.triggers;
        const { r: grown } = await mesh({ nodes: [...meshArgs.nodes, { name: "a3", group: "agents", connection: ssh("10.0.0.4") }] });
        const after = grown.one("command:remote:Command", "mesh-key-agents").inputs.triggers;
        assert.notDeepStrictEqual(after, before, "a new agent would join with the agents' first key, expired after keys.expiry");
        assert.deepStrictEqual(grown.one("command:remote:Command", "mesh-key-servers").inputs.triggers, r.one("command:remote:Command", "mesh-key-servers").inputs.triggers, "the servers' key changed too");
    });

    it("gives each AWS pool a key that lasts as long as the pool (keys.poolExpiry), ephemeral and tagged", async () => {
        const { r } = await mesh({ pools: ["burst"], poolKeyExpirySeconds: 315360000 });
        const key = r.one("command:remote:Command", "mesh-key-pool-burst").inputs;
        assert.match(key.create, /preauthkeys create --user "\$id" --reusable --ephemeral --expiration 315360000s --tags 'tag:k3s-agent'/);
        assert.deepStrictEqual(key.triggers, ["", 315360000, keyRenewalWindow(315360000, 1_800_000_000)]);
        assert.match(r.one("command:remote:Command", "mesh-key-agents").inputs.create, /--expiration 7776000s/, "the home nodes' key keeps keys.expiry");
    });

    it("replaces the keys on rotation, and downloads nothing when air-gapped", async () => {
        const { r } = await mesh({ keyRotation: "2", airGap: { headscale: "/staged/headscale", tailscale: "/staged/tailscale", tailscaled: "/staged/tailscaled" } });
        assert.deepStrictEqual(r.one("command:remote:Command", "mesh-key-servers").inputs.triggers, ["2", 7776000, "s1", keyRenewalWindow(7776000, 1_800_000_000)]);
        assert.strictEqual(r.ofType("command:remote:CopyToRemote").length, 1 + 2 * 3);
        for (const c of r.ofType("command:remote:Command")) {
            assert.doesNotMatch(String(c.inputs.create), /curl/, c.name);
        }
    });
});

describe("the mesh over months: keys renewed at half their lifetime, HTTPS by default, nodes that follow a new URL", () => {
    const stdout = (name: string) => name === "mesh-headscale-tls" ? "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
        : /^mesh-join-/.test(name) ? "100.64.0.9 fd7a:115c:a1e0::9" : /^mesh-key-/.test(name) ? `key-for-${name}\n` : undefined;
    async function mesh(args: Partial<MeshNetworkArgs> = {}): Promise<{ r: Recorder; m: MeshNetwork }> {
        const r = await withMocks(false);
        r.stdoutFor = stdout;
        const m = new MeshNetwork("mesh", { ...meshArgs, ...args }, { transformations: [r.track] });
        await settle(m.serverUrl, m.keys, m.ca, ...Object.values(m.addresses), ...Object.values(m.poolKeys));
        return { r, m };
    }
    const triggersOf = (r: Recorder, name: string) => r.one("command:remote:Command", name).inputs.triggers;

    it("issues a pool's key anew at the first up past half its lifetime, and not before, so the launch template never holds an expired key", async () => {
        const day = 86400, start = 1_800_000_000, expiry = 30 * day;
        const at = async (seconds: number) => triggersOf((await mesh({ pools: ["burst"], poolKeyExpirySeconds: expiry, now: () => seconds })).r, "mesh-key-pool-burst");
        const first = await at(start);
        let renewedAfter: number | undefined;
        for (let d = 1; d <= 30; d++) {
            if (renewedAfter === undefined && JSON.stringify(await at(start + d * day)) !== JSON.stringify(first)) {
                renewedAfter = d;
            }
        }
        assert.ok(renewedAfter !== undefined && renewedAfter <= 15, `renewed after ${renewedAfter} days of a 30-day key`);
        assert.deepStrictEqual(await at(start + 60), first, "an up a minute later replaces nothing");
    });

    it("renews a group's key the same way: a node reinstalled past the key's expiry still joins", async () => {
        const week = 7 * 86400;
        const { r } = await mesh({ keyExpirySeconds: 2 * week });
        const { r: later } = await mesh({ keyExpirySeconds: 2 * week, now: () => 1_800_000_000 + 2 * week });
        assert.notDeepStrictEqual(triggersOf(later, "mesh-key-agents"), triggersOf(r, "mesh-key-agents"));
    });

    it("serves HTTPS from a CA it makes on the coordinator, before Headscale starts, and gives the CA to every node", async () => {
        const { r, m } = await mesh({ headscale: { ...headscale, serverUrl: "https://10.0.0.1:8080", tls: "managed" }, pools: ["burst"] });
        const tls = r.one("command:remote:Command", "mesh-headscale-tls").inputs;
        assert.match(tls.create, /openssl req -x509 .* -days 7300 -subj '\/CN=kubestrap mesh CA'/);
        assert.match(tls.create, /subjectAltName=IP:10\.0\.0\.1/);
        assert.match(tls.create, /-days 3650 /);
        assert.strictEqual(tls.update, tls.create, "a later run renews in place: the CA stays unless it expires");
        const deps = ((r.optionsOf.get("command:remote:Command::mesh-headscale")?.dependsOn as any[]) ?? []).map((d) => d.__name);
        assert.ok(deps.includes("mesh-headscale-tls"), `Headscale starts without its certificate: ${deps}`);
        assert.strictEqual(r.one("command:remote:Command", "mesh-headscale").inputs.stdin, undefined, "no key travels: it never leaves the coordinator");
        assert.match(parse(headscaleConfigYaml({ ...headscale, tls: "managed" })).tls_cert_path, /\/etc\/headscale\/tls\.crt/);
        assert.strictEqual(await valueOf(m.ca), "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
        const join = r.one("command:remote:Command", "mesh-join-a1").inputs;
        assert.match(join.create, /mesh-ca\.pem/);
        assert.ok(Buffer.from(/echo '([^']+)' \| base64 -d.*mesh-ca\.pem/.exec(join.create)?.[1] ?? "", "base64").toString().includes("CA"), "the node is given the CA");
        const unit = Buffer.from(/echo '([^']+)' \| base64 -d.*tailscaled\.service'/.exec(join.create)![1], "base64").toString();
        assert.match(unit, /^Environment=SSL_CERT_FILE=\/etc\/kubestrap\/mesh-ca\.pem$/m, "tailscaled trusts the CA");
    });

    it("moves a joined node to a new server URL with a fresh key, as the same node, and restarts tailscaled only for a new CA or unit", () => {
        const n = { name: "a1", group: "agents" as const, version: "1.86.5", loginServer: "https://10.0.0.1:8443", ca: "PEM" };
        const update = tailscaleUpdateScript(n, "");
        assert.match(update, /if test -s '\/var\/lib\/tailscale\/kubestrap-authkey'; then\n  '\/usr\/local\/bin\/tailscale' .* up --login-server='https:\/\/10\.0\.0\.1:8443' .* --force-reauth/);
        assert.match(update, /if \[ "\$before" = "\$\(cat .*tailscaled\.service.*mesh-ca\.pem.* \| sha256sum\)" \]; then systemctl start tailscaled; else systemctl restart tailscaled; fi/);
        assert.match(update, /until v4=.*ip -4.*\n.*\ndone\necho "\$v4 \$v6"$/, "the addresses are read once tailscaled has them again");
        const managed = managedTlsScript("headscale.example.net", "", "");
        assert.match(managed, /subjectAltName=DNS:headscale\.example\.net/);
        assert.match(managed, /command -v openssl .* give mesh\.headscale\.tls/);
    });
});

describe("a k3s cluster on the mesh", () => {
    it("installs k3s after every node joined, with each node's tailnet address, and the mesh's pinned host keys", async () => {
        const r = await withMocks(false);
        r.stdoutFor = (name) => ({ "mesh-join-s1": "100.64.0.1 fd7a::1", "mesh-join-a1": "100.64.0.2 fd7a::2", "mesh-key-servers": "k1", "mesh-key-agents": "k2" } as Record<string, string>)[name];
        const m = new MeshNetwork("mesh", { ...meshArgs, nodes: meshArgs.nodes.slice(0, 2) }, { transformations: [r.track] });
        const c = new K3sCluster("k3s", {
            version: "v1.31.4+k3s1", token: "t", ha: false, hardened: false, ssh: { user: "ops", privateKey: "k", sudo: false },
            servers: [{ name: "s1", host: "10.0.0.1" }], agents: [{ name: "a1", host: "10.0.0.2" }],
            disable: [], tlsSans: [], extraServerArgs: [], extraAgentArgs: [], drainTimeoutSeconds: 60,
            mesh: { nodeIps: { s1: m.addresses.s1.apply((a) => a.ipv4), a1: m.addresses.a1.apply((a) => a.ipv4) }, hostKeys: m.hostKeys, iface: "tailscale0" },
        }, { dependsOn: m.ready, transformations: [r.track] });
        await settle(c.kubeconfig, m.keys);
        assert.deepStrictEqual((r.optionsOf.get("kubestrap:cluster:K3sCluster::k3s")!.dependsOn as any[]).map((d) => d.__name), ["mesh-join-s1", "mesh-join-a1"]);
        const configOf = (name: string) => parse(Buffer.from(/echo '([^']+)'/.exec(r.one("command:remote:Command", name).inputs.create)![1], "base64").toString());
        assert.strictEqual(configOf("k3s-a1-config")["node-ip"], "100.64.0.2");
        assert.strictEqual(configOf("k3s-a1-config").server, "https://100.64.0.1:6443");
        assert.strictEqual(configOf("k3s-s1-config")["advertise-address"], "100.64.0.1");
        assert.deepStrictEqual(configOf("k3s-s1-config")["tls-san"], ["100.64.0.1", "10.0.0.1"], "the tailnet address first, the LAN one still valid");
        assert.match(r.one("command:remote:Command", "k3s-s1-kubeconfig").inputs.create, /100\.64\.0\.1/);
        const preflight = reveal(r.one("command:remote:Command", "k3s-a1-preflight").inputs.connection);
        assert.strictEqual(preflight.hostKey, Recorder.hostKeyOf("10.0.0.2"), "k3s connects with the key the mesh pinned");
    });
});
