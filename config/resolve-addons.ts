// Resolves the add-on settings: which are on (config, else the environment's default), in what
// order, the rules that span add-ons, and their secrets.
import { AddonName, addonNames, planAddons, registry } from "../addons/registry";
import { resolveAddonResources } from "../addons/resources-config";
import { resolveAlertReceivers, ResolvedAlertReceiver } from "../addons/alert-receivers";
import { AddonsConfig } from "../addons/config";
import { addonIsOn } from "./cross-checks";
import { ResolvedFlux, resolveFlux } from "../addons/flux-config";
import { configPath } from "../core/problems";
import { Secret, SecretResolver } from "../core/secrets";
import { StackConfig } from "./schema";

/** What the Flux add-on reads: its rendered controllers. */
export interface FileSources { readFile: (file: string) => string; env: Record<string, string | undefined>; baseDir: string }

type CertManagerSettings = AddonsConfig["cert-manager"];
type ExternalDnsSettings = AddonsConfig["external-dns"];
type ObservabilitySettings = AddonsConfig["observability"];

export interface ResolvedAddonSettings extends Omit<AddonsConfig, "cert-manager" | "external-dns" | "observability"> {
    observability: Omit<ObservabilitySettings, "alerting"> & { alerting: { receivers: ResolvedAlertReceiver[] } };
    "cert-manager": Omit<CertManagerSettings, "cloudflare"> & {
        cloudflare?: Omit<NonNullable<CertManagerSettings["cloudflare"]>, "apiToken"> & { apiToken: Secret };
    };
    "external-dns": Omit<ExternalDnsSettings, "cloudflareApiToken"> & { cloudflareApiToken?: Secret };
    /** Read and checked only when Flux is on. */
    flux: AddonsConfig["flux"] & { resolved?: ResolvedFlux };
}

export interface ResolvedAddons {
    /** The add-ons that are on, each after the ones it waits for. */
    order: AddonName[];
    waitsFor: Partial<Record<AddonName, AddonName[]>>;
    settings: ResolvedAddonSettings;
}

