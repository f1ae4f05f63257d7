// ObservabilityStack: kube-prometheus-stack (Prometheus, Alertmanager, Grafana), Loki with
// Alloy shipping every pod's logs, kubestrap's alert rules, and the Demon stack's monitors and dashboard.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { monitoringNamespaceLabel } from "../demon-specs";
import { standardLabels } from "../labels";
import * as random from "@pulumi/random";
import { IngressController, platformAlertRules } from "./alert-rules";
import { AlertReceiver, alertmanagerSetup, receiversSecret } from "./alertmanager-config";
import { demonDashboard } from "./demon-dashboard";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface ObservabilityStackArgs extends AddonChartArgs {
    retention: string;
    storageClass?: string;
    prometheusSize: string;
    logs: { enabled: boolean; retention: string; size: string };
    /** Grafana behind an Ingress: TLS through cert-manager when an issuer is named. */
    grafanaIngress?: { host: string; className?: string; clusterIssuer?: string };
    certificateExpiryDays: number;
    /** The ingress controller whose metrics the 5xx alert reads. */
    ingressController: IngressController;
    /** Where the Demon stack runs, to scrape it and chart it; absent when it is off. */
    demonNamespace?: pulumi.Input<string>;
    /** Where Alertmanager sends alerts, by severity; none: every alert goes to the "null" receiver. */
    alertReceivers: AlertReceiver[];
}

export const grafanaAdminSecret = "grafana-admin";
const lokiPushUrl = "http://loki.monitoring.svc:3100/loki/api/v1/push";

/**
 * Alloy runs on every node and each instance collects only its own node's pods (a field
 * selector on the node name it gets from the downward API), so the API server and Loki carry
 * each log line once, not once per node; no clustering is needed for that.
 */
function alloyConfig(): string {
    return [
        'discovery.kubernetes "pods" {', '  role = "pod"',
        "  selectors {", '    role  = "pod"', '    field = "spec.nodeName=" + env("NODE_NAME")', "  }", "}",
        'discovery.relabel "pods" {',
        "  targets = discovery.kubernetes.pods.targets",
        '  rule {', '    source_labels = ["__meta_kubernetes_namespace"]', '    target_label  = "namespace"', "  }",
        '  rule {', '    source_labels = ["__meta_kubernetes_pod_name"]', '    target_label  = "pod"', "  }",
        '  rule {', '    source_labels = ["__meta_kubernetes_pod_container_name"]', '    target_label  = "container"', "  }",
        "}",
        'loki.source.kubernetes "pods" {',
        "  targets    = discovery.relabel.pods.output",
        "  forward_to = [loki.write.default.receiver]",
        "}",
        'loki.write "default" {', `  endpoint {`, `    url = "${lokiPushUrl}"`, "  }", "}",
    ].join("\n");
}

export const grafanaTlsSecret = "grafana-tls";

/** The Grafana chart's ingress values: class, host, and TLS from cert-manager when an issuer is named. */
export function grafanaIngressValues(ingress: NonNullable<ObservabilityStackArgs["grafanaIngress"]>) {
    return {
        enabled: true,
        hosts: [ingress.host],
        ...(ingress.className ? { ingressClassName: ingress.className } : {}),
        ...(ingress.clusterIssuer ? {
            annotations: { "cert-manager.io/cluster-issuer": ingress.clusterIssuer },
            tls: [{ secretName: grafanaTlsSecret, hosts: [ingress.host] }],
        } : {}),
    };
}

