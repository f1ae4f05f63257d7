// The `kubestrap:addons` settings: one optional block per add-on in the registry.
import { z } from "zod";
import { addonNames } from "./registry";
import { alerting } from "./alerting-config";
import { fluxSettings } from "./flux-config";
import { addressRange, byteQuantity, cpuQuantity, dnsName, host, secretRef } from "../core/primitives";

const chartSource = z.object({
    repository: z.string().url().optional(),
    name: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
}).strict().superRefine((c, ctx) => {
    if (c.path && (c.repository || c.name || c.version)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "a chart comes from a local path or from a repository, not both; keep one" });
    }
});

const addonName = z.enum(addonNames);
const helmValues = z.record(z.unknown());
const amounts = z.object({ cpu: cpuQuantity.optional(), memory: byteQuantity.optional() }).strict();
/** Laid over the environment's default for that container; limits below requests are caught once merged. */
const containerResources = z.object({ requests: amounts.optional(), limits: amounts.optional() }).strict();

/** What every add-on accepts: on/off, chart sources and Helm values per chart, extra ordering. */
function addon<T extends z.ZodRawShape>(shape: T) {
    return z.preprocess((value) => value ?? {}, z.object({
        enabled: z.boolean().optional(),
        charts: z.record(chartSource).default({}),
        values: z.record(helmValues).default({}),
        dependsOn: z.array(addonName).default([]),
        /** Per container (addons/resources.ts names them): requests and limits over the environment's. */
        resources: z.record(containerResources).default({}),
        ...shape,
    }).strict());
}

const duration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, "is not a duration; use a number and a unit, e.g. 15d or 168h");

export const addonsSchema = z.object({
    metallb: addon({ addresses: z.array(addressRange).min(1).optional() }),
    "rook-ceph": addon({
        /** protect + retainOnDelete on the cluster and pools; defaults to the environment (on in prod). */
        protectData: z.boolean().optional(),
        mons: z.number().int().min(1).max(7).refine((n) => n % 2 === 1, "must be odd (1, 3 or 5) so the monitors keep quorum").default(3),
        replication: z.number().int().min(1).max(5).default(3),
        useAllNodes: z.boolean().default(false),
        deviceFilter: z.string().min(1).optional(),
        nodes: z.array(z.object({
            name: z.string().min(1),
            devices: z.array(z.string().min(1)).default([]),
            deviceFilter: z.string().min(1).optional(),
        }).strict()).default([]),
        block: z.object({ enabled: z.boolean().default(true), defaultClass: z.boolean().default(true) }).strict().default({}),
        filesystem: z.object({ enabled: z.boolean().default(true) }).strict().default({}),
        object: z.object({ enabled: z.boolean().default(true), users: z.array(dnsName).default(["kubestrap"]) }).strict().default({}),
    }),
    longhorn: addon({
        protectData: z.boolean().optional(),
        replicas: z.number().int().min(1).max(5).optional(),
        defaultClass: z.boolean().default(false),
    }),
    observability: addon({
        retention: duration.default("15d"),
        storageClass: z.string().min(1).optional(),
        prometheusSize: byteQuantity.default("20Gi"),
        logs: z.object({
            enabled: z.boolean().default(true),
            retention: duration.default("168h"),
            size: byteQuantity.default("10Gi"),
        }).strict().default({}),
        grafanaHost: host.optional(),
        certificateExpiryDays: z.number().int().min(1).default(15),
        alerting,
    }),
    "ingress-nginx": addon({
        className: dnsName.default("nginx"),
        defaultClass: z.boolean().default(true),
        serviceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).default("LoadBalancer"),
        replicas: z.number().int().min(1).optional(),
    }),
    "cert-manager": addon({
        email: z.string().email("is not an e-mail address; Let's Encrypt sends expiry notices to it").optional(),
        http01: z.object({ ingressClass: z.string().min(1).optional() }).strict().optional(),
        cloudflare: z.object({ apiToken: secretRef, zones: z.array(host).default([]) }).strict().optional(),
    }),
    "external-dns": addon({
        cloudflareApiToken: secretRef.optional(),
        domainFilters: z.array(host).default([]),
        txtOwnerId: z.string().min(1).default("kubestrap"),
    }),
    "sealed-secrets": addon({}),
    flux: addon(fluxSettings),
}).strict().default({});

export type AddonsConfig = z.infer<typeof addonsSchema>;
