// The Flux add-on under the real engine and a local API server, with the controllers flux2 2.9.5's
// own CLI renders (`scripts/toolchain.sh flux`, built from its Go module): CRDs before the objects
// that need them, controllers Ready under Pod Security "restricted" (kwok runs the pods without
// pulling images), a GitRepository and Kustomization per repository, a repository's removal
// removing exactly its objects, and destroy leaving no Flux CRD.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { E2eEnv, managedObjects, onLocalCluster } from "./harness";

const repositories: Record<string, unknown>[] = [
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

/** `actual` with only the keys `sent` has, at every depth: what the API server kept of what was sent (defaults aside). */
const keptOf = (actual: any, sent: any): any => (sent && typeof sent === "object" && !Array.isArray(sent)
    ? Object.fromEntries(Object.keys(sent).map((k) => [k, keptOf(actual?.[k], sent[k])])) : actual);

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

    it("adds image automation that the image APIs' own CRDs accept as sent", async () => {
        // install.yaml plus the image CRDs controller-gen makes from the controllers' api modules
        // (scripts/toolchain.sh test-tools); the image controllers themselves cannot be rendered offline.
        const flux = (await env.sh(path.join(__dirname, "..", "..", "scripts", "toolchain.sh"), ["flux"])).stdout.trim();
        const manifests = path.join(env.dir, "flux-with-images.yaml");
        fs.writeFileSync(manifests, `${fs.readFileSync(path.join(flux, "install.yaml"), "utf8")}\n---\n${fs.readFileSync(path.join(flux, "image-crds.yaml"), "utf8")}`);
        const site = {
            name: "web", url: "https://github.com/acme/web", branch: "release", path: "./clusters/home", auth: { token: { fromEnv: "E2E_GIT_TOKEN" } },
            images: [{ name: "frontend", image: "ghcr.io/acme/frontend", semver: ">=1.0.0 <2.0.0" }],
            imageUpdates: { pushBranch: "flux-image-updates", author: { name: "kubestrap-bot", email: "bot@example.com" } },
        };
        const config = stackConfig(env, [repositories[1], site]);
        (config["kubestrap:addons"].flux as Record<string, unknown>).manifests = manifests;
        env.writeConfig(config);
        await env.pulumi("up", "--yes", "--skip-preview");
        const get = (kind: string, name: string) => env.json("get", `${kind}.image.toolkit.fluxcd.io`, name, "-n", "flux-system");
        // Kept as sent (the schemas add their defaults): a field they did not know would have been pruned.
        const kept = async (kind: string, name: string, sent: any) => assert.deepStrictEqual(keptOf((await get(kind, name)).spec, sent), sent, `${kind}/${name}`);
        await kept("imagerepositories", "web-frontend", { image: "ghcr.io/acme/frontend", interval: "5m" });
        await kept("imagepolicies", "web-frontend", { imageRepositoryRef: { name: "web-frontend" }, policy: { semver: { range: ">=1.0.0 <2.0.0" } } });
        await kept("imageupdateautomations", "web", {
            interval: "30m",
            sourceRef: { kind: "GitRepository", name: "web" },
            git: {
                checkout: { ref: { branch: "release" } },
                commit: { author: { name: "kubestrap-bot", email: "bot@example.com" }, messageTemplate: "Update images to the newest tags their policies allow" },
                push: { branch: "flux-image-updates" },
            },
            update: { path: "./clusters/home", strategy: "Setters" },
        });
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("destroys everything and leaves no Flux CRD", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await fluxCrds(env), []);
        assert.deepStrictEqual(await managedObjects(env), []);
        assert.strictEqual((await env.kubectl("get", "namespace", "flux-system", "--ignore-not-found")).trim(), "");
    });
});
