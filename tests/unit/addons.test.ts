import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { platformAlertRules } from "../../addons/alert-rules";
import { grafanaIngressValues } from "../../addons/observability-values";
import * as k8s from "@pulumi/kubernetes";
import { KubestrapConfig, parseConfig } from "../../config";
import { mergeValues } from "../../addons/helm";
import { addonNames, planAddons, registry } from "../../addons/registry";
import { profiles } from "../../stacks/environments";
import { composePlatform, Platform } from "../../stacks/platform";
import { isSecret, isSecretValue, Recorder, Registered, reveal, settle, valueOf, withMocks } from "../mocks";

const release = "kubernetes:helm.sh/v3:Release";
const everything = {
    metallb: { enabled: true, addresses: ["192.168.1.240-192.168.1.250"] },
    "rook-ceph": { enabled: true, nodes: [{ name: "n1", devices: ["sdb"] }, { name: "n2", deviceFilter: "^nvme1" }], longhornNote: undefined },
    longhorn: { enabled: true },
    observability: { enabled: true, storageClass: "ceph-block", logs: { retention: "72h" } },
    "ingress-nginx": { enabled: true, values: { "ingress-nginx": { controller: { config: { "use-forwarded-headers": "true" } } } } },
    "cert-manager": { enabled: true, email: "ops@example.com", cloudflare: { apiToken: { fromEnv: "CF" }, zones: ["example.com"] }, http01: {} },
    "external-dns": { enabled: true, cloudflareApiToken: { fromEnv: "CF" }, domainFilters: ["example.com"] },
    "sealed-secrets": { enabled: true, charts: { "sealed-secrets": { path: "/charts/sealed-secrets" } } },
    flux: { enabled: true, manifests: path.join(__dirname, "..", "fixtures", "flux", "install.yaml") },
};
delete (everything["rook-ceph"] as Record<string, unknown>).longhornNote;

function configWith(environment: "dev" | "prod", addons: Record<string, unknown>, demon = true): KubestrapConfig {
    return parseConfig({
        "kubestrap:environment": environment,
        "kubestrap:cluster": JSON.stringify({ target: "kubeconfig", kubeconfig: "/k" }),
        "kubestrap:demon": JSON.stringify({ enabled: demon, secrets: { adminToken: { fromEnv: "T" } } }),
        "kubestrap:addons": JSON.stringify(addons),
    }, { env: { T: "t", CF: "cf-token-value" }, readFile: (f) => (f.endsWith("flux/install.yaml") ? fs.readFileSync(f, "utf8") : ""), baseDir: "/" });
}

async function compose(config: KubestrapConfig, preview = false): Promise<{ r: Recorder; platform: Platform }> {
    const r = await withMocks(preview);
    const platform = composePlatform(config, profiles[config.environment], new k8s.Provider("cluster", { kubeconfig: "{}" }), [r.track]);
    await settle(...(platform.demon ? [platform.demon.uiUrl] : []), ...Object.values(platform.addons.components).map((c) => c!.urn));
    return { r, platform };
}

const names = (rs: Registered[]) => rs.map((x) => x.name).sort();
/** Every resource below `root` in the component tree. */
function descendants(r: Recorder, root: string): string[] {
    const found: string[] = [];
    for (const [name, parent] of r.parents) {
        let p: string | undefined = parent;
        while (p && p !== root) {
            p = r.parents.get(p);
        }
        if (p === root) {
            found.push(name);
        }
    }
    return found.sort();
}
const dependsOnNames = (r: Recorder, name: string) =>
    ([] as unknown[]).concat(r.options.get(name)?.dependsOn ?? []).map((d: any) => d.__name).sort();

