// The alert rules kubestrap ships: certificates, ingress errors, throttling, restarts, full volumes.

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string; description: string };
}

/** The controller serving Ingresses: ingress-nginx when that add-on is on, else k3s's Traefik. */
export type IngressController = "ingress-nginx" | "traefik";

/** The share of 5xx answers per route, in each controller's own metric names. */
const ingressErrorRatio: Record<IngressController, { expr: string; route: string }> = {
    "ingress-nginx": {
        expr: 'sum by (ingress, exported_namespace) (rate(nginx_ingress_controller_requests{status=~"5.."}[5m]))'
            + " / sum by (ingress, exported_namespace) (rate(nginx_ingress_controller_requests[5m])) > 0.05",
        route: "Ingress {{ $labels.exported_namespace }}/{{ $labels.ingress }}",
    },
    // Traefik labels its request counter by service (namespace-name-port@kubernetes) and status code.
    traefik: {
        expr: 'sum by (service) (rate(traefik_service_requests_total{code=~"5.."}[5m]))'
            + " / sum by (service) (rate(traefik_service_requests_total[5m])) > 0.05",
        route: "Traefik service {{ $labels.service }}",
    },
};

export function platformAlertRules(certificateExpiryDays: number, ingressController: IngressController): AlertRule[] {
    const ingress = ingressErrorRatio[ingressController];
    return [
        {
            alert: "CertificateExpiresSoon",
            expr: `(certmanager_certificate_expiration_timestamp_seconds - time()) < ${certificateExpiryDays} * 24 * 3600`,
            for: "1h",
            labels: { severity: "warning" },
            annotations: {
                summary: "A certificate expires within " + certificateExpiryDays + " days",
                // cert-manager's ServiceMonitor does not honour the metric's labels: the certificate's own
                // namespace arrives as exported_namespace (namespace is cert-manager's).
                description: "{{ or $labels.exported_namespace $labels.namespace }}/{{ $labels.name }} has not been renewed; check `kubectl describe certificate -n {{ or $labels.exported_namespace $labels.namespace }} {{ $labels.name }}` and the issuer.",
            },
        },
        {
            alert: "IngressHighErrorRate",
            expr: ingress.expr,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "More than 5% of requests through an Ingress fail with 5xx",
                description: `${ingress.route} answers {{ $value | humanizePercentage }} of requests with a server error.`,
            },
        },
        {
            alert: "ContainerCpuThrottled",
            expr: "sum by (namespace, pod, container) (rate(container_cpu_cfs_throttled_periods_total[5m]))"
                + " / sum by (namespace, pod, container) (rate(container_cpu_cfs_periods_total[5m])) > 0.25",
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A container is CPU-throttled more than a quarter of the time",
                description: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) hits its CPU limit; raise the limit or find the hot loop.",
            },
        },
        {
            alert: "ContainerRestartBurst",
            expr: "increase(kube_pod_container_status_restarts_total[15m]) > 3",
            for: "0m",
            labels: { severity: "critical" },
            annotations: {
                summary: "A container restarted more than 3 times in 15 minutes",
                description: "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is crash-looping; see `kubectl logs --previous`.",
            },
        },
        {
            alert: "PersistentVolumeFilling",
            expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.15",
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A volume has less than 15% space left",
                description: "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} free; grow it before it fills.",
            },
        },
    ];
}
