import * as assert from "assert";
import { DemonStack, DemonStackArgs } from "../../demon/demon-stack";
import { apiServerEgress, endpointsFromSlice, natsClientLabel, streamBootstrapScript } from "../../demon/demon-specs";
import { schemaErrors } from "../k8s-schema";
import { dependenciesOf, isSecretValue, Recorder, reveal, settle, valueOf, withMocks } from "../mocks";

const workload = (image: string, port = 8080) => ({
    image, replicas: 1, port, healthPath: "/health",
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
});

const args: DemonStackArgs = {
    namespace: "demon-system",
    nats: { image: "nats:2.10.22-alpine", replicas: 1, storageClass: "local-path", size: "3Gi", resources: {} },
    natsBoxImage: "natsio/nats-box:0.14.5",
    stream: { name: "RITUAL_EVENTS", subjects: ["ritual.>", "approval.>"], dedupeWindowSeconds: 60 },
    engine: workload("ghcr.io/acme/engine:1.0.0"),
    runtime: workload("ghcr.io/acme/runtime:1.0.0"),
    operateUi: workload("ghcr.io/acme/ui:1.0.0", 3000),
    secrets: { adminToken: "admin-s3cret", githubToken: "gh-s3cret" },
    ingressControllerNamespace: "ingress-nginx",
    jobsNamespace: "demon-jobs",
    apiServerEndpoints: [{ ip: "192.168.1.11", port: 6443 }, { ip: "192.168.1.12", port: 6443 }],
};

async function build(overrides: Partial<DemonStackArgs> = {}, preview = false): Promise<{ r: Recorder; demon: DemonStack }> {
    const r = await withMocks(preview);
    const demon = new DemonStack("demon", { ...args, ...overrides }, { transformations: [r.track] });
    await settle(demon.namespace, demon.natsUrl, demon.uiUrl);
    return { r, demon };
}

const policies = (r: Recorder, namespace = "demon-system") => Object.fromEntries(r.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    .filter((p) => p.inputs.metadata.namespace === namespace).map((p) => [p.inputs.metadata.name, p.inputs.spec]));

/** What RBAC would allow a ServiceAccount, from the Roles and RoleBindings the stack records (no ClusterRoles here). */
function allowed(r: Recorder, sa: { name: string; namespace: string }, verb: string, resource: string, namespace: string): boolean {
    const roles = r.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").map((x) => x.inputs);
    return r.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((x) => x.inputs)
        .filter((b) => b.metadata.namespace === namespace && b.subjects.some((s: any) => s.kind === "ServiceAccount" && s.name === sa.name && s.namespace === sa.namespace))
        .map((b) => roles.find((role) => role.metadata.namespace === namespace && role.metadata.name === b.roleRef.name))
        .some((role) => role?.rules.some((rule: any) => rule.resources.includes(resource) && rule.verbs.includes(verb)));
}

