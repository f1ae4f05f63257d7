// An app's NetworkPolicy: its pods deny everything, then take exactly the flows it needs:
// DNS, the ingress controller (when it has an Ingress), the apps that declare they call it,
// the apps it declares it calls, and any destinations config names.
import { dnsEgress, namespaceSelector, PolicyPlan } from "../core/network-policy";

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

/**
 * The app's one NetworkPolicy: its pods take and send nothing but DNS and exactly these flows.
 * One policy of both types holds what a deny-all plus separate allow policies would (the API
 * takes the union of every policy selecting a pod), in one object per app instead of up to
 * four, and every object is a resource the engine checks, diffs and saves on each run.
 */
export function appNetworkPolicy(a: AppPolicyArgs): PolicyPlan {
    const callers = [
        ...(a.ingressControllerNamespace ? [{ namespaceSelector: namespaceSelector(a.ingressControllerNamespace) }] : []),
        ...a.allowFromNamespaces.map((ns) => ({ namespaceSelector: namespaceSelector(ns) })),
        ...a.dependents.map(peer),
    ];
    const egress = [
        dnsEgress(),
        ...a.dependencies.map((d) => ({ to: [peer(d)], ports: [tcp(d.port)] })),
        ...a.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: e.ports.map(tcp) })),
    ];
    return {
        name: `${a.app}-network-policy`,
        spec: {
            podSelector: { matchLabels: a.selector },
            policyTypes: ["Ingress", "Egress"],
            // No ingress rules at all, rather than an empty list the API would drop: nothing gets in.
            ...(callers.length > 0 ? { ingress: [{ from: callers, ports: [tcp(a.port)] }] } : {}),
            egress,
        },
    };
}

/** An app's policy settings as its config gives them: the rest (its name, selector, port) the app knows. */
export type AppPolicySettings = Omit<AppPolicyArgs, "app" | "selector" | "port" | "ingressControllerNamespace"> & { ingressControllerNamespace: string };
