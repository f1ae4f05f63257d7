// Installs the add-ons that are on, in registry order, each after the add-ons it waits for.
import * as pulumi from "@pulumi/pulumi";
import { ResolvedAddons } from "../config";
import { AddonName, registry, resourceValues } from "../addons";
import { CephStorage, CertManager, ExternalDns, Flux, IngressNginx, Longhorn, MetalLb, ObservabilityStack, SealedSecrets } from "../lib";
import { EnvironmentProfile } from "./environments";

export interface InstalledAddons {
    /** The add-ons that are on, in install order. */
    order: AddonName[];
    components: Partial<Record<AddonName, pulumi.ComponentResource>>;
    ingressNginx?: IngressNginx;
    certManager?: CertManager;
    observability?: ObservabilityStack;
    ceph?: CephStorage;
}

export interface AddonContext {
    profile: EnvironmentProfile;
    /** Where the Demon stack runs, when it is on, for the observability add-on to scrape. */
    demonNamespace?: string;
}

export function installAddons(addons: ResolvedAddons, context: AddonContext, opts: pulumi.ComponentResourceOptions): InstalledAddons {
    const { settings } = addons;
    const on = (name: AddonName) => addons.order.includes(name);
    const metrics = on("observability");
    const components: InstalledAddons["components"] = {};
    const optsFor = (name: AddonName): pulumi.ComponentResourceOptions => ({
        ...opts,
        dependsOn: (addons.waitsFor[name] ?? []).map((dep) => components[dep]!),
    });
    const charts = (name: AddonName) => ({
        charts: settings[name].charts, values: settings[name].values, resources: resourceValues(name, settings[name].resources),
    });

    const create: Record<AddonName, () => pulumi.ComponentResource> = {
        metallb: () => new MetalLb("metallb", { ...charts("metallb"), addresses: settings.metallb.addresses ?? [] }, optsFor("metallb")),
        "rook-ceph": () => {
            const ceph = settings["rook-ceph"];
            return new CephStorage("ceph", {
                ...charts("rook-ceph"), mons: ceph.mons, replication: ceph.replication, useAllNodes: ceph.useAllNodes,
                deviceFilter: ceph.deviceFilter, nodes: ceph.nodes, block: ceph.block, filesystem: ceph.filesystem,
                object: ceph.object, protectData: ceph.protectData ?? context.profile.protectData,
            }, optsFor("rook-ceph"));
        },
        longhorn: () => new Longhorn("longhorn", {
            ...charts("longhorn"), replicas: settings.longhorn.replicas ?? context.profile.storageReplicas,
            defaultClass: settings.longhorn.defaultClass, protectData: settings.longhorn.protectData ?? context.profile.protectData, metrics,
        }, optsFor("longhorn")),
        observability: () => {
            const o = settings.observability;
            return new ObservabilityStack("observability", {
                ...charts("observability"), retention: o.retention, storageClass: o.storageClass, prometheusSize: o.prometheusSize,
                logs: o.logs, certificateExpiryDays: o.certificateExpiryDays,
                ingressController: on("ingress-nginx") ? "ingress-nginx" : "traefik",
                grafanaIngress: o.grafanaHost ? {
                    host: o.grafanaHost,
                    className: on("ingress-nginx") ? settings["ingress-nginx"].className : undefined,
                    clusterIssuer: on("cert-manager") ? context.profile.clusterIssuer : undefined,
                } : undefined,
                demonNamespace: context.demonNamespace, alertReceivers: o.alerting.receivers,
            }, optsFor("observability"));
        },
        "ingress-nginx": () => {
            const i = settings["ingress-nginx"];
            return new IngressNginx("ingress-nginx", {
                ...charts("ingress-nginx"), className: i.className, defaultClass: i.defaultClass, serviceType: i.serviceType,
                replicas: i.replicas ?? context.profile.apps.replicas, metrics,
            }, optsFor("ingress-nginx"));
        },
        "cert-manager": () => {
            const c = settings["cert-manager"];
            const http01 = c.http01 || !c.cloudflare;
            return new CertManager("cert-manager", {
                ...charts("cert-manager"), email: c.email!, cloudflare: c.cloudflare, metrics,
                http01IngressClass: http01 ? c.http01?.ingressClass ?? (on("ingress-nginx") ? settings["ingress-nginx"].className : "traefik") : undefined,
            }, optsFor("cert-manager"));
        },
        "external-dns": () => {
            const e = settings["external-dns"];
            return new ExternalDns("external-dns", {
                ...charts("external-dns"), cloudflareApiToken: e.cloudflareApiToken!, domainFilters: e.domainFilters,
                txtOwnerId: e.txtOwnerId, metrics,
            }, optsFor("external-dns"));
        },
        "sealed-secrets": () => new SealedSecrets("sealed-secrets", { ...charts("sealed-secrets"), metrics }, optsFor("sealed-secrets")),
        flux: () => {
            const flux = settings.flux.resolved!;
            return new Flux("flux", { manifests: flux.objects, repositories: flux.repositories }, optsFor("flux"));
        },
    };
    for (const name of addons.order) {
        components[name] = create[name]();
    }
    return {
        order: addons.order,
        components,
        ingressNginx: components["ingress-nginx"] as IngressNginx | undefined,
        certManager: components["cert-manager"] as CertManager | undefined,
        observability: components.observability as ObservabilityStack | undefined,
        ceph: components["rook-ceph"] as CephStorage | undefined,
    };
}

/** The namespace an ingress controller runs in: NetworkPolicies admit traffic from there. */
export const ingressControllerNamespace = (addons: ResolvedAddons): string =>
    addons.order.includes("ingress-nginx") ? registry["ingress-nginx"].namespace : "kube-system";
