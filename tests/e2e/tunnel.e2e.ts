// cloudflared in the cluster under the real engine and a local API server: a tunnel made
// elsewhere (token mode, so no Cloudflare API is needed) fronting an app. Its Namespace,
// Secret, Deployment, PodDisruptionBudget and NetworkPolicies are created, left alone by a
// second up, and destroyed with nothing left. The Cloudflare side is tested under mocks.
import * as assert from "assert";
import { E2eEnv, managedObjects, onLocalCluster } from "./harness";

const connectorToken = "e2e-cloudflared-connector-token";

function stackConfig(env: E2eEnv) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:apps": [{ name: "web", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080 }],
        "kubestrap:cloudflare": {
            tunnel: {
                token: { fromEnv: "E2E_TUNNEL_TOKEN" },
                ingress: [
                    { hostname: "www.example.com", app: "web" },
                    { hostname: "grafana.example.com", service: "http://kube-prometheus-stack-grafana.monitoring.svc.cluster.local", targetPort: 3000 },
                ],
            },
        },
    };
}

describe("cloudflared on the real engine and a local API server", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-tunnel", 6);

    env.env.E2E_TUNNEL_TOKEN = connectorToken;
    onLocalCluster(env, () => stackConfig(env));

    it("deploys cloudflared: 2 ready replicas, its PDB, its policies, the token only in its Secret", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        const deployment = await env.json("get", "deployment", "cloudflared", "-n", "cloudflared");
        assert.strictEqual(deployment.status.readyReplicas, 2);
        assert.deepStrictEqual(deployment.spec.template.spec.containers[0].env, [{ name: "TUNNEL_TOKEN", valueFrom: { secretKeyRef: { name: "cloudflared-token", key: "token" } } }]);
        const secret = await env.json("get", "secret", "cloudflared-token", "-n", "cloudflared");
        assert.strictEqual(Buffer.from(secret.data.token, "base64").toString(), connectorToken);
        assert.strictEqual((await env.json("get", "pdb", "cloudflared", "-n", "cloudflared")).spec.minAvailable, 1);
        const ns = await env.json("get", "namespace", "cloudflared");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const policies = (await env.json("get", "networkpolicy", "-n", "cloudflared")).items.map((p: any) => p.metadata.name).sort();
        assert.deepStrictEqual(policies, ["cloudflared-default-deny", "cloudflared-egress", "cloudflared-metrics"]);
        const webIngress = await env.json("get", "networkpolicy", "web-network-policy", "-n", "apps");
        assert.ok(webIngress.spec.ingress[0].from.some((f: any) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "cloudflared"), "web does not admit cloudflared");
        const state = (await env.pulumi("stack", "export")).stdout;
        assert.ok(!state.includes(connectorToken), "the connector token is in the state in plain text");
    });

    it("changes nothing on a second up", async () => {
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("destroys cloudflared and leaves nothing", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.strictEqual((await env.kubectl("get", "namespace", "cloudflared", "--ignore-not-found")).trim(), "");
    });
});
