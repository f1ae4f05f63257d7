// The policy pack's rules (policy/rules.ts), each on a good and a bad object, then over every
// object the dev, prod and example stacks compose under mocks: kubestrap keeps its own bar.
import * as assert from "assert";
import * as rules from "../../policy/rules";
import { reveal, settle, withMocks } from "../mocks";
import { renderedStacks, renderStack } from "../rendered-stacks";

const good = {
    kind: "Deployment",
    metadata: { name: "web", namespace: "apps", labels: { "app.kubernetes.io/managed-by": "kubestrap", app: "web" } },
    spec: {
        replicas: 1,
        template: {
            metadata: { labels: { app: "web" } },
            spec: {
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{
                    name: "web", image: "ghcr.io/acme/web:1.2.3",
                    env: [{ name: "MODE", value: "prod" }, { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "web", key: "API_TOKEN" } } }],
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                    livenessProbe: { tcpSocket: { port: 8080 } }, readinessProbe: { tcpSocket: { port: 8080 } },
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                }],
            },
        },
    },
};
const withContainer = (change: Record<string, unknown>, annotations?: Record<string, string>) => {
    const o = JSON.parse(JSON.stringify(good));
    Object.assign(o.spec.template.spec.containers[0], change);
    if (annotations) o.spec.template.metadata.annotations = annotations;
    return o;
};

