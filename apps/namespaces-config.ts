// `kubestrap:namespaces`: namespaces kubestrap makes with a Pod Security level and a
// NetworkPolicy baseline, whether apps live in them now or later (placeholders for teams).
import { z } from "zod";
import { cidr, dnsName, labelKey, labelValue, port } from "../core/primitives";

export const namespaceConfig = z.object({
    name: dnsName,
    /** The Pod Security Standard the API server enforces (and audits and warns) for every pod here. */
    podSecurity: z.enum(["restricted", "baseline", "privileged"]).default("restricted"),
    labels: z.record(labelKey, labelValue).default({}),
    networkPolicy: z.object({
        /** Deny every flow no policy allows: what the namespace runs later starts closed. DNS stays open. */
        defaultDeny: z.boolean().default(true),
        /** Pods here reach each other on any port, as services on one Compose network do. */
        sameNamespace: z.boolean().default(false),
        /** Namespaces whose pods may open connections to any pod here. */
        fromNamespaces: z.array(dnsName).default([]),
        /** Namespaces pods here may open connections to. */
        toNamespaces: z.array(dnsName).default([]),
        /** Destinations outside the cluster: a CIDR and the TCP ports. */
        egress: z.array(z.object({ cidr, ports: z.array(port).min(1) }).strict()).default([]),
    }).strict().default({}),
}).strict();
export type NamespaceConfig = z.infer<typeof namespaceConfig>;

export const namespaces = z.array(namespaceConfig).default([]);
