// The add-on registry: what each add-on installs, its pinned charts, where it runs, its default
// per environment, and what it must come after. Pure data and graph code; the components that
// install each add-on live beside this file.
import { PodSecurityLevel } from "../core/pod-security";

export const addonNames = [
    "metallb", "rook-ceph", "longhorn", "observability", "ingress-nginx", "cert-manager", "external-dns", "sealed-secrets", "flux",
] as const;
export type AddonName = typeof addonNames[number];

/** A Helm chart from a repository, or from a local directory or .tgz (air-gapped installs, tests). */
export interface ChartSource {
    repository?: string;
    name?: string;
    version?: string;
    path?: string;
}

export interface PinnedChart {
    repository: string;
    name: string;
    version: string;
}

export interface AddonDefinition {
    name: AddonName;
    /** What it installs, for the README table and error messages. */
    installs: string;
    namespace: string;
    /** Ceph, node exporters, MetalLB speakers and Longhorn need the host; everything else runs restricted. */
    podSecurity: PodSecurityLevel;
    charts: Record<string, PinnedChart>;
    defaultIn: { dev: boolean; prod: boolean };
    /** Installed after these when they are on, e.g. so their ServiceMonitors find the Prometheus CRDs. */
    after: AddonName[];
}

const definitions: AddonDefinition[] = [
    {
        name: "metallb", installs: "MetalLB and an L2 address pool for LoadBalancer Services on bare metal",
        namespace: "metallb-system", podSecurity: "privileged",
        charts: { metallb: { repository: "https://metallb.github.io/metallb", name: "metallb", version: "0.14.9" } },
        defaultIn: { dev: false, prod: false }, after: [],
    },
    {
        name: "rook-ceph", installs: "the Rook operator and a CephCluster with block, filesystem and object storage classes",
        namespace: "rook-ceph", podSecurity: "privileged",
        charts: { "rook-ceph": { repository: "https://charts.rook.io/release", name: "rook-ceph", version: "v1.17.9" } },
        defaultIn: { dev: false, prod: false }, after: [],
    },
    {
        name: "longhorn", installs: "Longhorn replicated block storage and its StorageClass",
        namespace: "longhorn-system", podSecurity: "privileged",
        charts: { longhorn: { repository: "https://charts.longhorn.io", name: "longhorn", version: "1.7.2" } },
        defaultIn: { dev: false, prod: false }, after: [],
    },
    {
        name: "observability", installs: "kube-prometheus-stack (Prometheus, Alertmanager, Grafana), Loki and Alloy, alert rules, the Demon dashboard",
        namespace: "monitoring", podSecurity: "privileged",
        charts: {
            "kube-prometheus-stack": { repository: "https://prometheus-community.github.io/helm-charts", name: "kube-prometheus-stack", version: "66.3.1" },
            loki: { repository: "https://grafana.github.io/helm-charts", name: "loki", version: "6.22.0" },
            alloy: { repository: "https://grafana.github.io/helm-charts", name: "alloy", version: "0.10.1" },
        },
        defaultIn: { dev: false, prod: true }, after: ["rook-ceph", "longhorn"],
    },
    {
        name: "ingress-nginx", installs: "the NGINX ingress controller and its IngressClass",
        namespace: "ingress-nginx", podSecurity: "restricted",
        charts: { "ingress-nginx": { repository: "https://kubernetes.github.io/ingress-nginx", name: "ingress-nginx", version: "4.11.3" } },
        defaultIn: { dev: false, prod: false }, after: ["metallb", "observability"],
    },
    {
        name: "cert-manager", installs: "cert-manager and Let's Encrypt staging and prod ClusterIssuers (HTTP-01, DNS-01 via Cloudflare)",
        namespace: "cert-manager", podSecurity: "restricted",
        charts: { "cert-manager": { repository: "https://charts.jetstack.io", name: "cert-manager", version: "v1.16.2" } },
        defaultIn: { dev: false, prod: true }, after: ["ingress-nginx", "observability"],
    },
    {
        name: "external-dns", installs: "ExternalDNS, keeping Cloudflare records in step with Ingresses",
        namespace: "external-dns", podSecurity: "restricted",
        charts: { "external-dns": { repository: "https://kubernetes-sigs.github.io/external-dns", name: "external-dns", version: "1.15.0" } },
        defaultIn: { dev: false, prod: false }, after: ["ingress-nginx", "observability"],
    },
    {
        name: "sealed-secrets", installs: "the sealed-secrets controller, so a Git repository can carry encrypted Secrets",
        namespace: "sealed-secrets", podSecurity: "restricted",
        charts: { "sealed-secrets": { repository: "https://bitnami-labs.github.io/sealed-secrets", name: "sealed-secrets", version: "2.16.2" } },
        defaultIn: { dev: false, prod: true }, after: ["observability"],
    },
    {
        name: "flux", installs: "Flux's source, kustomize and helm controllers (a rendered `flux install`) and a GitRepository and Kustomization per app repository",
        // No chart: the controllers come from `flux install --export` (addons/flux.ts).
        namespace: "flux-system", podSecurity: "restricted", charts: {},
        defaultIn: { dev: false, prod: false }, after: ["observability"],
    },
];

