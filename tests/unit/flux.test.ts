// The Flux add-on: its config (repositories, auth, image automation, the rendered controllers it
// reads) and the component under mocks, on a small stand-in for `flux install --export`
// (tests/fixtures/flux; the e2e suite uses the real rendering).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../../config";
import { defaultFluxManifests } from "../../addons/flux-config";
import { composeStack } from "../addon-stack";
import { schemaErrors } from "../k8s-schema";
import { isSecretValue, reveal } from "../mocks";

const fixtures = path.join(__dirname, "..", "fixtures", "flux");
const install = fs.readFileSync(path.join(fixtures, "install.yaml"), "utf8");
const withImages = `${install}\n---\n${fs.readFileSync(path.join(fixtures, "image-crds.yaml"), "utf8")}`;
const files: Record<string, string> = { "/flux/install.yaml": install, "/flux/with-images.yaml": withImages };
const knownHosts = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

function config(flux: Record<string, unknown>, env: Record<string, string> = {}) {
    return parseConfig({
        "kubestrap:cluster": JSON.stringify({ target: "kubeconfig", kubeconfig: "/k" }),
        "kubestrap:addons": JSON.stringify({ flux: { enabled: true, manifests: "/flux/install.yaml", ...flux } }),
    }, {
        env: { DEPLOY_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----", GH_TOKEN: "ghp_token", ...env },
        readFile: (f) => {
            if (!(f in files)) throw Object.assign(new Error(`ENOENT: ${f}`), { code: "ENOENT" });
            return files[f];
        },
        baseDir: "/",
    });
}
const problems = (flux: Record<string, unknown>, env: Record<string, string> = {}) => {
    try {
        config(flux, env);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
};

const apps = { name: "apps", url: "ssh://git@github.com/acme/apps", path: "./clusters/home", auth: { sshKey: { fromEnv: "DEPLOY_KEY" }, knownHosts } };
const site = {
    name: "site", url: "https://github.com/acme/site", branch: "release", interval: "1m", prune: false, targetNamespace: "site",
    auth: { token: { fromEnv: "GH_TOKEN" } },
    images: [{ name: "web", image: "ghcr.io/acme/site", semver: ">=1.0.0 <2.0.0" }],
    imageUpdates: { pushBranch: "flux-updates" },
};

describe("the Flux add-on's config", () => {
    it("reads the rendered controllers and resolves each repository: ref, path, interval, auth", () => {
        const flux = config({ repositories: [apps, { name: "docs", url: "https://github.com/acme/docs", tag: "v1.2.0" }] }).addons.settings.flux.resolved!;
        assert.strictEqual(flux.manifests, "/flux/install.yaml");
        assert.deepStrictEqual(flux.objects.map((o) => o.kind).slice(0, 3), ["Namespace", "CustomResourceDefinition", "CustomResourceDefinition"]);
        const [a, docs] = flux.repositories;
        assert.deepStrictEqual([a.ref, a.path, a.interval, a.prune], [{ branch: "main" }, "./clusters/home", "5m", true]);
        assert.deepStrictEqual(docs.ref, { tag: "v1.2.0" });
        assert.ok(a.auth && "sshKey" in a.auth && a.auth.knownHosts === knownHosts);
    });

    it("defaults to the controllers scripts/toolchain.sh flux renders into the cache", () => {
        assert.strictEqual(defaultFluxManifests({ KUBESTRAP_CACHE: "/c" }), "/c/flux/flux-2.9.5/install.yaml");
        assert.strictEqual(defaultFluxManifests({ XDG_CACHE_HOME: "/x" }), "/x/kubestrap/flux/flux-2.9.5/install.yaml");
        assert.deepStrictEqual(problems({ manifests: undefined }, { KUBESTRAP_CACHE: "/nowhere" }), [
            "kubestrap:addons.flux.manifests: Flux 2.9.5's controllers are not rendered yet (/nowhere/flux/flux-2.9.5/install.yaml); run `npm run toolchain -- flux`, or set manifests to a `flux install --export` output",
        ]);
    });

    it("names each mistake before anything is touched", () => {
        assert.deepStrictEqual(problems({
            manifests: "/flux/missing.yaml",
            repositories: [
                { name: "a", url: "https://github.com/acme/a", branch: "main", tag: "v1" },
                { name: "a", url: "git@github.com:acme/a.git" },
                { name: "b", url: "https://github.com/acme/b", auth: { sshKey: { fromEnv: "DEPLOY_KEY" }, knownHosts } },
                { name: "c", url: "ssh://git@github.com/acme/c", auth: { token: { fromEnv: "GH_TOKEN" } } },
                { name: "d", url: "https://github.com/acme/d", images: [{ name: "x", image: "ghcr.io/acme/x", semver: "1.x" }], imageUpdates: {} },
                { name: "e", url: "https://github.com/acme/e", interval: "5 minutes", images: [{ name: "x", image: "ghcr.io/acme/x:1.0", semver: "1.x" }] },
            ],
        }), [
            'kubestrap:addons.flux.repositories[1].url: is not a URL Flux can clone; use https://host/owner/repo or ssh://git@host/owner/repo',
            'kubestrap:addons.flux.repositories[5].interval: is not a Go duration; write it like "30s", "5m" or "1h"',
            "kubestrap:addons.flux.repositories[5].images[0].image: is not an image repository without a tag, like ghcr.io/owner/app",
        ]);
        assert.deepStrictEqual(problems({
            manifests: "/flux/missing.yaml",
            repositories: [
                { name: "a", url: "https://github.com/acme/a", branch: "main", tag: "v1" },
                { name: "a", url: "https://github.com/acme/a2" },
                { name: "b", url: "https://github.com/acme/b", auth: { sshKey: { fromEnv: "DEPLOY_KEY" }, knownHosts } },
                { name: "c", url: "ssh://git@github.com/acme/c", auth: { token: { fromEnv: "GH_TOKEN" } } },
                { name: "d", url: "https://github.com/acme/d", imageUpdates: {} },
            ],
        }), [
            "kubestrap:addons.flux.manifests: cannot read /flux/missing.yaml; fix the path (it is relative to the project directory) or render it with `flux install --export > /flux/missing.yaml`",
            "kubestrap:addons.flux.repositories[0]: follows branch and tag; give one of branch, tag or semver",
            'kubestrap:addons.flux.repositories[1].name: "a" is already used by an earlier repository; names are unique',
            "kubestrap:addons.flux.repositories[2].auth: an SSH key needs an ssh:// URL (https://github.com/acme/b)",
            "kubestrap:addons.flux.repositories[3].auth: a token needs an https:// URL (ssh://git@github.com/acme/c)",
            "kubestrap:addons.flux.repositories[4].imageUpdates: there are no images to update; list them under images",
            "kubestrap:addons.flux.repositories[4].imageUpdates: Flux pushes its commits, which needs auth with write access; set auth",
        ]);
    });

    it("asks for controllers with image automation when a repository lists images", () => {
        assert.deepStrictEqual(problems({ repositories: [site] }), [
            "kubestrap:addons.flux.repositories[0].images: /flux/install.yaml has no image automation (imagerepositories.image.toolkit.fluxcd.io, imagepolicies.image.toolkit.fluxcd.io, imageupdateautomations.image.toolkit.fluxcd.io); " +
            "render it with `flux install --components-extra=image-reflector-controller,image-automation-controller --export` and set manifests to it",
        ]);
        assert.deepStrictEqual(problems({ manifests: "/flux/with-images.yaml", repositories: [site] }), []);
    });
});

describe("the Flux add-on", () => {
    it("creates the rendered controllers as typed, schema-valid objects labelled as kubestrap's, in a restricted namespace", async () => {
        const { r } = await composeStack(config({ repositories: [apps] }));
        const ns = r.one("kubernetes:core/v1:Namespace", "flux-namespace").inputs.metadata;
        assert.strictEqual(ns.name, "flux-system");
        assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(ns.labels["app.kubernetes.io/part-of"], "flux", "Flux's own labels are kept");
        for (const [type, name] of [
            ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "flux-customresourcedefinition-gitrepositories.source.toolkit.fluxcd.io"],
            ["kubernetes:apps/v1:Deployment", "flux-deployment-flux-system-source-controller"],
            ["kubernetes:core/v1:ServiceAccount", "flux-serviceaccount-flux-system-source-controller"],
            ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "flux-clusterrolebinding-cluster-reconciler-flux-system"],
            ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "flux-networkpolicy-flux-system-allow-egress"],
            ["kubernetes:core/v1:ResourceQuota", "flux-resourcequota-flux-system-critical-pods-flux-system"],
        ]) {
            assert.strictEqual(r.one(type, name).inputs.metadata.labels["app.kubernetes.io/managed-by"], "kubestrap", name);
        }
        assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
    });

    it("makes a GitRepository and a Kustomization per repository, with its deploy key in a Secret", async () => {
        const { r } = await composeStack(config({ repositories: [apps] }));
        const source = r.one("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "flux-apps-source").inputs;
        assert.deepStrictEqual(source.metadata.namespace, "flux-system");
        assert.deepStrictEqual(source.spec, { url: apps.url, interval: "5m", ref: { branch: "main" }, secretRef: { name: "apps-auth" } });
        const kustomization = r.one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "flux-apps-kustomization").inputs;
        assert.deepStrictEqual(kustomization.spec, { interval: "5m", path: "./clusters/home", prune: true, sourceRef: { kind: "GitRepository", name: "apps" } });
        const secret = r.one("kubernetes:core/v1:Secret", "flux-apps-auth").inputs;
        assert.ok(isSecretValue(secret.stringData));
        assert.deepStrictEqual(Object.keys(reveal(secret.stringData)).sort(), ["identity", "known_hosts"]);
        assert.deepStrictEqual(r.ofType("kubernetes:image.toolkit.fluxcd.io/v1:ImageRepository"), []);
    });

    it("creates what needs Flux's CRDs after them and the controllers", async () => {
        const deps: Record<string, string[]> = {};
        const record: pulumi.ResourceTransformation = (args) => {
            deps[args.name] = ((args.opts.dependsOn ?? []) as pulumi.Resource[]).map((d: any) => d.__name);
            return undefined;
        };
        const c = config({ repositories: [apps] });
        const { r } = await composeStack(c, [record]);
        assert.ok(r.resources.length > 0);
        for (const cr of ["flux-apps-source", "flux-apps-kustomization", "flux-apps-auth"]) {
            assert.ok(deps[cr].includes("flux-customresourcedefinition-kustomizations.kustomize.toolkit.fluxcd.io"), `${cr} does not wait for the CRDs`);
            assert.ok(deps[cr].includes("flux-deployment-flux-system-source-controller"), `${cr} does not wait for the controllers`);
        }
        assert.ok(deps["flux-deployment-flux-system-source-controller"].includes("flux-namespace"));
    });

    it("adds image automation: an ImageRepository and ImagePolicy per image, and commits to the push branch", async () => {
        const { r } = await composeStack(config({ manifests: "/flux/with-images.yaml", repositories: [site] }));
        const repo = r.one("kubernetes:image.toolkit.fluxcd.io/v1:ImageRepository", "flux-site-image-web").inputs;
        assert.deepStrictEqual([repo.metadata.name, repo.spec], ["site-web", { image: "ghcr.io/acme/site", interval: "5m" }]);
        const policy = r.one("kubernetes:image.toolkit.fluxcd.io/v1:ImagePolicy", "flux-site-image-policy-web").inputs;
        assert.deepStrictEqual(policy.spec, { imageRepositoryRef: { name: "site-web" }, policy: { semver: { range: ">=1.0.0 <2.0.0" } } });
        const update = r.one("kubernetes:image.toolkit.fluxcd.io/v1:ImageUpdateAutomation", "flux-site-image-updates").inputs.spec;
        assert.deepStrictEqual(update.git.checkout, { ref: { branch: "release" } });
        assert.deepStrictEqual(update.git.push, { branch: "flux-updates" });
        assert.deepStrictEqual(update.update, { path: "./", strategy: "Setters" });
        const kustomization = r.one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "flux-site-kustomization").inputs.spec;
        assert.deepStrictEqual([kustomization.prune, kustomization.targetNamespace, kustomization.interval], [false, "site", "1m"]);
        const secret = reveal(r.one("kubernetes:core/v1:Secret", "flux-site-auth").inputs.stringData);
        assert.deepStrictEqual(secret, { username: "git", password: "ghp_token" });
    });
});