describe("DemonStack", () => {
    for (const preview of [false, true]) {
        it(`parents every child to the stack (preview: ${preview})`, async () => {
            const { r } = await build({}, preview);
            const objects = r.kubernetesObjects();
            assert.ok(objects.length >= 25, `only ${objects.length} objects`);
            const stack = "kubestrap:platform:DemonStack::demon";
            for (const o of objects) {
                const parent = r.ancestry.get(`${o.type}::${o.name}`);
                assert.ok(parent === stack || (parent !== undefined && r.ancestry.get(parent) === stack), `${o.name} is not under the DemonStack`);
                assert.ok(o.name.startsWith("demon-"), `${o.name} is not prefixed with the component name`);
            }
        });
    }

    it("enforces the restricted Pod Security profile on its namespace", async () => {
        const { r } = await build();
        const labels = r.one("kubernetes:core/v1:Namespace", "demon-namespace").inputs.metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
        }
    });

    it("runs NATS with JetStream on a claim of the configured class and size, probed on its monitor port", async () => {
        const { r } = await build();
        const sts = r.one("kubernetes:apps/v1:StatefulSet", "demon-nats").inputs;
        const claim = sts.spec.volumeClaimTemplates[0].spec;
        assert.deepStrictEqual([claim.storageClassName, claim.resources.requests.storage], ["local-path", "3Gi"]);
        const c = sts.spec.template.spec.containers[0];
        const [flag, confPath] = c.args;
        assert.strictEqual(flag, "--config");
        const configMount = c.volumeMounts.find((m: any) => confPath.startsWith(`${m.mountPath}/`));
        const configVolume = sts.spec.template.spec.volumes.find((v: any) => v.name === configMount.name);
        const conf = r.ofType("kubernetes:core/v1:ConfigMap").find((m) => m.inputs.metadata.name === configVolume.configMap.name)!.inputs.data[confPath.split("/").pop()!];
        assert.match(conf, /jetstream \{\n\s+store_dir: \/data/);
        assert.ok(c.volumeMounts.some((m: any) => m.name === "data" && m.mountPath === "/data"), "JetStream's store is not on the claim");
        assert.doesNotMatch(conf, /cluster \{/, "one server runs a cluster block");
        assert.strictEqual(c.livenessProbe.httpGet.port, 8222);
        assert.strictEqual(c.readinessProbe.httpGet.path, "/healthz");
        assert.strictEqual(sts.spec.template.spec.securityContext.runAsNonRoot, true);
    });

    it("runs a 3-server JetStream cluster when asked: routes to every pod, spread over nodes, a budget, GOMEMLIMIT under the limit", async () => {
        const { r } = await build({ nats: { ...args.nats, replicas: 3, resources: { limits: { memory: "1Gi" } } }, stream: { ...args.stream, replicas: 3 } });
        const sts = r.one("kubernetes:apps/v1:StatefulSet", "demon-nats").inputs;
        assert.strictEqual(sts.spec.replicas, 3);
        const conf = r.ofType("kubernetes:core/v1:ConfigMap").find((m) => m.inputs.metadata.name === "nats-config")!.inputs.data["nats.conf"];
        const headless = r.one("kubernetes:core/v1:Service", "demon-nats-headless").inputs;
        for (let i = 0; i < 3; i++) {
            // The pod's DNS name under the StatefulSet's headless Service, on the port the Service and the container name "cluster".
            assert.ok(conf.includes(`nats://${sts.metadata.name}-${i}.${headless.metadata.name}.demon-system.svc.cluster.local:6222`), `no route to pod ${i}`);
        }
        assert.ok(headless.spec.ports.some((p: any) => p.port === 6222 && p.targetPort === "cluster"));
        const container = sts.spec.template.spec.containers[0];
        assert.ok(container.ports.some((p: any) => p.name === "cluster" && p.containerPort === 6222));
        assert.match(conf, /server_name: \$POD_NAME/);
        assert.ok(container.env.some((e: any) => e.name === "POD_NAME" && e.valueFrom.fieldRef.fieldPath === "metadata.name"), "servers share a name");
        const memLimit = container.env.find((e: any) => e.name === "GOMEMLIMIT").value;
        assert.ok(parseInt(memLimit, 10) * 1024 * 1024 < 1024 ** 3 && parseInt(memLimit, 10) >= 900, `GOMEMLIMIT ${memLimit} is not just under 1Gi`);
        const spread = sts.spec.template.spec.topologySpreadConstraints.find((t: any) => t.topologyKey === "kubernetes.io/hostname");
        assert.deepStrictEqual([spread.whenUnsatisfiable, spread.labelSelector.matchLabels], ["DoNotSchedule", sts.spec.selector.matchLabels]);
        const pdb = r.one("kubernetes:policy/v1:PodDisruptionBudget", "demon-nats-pdb").inputs.spec;
        assert.deepStrictEqual([pdb.maxUnavailable, pdb.selector.matchLabels], [1, sts.spec.template.metadata.labels["app.kubernetes.io/name"] && sts.spec.selector.matchLabels]);
        const routes = policies(r)["nats-routes"];
        assert.deepStrictEqual([routes.ingress[0].ports[0].port, routes.egress[0].ports[0].port], [6222, 6222], "servers cannot route to each other under default-deny");
        const bootstrap = r.one("kubernetes:batch/v1:Job", "demon-stream-bootstrap").inputs.spec.template.spec.containers[0].command[2];
        assert.match(bootstrap, /stream add "\$stream" .*--replicas 3/);
    });

    it("rolls the services when demon-config changes, and NATS when its config does", async () => {
        const annotation = async (overrides: Partial<DemonStackArgs>, name: string) => {
            const { r } = await build(overrides);
            return r.one(name === "demon-nats" ? "kubernetes:apps/v1:StatefulSet" : "kubernetes:apps/v1:Deployment", name).inputs.spec.template.metadata.annotations["kubestrap.dev/config-hash"];
        };
        for (const service of ["demon-engine", "demon-runtime", "demon-operate-ui"]) {
            assert.notStrictEqual(await annotation({}, service), await annotation({ stream: { ...args.stream, name: "OTHER" } }, service), `${service} keeps running with the old config`);
            assert.strictEqual(await annotation({}, service), await annotation({}, service));
        }
        assert.notStrictEqual(await annotation({}, "demon-nats"), await annotation({ nats: { ...args.nats, replicas: 3 } }, "demon-nats"));
    });

    it("keeps NATS's objects in an existing stack: aliased to the DemonStack they were created under", async () => {
        const { r, demon } = await build();
        for (const key of ["kubernetes:apps/v1:StatefulSet::demon-nats", "kubernetes:core/v1:Service::demon-nats",
            "kubernetes:core/v1:Service::demon-nats-headless", "kubernetes:core/v1:ServiceAccount::demon-nats-sa"]) {
            assert.strictEqual(r.ancestry.get(key), "kubestrap:platform:NatsJetStream::demon-nats", `${key} is not under NatsJetStream`);
            const aliases = (r.optionsOf.get(key)?.aliases ?? []) as any[];
            assert.ok(aliases.some((a) => a.parent === demon && a.name === undefined), `${key} would be replaced in a stack made before NatsJetStream`);
        }
    });

    it("protects the NATS data when asked", async () => {
        const { r } = await build({ protectData: true });
        assert.strictEqual(r.optionsOf.get("kubernetes:apps/v1:StatefulSet::demon-nats")!.protect, true);
    });

    it("bootstraps the configured stream idempotently, after NATS", async () => {
        const { r } = await build({ stream: { name: "EVENTS", subjects: ["a.>", "b.*"], dedupeWindowSeconds: 120 } });
        const job = r.one("kubernetes:batch/v1:Job", "demon-stream-bootstrap");
        const script = job.inputs.spec.template.spec.containers[0].command[2];
        assert.ok(script.includes("stream info \"$stream\""), "checks whether the stream exists");
        assert.ok(script.includes("stream edit") && script.includes("stream add"), "updates or creates");
        assert.ok(script.includes("--subjects 'a.>,b.*'") && script.includes("--dupe-window 120s"));
        assert.ok(script.includes("stream='EVENTS'"));
        assert.strictEqual(job.inputs.spec.template.metadata.labels[natsClientLabel], "true");
        const deps = (r.options.get("demon-stream-bootstrap")!.dependsOn as any[]).map((d) => d.__name);
        assert.deepStrictEqual(deps, ["demon-nats"]);
    });

    it("quotes stream settings so they cannot break out of the script", () => {
        const script = streamBootstrapScript({ name: "S", subjects: ["x'; rm -rf /; '"], dedupeWindowSeconds: 1 });
        assert.ok(script.includes(`'x'\\''; rm -rf /; '\\'''`), script);
    });

    it("deploys engine, runtime and operate-ui with probes, limits, pinned images and the NATS client label", async () => {
        const { r } = await build();
        for (const [component, image, port] of [["engine", args.engine.image, 8080], ["runtime", args.runtime.image, 8080], ["operate-ui", args.operateUi.image, 3000]] as const) {
            const d = r.one("kubernetes:apps/v1:Deployment", `demon-${component}`).inputs;
            const c = d.spec.template.spec.containers[0];
            assert.strictEqual(c.image, image);
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/health", port });
            assert.ok(c.resources.limits.memory, `${component} has no memory limit`);
            assert.strictEqual(d.spec.template.metadata.labels[natsClientLabel], "true");
            const svc = r.one("kubernetes:core/v1:Service", `demon-${component}-service`).inputs;
            assert.deepStrictEqual(svc.spec.selector, d.spec.selector.matchLabels);
        }
    });

    it("keeps the tokens in a Secret marked secret, never in a pod spec or ConfigMap", async () => {
        const { r } = await build();
        const secret = r.one("kubernetes:core/v1:Secret", "demon-secrets").inputs;
        assert.ok(isSecretValue(secret.stringData.ADMIN_TOKEN) || isSecretValue(secret.stringData));
        assert.deepStrictEqual(reveal(secret.stringData), { ADMIN_TOKEN: "admin-s3cret", GITHUB_TOKEN: "gh-s3cret" });
        for (const o of r.kubernetesObjects().filter((x) => x.inputs.kind !== "Secret")) {
            assert.ok(!JSON.stringify(reveal(o.inputs)).includes("s3cret"), `a token leaked into ${o.name}`);
        }
    });

    it("lets the runtime run Jobs only in a namespace of their own, as a ServiceAccount with no rights; the engine reads only its ConfigMap", async () => {
        const { r } = await build();
        const runtime = { name: "runtime", namespace: "demon-system" };
        assert.strictEqual(allowed(r, runtime, "create", "jobs", "demon-jobs"), true, "the runtime cannot run Jobs");
        assert.strictEqual(allowed(r, runtime, "get", "pods/log", "demon-jobs"), true);
        assert.strictEqual(allowed(r, runtime, "create", "jobs", "demon-system"), false, "the runtime can run Jobs as any ServiceAccount of the Demon's namespace");
        const inJobs = r.resources.filter((x) => x.type.startsWith("kubernetes:") && x.inputs.metadata?.namespace === "demon-jobs");
        assert.deepStrictEqual([...new Set(inJobs.map((x) => x.type.split(":").pop()))].sort(), ["NetworkPolicy", "Role", "RoleBinding", "ServiceAccount"],
            "something else lives in the Jobs' namespace");
        const jobSa = inJobs.find((x) => x.type === "kubernetes:core/v1:ServiceAccount")!.inputs;
        assert.strictEqual(jobSa.automountServiceAccountToken, false);
        assert.ok(!r.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").some((b) => b.inputs.subjects.some((s: any) => s.name === jobSa.metadata.name)),
            "the Jobs' ServiceAccount has rights");
        const jobsNs = r.one("kubernetes:core/v1:Namespace", "demon-jobs-namespace").inputs.metadata;
        assert.strictEqual(jobsNs.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const env = r.one("kubernetes:apps/v1:Deployment", "demon-runtime").inputs.spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env.map((e: any) => [e.name, e.value]), [["DEMON_JOBS_NAMESPACE", "demon-jobs"], ["DEMON_JOBS_SERVICE_ACCOUNT", jobSa.metadata.name]]);
        const jobPolicies = policies(r, "demon-jobs");
        assert.deepStrictEqual(jobPolicies["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepStrictEqual(jobPolicies["jobs-egress"].egress.map((e: any) => e.ports.map((p: any) => p.port)), [[53, 53], [4222]]);
        const engine = r.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "demon-engine-role").inputs;
        assert.deepStrictEqual(engine.rules, [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["demon-config"], verbs: ["get", "watch"] }]);
        assert.strictEqual(r.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").length, 0);
        const natsSa = r.one("kubernetes:core/v1:ServiceAccount", "demon-nats-sa").inputs;
        assert.strictEqual(natsSa.automountServiceAccountToken, false);
    });

    it("denies all traffic but DNS, clients to NATS, monitoring to NATS and the ingress controller to the UI", async () => {
        const { r } = await build();
        const p = policies(r);
        assert.deepStrictEqual(p["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const nats = p["nats-from-clients"];
        assert.deepStrictEqual(nats.podSelector.matchLabels, { "app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": "demon" });
        assert.deepStrictEqual(nats.ingress[0].from, [{ podSelector: { matchLabels: { [natsClientLabel]: "true" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "demon-jobs" } } }]);
        assert.deepStrictEqual(nats.ingress[0].ports, [{ protocol: "TCP", port: 4222 }]);
        const ui = p["operate-ui-from-ingress"];
        assert.deepStrictEqual(ui.ingress[0].from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "ingress-nginx" });
        assert.deepStrictEqual(ui.ingress[0].ports, [{ protocol: "TCP", port: 3000 }]);
        assert.deepStrictEqual(p["allow-dns"].egress[0].ports.map((x: any) => x.port), [53, 53]);
        assert.deepStrictEqual(Object.keys(p).sort(), ["allow-dns", "clients-to-nats", "default-deny", "engine-api-egress", "engine-https-egress",
            "nats-from-clients", "operate-ui-from-ingress", "runtime-api-egress", "runtime-https-egress"]);
    });

    it("lets only the engine and runtime reach the API server, at its real endpoints after the Service's DNAT", async () => {
        const { r } = await build();
        const p = policies(r);
        for (const component of ["engine", "runtime"]) {
            const policy = p[`${component}-api-egress`];
            assert.deepStrictEqual(policy.podSelector.matchLabels, { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": "demon" });
            assert.deepStrictEqual(policy.egress, [{
                to: [{ ipBlock: { cidr: "192.168.1.11/32" } }, { ipBlock: { cidr: "192.168.1.12/32" } }],
                ports: [{ protocol: "TCP", port: 6443 }],
            }]);
        }
    });

    it("exposes operate-ui through an ingress with TLS and reports its URLs", async () => {
        const { r, demon } = await build({ ingress: { host: "demon.example.com", tls: { clusterIssuer: "letsencrypt-prod" } } });
        const ing = r.one("kubernetes:networking.k8s.io/v1:Ingress", "demon-operate-ui-ingress").inputs;
        assert.deepStrictEqual(ing.spec.tls, [{ hosts: ["demon.example.com"], secretName: "operate-ui-tls" }]);
        assert.strictEqual(await valueOf(demon.uiUrl), "https://demon.example.com/");
        assert.strictEqual(await valueOf(demon.natsUrl), "nats://nats.demon-system.svc.cluster.local:4222");
        assert.strictEqual(await valueOf(demon.namespace), "demon-system");
        const waitsFor = async (used: unknown, workload: string, service: string) => {
            const deps = await dependenciesOf(used);
            assert.ok(deps.includes(workload) && deps.includes(service), `${service}'s users wait for ${workload}: ${deps.join(", ")}`);
        };
        await waitsFor(demon.natsUrl, "kubernetes:apps/v1:StatefulSet::demon-nats", "kubernetes:core/v1:Service::demon-nats");
        await waitsFor(r.propsOf.get("kubernetes:networking.k8s.io/v1:Ingress::demon-operate-ui-ingress"),
            "kubernetes:apps/v1:Deployment::demon-operate-ui", "kubernetes:core/v1:Service::demon-operate-ui-service");
    });

    it("reports the in-cluster UI URL without an ingress", async () => {
        const { r, demon } = await build();
        assert.strictEqual(r.ofType("kubernetes:networking.k8s.io/v1:Ingress").length, 0);
        assert.strictEqual(await valueOf(demon.uiUrl), "http://operate-ui.demon-system.svc.cluster.local:3000");
    });

    it("emits only objects that match the Kubernetes API schema", async () => {
        const { r } = await build({ ingress: { host: "demon.example.com", tls: {} } });
        assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
    });
});

describe("API server egress", () => {
    it("groups endpoints by port, one /32 or /128 per address", () => {
        const plan = apiServerEgress("runtime", { app: "runtime" }, [
            { ip: "10.0.0.2", port: 6443 }, { ip: "10.0.0.1", port: 6443 }, { ip: "fd00::1", port: 443 }, { ip: "10.0.0.1", port: 6443 },
        ]);
        assert.deepStrictEqual(plan.spec.egress, [
            { to: [{ ipBlock: { cidr: "fd00::1/128" } }], ports: [{ protocol: "TCP", port: 443 }] },
            { to: [{ ipBlock: { cidr: "10.0.0.1/32" } }, { ipBlock: { cidr: "10.0.0.2/32" } }], ports: [{ protocol: "TCP", port: 6443 }] },
        ]);
    });

    it("allows nothing when the cluster publishes no endpoint (never an empty `to`, which would mean anywhere)", () => {
        assert.deepStrictEqual(apiServerEgress("engine", { app: "engine" }, []).spec.egress, []);
    });

    it("reads the ready endpoints of the kubernetes EndpointSlice", () => {
        assert.deepStrictEqual(endpointsFromSlice({
            endpoints: [{ addresses: ["10.250.0.2"], conditions: { ready: true } }, { addresses: ["10.250.0.3"], conditions: { ready: false } }, { addresses: ["10.250.0.4"] }],
            ports: [{ port: 16443 }],
        }), [{ ip: "10.250.0.2", port: 16443 }, { ip: "10.250.0.4", port: 16443 }]);
    });
});
