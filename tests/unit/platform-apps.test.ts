// The three ways apps arrive beside WebApps (a compose file, a static site, MCP servers), composed
// by the platform from stack config: namespaces, components, ordering and warnings.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { parseConfig } from "../../config";
import { profiles } from "../../stacks/environments";
import { composePlatform } from "../../stacks/platform";
import { loadFixture } from "../config-fixtures";
import { schemaErrors } from "../k8s-schema";
import { Recorder, settle, withMocks } from "../mocks";

const fixture = path.join(__dirname, "..", "fixtures", "config", "valid", "compose-site-and-mcp.yaml");

async function compose(preview = false): Promise<Recorder> {
    const r = await withMocks(preview);
    const f = loadFixture(fixture);
    const config = parseConfig(f.values, f.sources);
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const platform = composePlatform(config, profiles[config.environment], provider, [r.track]);
    await settle(...Object.values(platform.composeApps).map((a) => a.services), ...Object.values(platform.staticSites).map((s) => s.internalUrl),
        ...Object.values(platform.mcpServers).map((m) => m.deploymentName));
    return r;
}

describe("platform composition of compose apps, static sites and MCP servers", () => {
    for (const preview of [false, true]) {
        it(`makes a namespace for each, restricted but for the compose app's, at baseline with its reason, and valid objects (preview: ${preview})`, async () => {
            const r = await compose(preview);
            const namespaces = r.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata);
            assert.deepStrictEqual(namespaces.map((n) => n.name).sort(), ["apps", "demon-jobs", "demon-system", "mcp", "shop"].filter((n) => namespaces.some((x) => x.name === n)));
            for (const [name, level] of [["apps", "restricted"], ["shop", "baseline"], ["mcp", "restricted"]]) {
                const ns = namespaces.find((n) => n.name === name);
                assert.ok(ns, `no namespace ${name}`);
                assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], level, name);
            }
            assert.match(namespaces.find((n) => n.name === "shop").annotations["kubestrap.dev/pod-security-reason"], /compose app shop: services run as Docker runs them/);
            assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
        });
    }

    it("translates the compose file: the profiled worker on, db before web, the claim sized by config", async () => {
        const r = await compose();
        const deployments = r.ofType("kubernetes:apps/v1:Deployment").map((d) => `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`).sort();
        assert.deepStrictEqual(deployments.filter((d) => d.startsWith("shop/")), ["shop/db", "shop/web", "shop/worker"]);
        const web = r.optionsOf.get("kubestrap:apps:WebApp::shop-shop-web")!;
        const after = (web.dependsOn as pulumi.Resource[]).map((d) => (d as any).__name);
        assert.ok(after.includes("shop-shop-db"), `web is not created after db (${after})`);
        assert.strictEqual(r.one("kubernetes:core/v1:PersistentVolumeClaim", "shop-shop-volume-pgdata").inputs.spec.resources.requests.storage, "5Gi");
        const ingress = r.one("kubernetes:networking.k8s.io/v1:Ingress", "shop-shop-web-ingress").inputs;
        assert.deepStrictEqual([ingress.spec.rules[0].host, ingress.spec.rules[0].http.paths[0].backend.service.port], ["shop.example.com", { name: "tcp-8000" }]);
    });

    it("serves the static site and runs the MCP server in their namespaces", async () => {
        const r = await compose();
        assert.strictEqual(r.one("kubernetes:apps/v1:Deployment", "apps-docs-deployment").inputs.metadata.namespace, "apps");
        const mcp = r.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "memory")!;
        assert.strictEqual(mcp.inputs.metadata.labels["app.kubernetes.io/component"], "mcp-server");
    });
});
