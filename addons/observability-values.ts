// The observability add-on's chart values (kube-prometheus-stack, Loki, Alloy), pure: what
// ObservabilityStack gives each Helm release.

/** Grafana behind an Ingress: TLS through cert-manager when an issuer is named. */
export interface GrafanaIngress { host: string; className?: string; clusterIssuer?: string }

export const grafanaAdminSecret = "grafana-admin";
export const grafanaTlsSecret = "grafana-tls";
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

/** The Grafana chart's ingress values: class, host, and TLS from cert-manager when an issuer is named. */
export function grafanaIngressValues(ingress: GrafanaIngress) {
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

/** kube-prometheus-stack: Prometheus, Alertmanager (with its receivers' Secret when it has one) and Grafana. */
export function prometheusStackValues(
    args: { retention: string; storageClass?: string; prometheusSize: string; logs: { enabled: boolean }; grafanaIngress?: GrafanaIngress },
    alertmanagerConfig: unknown, receiversSecret: string | undefined,
) {
    const volume = (size: string) => ({
        volumeClaimTemplate: {
            spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: size } },
                ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
            },
        },
    });
    return {
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
            config: alertmanagerConfig,
            alertmanagerSpec: { storage: volume("1Gi"), ...(receiversSecret ? { secrets: [receiversSecret] } : {}) },
        },
        grafana: {
            admin: { existingSecret: grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            sidecar: { dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" } },
            ...(args.grafanaIngress ? { ingress: grafanaIngressValues(args.grafanaIngress) } : {}),
            ...(args.logs.enabled ? {
                additionalDataSources: [{ name: "Loki", type: "loki", url: "http://loki.monitoring.svc:3100", access: "proxy" }],
            } : {}),
        },
    };
}

/** Loki as a single binary on a filesystem volume, with the logs' retention. */
export function lokiValues(args: { storageClass?: string; logs: { retention: string; size: string } }) {
    return {
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
    };
}

/** Alloy as a DaemonSet that ships its own node's pods' logs to Loki. */
export function alloyValues() {
    return {
        controller: { type: "daemonset" },
        alloy: {
            configMap: { create: true, content: alloyConfig() },
            extraEnv: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
        },
    };
}