/** What Pod Security "restricted" refuses in a pod with one container (kubernetes.io/docs/concepts/security/pod-security-standards). */
function restrictedViolations(pod: any, container: any): string[] {
    const problems: string[] = [];
    const seccomp = container.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!["RuntimeDefault", "Localhost"].includes(seccomp)) problems.push("seccompProfile must be RuntimeDefault or Localhost");
    if ((container.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push("runAsNonRoot must be true");
    if ((container.runAsUser ?? pod.runAsUser) === 0) problems.push("runAsUser must not be 0");
    if (container.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation must be false");
    if (!(container.capabilities?.drop ?? []).includes("ALL")) problems.push("capabilities must drop ALL");
    const added = (container.capabilities?.add ?? []).filter((c: string) => c !== "NET_BIND_SERVICE");
    if (added.length) problems.push(`capabilities may add only NET_BIND_SERVICE, not ${added}`);
    if (container.privileged) problems.push("privileged must be false");
    return problems;
}

describe("Grafana's ingress and the ingress alert", () => {
    it("serves Grafana over TLS from cert-manager when an issuer is named, and says https only then", () => {
        assert.deepStrictEqual(grafanaIngressValues({ host: "grafana.example.com", className: "nginx", clusterIssuer: "letsencrypt-prod" }), {
            enabled: true, hosts: ["grafana.example.com"], ingressClassName: "nginx",
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" },
            tls: [{ secretName: "grafana-tls", hosts: ["grafana.example.com"] }],
        });
        assert.deepStrictEqual(grafanaIngressValues({ host: "grafana.lan" }), { enabled: true, hosts: ["grafana.lan"] });
    });

    it("alerts on 5xx in the metric names of the controller in use", () => {
        const expr = (c: "ingress-nginx" | "traefik") => platformAlertRules(15, c).find((x) => x.alert === "IngressHighErrorRate")!.expr;
        assert.match(expr("ingress-nginx"), /nginx_ingress_controller_requests\{status=~"5\.\."\}/);
        assert.match(expr("traefik"), /traefik_service_requests_total\{code=~"5\.\."\}/);
        assert.doesNotMatch(expr("traefik"), /nginx/);
    });
});

describe("add-on registry", () => {
    it("orders add-ons after what they wait for, and only among those that are on", () => {
        const plan = planAddons({
            "cert-manager": { requires: [], after: ["ingress-nginx", "observability"] },
            "ingress-nginx": { requires: [], after: ["metallb", "observability"] },
            metallb: { requires: [], after: [] },
        }, addonNames);
        assert.deepStrictEqual(plan.problems, []);
        assert.deepStrictEqual(plan.order, ["metallb", "ingress-nginx", "cert-manager"]);
        assert.deepStrictEqual(plan.waitsFor["cert-manager"], ["ingress-nginx"]);
    });

    it("reports a required add-on that is off, an unknown one, and a cycle", () => {
        const plan = planAddons({
            a: { requires: ["b"], after: [] },
            b: { requires: [], after: ["c"] },
            c: { requires: ["a", "d", "zz"], after: [] },
        }, ["a", "b", "c", "d"]);
        assert.deepStrictEqual(plan.problems.map((p) => `${p.addon}: ${p.message.split(";")[0]}`).sort(), [
            "a: dependency cycle a -> b -> c -> a",
            "c: depends on \"zz\", which is not an add-on",
            "c: needs the d add-on, which is off",
        ]);
    });

    it("pins every chart to a version and has no cycle among its own orderings", () => {
        for (const def of Object.values(registry)) {
            for (const chart of Object.values(def.charts)) {
                assert.match(chart.version, /^v?\d+\.\d+\.\d+$/, `${def.name} ${chart.name}`);
                assert.match(chart.repository, /^https:\/\//);
            }
        }
        const all = Object.fromEntries(addonNames.map((n) => [n, { requires: [], after: registry[n].after }]));
        assert.deepStrictEqual(planAddons(all, addonNames).problems, []);
    });

    it("merges stack values over kubestrap's: objects key by key, lists replaced", () => {
        assert.deepStrictEqual(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
    });

    it("turns nothing on in dev, and cert-manager, observability and sealed-secrets on in prod", () => {
        assert.deepStrictEqual(configWith("dev", {}).addons.order, []);
        assert.deepStrictEqual(configWith("prod", { "cert-manager": { email: "a@b.co" } }).addons.order,
            ["observability", "cert-manager", "sealed-secrets"]);
    });
});

describe("add-ons on the mocks", () => {
    let r: Recorder;
    let platform: Platform;
    before(async () => ({ r, platform } = await compose(configWith("prod", everything))));

    it("installs each add-on as its own component, in dependency order", () => {
        assert.deepStrictEqual(platform.addons.order,
            ["metallb", "rook-ceph", "longhorn", "observability", "ingress-nginx", "cert-manager", "external-dns", "sealed-secrets", "flux"]);
        assert.deepStrictEqual(dependsOnNames(r, "cert-manager"), ["ingress-nginx", "observability"]);
        assert.deepStrictEqual(dependsOnNames(r, "ingress-nginx"), ["metallb", "observability"]);
        assert.deepStrictEqual(dependsOnNames(r, "observability"), ["ceph", "longhorn"]);
        assert.deepStrictEqual(dependsOnNames(r, "demon"), ["cert-manager", "ingress-nginx"], "Ingresses wait for their controller and issuers");
        for (const rel of r.ofType(release)) {
            assert.ok(r.parents.get(rel.name), `${rel.name} has no parent component`);
        }
    });

    it("labels the namespaces that need the host privileged, and every other restricted", () => {
        for (const def of Object.values(registry)) {
            const ns = r.one("kubernetes:core/v1:Namespace", `${def.name}-namespace`).inputs;
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], def.podSecurity, def.name);
        }
        const privileged = Object.values(registry).filter((d) => d.podSecurity === "privileged").map((d) => d.namespace).sort();
        assert.deepStrictEqual(privileged, ["longhorn-system", "metallb-system", "monitoring", "rook-ceph"]);
    });

    it("gives the sealed-secrets controller what Pod Security restricted demands, as its chart renders the values", () => {
        const values = r.one(release, "sealed-secrets-sealed-secrets").inputs.values;
        // The chart (2.16.x) renders `omit .Values.<x>SecurityContext "enabled"` into the pod.
        const { enabled: podOn, ...pod } = values.podSecurityContext;
        const { enabled: containerOn, ...container } = values.containerSecurityContext;
        assert.deepStrictEqual([podOn, containerOn], [true, true]);
        assert.deepStrictEqual(restrictedViolations(pod, container), []);
    });

    it("installs pinned charts from their repositories, or from a local path when the stack says", () => {
        const nginx = r.one(release, "ingress-nginx-ingress-nginx").inputs;
        assert.deepStrictEqual([nginx.chart, nginx.version, nginx.repositoryOpts.repo, nginx.namespace],
            ["ingress-nginx", "4.11.3", "https://kubernetes.github.io/ingress-nginx", "ingress-nginx"]);
        const sealed = r.one(release, "sealed-secrets-sealed-secrets").inputs;
        assert.deepStrictEqual([sealed.chart, sealed.version, sealed.repositoryOpts], ["/charts/sealed-secrets", undefined, undefined]);
    });

    it("passes kubestrap's values with the stack's laid over them", () => {
        const values = r.one(release, "ingress-nginx-ingress-nginx").inputs.values;
        assert.strictEqual(values.controller.ingressClassResource.default, true);
        assert.strictEqual(values.controller.metrics.serviceMonitor.enabled, true, "observability is on, so metrics are scraped");
        assert.deepStrictEqual(values.controller.config, { "use-forwarded-headers": "true" });
        assert.strictEqual(r.one(release, "cert-manager-cert-manager").inputs.values.crds.enabled, true);
    });

    it("creates Let's Encrypt staging and prod issuers with DNS-01 and HTTP-01 solvers, the token secret", () => {
        for (const issuer of ["letsencrypt-staging", "letsencrypt-prod"]) {
            const spec = r.one("kubernetes:cert-manager.io/v1:ClusterIssuer", `cert-manager-${issuer}`).inputs.spec;
            assert.strictEqual(spec.acme.email, "ops@example.com");
            assert.deepStrictEqual(spec.acme.solvers, [
                { dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } } }, selector: { dnsZones: ["example.com"] } },
                { http01: { ingress: { ingressClassName: "nginx" } } },
            ]);
            assert.deepStrictEqual(dependsOnNames(r, `cert-manager-${issuer}`), ["cert-manager-cert-manager", "cert-manager-cloudflare-token"]);
        }
        const token = r.one("kubernetes:core/v1:Secret", "cert-manager-cloudflare-token").inputs;
        assert.ok(isSecretValue(token.stringData["api-token"]) || isSecretValue(token.stringData), "the Cloudflare token is not secret");
        assert.ok(isSecretValue(r.one("kubernetes:core/v1:Secret", "external-dns-cloudflare-token").inputs.stringData["api-token"])
            || isSecretValue(r.one("kubernetes:core/v1:Secret", "external-dns-cloudflare-token").inputs.stringData));
    });

    it("removes ExternalDNS's Cloudflare records at destroy, after its namespace (and so its pods) is gone", () => {
        const cleanup = r.one("command:local:Command", "external-dns-dns-cleanup").inputs;
        assert.match(cleanup.delete, /^node -e 'if \(process.env.KUBESTRAP_DNS_CLEANUP === [\s\S]*const removeOwnedRecords = async function removeOwnedRecords\(env\)/);
        assert.ok(isSecretValue(cleanup.environment.CF_API_TOKEN) || isSecretValue(cleanup.environment), "the Cloudflare token is not secret");
        const environment = reveal(cleanup.environment);
        assert.deepStrictEqual(Object.keys(environment).sort(), ["CF_API_TOKEN", "KUBESTRAP_DNS_DOMAINS", "KUBESTRAP_DNS_OWNER", "KUBESTRAP_FAILURE_OUTPUT"]);
        assert.strictEqual(environment.KUBESTRAP_DNS_OWNER, "kubestrap");
        assert.strictEqual(environment.KUBESTRAP_DNS_DOMAINS, "example.com");
        assert.deepStrictEqual(dependsOnNames(r, "external-dns-namespace"), ["external-dns-dns-cleanup"]);
    });

    it("gives MetalLB its address pool and an L2 advertisement after the chart", () => {
        const pool = r.one("kubernetes:metallb.io/v1beta1:IPAddressPool", "metallb-pool").inputs;
        assert.deepStrictEqual(pool.spec.addresses, ["192.168.1.240-192.168.1.250"]);
        assert.deepStrictEqual(dependsOnNames(r, "metallb-pool"), ["metallb-metallb"]);
        assert.deepStrictEqual(r.one("kubernetes:metallb.io/v1beta1:L2Advertisement", "metallb-l2").inputs.spec.ipAddressPools, ["kubestrap"]);
    });

    it("builds the Ceph cluster from config and protects its data in prod", async () => {
        const spec = r.one("kubernetes:ceph.rook.io/v1:CephCluster", "ceph-cluster").inputs.spec;
        assert.strictEqual(spec.mon.count, 3);
        assert.deepStrictEqual(spec.storage.nodes, [{ name: "n1", devices: [{ name: "sdb" }] }, { name: "n2", deviceFilter: "^nvme1" }]);
        for (const name of ["ceph-cluster", "ceph-block-pool", "ceph-filesystem", "ceph-object-store"]) {
            assert.strictEqual(r.options.get(name)?.protect, true, `${name} is not protected`);
            assert.strictEqual(r.options.get(name)?.retainOnDelete, true, `${name} is not retained`);
        }
        const pool = r.one("kubernetes:ceph.rook.io/v1:CephBlockPool", "ceph-block-pool").inputs.spec;
        assert.strictEqual(pool.replicated.size, 3);
        const block = r.one("kubernetes:storage.k8s.io/v1:StorageClass", "ceph-block-class").inputs;
        assert.strictEqual(block.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.strictEqual(block.reclaimPolicy, "Retain");
        assert.deepStrictEqual(names(r.ofType("kubernetes:storage.k8s.io/v1:StorageClass")), ["ceph-block-class", "ceph-filesystem-class", "ceph-object-class"]);
        assert.strictEqual(r.options.get("longhorn-longhorn")?.protect, true, "Longhorn would drop its volumes on uninstall");
    });

    it("makes the S3 user's keys itself and hands them out only as secrets", async () => {
        const user = platform.addons.ceph!.s3Users.kubestrap;
        assert.ok(await isSecret(user.accessKey) && await isSecret(user.secretKey));
        // Rook v1.15 generates a user's keys and overwrites its own rook-ceph-object-user-<store>-<user>
        // Secret; from v1.17 CephObjectStoreUser.spec.keys[] (accessKeyRef/secretKeyRef, Secret key
        // selectors, pkg/apis/ceph.rook.io/v1 ObjectUserKey) takes keys from a Secret of the user's own.
        const [major, minor] = registry["rook-ceph"].charts["rook-ceph"].version.replace(/^v/, "").split(".").map(Number);
        assert.ok(major > 1 || minor >= 17, "this Rook ignores the keys kubestrap exports");
        const keys = r.one("kubernetes:core/v1:Secret", "ceph-s3-kubestrap-keys").inputs;
        assert.notStrictEqual(keys.metadata.name, "rook-ceph-object-user-objectstore-kubestrap", "the keys live in the Secret Rook overwrites");
        const userSpec = r.one("kubernetes:ceph.rook.io/v1:CephObjectStoreUser", "ceph-s3-kubestrap").inputs.spec;
        assert.strictEqual(userSpec.keys.length, 1);
        const { accessKeyRef, secretKeyRef } = userSpec.keys[0];
        assert.deepStrictEqual([accessKeyRef.name, secretKeyRef.name], [keys.metadata.name, keys.metadata.name]);
        assert.strictEqual(reveal(keys.stringData)[accessKeyRef.key], reveal(await valueOf(user.accessKey)), "Rook is pointed at another access key than the one exported");
        assert.strictEqual(reveal(keys.stringData)[secretKeyRef.key], reveal(await valueOf(user.secretKey)));
        assert.deepStrictEqual(dependsOnNames(r, "ceph-s3-kubestrap"), ["ceph-object-store", "ceph-s3-kubestrap-keys"]);
        assert.strictEqual(r.one("random:index/randomPassword:RandomPassword", "ceph-s3-kubestrap-secret-key").inputs.length, 40);
    });

    it("runs the observability stack with a generated Grafana password, alert rules, monitors and the dashboard", async () => {
        assert.ok(await isSecret(platform.addons.observability!.grafanaAdminPassword));
        const admin = r.one("kubernetes:core/v1:Secret", "observability-grafana-admin").inputs;
        assert.strictEqual(admin.metadata.name, "grafana-admin");
        const kps = r.one(release, "observability-kube-prometheus-stack").inputs.values;
        assert.strictEqual(kps.grafana.admin.existingSecret, "grafana-admin");
        assert.strictEqual(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, "ceph-block");
        assert.strictEqual(r.one(release, "observability-loki").inputs.values.loki.limits_config.retention_period, "72h");
        assert.deepStrictEqual(dependsOnNames(r, "observability-alloy"), ["observability-loki"]);
        // Loki chart 6.x (production/helm/loki/values.yaml): `lokiCanary` is top-level, `monitoring.selfMonitoring` is gone.
        const loki = r.one(release, "observability-loki").inputs.values;
        assert.deepStrictEqual([loki.lokiCanary, loki.monitoring], [{ enabled: false }, undefined]);
        // Each Alloy instance discovers only its own node's pods.
        const alloy = r.one(release, "observability-alloy").inputs.values.alloy;
        assert.match(alloy.configMap.content, /field = "spec\.nodeName=" \+ env\("NODE_NAME"\)/);
        assert.deepStrictEqual(alloy.extraEnv, [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }]);

        const rules = r.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "observability-alert-rules").inputs.spec.groups[0].rules;
        assert.deepStrictEqual(rules.map((x: any) => x.alert),
            ["CertificateExpiresSoon", "IngressHighErrorRate", "ContainerCpuThrottled", "ContainerRestartBurst", "PersistentVolumeFilling"]);
        assert.match(rules[0].expr, /< 15 \* 24 \* 3600/);
        assert.deepStrictEqual(dependsOnNames(r, "observability-alert-rules"), ["observability-kube-prometheus-stack"]);

        const monitors = r.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
        assert.deepStrictEqual(monitors.map((m) => m.inputs.metadata.name).sort(), ["demon-engine", "demon-nats", "demon-operate-ui", "demon-runtime"]);
        assert.deepStrictEqual(monitors[0].inputs.spec.namespaceSelector.matchNames, ["demon-system"]);
        const dashboard = r.one("kubernetes:core/v1:ConfigMap", "observability-demon-dashboard").inputs;
        assert.strictEqual(dashboard.metadata.labels.grafana_dashboard, "1");
        assert.strictEqual(JSON.parse(dashboard.data["demon.json"]).uid, "kubestrap-demon");
        const ns = r.one("kubernetes:core/v1:Namespace", "observability-namespace").inputs;
        assert.strictEqual(ns.metadata.labels["kubestrap.io/monitoring"], "true");
    });

    it("gives NATS a metrics exporter and lets only the monitoring namespace scrape the Demon services", () => {
        const pod = r.one("kubernetes:apps/v1:StatefulSet", "demon-nats").inputs.spec.template.spec;
        assert.deepStrictEqual(pod.containers.map((c: any) => c.name), ["nats", "metrics"]);
        assert.strictEqual(pod.containers[1].securityContext.allowPrivilegeEscalation, false);
        const policies = r.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.name.startsWith("demon-metrics-from-monitoring"));
        assert.strictEqual(policies.length, 3);
        for (const p of policies) {
            assert.deepStrictEqual(p.inputs.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubestrap.io/monitoring": "true" } } }]);
        }
        const ui = r.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "demon-operate-ui-from-ingress").inputs;
        assert.deepStrictEqual(ui.spec.ingress[0].from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "ingress-nginx" });
    });

    it("keeps the add-ons' config values out of the stack in plain text", () => {
        const text = JSON.stringify(r.resources.map((x) => x.inputs), (_k, v) => (isSecretValue(v) ? "[secret]" : v));
        assert.ok(!text.includes("cf-token-value"), "the Cloudflare token appears in plain text");
        assert.ok(JSON.stringify(reveal(r.resources.map((x) => x.inputs))).includes("cf-token-value"));
    });
});

