// What every add-on container asks for and may use, per environment, and the values key its chart
// reads it from. Data beside the registry: one table to read and tune, not numbers in each component.
// Sizes are for a small cluster (Raspberry Pi class nodes in dev); prod gets room for real load.
import { Resources } from "../core/workload";
import { AddonName } from "./registry";

export interface ContainerSizing {
    /** The name `kubestrap:addons.<add-on>.resources.<name>` overrides it by; unique within the add-on. */
    name: string;
    /** The chart's key in the registry. */
    chart: string;
    /** Where the chart reads this container's resources (checked against the chart's values in the tests). */
    valuesPath: string;
    dev: Resources;
    prod: Resources;
}

export interface AddonSizing {
    containers: ContainerSizing[];
    /** Containers the chart runs but takes no resources for from kubestrap, and why. */
    notSized?: string;
}

const size = (request: [string, string], limit: [string, string]): Resources =>
    ({ requests: { cpu: request[0], memory: request[1] }, limits: { cpu: limit[0], memory: limit[1] } });
const job = size(["10m", "32Mi"], ["100m", "64Mi"]);
const reloader = size(["5m", "16Mi"], ["50m", "64Mi"]);
const c = (name: string, chart: string, valuesPath: string, dev: Resources, prod: Resources): ContainerSizing =>
    ({ name, chart, valuesPath, dev, prod });

