// `kubestrap:demon`: the Demon stack's settings, NATS JetStream's among them.
import { z } from "zod";
import { byteQuantity, dnsName, image, ingress, path, port, resources, secretRef } from "../core/primitives";

const workload = z.object({
    replicas: z.number().int().min(0).optional(),
    port: port.optional(),
    healthPath: path.optional(),
    resources: resources.optional(),
}).strict();

/** NATS servers per environment when config does not say: prod runs a JetStream cluster. */
export const defaultNatsReplicas = { dev: 1, prod: 3 } as const;

/** JetStream's Raft groups: 1, 3 or 5 members (an even count adds no tolerance). */
const raftSize = z.number().int().refine((n) => [1, 3, 5].includes(n), "must be 1, 3 or 5: a JetStream cluster keeps a majority, so an even count survives no more failures than one less");

export const demon = z.object({
    enabled: z.boolean().default(true),
    namespace: dnsName.default("demon-system"),
    /** Where the runtime runs its Jobs: a namespace with nothing else in it. */
    jobsNamespace: dnsName.default("demon-jobs"),
    images: z.object({
        nats: image.default("nats:2.10.22-alpine"),
        natsBox: image.default("natsio/nats-box:0.14.5"),
        engine: image.default("ghcr.io/afewell-hh/demon-engine:0.1.0"),
        runtime: image.default("ghcr.io/afewell-hh/demon-runtime:0.1.0"),
        operateUi: image.default("ghcr.io/afewell-hh/demon-operate-ui:0.1.0"),
        natsExporter: image.default("natsio/prometheus-nats-exporter:0.16.0"),
    }).strict().default({}),
    nats: z.object({
        storageClass: z.string().min(1).optional(),
        size: byteQuantity.optional(),
        resources: resources.optional(),
        /** Servers: 1, or a JetStream cluster of 3 or 5. Defaults to the environment's (prod: 3). */
        replicas: raftSize.optional(),
    }).strict().default({}),
    stream: z.object({
        name: z.string().regex(/^[A-Za-z0-9_-]+$/, "stream names use letters, digits, '_' and '-'").default("RITUAL_EVENTS"),
        subjects: z.array(z.string().regex(/^[^\s]+$/, "subjects contain no spaces")).min(1).default(["ritual.>", "approval.>"]),
        dedupeWindowSeconds: z.number().int().min(1).max(86400).default(60),
        /** Copies of the stream: at most the NATS servers. Defaults to the number of servers. */
        replicas: raftSize.optional(),
    }).strict().default({}),
    engine: workload.default({}),
    runtime: workload.default({}),
    operateUi: workload.default({}),
    ingress: ingress.optional(),
    /** Defaults to ingress-nginx's namespace when that add-on is on, else kube-system (k3s's Traefik). */
    ingressControllerNamespace: dnsName.optional(),
    secrets: z.object({
        adminToken: secretRef,
        githubToken: secretRef.optional(),
    }).strict().optional(),
}).strict().superRefine((d, ctx) => {
    if (d.enabled && !d.secrets) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["secrets"],
            message: 'the Demon stack needs secrets.adminToken; e.g. `pulumi config set --secret demonAdminToken <token>` and {"adminToken": {"fromConfig": "demonAdminToken"}}',
        });
    }
});
export type DemonConfig = z.infer<typeof demon>;
