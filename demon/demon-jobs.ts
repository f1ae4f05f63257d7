// Where the Demon runtime runs its Jobs: a namespace with nothing else in it. The runtime may
// create Jobs (and read their pods and logs) there and nowhere else, and those Jobs' pods run
// as a ServiceAccount with no token and no permissions, so a Job cannot act as the runtime,
// the engine or anything else in the Demon's namespace. Pod Security "restricted"; the pods
// may resolve names and reach NATS as clients, and nothing else.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { natsClientPort } from "./demon-specs";
import { dnsEgress, namespaceSelector, PolicyPlan } from "../core/network-policy";
import { standardLabels } from "../core/labels";
import { podSecurityLabels } from "../core/pod-security";

export interface DemonJobsArgs {
    namespace: string;
    /** The Demon's own namespace, where the runtime's ServiceAccount and NATS are. */
    demonNamespace: string;
    runtimeServiceAccount: pulumi.Input<string>;
    natsSelector: Record<string, string>;
}

/** The ServiceAccount every runtime Job's pods run as. */
export const jobServiceAccount = "ritual-job";

export const runtimeJobRules: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "delete"] },
    { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
];

export function jobNetworkPolicies(demonNamespace: string, natsSelector: Record<string, string>): PolicyPlan[] {
    return [
        { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        {
            name: "jobs-egress",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    dnsEgress(),
                    {
                        to: [{ namespaceSelector: namespaceSelector(demonNamespace), podSelector: { matchLabels: natsSelector } }],
                        ports: [{ protocol: "TCP", port: natsClientPort }],
                    },
                ],
            },
        },
    ];
}

export class DemonJobs extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly serviceAccount: pulumi.Output<string>;

    constructor(name: string, args: DemonJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:platform:DemonJobs", name, {}, opts);
        const child = { parent: this };
        const labels = (component: string) => standardLabels({ name: component, instance: name, component, partOf: "demon" });
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: args.namespace, labels: { ...labels("jobs-namespace"), ...podSecurityLabels("restricted") } },
        }, child);
        const namespace = ns.metadata.name;
        const sa = new k8s.core.v1.ServiceAccount(`${name}-job-sa`, {
            metadata: { name: jobServiceAccount, namespace, labels: labels("job") },
            automountServiceAccountToken: false,
        }, child);
        const role = new k8s.rbac.v1.Role(`${name}-runtime-role`, { metadata: { name: "runtime", namespace, labels: labels("runtime") }, rules: runtimeJobRules }, child);
        new k8s.rbac.v1.RoleBinding(`${name}-runtime-binding`, {
            metadata: { name: "runtime", namespace, labels: labels("runtime") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: args.runtimeServiceAccount, namespace: args.demonNamespace }],
        }, child);
        for (const plan of jobNetworkPolicies(args.demonNamespace, args.natsSelector)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${plan.name}`, {
                metadata: { name: plan.name, namespace, labels: labels("network-policy") },
                spec: plan.spec,
            }, child);
        }
        this.namespace = namespace;
        this.serviceAccount = sa.metadata.name;
        this.registerOutputs({ namespace: this.namespace, serviceAccount: this.serviceAccount });
    }
}
