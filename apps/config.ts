// `kubestrap:apps`: one WebApp's settings (a compose app's are in compose-app.ts).
import { z } from "zod";
import { byteQuantity, cidr, dnsName, envName, image, ingress, path, port, resources, secretRef } from "../core/primitives";

/** An app's replicas per environment when config does not say. */
export const defaultAppReplicas = { dev: 1, prod: 2 } as const;

const probe = z.object({
    path: path.optional(),
    port: port.optional(),
    initialDelaySeconds: z.number().int().min(0).optional(),
    periodSeconds: z.number().int().min(1).optional(),
    failureThreshold: z.number().int().min(1).optional(),
}).strict();

const securityOverrides = z.object({
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().int().min(0).optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    addCapabilities: z.array(z.string().regex(/^[A-Z_]+$/, "capabilities are upper-case, like NET_BIND_SERVICE")).optional(),
}).strict();


/** Apps deny all traffic but the flows they need; this names the ones config adds. */
const appNetworkPolicy = z.object({
    /** Apps this app calls, as "name" (same namespace) or "namespace/name": egress to them, and their ingress from it. */
    dependsOn: z.array(z.string().regex(/^([a-z0-9-]+\/)?[a-z0-9-]+$/, 'names an app as "name" or "namespace/name"')).default([]),
    /** Destinations outside the cluster's apps: a CIDR and the TCP ports. */
    egress: z.array(z.object({ cidr, ports: z.array(port).min(1) }).strict()).default([]),
    /** Namespaces whose pods may call the app (the ingress controller's and dependents' are added anyway). */
    allowFromNamespaces: z.array(dnsName).default([]),
}).strict().default({});

export const app = z.object({
    name: dnsName,
    namespace: dnsName.default("apps"),
    image,
    replicas: z.number().int().min(0).optional(),
    port: port.default(8080),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(envName, z.string()).default({}),
    secretEnv: z.record(envName, secretRef).default({}),
    config: z.object({
        data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, "is not a valid ConfigMap key"), z.string()),
        mountPath: path.optional(),
    }).strict().optional(),
    probes: z.object({ liveness: probe.optional(), readiness: probe.optional(), tcp: z.boolean().default(false) }).strict().default({}),
    resources: resources.optional(),
    persistence: z.object({
        size: byteQuantity,
        storageClass: z.string().min(1).optional(),
        mountPath: path,
        /** ReadWriteMany lets every replica mount the claim; it needs a class that offers it (ceph-filesystem). */
        accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]).default("ReadWriteOnce"),
    }).strict().optional(),
    ingress: ingress.optional(),
    autoscaling: z.object({
        minReplicas: z.number().int().min(1),
        maxReplicas: z.number().int().min(1),
        targetCPUUtilizationPercentage: z.number().int().min(1).max(100).default(80),
    }).strict().refine((a) => a.maxReplicas >= a.minReplicas, {
        message: "maxReplicas must be at least minReplicas", path: ["maxReplicas"],
    }).optional(),
    disruptionBudget: z.object({
        minAvailable: z.number().int().min(0).optional(),
        maxUnavailable: z.number().int().min(1).optional(),
    }).strict().refine((b) => (b.minAvailable === undefined) !== (b.maxUnavailable === undefined), {
        message: 'set one of {"minAvailable": N} or {"maxUnavailable": N}',
    }).optional(),
    security: securityOverrides.default({}),
    networkPolicy: appNetworkPolicy,
}).strict();
export type AppConfig = z.infer<typeof app>;
