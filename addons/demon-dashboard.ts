// The Grafana dashboard for the Demon stack: NATS JetStream traffic and the services' health.

function panel(id: number, title: string, expr: string, unit: string, x: number, y: number) {
    return {
        id, title, type: "timeseries",
        gridPos: { h: 8, w: 12, x, y },
        datasource: { type: "prometheus", uid: "${datasource}" },
        fieldConfig: { defaults: { unit }, overrides: [] },
        targets: [{ expr, refId: "A", legendFormat: "{{pod}}" }],
    };
}

export function demonDashboard(namespace: string): Record<string, unknown> {
    const ns = `namespace="${namespace}"`;
    return {
        uid: "kubestrap-demon",
        title: "Demon stack",
        tags: ["kubestrap", "demon"],
        timezone: "browser",
        schemaVersion: 39,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [{ name: "datasource", type: "datasource", query: "prometheus", current: { text: "Prometheus", value: "prometheus" } }],
        },
        panels: [
            // prometheus-nats-exporter's names: JetStream totals per server (jsz), core counters from /varz.
            panel(1, "JetStream messages stored", `sum by (pod) (jetstream_server_total_messages{${ns}})`, "short", 0, 0),
            panel(2, "JetStream bytes stored", `sum by (pod) (jetstream_server_total_message_bytes{${ns}})`, "bytes", 12, 0),
            panel(3, "NATS messages in per second", `sum by (pod) (rate(gnatsd_varz_in_msgs{${ns}}[5m]))`, "ops", 0, 8),
            panel(4, "NATS client connections", `sum by (pod) (gnatsd_varz_connections{${ns}})`, "short", 12, 8),
            panel(5, "Service restarts", `sum by (pod) (increase(kube_pod_container_status_restarts_total{${ns}}[1h]))`, "short", 0, 16),
            panel(6, "Service CPU", `sum by (pod) (rate(container_cpu_usage_seconds_total{${ns}, container!=""}[5m]))`, "cores", 12, 16),
        ],
    };
}
