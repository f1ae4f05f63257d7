import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { parseConfig } from "../../config";
import { catchAll } from "../../cloudflare/cloudflare-tunnel";
import { cloudflareEdgeCidrs } from "../../cloudflare/cloudflared";
import { profiles } from "../../stacks/environments";
import { composePlatform } from "../../stacks/platform";
import { durationText } from "../../core/duration";
import { toConfigValues } from "../config-fixtures";
import { schemaErrors } from "../k8s-schema";
import { isSecretValue, Recorder, reveal, settle, valueOf, withMocks } from "../mocks";

const tokenInvoke = "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken";
const account = "0123456789abcdef0123456789abcdef";
const zone = "fedcba9876543210fedcba9876543210";

const apps = [
    { name: "web", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080 },
    { name: "api", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 9000 },
];

function tunnelConfig(tunnel: Record<string, unknown>) {
    return toConfigValues({
        "kubestrap:apps": apps,
        "kubestrap:cloudflare": { accountId: account, zoneId: zone, zone: "example.com", tunnel },
        ...(tunnel.token ? { "kubestrap:cfToken": "dashboard-token" } : {}),
    }).values;
}

const routes = {
    ingress: [
        { hostname: "www.example.com", app: "web" },
        { hostname: "www.example.com", path: "/api", app: "apps/api" },
        { hostname: "grafana.example.com", service: "http://grafana.observability.svc.cluster.local", targetPort: 3000, origin: { connectTimeout: 10 } },
    ],
    access: [{ hostname: "grafana.example.com", sessionDuration: "8h", allow: { emailDomains: ["example.com"], emails: ["oncall@partner.org"], groups: ["g-admins"] } }],
};

async function compose(tunnel: Record<string, unknown>, preview = false): Promise<Recorder> {
    const r = await withMocks(preview);
    r.invokes.set(tokenInvoke, (inputs) => ({ accountId: inputs.accountId, tunnelId: inputs.tunnelId, token: `connector-token-of-${inputs.tunnelId}` }));
    const config = parseConfig(tunnelConfig(tunnel), { env: {}, baseDir: ".", readFile: () => "" });
    const platform = composePlatform(config, profiles.dev, new k8s.Provider("cluster", { kubeconfig: "{}" }), [r.track]);
    await settle(platform.tunnel!.connector.deploymentName, ...Object.values(platform.apps).map((a) => a.internalUrl));
    return r;
}

const policyNamed = (r: Recorder, name: string) => r.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", name).inputs.spec;

