// The add-on registry under the real engine, with the local fixture charts in place of the real
// ones: enable, disable and re-enable an add-on, CRDs before the objects that need them, nothing
// left: in the cluster, nor in DNS (ExternalDNS's records, in a stand-in of Cloudflare's API).
import * as assert from "assert";
import { CloudflareStandin, ownershipText, StandinRecord, startCloudflareStandin } from "../cloudflare-standin";
import { E2eEnv, managedObjects, onLocalCluster } from "./harness";
import { standInChart } from "./upstream-crds";

const addonNamespaces = ["ingress-nginx", "cert-manager", "sealed-secrets", "external-dns"];
const cloudflareToken = "e2e-cloudflare-token";

/** What ExternalDNS would have written for the app's Ingress, beside records that are not its. */
const dnsRecords = (): StandinRecord[] => [
    { id: "r1", zone: "z1", type: "A", name: "tls.e2e.example.com", content: "192.0.2.10" },
    { id: "r2", zone: "z1", type: "TXT", name: "a-tls.e2e.example.com", content: ownershipText("e2e-cluster", "ingress/apps/tls") },
    { id: "r3", zone: "z1", type: "A", name: "shop.e2e.example.com", content: "192.0.2.11" },
    { id: "r4", zone: "z1", type: "TXT", name: "a-shop.e2e.example.com", content: ownershipText("another-cluster", "ingress/shop/web") },
    { id: "r5", zone: "z1", type: "MX", name: "e2e.example.com", content: "mail.example.com" },
];

function stackConfig(env: E2eEnv, sealedSecrets: boolean) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:addons": {
            "ingress-nginx": { enabled: true, serviceType: "ClusterIP", charts: { "ingress-nginx": { path: standInChart("workload", env.dir) } } },
            "cert-manager": { enabled: true, email: "e2e@example.com", charts: { "cert-manager": { path: standInChart("cert-manager", env.dir) } } },
            "sealed-secrets": { enabled: sealedSecrets, charts: { "sealed-secrets": { path: standInChart("workload", env.dir) } } },
            "external-dns": {
                enabled: true, cloudflareApiToken: { fromEnv: "E2E_CLOUDFLARE_TOKEN" }, domainFilters: ["e2e.example.com"], txtOwnerId: "e2e-cluster",
                charts: { "external-dns": { path: standInChart("workload", env.dir) } },
            },
        },
        "kubestrap:apps": [{
            name: "tls", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080,
            ingress: { host: "tls.e2e.localhost", tls: { clusterIssuer: "letsencrypt-staging" } },
        }],
    };
}

const helmReleases = async (env: E2eEnv) =>
    (await env.json("get", "secrets", "-A", "-l", "owner=helm")).items.map((s: any) => `${s.metadata.namespace}/${s.metadata.labels.name}`).sort();