describe("data protection", () => {
    it("follows the environment unless the add-on's protectData says otherwise", async () => {
        const dev = await compose(configWith("dev", { "rook-ceph": { enabled: true, useAllNodes: true }, longhorn: { enabled: true, protectData: true } }, false));
        assert.strictEqual(dev.r.options.get("ceph-cluster")?.protect, false);
        assert.strictEqual(dev.r.one("kubernetes:storage.k8s.io/v1:StorageClass", "ceph-block-class").inputs.reclaimPolicy, "Delete");
        assert.strictEqual(dev.r.options.get("longhorn-longhorn")?.protect, true);
        const prod = await compose(configWith("prod", { "rook-ceph": { enabled: true, useAllNodes: true, protectData: false }, "cert-manager": { enabled: false } }, false));
        assert.strictEqual(prod.r.options.get("ceph-cluster")?.protect, false);
    });
});

describe("turning an add-on off", () => {
    it("removes exactly that add-on's resources", async () => {
        const on = await compose(configWith("dev", { "sealed-secrets": { enabled: true }, "ingress-nginx": { enabled: true } }, false));
        const withIt = on.r.resources.map((x) => x.name);
        const owned = ["sealed-secrets", ...descendants(on.r, "sealed-secrets")];
        assert.ok(owned.length >= 2, `sealed-secrets owns only ${owned}`);
        const off = await compose(configWith("dev", { "ingress-nginx": { enabled: true } }, false));
        const without = off.r.resources.map((x) => x.name);
        assert.deepStrictEqual(withIt.filter((n) => !without.includes(n)).sort(), [...owned].sort().filter((n) => withIt.includes(n)));
        assert.ok(without.every((n) => withIt.includes(n)), "turning it off added something");
    });

    it("lists every add-on resource in a preview, Helm releases included", async () => {
        const { r } = await compose(configWith("prod", everything), true);
        assert.ok(r.ofType(release).length >= 10, `only ${r.ofType(release).length} releases in the preview`);
        assert.ok(r.chartObjects().length >= 20);
        const password = await valueOf(r.resources.find((x) => x.name === "observability-grafana-password")!.inputs.length);
        assert.strictEqual(password, 32);
    });
});