describe("CloudflareTunnel", () => {
    it("makes the tunnel with a RandomBytes secret, its routes in order with the catch-all last", async () => {
        const r = await compose(routes);
        const secret = r.one("random:index/randomBytes:RandomBytes", "cloudflare-secret");
        assert.strictEqual(secret.inputs.length, 32, "Cloudflare asks for at least 32 bytes");
        const tunnel = r.one("cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared", "cloudflare-tunnel").inputs;
        assert.deepStrictEqual([tunnel.accountId, tunnel.name, tunnel.configSrc], [account, "kubestrap-test", "cloudflare"]);
        assert.strictEqual(reveal(tunnel.tunnelSecret), Buffer.from("random-bytes-of-cloudflare-secret").toString("base64"));
        assert.ok(isSecretValue(tunnel.tunnelSecret), "the tunnel secret reaches Cloudflare's provider as a secret, so the state keeps it encrypted");
        const rules = r.one("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", "cloudflare-config").inputs;
        assert.strictEqual(rules.tunnelId, "cloudflare-tunnel-id");
        assert.deepStrictEqual(rules.config.ingresses, [
            { hostname: "www.example.com", service: "http://web.apps.svc.cluster.local" },
            { hostname: "www.example.com", path: "/api", service: "http://api.apps.svc.cluster.local" },
            { hostname: "grafana.example.com", service: "http://grafana.observability.svc.cluster.local", originRequest: { connectTimeout: 10 } },
            catchAll,
        ]);
    });

    it("points one proxied CNAME per hostname at the tunnel", async () => {
        const r = await compose(routes);
        const records = r.ofType("cloudflare:index/dnsRecord:DnsRecord").map((d) => d.inputs);
        assert.deepStrictEqual(records.map((d) => [d.zoneId, d.name, d.type, d.content, d.proxied, d.ttl]), [
            [zone, "www.example.com", "CNAME", "cloudflare-tunnel-id.cfargotunnel.com", true, 1],
            [zone, "grafana.example.com", "CNAME", "cloudflare-tunnel-id.cfargotunnel.com", true, 1],
        ]);
    });

    it("puts an Access application with an allow policy in front of the admin UI", async () => {
        const r = await compose(routes);
        const policy = r.one("cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy", "cloudflare-access-grafana.example.com").inputs;
        assert.strictEqual(policy.decision, "allow");
        assert.deepStrictEqual(policy.includes, [{ emailDomain: { domain: "example.com" } }, { email: { email: "oncall@partner.org" } }, { group: { id: "g-admins" } }]);
        const app = r.one("cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication", "cloudflare-app-grafana.example.com").inputs;
        assert.deepStrictEqual([app.domain, app.type, app.sessionDuration, app.policies], ["grafana.example.com", "self_hosted", "8h", [{ id: "cloudflare-access-grafana.example.com-id", precedence: 1 }]]);
        assert.strictEqual(durationText(90 * 60), "90m");
    });

    it("runs cloudflared with the connector token from a Secret, never in plain text", async () => {
        const r = await compose(routes);
        assert.deepStrictEqual(r.calls.map((c) => [c.token, c.inputs.tunnelId]), [[tokenInvoke, "cloudflare-tunnel-id"]]);
        const secret = r.one("kubernetes:core/v1:Secret", "cloudflare-cloudflared-token").inputs;
        assert.ok(isSecretValue(secret.stringData) || isSecretValue(secret.stringData.token), "the token is not secret");
        assert.strictEqual(reveal(secret.stringData).token, "connector-token-of-cloudflare-tunnel-id");
        const pod = r.one("kubernetes:apps/v1:Deployment", "cloudflare-cloudflared-deployment").inputs.spec;
        assert.strictEqual(pod.replicas, 2);
        const c = pod.template.spec.containers[0];
        assert.ok(!JSON.stringify(reveal(pod)).includes("connector-token"), "the token is in the pod spec");
        assert.deepStrictEqual(c.env, [{ name: "TUNNEL_TOKEN", valueFrom: { secretKeyRef: { name: "cloudflared-token", key: "token" } } }]);
        assert.deepStrictEqual(c.args, ["tunnel", "--no-autoupdate", "--metrics", "0.0.0.0:2000", "run"]);
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/ready", port: "metrics" });
        assert.deepStrictEqual([c.securityContext.allowPrivilegeEscalation, c.securityContext.readOnlyRootFilesystem, c.securityContext.capabilities.drop],
            [false, true, ["ALL"]]);
        assert.deepStrictEqual([pod.template.spec.securityContext.runAsNonRoot, pod.template.spec.securityContext.seccompProfile.type], [true, "RuntimeDefault"]);
        assert.ok(/^cloudflare\/cloudflared:\d{4}\.\d+\.\d+$/.test(c.image), `image ${c.image} is not pinned`);
        const ns = r.one("kubernetes:core/v1:Namespace", "cloudflare-cloudflared-namespace").inputs.metadata;
        assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const pdb = r.one("kubernetes:policy/v1:PodDisruptionBudget", "cloudflare-cloudflared-pdb").inputs.spec;
        assert.strictEqual(pdb.minAvailable, 1);
        assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
    });

    it("lets cloudflared reach only DNS, Cloudflare's edge on 7844 and 443, and the pods it fronts", async () => {
        const r = await compose(routes);
        assert.deepStrictEqual(policyNamed(r, "cloudflare-cloudflared-default-deny"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const [dns, edge, ...targets] = policyNamed(r, "cloudflare-cloudflared-egress").egress;
        assert.deepStrictEqual(dns.ports.map((p: any) => p.port), [53, 53]);
        assert.deepStrictEqual(edge.to.map((t: any) => t.ipBlock.cidr), cloudflareEdgeCidrs);
        assert.ok(edge.to.some((t: any) => t.ipBlock.cidr === "198.41.128.0/17"), "the tunnel edge (198.41.192.0/24, 198.41.200.0/24) is not covered");
        assert.deepStrictEqual(edge.ports, [{ protocol: "TCP", port: 7844 }, { protocol: "UDP", port: 7844 }, { protocol: "TCP", port: 443 }]);
        assert.deepStrictEqual(targets.map((t: any) => [t.to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"], t.to[0].podSelector?.matchLabels["app.kubernetes.io/name"], t.ports.map((p: any) => p.port)]), [
            ["apps", "web", [8080]], ["apps", "api", [9000]], ["observability", undefined, [3000]],
        ]);
    });

    it("admits cloudflared into the apps it fronts, and no one else new", async () => {
        const r = await compose(routes);
        const from = policyNamed(r, "apps-web-network-policy").ingress[0].from.map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
        assert.ok(from.includes("cloudflared"), `web admits ${from}`);
        const plain = await compose({ ingress: [{ hostname: "www.example.com", app: "web" }] });
        const apiCallers = (policyNamed(plain, "apps-api-network-policy").ingress ?? []).flatMap((rule: any) => rule.from)
            .map((f: any) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"]);
        assert.ok(!apiCallers.includes("cloudflared"), `api, which the tunnel does not front, admits ${apiCallers}`);
    });

    it("runs only cloudflared, with the given token, for a tunnel made elsewhere", async () => {
        const r = await compose({ token: { fromConfig: "cfToken" }, replicas: 3, ingress: [{ hostname: "www.example.com", app: "web" }] });
        assert.deepStrictEqual(r.resources.filter((x) => x.type.startsWith("cloudflare:") || x.type.startsWith("random:")), []);
        assert.deepStrictEqual(r.calls, []);
        assert.strictEqual(reveal(r.one("kubernetes:core/v1:Secret", "cloudflare-cloudflared-token").inputs.stringData).token, "dashboard-token");
        assert.strictEqual(r.one("kubernetes:policy/v1:PodDisruptionBudget", "cloudflare-cloudflared-pdb").inputs.spec.minAvailable, 2);
    });

    it("puts the Cloudflare resources under CloudflareTunnel and the in-cluster ones under its Cloudflared", async () => {
        const r = await compose(routes);
        for (const x of r.resources.filter((x) => /^(cloudflare|random):/.test(x.type))) {
            assert.strictEqual(r.ancestry.get(`${x.type}::${x.name}`), "kubestrap:cloudflare:CloudflareTunnel::cloudflare", x.name);
        }
        for (const x of r.kubernetesObjects().filter((x) => x.name.startsWith("cloudflare-"))) {
            assert.strictEqual(r.ancestry.get(`${x.type}::${x.name}`), "kubestrap:cloudflare:Cloudflared::cloudflare-cloudflared", x.name);
        }
        assert.strictEqual(r.ancestry.get("kubestrap:cloudflare:Cloudflared::cloudflare-cloudflared"), "kubestrap:cloudflare:CloudflareTunnel::cloudflare");
    });

    it("previews with the tunnel id and token unknown", async () => {
        const r = await compose(routes, true);
        const deployment = r.one("kubernetes:apps/v1:Deployment", "cloudflare-cloudflared-deployment");
        assert.ok(deployment, "cloudflared is not in the preview");
        assert.ok(await valueOf(r.ofType("cloudflare:index/dnsRecord:DnsRecord").length as any) === 2);
    });
});