export class ObservabilityStack extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    readonly grafanaUrl: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:ObservabilityStack", name, {}, opts);
        const addon = registry.observability;
        // The label lets NetworkPolicies (the Demon stack's among them) admit scrapes from here.
        const ns = addonNamespace(addon, this, { [monitoringNamespaceLabel]: "true" });
        const namespace = ns.metadata.name;
        const child = { parent: this };
        const labels = (object: string, component: string) => standardLabels({ name: object, instance: name, component, partOf: "kubestrap-addons" });

        const password = new random.RandomPassword(`${name}-grafana-password`, { length: 32, special: false }, child);
        const admin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: grafanaAdminSecret, namespace, labels: labels("grafana-admin", "secret") },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": password.result },
        }, child);

        const alerting = alertmanagerSetup(args.alertReceivers);
        const hasCredentials = Object.keys(alerting.secretData).length > 0;
        const credentials = hasCredentials ? [new k8s.core.v1.Secret(`${name}-alertmanager-receivers`, {
            metadata: { name: receiversSecret, namespace, labels: labels(receiversSecret, "secret") },
            type: "Opaque",
            stringData: pulumi.secret(alerting.secretData),
        }, child)] : [];

        const volume = (size: string) => ({
            volumeClaimTemplate: {
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: size } },
                    ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
                },
            },
        });
        const prometheus = addonRelease({
            addon, chart: "kube-prometheus-stack", namespace, args,
            values: {
                prometheus: {
                    prometheusSpec: {
                        retention: args.retention,
                        storageSpec: volume(args.prometheusSize),
                        // Pick up every ServiceMonitor and rule in the cluster, not only the chart's own.
                        serviceMonitorSelectorNilUsesHelmValues: false,
                        podMonitorSelectorNilUsesHelmValues: false,
                        ruleSelectorNilUsesHelmValues: false,
                    },
                },
                alertmanager: {
                    config: alerting.config,
                    alertmanagerSpec: { storage: volume("1Gi"), ...(hasCredentials ? { secrets: [receiversSecret] } : {}) },
                },
                grafana: {
                    admin: { existingSecret: grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
                    sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
                    ...(args.grafanaIngress ? { ingress: grafanaIngressValues(args.grafanaIngress) } : {}),
                    ...(args.logs.enabled ? {
                        additionalDataSources: [{ name: "Loki", type: "loki", url: "http://loki.monitoring.svc:3100", access: "proxy" }],
                    } : {}),
                },
            },
        }, { parent: this, dependsOn: [ns, admin, ...credentials] });

        if (args.logs.enabled) {
            const loki = addonRelease({
                addon, chart: "loki", namespace, args,
                values: {
                    deploymentMode: "SingleBinary",
                    loki: {
                        auth_enabled: false,
                        commonConfig: { replication_factor: 1 },
                        storage: { type: "filesystem" },
                        schemaConfig: {
                            configs: [{ from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }],
                        },
                        limits_config: { retention_period: args.logs.retention },
                        compactor: { retention_enabled: true, delete_request_store: "filesystem" },
                    },
                    singleBinary: {
                        replicas: 1,
                        persistence: { size: args.logs.size, ...(args.storageClass ? { storageClass: args.storageClass } : {}) },
                    },
                    read: { replicas: 0 }, write: { replicas: 0 }, backend: { replicas: 0 },
                    chunksCache: { enabled: false }, resultsCache: { enabled: false },
                    // Chart 6.x reads the canary switch at the top level and has no self-monitoring
                    // (5.x had both under `monitoring`): a canary DaemonSet would run on every node.
                    lokiCanary: { enabled: false },
                    test: { enabled: false },
                },
            }, { parent: this, dependsOn: [ns] });
            addonRelease({
                addon, chart: "alloy", namespace, args,
                values: {
                    controller: { type: "daemonset" },
                    alloy: {
                        configMap: { create: true, content: alloyConfig() },
                        extraEnv: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                    },
                },
            }, { parent: this, dependsOn: [loki] });
        }

        // These are Prometheus Operator objects: their CRDs arrive with the chart.
        const afterCrds = { parent: this, dependsOn: [prometheus] };
        new k8s.apiextensions.CustomResource(`${name}-alert-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "kubestrap-platform", namespace, labels: labels("kubestrap-platform", "alert-rules") },
            spec: { groups: [{ name: "kubestrap.platform", rules: platformAlertRules(args.certificateExpiryDays, args.ingressController) }] },
        }, afterCrds);

        if (args.demonNamespace) {
            const demonNs = pulumi.output(args.demonNamespace);
            const monitor = (component: string, port: string, path: string) =>
                new k8s.apiextensions.CustomResource(`${name}-monitor-${component}`, {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: `demon-${component}`, namespace, labels: labels(`demon-${component}`, "service-monitor") },
                    spec: {
                        namespaceSelector: { matchNames: [demonNs] },
                        selector: { matchLabels: { "app.kubernetes.io/part-of": "demon", "app.kubernetes.io/name": component } },
                        endpoints: [{ port, path, interval: "30s" }],
                    },
                }, afterCrds);
            monitor("nats", "metrics", "/metrics");
            for (const component of ["engine", "runtime", "operate-ui"]) {
                monitor(component, "http", "/metrics");
            }
            new k8s.core.v1.ConfigMap(`${name}-demon-dashboard`, {
                metadata: { name: "demon-dashboard", namespace, labels: { ...labels("demon-dashboard", "dashboard"), grafana_dashboard: "1" } },
                data: { "demon.json": demonNs.apply((n) => JSON.stringify(demonDashboard(n))) },
            }, child);
        }

        this.namespace = namespace;
        this.grafanaAdminPassword = pulumi.secret(password.result);
        this.grafanaUrl = args.grafanaIngress
            ? pulumi.output(`${args.grafanaIngress.clusterIssuer ? "https" : "http"}://${args.grafanaIngress.host}`)
            : pulumi.interpolate`http://kube-prometheus-stack-grafana.${namespace}.svc`;
        this.registerOutputs({ namespace: this.namespace, grafanaAdminPassword: this.grafanaAdminPassword, grafanaUrl: this.grafanaUrl });
    }
}
