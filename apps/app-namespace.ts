// A namespace for apps: its Pod Security level and a NetworkPolicy baseline (deny by default,
// DNS open, then the flows config names), so what a team deploys into it later starts closed.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dnsEgress, namespaceSelector, PolicyPlan } from "../core/network-policy";
import { standardLabels } from "../core/labels";
import { podSecurityLabels, PodSecurityLevel, podSecurityReasonAnnotation } from "../core/pod-security";

export interface AppNamespaceArgs {
    name: string;
    podSecurity: PodSecurityLevel;
    labels?: Record<string, string>;
    networkPolicy: {
        defaultDeny: boolean;
        sameNamespace: boolean;
        fromNamespaces: string[];
        toNamespaces: string[];
        egress: { cidr: string; ports: number[] }[];
    };
}

const tcp = (port: number) => ({ protocol: "TCP", port });

/** The namespace-wide policies, each selecting every pod in it. */
export function namespacePolicies(a: AppNamespaceArgs): PolicyPlan[] {
    const p = a.networkPolicy;
    const all = {};
    const plans: PolicyPlan[] = [];
    if (p.defaultDeny) {
        plans.push({ name: "default-deny", spec: { podSelector: all, policyTypes: ["Ingress", "Egress"] } });
        plans.push({
            name: "allow-dns",
            spec: {
                podSelector: all,
                policyTypes: ["Egress"],
                egress: [dnsEgress()],
            },
        });
    }
    if (p.sameNamespace) {
        plans.push({ name: "allow-same-namespace", spec: { podSelector: all, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: all }] }], egress: [{ to: [{ podSelector: all }] }] } });
    }
    if (p.fromNamespaces.length > 0) {
        plans.push({ name: "allow-from-namespaces", spec: { podSelector: all, policyTypes: ["Ingress"], ingress: [{ from: p.fromNamespaces.map((ns) => ({ namespaceSelector: namespaceSelector(ns) })) }] } });
    }
    if (p.toNamespaces.length > 0 || p.egress.length > 0) {
        plans.push({
            name: "allow-egress",
            spec: {
                podSelector: all,
                policyTypes: ["Egress"],
                egress: [
                    ...(p.toNamespaces.length ? [{ to: p.toNamespaces.map((ns) => ({ namespaceSelector: namespaceSelector(ns) })) }] : []),
                    ...p.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: e.ports.map(tcp) })),
                ],
            },
        });
    }
    return plans;
}

export class AppNamespace extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly policyNames: string[];

    constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:apps:AppNamespace", name, {}, opts);
        const labels = standardLabels({ name: args.name, instance: "apps", component: "namespace", partOf: "apps" });
        this.namespace = new k8s.core.v1.Namespace(`apps-namespace-${args.name}`, {
            metadata: {
                name: args.name, labels: { ...args.labels, ...labels, ...podSecurityLabels(args.podSecurity) },
                ...(args.podSecurity !== "restricted" ? { annotations: { [podSecurityReasonAnnotation]: `kubestrap:namespaces sets podSecurity: ${args.podSecurity}` } } : {}),
            },
        }, {
            parent: this,
            // An app namespace kubestrap made before it was listed here: adopt it rather than make it again.
            aliases: [{ name: `apps-namespace-${args.name}`, parent: pulumi.rootStackResource }],
        });
        const plans = namespacePolicies(args);
        for (const plan of plans) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${plan.name}`, {
                metadata: { name: `namespace-${plan.name}`, namespace: this.namespace.metadata.name, labels },
                spec: plan.spec,
            }, { parent: this });
        }
        this.policyNames = plans.map((p) => `namespace-${p.name}`);
        this.registerOutputs({ namespace: this.namespace.metadata.name, policyNames: this.policyNames });
    }
}