export const addonSizing: Record<AddonName, AddonSizing> = {
    metallb: {
        containers: [
            c("controller", "metallb", "controller.resources", size(["10m", "32Mi"], ["100m", "128Mi"]), size(["50m", "64Mi"], ["200m", "256Mi"])),
            c("speaker", "metallb", "speaker.resources", size(["10m", "32Mi"], ["100m", "128Mi"]), size(["50m", "64Mi"], ["200m", "256Mi"])),
            // The speaker pod runs FRR beside it (speaker.frr.enabled is the chart's default).
            c("frr", "metallb", "speaker.frr.resources", size(["10m", "64Mi"], ["100m", "128Mi"]), size(["50m", "128Mi"], ["250m", "256Mi"])),
            c("frr-reloader", "metallb", "speaker.reloader.resources", reloader, reloader),
            c("frr-metrics", "metallb", "speaker.frrMetrics.resources", reloader, reloader),
        ],
    },
    "rook-ceph": {
        containers: [
            c("operator", "rook-ceph", "resources", size(["100m", "128Mi"], ["500m", "512Mi"]), size(["200m", "256Mi"], ["1", "1Gi"])),
        ],
        notSized: "the CSI driver pods keep the chart's own per-container requests and memory limits (csi.*Resource); "
            + "the Ceph daemons (mon, mgr, osd) are sized by the CephCluster, not by Helm",
    },
    longhorn: {
        containers: [],
        notSized: "Longhorn's chart (1.7.2) has no resources values for its manager, driver or UI; its instance managers "
            + "take a CPU share from the Longhorn setting guaranteedInstanceManagerCPU",
    },
    observability: {
        containers: [
            c("prometheus", "kube-prometheus-stack", "prometheus.prometheusSpec.resources", size(["200m", "512Mi"], ["1", "2Gi"]), size(["500m", "2Gi"], ["2", "4Gi"])),
            c("alertmanager", "kube-prometheus-stack", "alertmanager.alertmanagerSpec.resources", size(["10m", "32Mi"], ["100m", "128Mi"]), size(["50m", "64Mi"], ["200m", "256Mi"])),
            c("grafana", "kube-prometheus-stack", "grafana.resources", size(["50m", "128Mi"], ["250m", "256Mi"]), size(["100m", "256Mi"], ["500m", "512Mi"])),
            c("grafana-sidecars", "kube-prometheus-stack", "grafana.sidecar.resources", size(["10m", "64Mi"], ["100m", "128Mi"]), size(["20m", "96Mi"], ["200m", "192Mi"])),
            c("prometheus-operator", "kube-prometheus-stack", "prometheusOperator.resources", size(["50m", "64Mi"], ["200m", "256Mi"]), size(["100m", "128Mi"], ["500m", "512Mi"])),
            // The config-reloader sidecar in the Prometheus and Alertmanager pods.
            c("config-reloader", "kube-prometheus-stack", "prometheusOperator.prometheusConfigReloader.resources", size(["10m", "32Mi"], ["100m", "64Mi"]), size(["20m", "50Mi"], ["200m", "128Mi"])),
            c("operator-webhook-patch", "kube-prometheus-stack", "prometheusOperator.admissionWebhooks.patch.resources", job, job),
            c("kube-state-metrics", "kube-prometheus-stack", "kube-state-metrics.resources", size(["10m", "64Mi"], ["100m", "128Mi"]), size(["50m", "128Mi"], ["250m", "512Mi"])),
            c("node-exporter", "kube-prometheus-stack", "prometheus-node-exporter.resources", size(["10m", "32Mi"], ["100m", "64Mi"]), size(["20m", "32Mi"], ["200m", "128Mi"])),
            c("loki", "loki", "singleBinary.resources", size(["100m", "256Mi"], ["1", "1Gi"]), size(["250m", "512Mi"], ["2", "2Gi"])),
            c("loki-gateway", "loki", "gateway.resources", size(["10m", "32Mi"], ["100m", "64Mi"]), size(["50m", "64Mi"], ["200m", "128Mi"])),
            // The rules sidecar in the Loki pod (sidecar.rules.enabled is the chart's default).
            c("loki-sidecar", "loki", "sidecar.resources", size(["10m", "64Mi"], ["100m", "128Mi"]), size(["20m", "64Mi"], ["200m", "128Mi"])),
            c("alloy", "alloy", "alloy.resources", size(["50m", "128Mi"], ["500m", "512Mi"]), size(["100m", "256Mi"], ["1", "1Gi"])),
            c("alloy-config-reloader", "alloy", "configReloader.resources", reloader, reloader),
        ],
    },
    "ingress-nginx": {
        containers: [
            c("controller", "ingress-nginx", "controller.resources", size(["50m", "96Mi"], ["500m", "256Mi"]), size(["100m", "128Mi"], ["1", "512Mi"])),
            c("admission-create", "ingress-nginx", "controller.admissionWebhooks.createSecretJob.resources", job, job),
            c("admission-patch", "ingress-nginx", "controller.admissionWebhooks.patchWebhookJob.resources", job, job),
        ],
    },
    "cert-manager": {
        containers: [
            c("controller", "cert-manager", "resources", size(["10m", "64Mi"], ["100m", "128Mi"]), size(["50m", "128Mi"], ["250m", "256Mi"])),
            c("webhook", "cert-manager", "webhook.resources", size(["10m", "32Mi"], ["100m", "64Mi"]), size(["20m", "64Mi"], ["200m", "128Mi"])),
            c("cainjector", "cert-manager", "cainjector.resources", size(["10m", "64Mi"], ["100m", "128Mi"]), size(["50m", "128Mi"], ["250m", "256Mi"])),
            c("startupapicheck", "cert-manager", "startupapicheck.resources", job, job),
        ],
    },
    "external-dns": {
        containers: [
            c("external-dns", "external-dns", "resources", size(["10m", "32Mi"], ["100m", "64Mi"]), size(["20m", "64Mi"], ["200m", "128Mi"])),
        ],
    },
    "sealed-secrets": {
        containers: [
            c("controller", "sealed-secrets", "resources", size(["10m", "32Mi"], ["100m", "64Mi"]), size(["20m", "64Mi"], ["200m", "128Mi"])),
        ],
    },
    flux: {
        containers: [],
        notSized: "its controllers come from `flux install --export` with Flux's own requests and limits",
    },
};

/** Each container's resources: the environment's default with the config's override laid over it, field by field. */
export function containerResources(addon: AddonName, environment: "dev" | "prod", overrides: Record<string, Resources> = {}): Record<string, Resources> {
    return Object.fromEntries(addonSizing[addon].containers.map((container) => {
        const base = container[environment];
        const over = overrides[container.name] ?? {};
        return [container.name, {
            requests: { ...base.requests, ...over.requests },
            limits: { ...base.limits, ...over.limits },
        }];
    }));
}

/** The Helm values that put each container's resources where its chart reads them, per chart. */
export function resourceValues(addon: AddonName, resources: Record<string, Resources>): Record<string, Record<string, unknown>> {
    const values: Record<string, Record<string, unknown>> = {};
    for (const container of addonSizing[addon].containers) {
        const keys = container.valuesPath.split(".");
        let at = (values[container.chart] ??= {});
        for (const key of keys.slice(0, -1)) {
            at = (at[key] ??= {}) as Record<string, unknown>;
        }
        at[keys[keys.length - 1]] = resources[container.name];
    }
    return values;
}
