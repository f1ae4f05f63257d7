// An app's NetworkPolicies: its pods deny everything, then take exactly the flows it needs:
// DNS, the ingress controller (when it has an Ingress), the apps that declare they call it,
// the apps it declares it calls, and any destinations config names.
import { dnsEgress, namespaceSelector, PolicyPlan } from "./demon-specs";

/** Another app, as a peer: where its pods are and the port they serve on. */
export interface AppPeer {
    name: string;
    namespace: string;
    selector: Record<string, string>;
    port: number;
}

export interface AppPolicyArgs {
    /** Prefix for the policies' names: the app's name (several apps share a namespace). */
    app: string;
    selector: Record<string, string>;
    port: number;
    /** Set when the app has an Ingress: the namespace its controller runs in. */
    ingressControllerNamespace?: string;
    /** Apps this app calls. */
    dependencies: AppPeer[];
    /** Apps that call this app. */
    dependents: AppPeer[];
    /** Other destinations: CIDRs and ports. */
    egress: { cidr: string; ports: number[] }[];
    /** Namespaces whose pods may call this app on its port. */
    allowFromNamespaces: string[];
}

const peer = (p: AppPeer) => ({ namespaceSelector: namespaceSelector(p.namespace), podSelector: { matchLabels: p.selector } });
const tcp = (port: number) => ({ protocol: "TCP", port });

export function appNetworkPolicies(a: AppPolicyArgs): PolicyPlan[] {
    const podSelector = { matchLabels: a.selector };
    const callers = [
        ...(a.ingressControllerNamespace ? [{ namespaceSelector: namespaceSelector(a.ingressControllerNamespace) }] : []),
        ...a.allowFromNamespaces.map((ns) => ({ namespaceSelector: namespaceSelector(ns) })),
        ...a.dependents.map(peer),
    ];
    const plans: PolicyPlan[] = [
        { name: `${a.app}-default-deny`, spec: { podSelector, policyTypes: ["Ingress", "Egress"] } },
        {
            name: `${a.app}-allow-dns`,
            spec: {
                podSelector,
                policyTypes: ["Egress"],
                egress: [dnsEgress()],
            },
        },
    ];
    if (callers.length > 0) {
        plans.push({ name: `${a.app}-ingress`, spec: { podSelector, policyTypes: ["Ingress"], ingress: [{ from: callers, ports: [tcp(a.port)] }] } });
    }
    const egress = [
        ...a.dependencies.map((d) => ({ to: [peer(d)], ports: [tcp(d.port)] })),
        ...a.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: e.ports.map(tcp) })),
    ];
    if (egress.length > 0) {
        plans.push({ name: `${a.app}-egress`, spec: { podSelector, policyTypes: ["Egress"], egress } });
    }
    return plans;
}
