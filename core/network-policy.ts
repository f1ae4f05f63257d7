// What every NetworkPolicy plan shares: a policy as a name and its spec, namespaces selected by
// name, DNS egress for a default-deny baseline, and the label that admits monitoring's scrapes.
import type * as k8s from "@pulumi/kubernetes";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Namespaces with this label may scrape NATS monitoring (the observability stack sets it). */
export const monitoringNamespaceLabel = "kubestrap.io/monitoring";

export const namespaceSelector = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });

/** The egress rule every default-deny baseline keeps: name lookups at the cluster's DNS. */
export const dnsEgress = () => ({
    to: [{ namespaceSelector: namespaceSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
});

export interface PolicyPlan {
    name: string;
    spec: NetworkPolicySpec;
}
