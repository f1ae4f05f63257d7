// One promtool case per shipped alert (tests/e2e/prometheus-oracles.e2e.ts): series in the
// exporters' own metric names that should fire it, the labels and text a receiver then gets,
// written out as a person reading the notification expects them, and series that should not.
import { IngressController } from "../../addons/alert-rules";

export interface AlertCase {
    /** promtool input_series: a series and its values in expanding notation, one sample a minute. */
    firing: { series: string; values: string }[];
    quiet: { series: string; values: string }[];
    at: string;
    labels: Record<string, string>;
    annotations: { summary: string; description: string };
}

const pod = 'namespace="shop", pod="web-1", container="web"';

const ingressCases: Record<IngressController, AlertCase> = {
    "ingress-nginx": {
        firing: [
            { series: 'nginx_ingress_controller_requests{ingress="web", exported_namespace="shop", status="500"}', values: "0+60x30" },
            { series: 'nginx_ingress_controller_requests{ingress="web", exported_namespace="shop", status="200"}', values: "0+60x30" },
        ],
        quiet: [
            { series: 'nginx_ingress_controller_requests{ingress="web", exported_namespace="shop", status="500"}', values: "0+1x30" },
            { series: 'nginx_ingress_controller_requests{ingress="web", exported_namespace="shop", status="200"}', values: "0+99x30" },
        ],
        at: "20m",
        labels: { severity: "warning", ingress: "web", exported_namespace: "shop" },
        annotations: {
            summary: "More than 5% of requests through an Ingress fail with 5xx",
            description: "Ingress shop/web answers 50% of requests with a server error.",
        },
    },
    traefik: {
        firing: [
            { series: 'traefik_service_requests_total{service="shop-web-80@kubernetes", code="502"}', values: "0+60x30" },
            { series: 'traefik_service_requests_total{service="shop-web-80@kubernetes", code="200"}', values: "0+60x30" },
        ],
        quiet: [
            { series: 'traefik_service_requests_total{service="shop-web-80@kubernetes", code="502"}', values: "0+1x30" },
            { series: 'traefik_service_requests_total{service="shop-web-80@kubernetes", code="200"}', values: "0+99x30" },
        ],
        at: "20m",
        labels: { severity: "warning", service: "shop-web-80@kubernetes" },
        annotations: {
            summary: "More than 5% of requests through an Ingress fail with 5xx",
            description: "Traefik service shop-web-80@kubernetes answers 50% of requests with a server error.",
        },
    },
};

export function alertCases(controller: IngressController): Record<string, AlertCase> {
    return {
        CertificateExpiresSoon: {
            // cert-manager's ServiceMonitor keeps the certificate's namespace as exported_namespace.
            firing: [{ series: 'certmanager_certificate_expiration_timestamp_seconds{name="web-tls", exported_namespace="shop", namespace="cert-manager"}', values: "432000+0x180" }],
            quiet: [{ series: 'certmanager_certificate_expiration_timestamp_seconds{name="web-tls", exported_namespace="shop", namespace="cert-manager"}', values: "2592000+0x180" }],
            at: "2h",
            labels: { severity: "warning", name: "web-tls", exported_namespace: "shop", namespace: "cert-manager" },
            annotations: {
                summary: "A certificate expires within 15 days",
                description: "shop/web-tls has not been renewed; check `kubectl describe certificate -n shop web-tls` and the issuer.",
            },
        },
        IngressHighErrorRate: ingressCases[controller],
        ContainerCpuThrottled: {
            firing: [
                { series: `container_cpu_cfs_throttled_periods_total{${pod}}`, values: "0+50x40" },
                { series: `container_cpu_cfs_periods_total{${pod}}`, values: "0+100x40" },
            ],
            quiet: [
                { series: `container_cpu_cfs_throttled_periods_total{${pod}}`, values: "0+5x40" },
                { series: `container_cpu_cfs_periods_total{${pod}}`, values: "0+100x40" },
            ],
            at: "30m",
            labels: { severity: "warning", namespace: "shop", pod: "web-1", container: "web" },
            annotations: {
                summary: "A container is CPU-throttled more than a quarter of the time",
                description: "shop/web-1 (web) hits its CPU limit; raise the limit or find the hot loop.",
            },
        },
        ContainerRestartBurst: {
            firing: [{ series: `kube_pod_container_status_restarts_total{${pod}}`, values: "0+1x30" }],
            quiet: [{ series: `kube_pod_container_status_restarts_total{${pod}}`, values: "0+0x30" }],
            at: "20m",
            labels: { severity: "critical", namespace: "shop", pod: "web-1", container: "web" },
            annotations: {
                summary: "A container restarted more than 3 times in 15 minutes",
                description: "shop/web-1 (web) is crash-looping; see `kubectl logs --previous`.",
            },
        },
        PersistentVolumeFilling: {
            firing: [
                { series: 'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="data-db-0"}', values: "10+0x30" },
                { series: 'kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="data-db-0"}', values: "100+0x30" },
            ],
            quiet: [
                { series: 'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim="data-db-0"}', values: "50+0x30" },
                { series: 'kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim="data-db-0"}', values: "100+0x30" },
            ],
            at: "20m",
            labels: { severity: "warning", namespace: "shop", persistentvolumeclaim: "data-db-0" },
            annotations: {
                summary: "A volume has less than 15% space left",
                description: "PVC shop/data-db-0 is 10% free; grow it before it fills.",
            },
        },
    };
}
