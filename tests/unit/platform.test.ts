import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { parseConfig } from "../../config";
import { profiles } from "../../stacks/environments";
import { composePlatform } from "../../stacks/platform";
import { loadFixture, stackFile } from "../config-fixtures";
import { schemaErrors } from "../k8s-schema";
import { Recorder, settle, withMocks } from "../mocks";

async function composeStack(stack: string, preview = false): Promise<Recorder> {
    const r = await withMocks(preview);
    // prod's Cloudflare Tunnel asks Cloudflare for the connector's token.
    r.invokes.set("cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken", () => ({ token: "tunnel-token" }));
    const fixture = loadFixture(stackFile(stack));
    const config = parseConfig(fixture.values, { ...fixture.sources, env: { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k" } });
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const platform = composePlatform(config, profiles[config.environment], provider);
    await settle(...[platform.demon!.uiUrl, ...Object.values(platform.apps).map((a) => a.internalUrl)]);
    return r;
}

describe("platform composition", () => {
    for (const preview of [false, true]) {
        it(`composes the dev stack through the cluster provider (preview: ${preview})`, async () => {
            const r = await composeStack("dev", preview);
            const objects = r.kubernetesObjects();
            assert.ok(objects.some((o) => o.name === "demon-nats"));
            assert.ok(objects.some((o) => o.name === "apps-hello-deployment"));
            for (const o of objects) {
                assert.ok(o.provider?.includes("pulumi:providers:kubernetes::cluster"), `${o.name} does not use the cluster provider`);
            }
        });
    }

    it("reads the API server's endpoints from the cluster's kubernetes EndpointSlice, through the cluster provider", async () => {
        const r = await composeStack("dev");
        assert.deepStrictEqual(r.reads.map((x) => [x.type, x.provider?.includes("::cluster")]), [["kubernetes:discovery.k8s.io/v1:EndpointSlice", true]]);
        const policy = r.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "demon-runtime-api-egress").inputs;
        const published = Recorder.apiServerSlice.endpoints.map((e) => ({ ipBlock: { cidr: `${e.addresses[0]}/32` } }));
        assert.deepStrictEqual(policy.spec.egress, [{ to: published, ports: [{ protocol: "TCP", port: Recorder.apiServerSlice.ports[0].port }] }]);
    });

    it("applies the dev profile: one replica, small volumes, nothing protected", async () => {
        const r = await composeStack("dev");
        const sts = r.one("kubernetes:apps/v1:StatefulSet", "demon-nats").inputs;
        assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi");
        assert.strictEqual(r.one("kubernetes:apps/v1:Deployment", "demon-engine").inputs.spec.replicas, 1);
    });

    it("applies the prod profile: HA replicas, config sizes win, autoscaled apps", async () => {
        const r = await composeStack("prod");
        const sts = r.one("kubernetes:apps/v1:StatefulSet", "demon-nats").inputs;
        assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
        assert.strictEqual(r.one("kubernetes:apps/v1:Deployment", "demon-engine").inputs.spec.replicas, 2);
        assert.strictEqual(r.one("kubernetes:apps/v1:Deployment", "apps-www-deployment").inputs.spec.replicas, undefined);
        assert.strictEqual(r.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 1);
    });

    it("creates each app namespace once, restricted", async () => {
        const r = await composeStack("dev");
        const ns = r.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata);
        assert.deepStrictEqual(ns.map((n) => n.name).sort(), ["apps", "demon-jobs", "demon-system"]);
        for (const n of ns) {
            assert.strictEqual(n.labels["pod-security.kubernetes.io/enforce"], "restricted");
        }
    });

    it("emits a schema-valid object for everything in both stacks", async () => {
        for (const stack of ["dev", "prod"]) {
            const r = await composeStack(stack);
            assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), [], stack);
        }
    });

    it("has a schema check that does catch a mistyped field", async () => {
        const errors = await schemaErrors([{
            type: "kubernetes:apps/v1:Deployment", name: "typo",
            inputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two", selector: {}, template: {} } },
        }]);
        assert.strictEqual(errors.length, 1);
        assert.ok(errors[0].includes("replicas"), errors[0]);
    });
});

describe("platform naming", () => {
    it("names an app's Kubernetes objects after the app, and its Pulumi resources after namespace and app", async () => {
        const r = await composeStack("dev");
        const deployment = r.one("kubernetes:apps/v1:Deployment", "apps-hello-deployment").inputs;
        assert.deepStrictEqual([deployment.metadata.name, deployment.metadata.namespace], ["hello", "apps"]);
        assert.strictEqual(r.one("kubernetes:core/v1:Service", "apps-hello-service").inputs.metadata.name, "hello");
    });
});
