// The add-on registry under the real engine, with the local fixture charts in place of the real
// ones: enable, disable and re-enable an add-on, CRDs before the objects that need them, nothing left.
import * as assert from "assert";
import { E2eEnv, managedObjects, onLocalCluster } from "./harness";
import { standInChart } from "./upstream-crds";

const addonNamespaces = ["ingress-nginx", "cert-manager", "sealed-secrets"];

function stackConfig(env: E2eEnv, sealedSecrets: boolean) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:addons": {
            "ingress-nginx": { enabled: true, serviceType: "ClusterIP", charts: { "ingress-nginx": { path: standInChart("workload", env.dir) } } },
            "cert-manager": { enabled: true, email: "e2e@example.com", charts: { "cert-manager": { path: standInChart("cert-manager", env.dir) } } },
            "sealed-secrets": { enabled: sealedSecrets, charts: { "sealed-secrets": { path: standInChart("workload", env.dir) } } },
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
        assert.deepStrictEqual(await helmReleases(env), ["cert-manager/cert-manager", "ingress-nginx/ingress-nginx"]);
        const issuers = (await env.json("get", "clusterissuers")).items;
        assert.deepStrictEqual(issuers.map((i: any) => i.metadata.name).sort(), ["letsencrypt-prod", "letsencrypt-staging"]);
        assert.strictEqual(issuers[0].spec.acme.email, "e2e@example.com");
        assert.strictEqual(issuers[0].spec.acme.solvers[0].http01.ingress.ingressClassName, "nginx");
        const ingressClass = await env.json("get", "ingressclass", "nginx");
        assert.strictEqual(ingressClass.metadata.annotations["ingressclass.kubernetes.io/is-default-class"], "true");
        for (const ns of ["ingress-nginx", "cert-manager"]) {
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
        assert.deepStrictEqual(await helmReleases(env), ["cert-manager/cert-manager", "ingress-nginx/ingress-nginx"]);
        assert.strictEqual(await env.kubectl("get", "namespace", "sealed-secrets", "--ignore-not-found"), "");
    });

    it("re-enables it, and a second up changes nothing", async () => {
        env.writeConfig(stackConfig(env, true));
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual((await env.json("get", "deployment", "sealed-secrets", "-n", "sealed-secrets")).status.readyReplicas, 1);
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("destroys the add-ons with nothing left behind: releases, namespaces, CRDs and issuers", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.deepStrictEqual(await helmReleases(env), []);
        for (const ns of addonNamespaces) {
            assert.strictEqual(await env.kubectl("get", "namespace", ns, "--ignore-not-found"), "", `namespace ${ns} is left`);
        }
        assert.strictEqual(await env.kubectl("get", "crd", "clusterissuers.cert-manager.io", "--ignore-not-found"), "");
        assert.deepStrictEqual((await env.stackResources()).length, 0);
    });
});
