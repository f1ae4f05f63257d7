// ObservabilityStack: kube-prometheus-stack (Prometheus, Alertmanager, Grafana), Loki with
// Alloy shipping every pod's logs, kubestrap's alert rules, and the Demon stack's monitors and dashboard.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { monitoringNamespaceLabel } from "../demon-specs";
import { GeneratedSecret } from "../generated-secret";
import { platformAlertRules } from "./alert-rules";
import { demonDashboard } from "./demon-dashboard";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface ObservabilityStackArgs extends AddonChartArgs {
    retention: string;
    storageClass?: string;
    prometheusSize: string;
    logs: { enabled: boolean; retention: string; size: string };
    grafanaHost?: string;
    certificateExpiryDays: number;
    /** Where the Demon stack runs, to scrape it and chart it; absent when it is off. */
    demonNamespace?: pulumi.Input<string>;
}

export const grafanaAdminSecret = "grafana-admin";
const lokiPushUrl = "http://loki.monitoring.svc:3100/loki/api/v1/push";

function alloyConfig(): string {
    return [
        'discovery.kubernetes "pods" {', '  role = "pod"', "}",
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

        const password = new GeneratedSecret(`${name}-grafana-password`, { length: 32 }, child);
        const admin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: grafanaAdminSecret, namespace },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": password.value },
        }, child);

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
                alertmanager: { alertmanagerSpec: { storage: volume("1Gi") } },
                grafana: {
                    admin: { existingSecret: grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
                    sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
                    ...(args.grafanaHost ? { ingress: { enabled: true, hosts: [args.grafanaHost] } } : {}),
                    ...(args.logs.enabled ? {
                        additionalDataSources: [{ name: "Loki", type: "loki", url: "http://loki.monitoring.svc:3100", access: "proxy" }],
                    } : {}),
                },
            },
        }, { parent: this, dependsOn: [ns, admin] });

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
                    monitoring: { selfMonitoring: { enabled: false }, lokiCanary: { enabled: false } },
                    test: { enabled: false },
                },
            }, { parent: this, dependsOn: [ns] });
            addonRelease({
                addon, chart: "alloy", namespace, args,
                values: { controller: { type: "daemonset" }, alloy: { configMap: { create: true, content: alloyConfig() } } },
            }, { parent: this, dependsOn: [loki] });
        }

        // These are Prometheus Operator objects: their CRDs arrive with the chart.
        const afterCrds = { parent: this, dependsOn: [prometheus] };
        new k8s.apiextensions.CustomResource(`${name}-alert-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "kubestrap-platform", namespace },
            spec: { groups: [{ name: "kubestrap.platform", rules: platformAlertRules(args.certificateExpiryDays) }] },
        }, afterCrds);

        if (args.demonNamespace) {
            const demonNs = pulumi.output(args.demonNamespace);
            const monitor = (component: string, port: string, path: string) =>
                new k8s.apiextensions.CustomResource(`${name}-monitor-${component}`, {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: `demon-${component}`, namespace },
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
                metadata: { name: "demon-dashboard", namespace, labels: { grafana_dashboard: "1" } },
                data: { "demon.json": demonNs.apply((n) => JSON.stringify(demonDashboard(n))) },
            }, child);
        }

        this.namespace = namespace;
        this.grafanaAdminPassword = password.value;
        this.grafanaUrl = args.grafanaHost
            ? pulumi.output(`https://${args.grafanaHost}`)
            : pulumi.interpolate`http://kube-prometheus-stack-grafana.${namespace}.svc`;
        this.registerOutputs({ namespace: this.namespace, grafanaAdminPassword: this.grafanaAdminPassword, grafanaUrl: this.grafanaUrl });
    }
}