describe("the policy pack's rules", () => {
    it("pinned-images: a version tag or a digest, never latest or none", () => {
        assert.deepStrictEqual(rules.pinnedImages(good), []);
        assert.deepStrictEqual(rules.pinnedImages(withContainer({ image: "redis@sha256:" + "a".repeat(64) })), []);
        assert.deepStrictEqual(rules.pinnedImages(withContainer({ image: "redis:latest" })), ['container web: image "redis:latest" is not pinned; give it a version tag (not latest) or a digest']);
        assert.strictEqual(rules.pinnedImages(withContainer({ image: "localhost:5000/redis" })).length, 1, "a registry port is not a tag");
    });

    it("container-resources: requests and limits for CPU and memory", () => {
        assert.deepStrictEqual(rules.containerResources(good), []);
        assert.deepStrictEqual(rules.containerResources(withContainer({ resources: { requests: { cpu: "1", memory: "1Gi" } } })), [
            "container web: no limits.cpu; set resources in the app's config (or the environment's defaults)",
            "container web: no limits.memory; set resources in the app's config (or the environment's defaults)",
        ]);
    });

    it("container-probes: both probes, unless the app's config says it has none", () => {
        assert.deepStrictEqual(rules.containerProbes(good), []);
        const bare = withContainer({ livenessProbe: undefined, readinessProbe: undefined });
        assert.strictEqual(rules.containerProbes(bare).length, 2);
        assert.deepStrictEqual(rules.containerProbes({ ...bare, spec: { ...bare.spec, template: { ...bare.spec.template, metadata: { annotations: { "kubestrap.dev/loosened": "probes" } } } } }), []);
        assert.deepStrictEqual(rules.containerProbes({ ...bare, kind: "Job" }), [], "a Job runs to completion: no probes");
    });

    it("restricted-containers: each setting, unless the config loosened that one", () => {
        assert.deepStrictEqual(rules.containerSecurity(good), []);
        const writable = withContainer({ securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } } });
        assert.deepStrictEqual(rules.containerSecurity(writable), [
            "container web: the root filesystem is writable; set readOnlyRootFilesystem and mount writable paths as volumes",
            "container web: adds capabilities NET_ADMIN its config does not name",
        ]);
        const allowed = withContainer(writable.spec.template.spec.containers[0], { "kubestrap.dev/loosened": "readOnlyRootFilesystem,capabilities" });
        assert.deepStrictEqual(rules.containerSecurity(allowed), []);
        assert.strictEqual(rules.containerSecurity(withContainer({ securityContext: {} })).length, 3, "escalation, capabilities, read-only root");
    });

    it("restricted-containers: a pod config runs at baseline (a compose service as Docker runs it) keeps baseline's bar", () => {
        const docker = (securityContext: object) => withContainer({ securityContext }, { "kubestrap.dev/loosened": "baseline" });
        const asDocker = docker({ readOnlyRootFilesystem: false });
        asDocker.spec.template.spec.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
        assert.deepStrictEqual(rules.containerSecurity(asDocker), [], "the image's user, a writable root, the runtime's capabilities");
        const beyond = docker({ capabilities: { add: ["CHOWN", "SYS_ADMIN"] }, privileged: true });
        beyond.spec.template.spec.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
        assert.deepStrictEqual(rules.containerSecurity(beyond), ["container web: privileged", "container web: adds SYS_ADMIN, beyond Docker's default capabilities"]);
        assert.strictEqual(rules.containerSecurity(withContainer({ securityContext: { readOnlyRootFilesystem: false } })).length, 3, "without the annotation, restricted's bar");
    });

    it("namespace-pod-security: baseline only with the reason config gave", () => {
        const ns = (annotations?: object) => ({ kind: "Namespace", metadata: { name: "shop", labels: { "pod-security.kubernetes.io/enforce": "baseline" }, ...(annotations ? { annotations } : {}) } });
        assert.deepStrictEqual(rules.namespacePodSecurity(ns({ "kubestrap.dev/pod-security-reason": "compose app shop: services run as Docker runs them (podSecurity: baseline)" })), []);
        assert.deepStrictEqual(rules.namespacePodSecurity(ns()), ["namespace shop: enforces baseline, not restricted; only the add-ons the registry marks privileged may"]);
    });

    it("namespace-pod-security: restricted, or what the registry says an add-on's namespace needs", () => {
        const ns = (name: string, level?: string) => ({ kind: "Namespace", metadata: { name, labels: level ? { "pod-security.kubernetes.io/enforce": level } : {} } });
        assert.deepStrictEqual(rules.namespacePodSecurity(ns("apps", "restricted")), []);
        assert.deepStrictEqual(rules.namespacePodSecurity(ns("monitoring", "privileged")), []);
        assert.deepStrictEqual(rules.namespacePodSecurity(ns("apps", "privileged")), ["namespace apps: enforces privileged, not restricted; only the add-ons the registry marks privileged may"]);
        assert.deepStrictEqual(rules.namespacePodSecurity(ns("apps")), ["namespace apps: no pod-security.kubernetes.io/enforce label; label it restricted"]);
    });

    it("service-exposure: no NodePort; LoadBalancer only where allowed", () => {
        const svc = (type: string) => ({ kind: "Service", metadata: { name: "web", namespace: "apps" }, spec: { type } });
        assert.deepStrictEqual(rules.serviceExposure(svc("ClusterIP")), []);
        assert.strictEqual(rules.serviceExposure(svc("NodePort")).length, 1);
        assert.strictEqual(rules.serviceExposure(svc("LoadBalancer")).length, 1);
        assert.deepStrictEqual(rules.serviceExposure(svc("LoadBalancer"), ["apps"]), []);
    });

    it("secrets-in-secrets: no secret-looking ConfigMap keys or plain env values", () => {
        assert.deepStrictEqual(rules.secretsInPlainSight(good), [], "a secret name from a Secret is fine");
        assert.deepStrictEqual(rules.secretsInPlainSight(withContainer({ env: [{ name: "DB_PASSWORD", value: "hunter2" }] })),
            ["container web: env DB_PASSWORD looks secret but is a plain value; take it from a Secret (secretEnv)"]);
        assert.deepStrictEqual(rules.secretsInPlainSight({ kind: "ConfigMap", metadata: { name: "c" }, data: { "nginx.conf": "x", api_key: "y" } }),
            ["configmap c: key api_key looks secret; put it in a Secret (secretEnv, or a compose secret)"]);
    });

    it("protect-k3s-servers-in-prod: a server's real install step, unprotected in prod, is a violation; agents, dev and other steps are not", () => {
        const { installCommands } = require("../../cluster/k3s-plan");
        const settings = (role: string) => ({ role, clusterInit: role === "server", ha: true, nodeName: "n", version: "v1.31.4+k3s1", labels: {}, taints: [], disable: [],
            tlsSans: [], extraArgs: [], hardened: false, drainTimeoutSeconds: 300 });
        const step = (role: string) => ({ type: "command:remote:Command", name: `k3s-${role === "server" ? "s1" : "a1"}-install`, props: { create: installCommands(settings(role), "").create } });
        assert.deepStrictEqual(rules.protectedServers(step("server"), true, "prod"), []);
        assert.deepStrictEqual(rules.protectedServers(step("server"), false, "dev"), []);
        assert.match(rules.protectedServers(step("server"), false, "prod")[0], /^k3s-s1-install: installs k3s on a server but is not protected in prod; .*protectServers is false/);
        assert.deepStrictEqual(rules.protectedServers(step("agent"), false, "prod"), [], "an agent");
        assert.deepStrictEqual(rules.protectedServers({ ...step("server"), name: "k3s-s1-config" }, false, "prod"), [], "another step");
    });

    it("kubernetes-provider-cluster-identifier: a Kubernetes provider without one is a violation naming the fix; other providers are not", () => {
        const provider = (props: Record<string, unknown>) => ({ type: "pulumi:providers:kubernetes", name: "cluster", props });
        assert.deepStrictEqual(rules.providerClusterIdentifier(provider({ kubeconfig: "{}", clusterIdentifier: "kubestrap/dev/k3s/s1" })), []);
        assert.match(rules.providerClusterIdentifier(provider({ kubeconfig: "{}" }))[0],
            /^provider cluster has no clusterIdentifier: a change to its kubeconfig's server or CA, .* would replace every object it manages, namespaces and claims with their data\. .*give yours a stable name of its cluster/);
        assert.strictEqual(rules.providerClusterIdentifier(provider({ clusterIdentifier: "" })).length, 1);
        assert.deepStrictEqual(rules.providerClusterIdentifier({ type: "pulumi:providers:aws", name: "aws", props: {} }), []);
    });

    it("protect-data-in-prod, managed-by-kubestrap and the advisory request share", () => {
        const claim = { kind: "PersistentVolumeClaim", metadata: { name: "data" } };
        assert.deepStrictEqual(rules.protectedData(claim, true, "prod"), []);
        assert.deepStrictEqual(rules.protectedData(claim, false, "dev"), []);
        assert.strictEqual(rules.protectedData(claim, false, "prod").length, 1);
        assert.deepStrictEqual(rules.managedByLabel(good), []);
        assert.strictEqual(rules.managedByLabel(claim).length, 1);
        assert.deepStrictEqual(rules.requestShare(good, { cpu: 4, memoryBytes: 8 * 2 ** 30 }, 0.5), []);
        assert.deepStrictEqual(rules.requestShare({ ...good, spec: { ...good.spec, replicas: 30 } }, { cpu: 4, memoryBytes: 8 * 2 ** 30 }, 0.5),
            ["Deployment web: requests 3 CPU and 3840Mi over 30 replicas, more than 50% of the cluster"]);
    });

    it("default-deny-network-policy: each workload's pods under a policy of both types", () => {
        const deny = (selector: Record<string, string>) => ({ kind: "NetworkPolicy", metadata: { name: "deny", namespace: "apps" }, spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress", "Egress"] } });
        assert.deepStrictEqual(rules.defaultDeny([good, deny({ app: "web" })]), []);
        assert.deepStrictEqual(rules.defaultDeny([good, deny({})]), [], "a namespace-wide deny covers it");
        assert.strictEqual(rules.defaultDeny([good, deny({ app: "other" })]).length, 1);
        assert.strictEqual(rules.defaultDeny([good, { ...deny({}), spec: { podSelector: {}, policyTypes: ["Ingress"] } }]).length, 1, "ingress only is not a default deny");
    });
});

describe("the allow-list the pack shares with WebApp", () => {
    it("annotates the pod with what config loosened, and the pack allows exactly that", async () => {
        const r = await withMocks(false);
        const { WebApp } = await import("../../apps/web-app");
        new WebApp("loose", {
            namespace: "apps", appName: "loose", image: "ghcr.io/acme/loose:1.0.0", port: 8080, ports: [], replicas: 1,
            env: {}, secretEnv: {}, probes: { none: true }, resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            security: { readOnlyRootFilesystem: false },
        }, { transformations: [r.track] });
        await settle();
        const deployment: rules.K8sObject = { kind: "Deployment", ...reveal(r.one("kubernetes:apps/v1:Deployment", "loose-deployment").inputs) };
        assert.strictEqual(deployment.spec.template.metadata.annotations["kubestrap.dev/loosened"], "readOnlyRootFilesystem,probes");
        assert.deepStrictEqual([...rules.containerSecurity(deployment), ...rules.containerProbes(deployment)], []);
        deployment.spec.template.metadata.annotations = {};
        assert.strictEqual(rules.containerSecurity(deployment).length, 1, "without the annotation the writable root is reported");
    });
});

describe("the policy pack on kubestrap's own stacks (under mocks)", () => {
    for (const { name, file, fromDisk } of renderedStacks()) {
        it(`${name}: no mandatory violation`, async () => {
            const { objects, environment } = await renderStack(file, fromDisk);
            const mandatory = [rules.pinnedImages, rules.containerResources, rules.containerProbes, rules.containerSecurity, rules.namespacePodSecurity,
                (o: rules.K8sObject) => rules.serviceExposure(o), rules.secretsInPlainSight, rules.managedByLabel];
            const found = [...objects.flatMap((o) => mandatory.flatMap((rule) => rule(o))), ...rules.defaultDeny(objects).map((v) => v.message)];
            assert.deepStrictEqual(found, [], `${name} (${environment})`);
        });
    }
});
