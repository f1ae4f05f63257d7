import * as assert from "assert";
import { WebApp, WebAppArgs } from "../../apps/web-app";
import { schemaErrors } from "../k8s-schema";
import { dependenciesOf, isSecretValue, Recorder, reveal, settle, valueOf, withMocks } from "../mocks";

const base: WebAppArgs = { namespace: "apps", image: "ghcr.io/acme/web:1.2.3", port: 8080 };

async function build(args: Partial<WebAppArgs>, preview = false): Promise<{ r: Recorder; app: WebApp }> {
    const r = await withMocks(preview);
    const app = new WebApp("web", { ...base, ...args }, { transformations: [r.track] });
    await settle(app.serviceName, app.internalUrl);
    return { r, app };
}

const deploymentOf = (r: Recorder) => r.one("kubernetes:apps/v1:Deployment", "web-deployment").inputs;
const containerOf = (r: Recorder) => deploymentOf(r).spec.template.spec.containers[0];

describe("WebApp", () => {
    for (const preview of [false, true]) {
        it(`registers its children under itself (preview: ${preview})`, async () => {
            const { r } = await build({ config: { data: { a: "b" } }, secretEnv: { TOKEN: "t" }, ingress: { host: "web.example.com" } }, preview);
            const children = r.kubernetesObjects().map((x) => x.name).sort();
            assert.deepStrictEqual(children, ["web-config", "web-deployment", "web-ingress", "web-secret", "web-service"]);
            for (const name of children) {
                assert.strictEqual(r.parents.get(name), "web", `${name} is not parented to the WebApp`);
            }
        });
    }

    it("runs as non-root with a read-only root, no escalation and no capabilities by default", async () => {
        const { r } = await build({});
        const pod = deploymentOf(r).spec.template.spec;
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.strictEqual(pod.securityContext.seccompProfile.type, "RuntimeDefault");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        const sc = containerOf(r).securityContext;
        assert.deepStrictEqual([sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities.drop], [true, false, ["ALL"]]);
        assert.deepStrictEqual(containerOf(r).volumeMounts, [{ name: "tmp", mountPath: "/tmp" }], "a read-only root gets a writable /tmp");
    });

    it("runs a service as Docker would when asked (a compose service at baseline): the image's user, a writable root, the runtime's capabilities", async () => {
        const { r } = await build({ security: { asDocker: true, readOnlyRootFilesystem: false }, waitFor: [{ host: "db", port: 5432 }],
            hostAliases: [{ ip: "127.0.0.1", hostnames: ["web"] }] });
        const pod = deploymentOf(r).spec.template;
        assert.deepStrictEqual(pod.spec.securityContext, { seccompProfile: { type: "RuntimeDefault" } }, "no user: the image's own, as Docker");
        assert.deepStrictEqual(containerOf(r).securityContext, { readOnlyRootFilesystem: false }, "Docker's default capabilities, escalation as Docker");
        assert.deepStrictEqual(containerOf(r).volumeMounts ?? [], [], "a writable root needs no /tmp volume");
        assert.strictEqual(pod.metadata.annotations["kubestrap.dev/loosened"], "baseline");
        assert.deepStrictEqual(pod.spec.hostAliases, [{ ip: "127.0.0.1", hostnames: ["web"] }]);
        const wait = pod.spec.initContainers[0].securityContext;
        assert.deepStrictEqual([wait.runAsNonRoot, wait.runAsUser, wait.readOnlyRootFilesystem, wait.capabilities.drop], [true, 10001, true, ["ALL"]], "the wait container stays hardened");
        const root = await build({ security: { asDocker: true, runAsUser: 0, dropCapabilities: ["ALL"], addCapabilities: ["CHOWN"], allowPrivilegeEscalation: false } });
        assert.deepStrictEqual(deploymentOf(root.r).spec.template.spec.securityContext, { runAsUser: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(containerOf(root.r).securityContext, { readOnlyRootFilesystem: false, allowPrivilegeEscalation: false, capabilities: { add: ["CHOWN"], drop: ["ALL"] } });
    });

    it("loosens the defaults only where asked", async () => {
        const { r } = await build({ security: { readOnlyRootFilesystem: false, addCapabilities: ["NET_BIND_SERVICE"] } });
        const sc = containerOf(r).securityContext;
        assert.strictEqual(sc.readOnlyRootFilesystem, false);
        assert.deepStrictEqual(sc.capabilities, { drop: ["ALL"], add: ["NET_BIND_SERVICE"] });
        assert.strictEqual(sc.allowPrivilegeEscalation, false);
        assert.strictEqual(deploymentOf(r).spec.template.spec.securityContext.runAsNonRoot, true);
    });

    it("probes the app's port and carries its requests and limits", async () => {
        const resources = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } };
        const { r } = await build({ port: 3000, resources, probes: { readiness: { path: "/ready" } } });
        const c = containerOf(r);
        assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/", port: 3000 });
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/ready", port: 3000 });
        assert.deepStrictEqual(c.resources, resources);
        const svc = r.one("kubernetes:core/v1:Service", "web-service").inputs;
        assert.deepStrictEqual(svc.spec.selector, deploymentOf(r).spec.selector.matchLabels);
        assert.strictEqual(svc.spec.ports[0].targetPort, "http");
    });

    it("makes its Service at once without the provider's wait on it; its Ingress and service outputs wait for the workload", async () => {
        const { r, app } = await build({ ingress: { host: "web.example.com" } });
        const svc = "kubernetes:core/v1:Service::web-service";
        const deployment = "kubernetes:apps/v1:Deployment::web-deployment";
        assert.strictEqual(r.one("kubernetes:core/v1:Service", "web-service").inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
        assert.strictEqual(r.optionsOf.get(svc)?.dependsOn, undefined, "made at once, as pods may find each other through it");
        assert.strictEqual(r.one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.metadata.annotations?.["pulumi.com/skipAwait"], undefined, "the workload itself is waited for");
        assert.deepStrictEqual(await dependenciesOf(r.propsOf.get("kubernetes:networking.k8s.io/v1:Ingress::web-ingress")), [deployment, svc]);
        assert.deepStrictEqual(await dependenciesOf(app.serviceName), [deployment, svc]);
        assert.deepStrictEqual(await dependenciesOf(app.internalUrl), [deployment, svc]);

        const stateful = await build({ kind: "StatefulSet" });
        assert.deepStrictEqual(await dependenciesOf(stateful.app.internalUrl), ["kubernetes:apps/v1:StatefulSet::web-statefulset", svc]);
    });

    it("keeps secret env values secret and out of the pod spec", async () => {
        const { r } = await build({ secretEnv: { TOKEN: "hunter2" } });
        const secret = r.one("kubernetes:core/v1:Secret", "web-secret").inputs;
        assert.ok(isSecretValue(secret.stringData), "the Secret's data is not marked secret");
        assert.strictEqual(reveal(secret.stringData).TOKEN, "hunter2");
        assert.ok(!JSON.stringify(deploymentOf(r)).includes("hunter2"), "the secret value leaked into the Deployment");
        assert.deepStrictEqual(containerOf(r).env.find((e: any) => e.name === "TOKEN").valueFrom.secretKeyRef.key, "TOKEN");
    });

    it("claims a volume of the asked size and recreates instead of rolling", async () => {
        const { r } = await build({ persistence: { size: "5Gi", storageClass: "local-path", mountPath: "/data" }, protectData: true });
        const pvc = r.one("kubernetes:core/v1:PersistentVolumeClaim", "web-data");
        assert.deepStrictEqual(pvc.inputs.spec.resources.requests, { storage: "5Gi" });
        assert.strictEqual(pvc.inputs.spec.storageClassName, "local-path");
        assert.strictEqual(r.options.get("web-data")!.protect, true);
        assert.strictEqual(deploymentOf(r).spec.strategy.type, "Recreate");
        assert.ok(containerOf(r).volumeMounts.some((m: any) => m.mountPath === "/data"));
    });

    it("routes its ingress to its service with cert-manager TLS", async () => {
        const { r, app } = await build({ ingress: { host: "web.example.com", className: "nginx", paths: ["/", "/api"], tls: { clusterIssuer: "letsencrypt-prod" } } });
        const ing = r.one("kubernetes:networking.k8s.io/v1:Ingress", "web-ingress").inputs;
        assert.strictEqual(ing.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        assert.strictEqual(ing.spec.ingressClassName, "nginx");
        assert.deepStrictEqual(ing.spec.tls, [{ hosts: ["web.example.com"], secretName: "web-tls" }]);
        assert.deepStrictEqual(ing.spec.rules[0].http.paths.map((p: any) => p.path), ["/", "/api"]);
        assert.strictEqual(ing.spec.rules[0].http.paths[0].backend.service.name, "web");
        assert.strictEqual(await valueOf(app.url!), "https://web.example.com/");
    });

    it("leaves the replica count to the autoscaler when there is one", async () => {
        const { r } = await build({ replicas: 3, autoscaling: { minReplicas: 2, maxReplicas: 5 }, disruptionBudget: { minAvailable: 1 } });
        assert.strictEqual(deploymentOf(r).spec.replicas, undefined);
        const hpa = r.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa").inputs;
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.scaleTargetRef.name], [2, 5, "web"]);
        const pdb = r.one("kubernetes:policy/v1:PodDisruptionBudget", "web-pdb").inputs;
        assert.strictEqual(pdb.spec.minAvailable, 1);
        assert.deepStrictEqual(pdb.spec.selector.matchLabels, deploymentOf(r).spec.selector.matchLabels);
    });

    it("labels everything it creates as kubestrap's", async () => {
        const { r } = await build({ config: { data: { a: "b" } }, ingress: { host: "web.example.com" } });
        for (const obj of r.kubernetesObjects()) {
            assert.strictEqual(obj.inputs.metadata.labels["app.kubernetes.io/managed-by"], "kubestrap", obj.name);
            assert.strictEqual(obj.inputs.metadata.labels["app.kubernetes.io/name"], "web", obj.name);
        }
    });

    it("shares a ReadWriteMany claim between autoscaled replicas and rolls them", async () => {
        const { r } = await build({
            persistence: { size: "5Gi", storageClass: "ceph-filesystem", mountPath: "/uploads", accessMode: "ReadWriteMany" },
            autoscaling: { minReplicas: 2, maxReplicas: 5 },
        });
        const pvc = r.one("kubernetes:core/v1:PersistentVolumeClaim", "web-data");
        assert.deepStrictEqual(pvc.inputs.spec.accessModes, ["ReadWriteMany"]);
        assert.strictEqual(deploymentOf(r).spec.strategy.type, "RollingUpdate");
        assert.ok(r.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa"));
    });

    it("refuses an unpinned image and a shared RWO volume before creating anything", async () => {
        const r = await withMocks(false);
        assert.throws(() => new WebApp("bad", { ...base, image: "nginx:latest", replicas: 2, persistence: { size: "1Gi", mountPath: "/d" } }),
            (e: Error) => e.message.includes("WebApp bad has invalid arguments") &&
                (e as any).errors.some((x: any) => x.propertyPath === "image") &&
                (e as any).errors.some((x: any) => x.propertyPath === "persistence"));
        assert.strictEqual(r.kubernetesObjects().length, 0);
    });

    it("emits only objects that match the Kubernetes API schema", async () => {
        const { r } = await build({
            config: { data: { a: "b" }, mountPath: "/etc/app" }, secretEnv: { T: "t" }, ingress: { host: "web.example.com", tls: {} },
            persistence: { size: "1Gi", mountPath: "/data" }, disruptionBudget: { maxUnavailable: 1 },
        });
        const { r: r2 } = await build({ autoscaling: { minReplicas: 1, maxReplicas: 3 }, probes: { tcp: true } });
        assert.deepStrictEqual(await schemaErrors([...r.kubernetesObjects(), ...r2.kubernetesObjects()]), []);
    });
});