describe("the add-on registry on the real engine", function () {
    this.timeout(15 * 60 * 1000);
    const env = new E2eEnv("e2e-addons", 1);
    let cloudflare: CloudflareStandin;
    before(async () => {
        cloudflare = await startCloudflareStandin(cloudflareToken, [{ id: "z1", name: "example.com" }], dnsRecords());
        env.env.E2E_CLOUDFLARE_TOKEN = cloudflareToken;
        env.env.KUBESTRAP_CLOUDFLARE_API_URL = cloudflare.url;
    });
    after(() => cloudflare?.close());

    onLocalCluster(env, () => stackConfig(env, false));

    it("previews the add-ons, CustomResources included, before their charts exist", async () => {
        const creates = (await env.previewSteps()).filter((s) => s.op === "create").map((s) => s.name);
        for (const name of ["ingress-nginx-ingress-nginx", "cert-manager-cert-manager", "cert-manager-letsencrypt-prod", "cert-manager-letsencrypt-staging"]) {
            assert.ok(creates.includes(name), `${name} is not in the preview`);
        }
        assert.ok(!creates.some((n) => n.startsWith("sealed-secrets")), "a disabled add-on is in the preview");
    });

    it("installs the charts, then the ClusterIssuers their CRD defines, then the app whose Ingress uses them", async () => {
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.deepStrictEqual(await helmReleases(env), ["cert-manager/cert-manager", "external-dns/external-dns", "ingress-nginx/ingress-nginx"]);
        const issuers = (await env.json("get", "clusterissuers")).items;
        assert.deepStrictEqual(issuers.map((i: any) => i.metadata.name).sort(), ["letsencrypt-prod", "letsencrypt-staging"]);
        assert.strictEqual(issuers[0].spec.acme.email, "e2e@example.com");
        assert.strictEqual(issuers[0].spec.acme.solvers[0].http01.ingress.ingressClassName, "nginx");
        const ingressClass = await env.json("get", "ingressclass", "nginx");
        assert.strictEqual(ingressClass.metadata.annotations["ingressclass.kubernetes.io/is-default-class"], "true");
        for (const ns of ["ingress-nginx", "cert-manager", "external-dns"]) {
            const labels = (await env.json("get", "namespace", ns)).metadata.labels;
            assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted", ns);
            const deployment = await env.json("get", "deployment", ns, "-n", ns);
            assert.strictEqual(deployment.status.readyReplicas, 1, `${ns} is not ready`);
        }
        // The app came after cert-manager: its Ingress is younger than the issuers it names.
        const ingress = await env.json("get", "ingress", "tls", "-n", "apps");
        assert.ok(Date.parse(ingress.metadata.creationTimestamp) >= Date.parse(issuers[0].metadata.creationTimestamp));
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("enables an add-on with creates only, and disables it with deletes of exactly its resources", async () => {
        env.writeConfig(stackConfig(env, true));
        const enable = (await env.previewSteps()).filter((s) => s.op !== "same");
        assert.ok(enable.length >= 3 && enable.every((s) => s.op === "create" && s.name.startsWith("sealed-secrets")), JSON.stringify(enable));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.ok((await helmReleases(env)).includes("sealed-secrets/sealed-secrets"));
        assert.strictEqual((await env.json("get", "deployment", "sealed-secrets", "-n", "sealed-secrets")).status.readyReplicas, 1);

        env.writeConfig(stackConfig(env, false));
        const disable = (await env.previewSteps()).filter((s) => s.op !== "same");
        assert.deepStrictEqual(disable.map((s) => s.op === "delete" && s.name).sort(), enable.map((s) => s.name).sort());
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.deepStrictEqual(await helmReleases(env), ["cert-manager/cert-manager", "external-dns/external-dns", "ingress-nginx/ingress-nginx"]);
        assert.strictEqual(await env.kubectl("get", "namespace", "sealed-secrets", "--ignore-not-found"), "");
    });

    it("re-enables it, and a second up changes nothing", async () => {
        env.writeConfig(stackConfig(env, true));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual((await env.json("get", "deployment", "sealed-secrets", "-n", "sealed-secrets")).status.readyReplicas, 1);
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("destroys the add-ons with nothing left behind: releases, namespaces, CRDs, issuers and ExternalDNS's records", async () => {
        // A token that may not delete one record: the destroy stops there, listing it, and keeps the cleanup to run again.
        cloudflare.refuseDeletes((r) => r.name === "tls.e2e.example.com" && r.type === "A");
        const refused = await env.pulumi("destroy", "--yes", "--skip-preview").then(() => undefined, (e) => e);
        assert.ok(refused, "destroy went through with a DNS record it could not remove");
        assert.match(refused.message, /did not remove 1 DNS record\(s\) ExternalDNS made[\s\S]*A tls\.e2e\.example\.com \(zone example\.com\): DELETE \/zones\/z1\/dns_records\/r1: HTTP 403/);
        // The engine stops at the failure (what runs beside it may be left for the next destroy).
        const left = (await env.stackResources()).map((r) => r.urn.split("::").pop());
        assert.ok(left.includes("external-dns-dns-cleanup"), "the cleanup left the state before it had run");
        assert.ok(!left.some((n: string) => ["external-dns-namespace", "external-dns-external-dns", "apps-tls-ingress"].includes(n)), left.join(", "));
        assert.strictEqual(await env.kubectl("get", "namespace", "external-dns", "--ignore-not-found"), "", "the cleanup ran before the namespace was gone");
        assert.deepStrictEqual(cloudflare.records.map((r) => r.id), ["r1", "r2", "r3", "r4", "r5"], "the claim went, or the record it claims");

        cloudflare.refuseDeletes(undefined);
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(cloudflare.records.map((r) => r.id), ["r3", "r4", "r5"], "ExternalDNS's record is left, or another's is gone");
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.deepStrictEqual(await helmReleases(env), []);
        for (const ns of addonNamespaces) {
            assert.strictEqual(await env.kubectl("get", "namespace", ns, "--ignore-not-found"), "", `namespace ${ns} is left`);
        }
        assert.strictEqual(await env.kubectl("get", "crd", "clusterissuers.cert-manager.io", "--ignore-not-found"), "");
        assert.deepStrictEqual((await env.stackResources()).length, 0);
    });
});