/** Which add-ons are on and in what order, their secrets, and the rules that span add-ons. */
export function resolveAddons(config: StackConfig, resolver: SecretResolver, problems: string[], sources: FileSources): ResolvedAddons {
    const at = (name: AddonName, ...rest: string[]) => configPath(["addons", name, ...rest]);
    const on = addonNames.filter((name) => addonIsOn(config, name));
    const { metallb, longhorn } = config.addons;
    const ceph = config.addons["rook-ceph"];
    const certManager = config.addons["cert-manager"];
    const externalDns = config.addons["external-dns"];
    const k3sDisables = config.cluster.target === "k3s" ? config.cluster.k3s?.disable ?? [] : undefined;

    if (on.includes("metallb") && !metallb.addresses) {
        problems.push(`${at("metallb", "addresses")}: MetalLB needs the addresses it may hand out, e.g. ["192.168.1.240-192.168.1.250"]`);
    }
    if (on.includes("rook-ceph") && !ceph.useAllNodes && ceph.nodes.length === 0) {
        problems.push(`${at("rook-ceph", "nodes")}: say which nodes and disks Ceph may use (nodes: [{name, devices}]), or set useAllNodes: true with a deviceFilter`);
    }
    if (on.includes("rook-ceph") && on.includes("longhorn") && ceph.block.enabled && ceph.block.defaultClass && longhorn.defaultClass) {
        problems.push(`${at("longhorn", "defaultClass")}: Ceph block storage is already the default StorageClass; set one of them to false`);
    }
    if (on.includes("cert-manager") && !certManager.email) {
        problems.push(`${at("cert-manager", "email")}: Let's Encrypt needs an account e-mail for expiry notices; set it, or turn cert-manager off`);
    }
    if (on.includes("cert-manager") && !certManager.http01 && !certManager.cloudflare && !on.includes("ingress-nginx") && k3sDisables?.includes("traefik")) {
        problems.push(`${at("cert-manager", "http01")}: HTTP-01 challenges need an ingress controller, and traefik is disabled; enable ingress-nginx, or use cloudflare (DNS-01)`);
    }
    if (on.includes("metallb") && k3sDisables && !k3sDisables.includes("servicelb")) {
        problems.push(`${at("metallb")}: k3s's own servicelb (klipper-lb) would also answer for every LoadBalancer Service; add "servicelb" to kubestrap:cluster.k3s.disable, or turn metallb off`);
    }
    if (on.includes("ingress-nginx") && k3sDisables && !k3sDisables.includes("traefik")) {
        problems.push(`${at("ingress-nginx")}: k3s's own Traefik would compete for ports 80 and 443; add "traefik" to kubestrap:cluster.k3s.disable, or turn ingress-nginx off`);
    }
    if (on.includes("external-dns") && !externalDns.cloudflareApiToken) {
        problems.push(`${at("external-dns", "cloudflareApiToken")}: ExternalDNS needs a Cloudflare API token with Zone:DNS:Edit, e.g. {"fromEnv": "CLOUDFLARE_API_TOKEN"}`);
    }
    if (on.includes("external-dns") && externalDns.domainFilters.length === 0) {
        problems.push(`${at("external-dns", "domainFilters")}: list the zones ExternalDNS may change, e.g. ["example.com"]`);
    }
    if (on.includes("external-dns")) {
        // The destroy-time cleanup (addons/dns-cleanup.ts) reads ExternalDNS's default ownership records.
        const values = (externalDns.values["external-dns"] ?? {}) as Record<string, unknown>;
        const registryOverrides = ["txtPrefix", "txtSuffix", "managedRecordTypes", "registry"].filter((k) => values[k] !== undefined && !(k === "registry" && values[k] === "txt"));
        const args = (Array.isArray(values.extraArgs) ? values.extraArgs : []).map(String)
            .filter((a) => /^--(txt-prefix|txt-suffix|txt-wildcard-replacement|txt-encrypt|managed-record-types|registry)/.test(a));
        for (const key of [...registryOverrides, ...args.map((a) => `extraArgs ${a.split("=")[0]}`)]) {
            problems.push(`${at("external-dns", "values")}: external-dns.${key} changes how ExternalDNS marks the records it owns, which kubestrap reads to remove them when the add-on goes; ` +
                "leave ExternalDNS's defaults (TXT records without prefix, suffix or encryption; A, AAAA and CNAME records), or turn the add-on off and run ExternalDNS yourself");
        }
    }
    for (const name of on) {
        const unknownCharts = Object.keys(config.addons[name].charts).concat(Object.keys(config.addons[name].values))
            .filter((chart) => !(chart in registry[name].charts));
        for (const chart of new Set(unknownCharts)) {
            problems.push(`${at(name)}: "${chart}" is not one of this add-on's charts (${Object.keys(registry[name].charts).join(", ")})`);
        }
    }

    const plan = planAddons(Object.fromEntries(on.map((name) => [name, {
        requires: config.addons[name].dependsOn,
        after: registry[name].after,
    }])), addonNames);
    problems.push(...plan.problems.map((p) => `${at(p.addon as AddonName, "dependsOn")}: ${p.message}`));

    // From here on, each add-on's `resources` is every container's, defaults and overrides merged.
    const addonSettings = Object.fromEntries(addonNames.map((name) => [name, {
        ...config.addons[name],
        resources: resolveAddonResources(name, config.environment, config.addons[name].resources, on.includes(name) ? problems : []),
    }])) as AddonsConfig;

    const cloudflare = certManager.cloudflare;
    return {
        order: plan.order as AddonName[],
        waitsFor: plan.waitsFor as ResolvedAddons["waitsFor"],
        settings: {
            ...addonSettings,
            observability: {
                ...addonSettings.observability,
                alerting: {
                    receivers: on.includes("observability") ? resolveAlertReceivers(config.addons.observability.alerting.receivers, resolver) : [],
                },
            },
            "cert-manager": {
                ...addonSettings["cert-manager"],
                cloudflare: cloudflare && on.includes("cert-manager")
                    ? { ...cloudflare, apiToken: resolver.resolve(cloudflare.apiToken, ["addons", "cert-manager", "cloudflare", "apiToken"]) }
                    : undefined,
            },
            flux: { ...addonSettings.flux, resolved: on.includes("flux") ? resolveFlux(config.addons.flux, sources, resolver, problems) : undefined },
            "external-dns": {
                ...addonSettings["external-dns"],
                cloudflareApiToken: externalDns.cloudflareApiToken && on.includes("external-dns")
                    ? resolver.resolve(externalDns.cloudflareApiToken, ["addons", "external-dns", "cloudflareApiToken"])
                    : undefined,
            },
        },
    };
}