export const registry: Record<AddonName, AddonDefinition> =
    Object.fromEntries(definitions.map((d) => [d.name, d])) as Record<AddonName, AddonDefinition>;

/** The chart to install: the pinned one, with whatever the stack overrides. */
export function chartSource(pinned: PinnedChart, override: ChartSource = {}): ChartSource {
    if (override.path) {
        return { path: override.path };
    }
    return {
        repository: override.repository ?? pinned.repository,
        name: override.name ?? pinned.name,
        version: override.version ?? pinned.version,
    };
}

export interface AddonNode {
    /** Must be on: it is a config error when one of these is off. */
    requires: string[];
    /** Ordering only: waited for when on. */
    after: string[];
}

export interface AddonPlan {
    /** Enabled add-ons, each after everything it waits for. */
    order: string[];
    /** For each enabled add-on, the enabled add-ons it waits for. */
    waitsFor: Record<string, string[]>;
    problems: { addon: string; message: string }[];
}

/** Orders the enabled add-ons and finds disabled requirements and dependency cycles. */
export function planAddons(enabled: Record<string, AddonNode>, known: readonly string[]): AddonPlan {
    const problems: AddonPlan["problems"] = [];
    const waitsFor: Record<string, string[]> = {};
    for (const [name, node] of Object.entries(enabled)) {
        for (const dep of node.requires) {
            if (!known.includes(dep)) {
                problems.push({ addon: name, message: `depends on "${dep}", which is not an add-on; known add-ons are ${known.join(", ")}` });
            } else if (!(dep in enabled)) {
                problems.push({ addon: name, message: `needs the ${dep} add-on, which is off; enable it (kubestrap:addons.${dep}.enabled: true) or turn ${name} off` });
            }
        }
        waitsFor[name] = [...new Set([...node.requires, ...node.after])].filter((dep) => dep in enabled && dep !== name);
    }

    const order: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, trail: string[]): void => {
        if (state.get(name) === "done") {
            return;
        }
        if (state.get(name) === "visiting") {
            const cycle = [...trail.slice(trail.indexOf(name)), name];
            problems.push({ addon: name, message: `dependency cycle ${cycle.join(" -> ")}; remove one of these dependsOn entries` });
            return;
        }
        state.set(name, "visiting");
        for (const dep of waitsFor[name]) {
            visit(dep, [...trail, name]);
        }
        state.set(name, "done");
        order.push(name);
    };
    for (const name of Object.keys(enabled).sort((a, b) => known.indexOf(a) - known.indexOf(b))) {
        visit(name, []);
    }
    return { order, waitsFor, problems };
}
