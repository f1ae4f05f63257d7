// The Flux add-on under the real engine and a local API server, with the controllers flux2 2.9.5's
// own CLI renders (`scripts/toolchain.sh flux`, built from its Go module): CRDs before the objects
// that need them, controllers Ready under Pod Security "restricted" (kwok runs the pods without
// pulling images), a GitRepository and Kustomization per repository, a repository's removal
// removing exactly its objects, and destroy leaving no Flux CRD.
import * as assert from "assert";
import { E2eEnv, managedObjects, onLocalCluster } from "./harness";

const repositories = [
    { name: "apps", url: "https://github.com/acme/apps", path: "./clusters/home", auth: { token: { fromEnv: "E2E_GIT_TOKEN" } } },
    { name: "site", url: "https://github.com/acme/site", tag: "v1.4.0", targetNamespace: "site", prune: false },
];

function stackConfig(env: E2eEnv, repos = repositories) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:addons": { flux: { enabled: true, repositories: repos } },
    };
}

const fluxCrds = async (env: E2eEnv) => (await env.json("get", "crds")).items.map((c: any) => c.metadata.name).filter((n: string) => n.endsWith(".fluxcd.io")).sort();

describe("the Flux add-on on the real engine and a local API server", function () {
    this.timeout(15 * 60 * 1000);
    const env = new E2eEnv("e2e-flux", 12);
    env.env.E2E_GIT_TOKEN = "e2e-git-token-value";
    onLocalCluster(env, () => stackConfig(env));

    it("installs the rendered controllers, their CRDs first, then a GitRepository and Kustomization per repository", async () => {
        const creates = (await env.previewSteps()).filter((s) => s.op === "create").map((s) => s.name);
        assert.ok(creates.includes("flux-apps-source") && creates.includes("flux-site-kustomization"), "the repositories' objects are not in the preview");
        await env.pulumi("up", "--yes", "--skip-preview");
        const crds = await fluxCrds(env);
        for (const crd of ["gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io"]) {
            assert.ok(crds.includes(crd), `${crd} is not installed (${crds})`);
        }
        const ns = (await env.json("get", "namespace", "flux-system")).metadata.labels;
        assert.strictEqual(ns["pod-security.kubernetes.io/enforce"], "restricted");
        const deployments = (await env.json("get", "deployments", "-n", "flux-system")).items;
        assert.deepStrictEqual(deployments.map((d: any) => d.metadata.name).sort(), ["helm-controller", "kustomize-controller", "source-controller"]);
        for (const d of deployments) {
            assert.strictEqual(d.status.readyReplicas, 1, `${d.metadata.name} is not Ready: its pods do not pass restricted, or did not start`);
            assert.match(d.spec.template.spec.containers[0].image, /^ghcr\.io\/fluxcd\/[a-z-]+-controller:v\d+\.\d+\.\d+$/);
        }
        const apps = await env.json("get", "gitrepositories.source.toolkit.fluxcd.io", "apps", "-n", "flux-system");
        assert.deepStrictEqual(apps.spec.ref, { branch: "main" });
        assert.deepStrictEqual(apps.spec.secretRef, { name: "apps-auth" });
        const site = await env.json("get", "kustomizations.kustomize.toolkit.fluxcd.io", "site", "-n", "flux-system");
        assert.deepStrictEqual([site.spec.sourceRef, site.spec.targetNamespace, site.spec.prune], [{ kind: "GitRepository", name: "site" }, "site", false]);
        const token = Buffer.from((await env.json("get", "secret", "apps-auth", "-n", "flux-system")).data.password, "base64").toString();
        assert.strictEqual(token, "e2e-git-token-value");
        // Created after their CRDs: the API server would have refused them otherwise; and after the controllers.
        const created = (o: any) => Date.parse(o.metadata.creationTimestamp);
        assert.ok(deployments.every((d: any) => created(apps) >= created(d)), "a GitRepository came before the controllers");
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("removes exactly a repository's objects when config drops it", async () => {
        env.writeConfig(stackConfig(env, repositories.slice(1)));
        const changes = (await env.previewSteps()).filter((s) => s.op !== "same");
        assert.deepStrictEqual(changes.map((s) => `${s.op} ${s.name}`).sort(), ["delete flux-apps-auth", "delete flux-apps-kustomization", "delete flux-apps-source"]);
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual(await env.kubectl("get", "gitrepositories.source.toolkit.fluxcd.io", "apps", "-n", "flux-system", "--ignore-not-found"), "");
        assert.strictEqual(await env.kubectl("get", "secret", "apps-auth", "-n", "flux-system", "--ignore-not-found"), "");
        assert.ok(await env.kubectl("get", "gitrepositories.source.toolkit.fluxcd.io", "site", "-n", "flux-system"));
    });

    it("destroys everything and leaves no Flux CRD", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await fluxCrds(env), []);
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.strictEqual((await env.kubectl("get", "namespace", "flux-system", "--ignore-not-found")).trim(), "");
    });
});
