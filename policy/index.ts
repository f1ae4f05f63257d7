// kubestrap's policy pack: `pulumi preview --policy-pack policy` (or `npm run preview`) checks
// every Kubernetes object a stack would create against the bar kubestrap's own components keep.
// The rules are in rules.ts; here they become CrossGuard policies reported against each URN.
import { PolicyPack, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as rules from "./rules";

type Rule = (o: rules.K8sObject, args: ResourceValidationArgs) => string[];

/** A Kubernetes object's inputs: its type token says the kind, its props the rest. */
function objectOf(args: { type: string; props: Record<string, any> }): rules.K8sObject | undefined {
    const match = /^kubernetes:([^:]+):(.+)$/.exec(args.type);
    if (!match || args.type.startsWith("kubernetes:helm.sh") || match[2] === "Provider") return undefined;
    return { kind: match[2], ...args.props };
}

type ConfigProperties = NonNullable<ResourceValidationPolicy["configSchema"]>["properties"];

function policy(name: string, description: string, rule: Rule, enforcementLevel: "mandatory" | "advisory" = "mandatory", config: ConfigProperties = {}): ResourceValidationPolicy {
    return {
        name, description, enforcementLevel,
        ...(Object.keys(config).length ? { configSchema: { properties: config } } : {}),
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
            const o = objectOf(args);
            if (o) rule(o, args).forEach((message) => report(`${message} [${args.urn}]`));
        },
    };
}

const defaultDeny: StackValidationPolicy = {
    name: "default-deny-network-policy",
    description: "Every workload's pods are under a NetworkPolicy that denies ingress and egress by default.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const objects = args.resources.flatMap((r) => {
            const o = objectOf(r);
            return o ? [{ o, urn: r.urn }] : [];
        });
        for (const { object, message } of rules.defaultDeny(objects.map((x) => x.o))) {
            const urn = objects.find((x) => x.o === object)!.urn;
            report(`${message} [${urn}]`, urn);
        }
    },
};

const protectServers: ResourceValidationPolicy = {
    name: "protect-k3s-servers-in-prod",
    description: "k3s servers' install steps are protected in prod: a plan that would delete or replace a server stops at preview.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { environment: { type: "string", enum: ["dev", "prod"] } } },
    validateResource: (args, report) => {
        const environment = args.getConfig<{ environment?: string }>().environment ?? "dev";
        rules.protectedServers(args, args.opts.protect, environment).forEach((message) => report(`${message} [${args.urn}]`));
    },
};

const providerIdentity: ResourceValidationPolicy = {
    name: "kubernetes-provider-cluster-identifier",
    description: "Every Kubernetes provider names its cluster (clusterIdentifier), so a kubeconfig change never replaces the objects it manages.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        rules.providerClusterIdentifier(args).forEach((message) => report(`${message} [${args.urn}]`));
    },
};

const k3sUpgradeOrder: StackValidationPolicy = {
    name: "k3s-one-host-at-a-time",
    description: "A k3s upgrade drains one host at a time, each after the one before it is back, and on embedded etcd after a snapshot of the new version.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const steps = args.resources.map((r) => ({ name: r.name, type: r.type, props: r.props, dependencies: r.dependencies.map((d) => d.name), parent: r.parent?.name }));
        for (const { name, message } of rules.k3sUpgradeOrder(steps)) {
            const urn = args.resources.find((r) => r.name === name)!.urn;
            report(`${message} [${urn}]`, urn);
        }
    },
};

new PolicyPack("kubestrap", {
    description: "The security bar kubestrap's components keep: pinned images, sized and probed containers, the restricted profile, namespaces with Pod Security and default-deny policies, no secrets in plain sight.",
    policies: [
        policy("pinned-images", "Every container image is pinned by a tag other than latest, or by digest.", rules.pinnedImages),
        policy("container-resources", "Every container has CPU and memory requests and limits.", rules.containerResources),
        policy("container-probes", "Every long-running container has liveness and readiness probes, unless its config says it has none.", rules.containerProbes),
        policy("restricted-containers", "Every container runs non-root, with a read-only root, no privilege escalation, all capabilities dropped and seccomp RuntimeDefault, unless its config loosens one explicitly.", rules.containerSecurity),
        policy("namespace-pod-security", "Every namespace enforces a Pod Security level: restricted, unless the add-on registry marks its namespace privileged.", rules.namespacePodSecurity),
        policy("service-exposure", "No NodePort Services; LoadBalancer only in the namespaces the policy config allows.",
            (o, args) => rules.serviceExposure(o, args.getConfig<{ loadBalancerNamespaces?: string[] }>().loadBalancerNamespaces ?? []),
            "mandatory", { loadBalancerNamespaces: { type: "array", items: { type: "string" } } }),
        policy("secrets-in-secrets", "Secret-looking keys (password, token, key, secret) are not in ConfigMaps or plain env values.", rules.secretsInPlainSight),
        policy("protect-data-in-prod", "Claims and StatefulSets with claim templates are protected in prod.",
            (o, args) => rules.protectedData(o, args.opts.protect, args.getConfig<{ environment?: string }>().environment ?? "dev"),
            "mandatory", { environment: { type: "string", enum: ["dev", "prod"] } }),
        policy("managed-by-kubestrap", "Every object carries app.kubernetes.io/managed-by: kubestrap.", rules.managedByLabel),
        policy("request-share", "Advisory: a workload's requests stay under a share of the cluster (share, default 0.5, of 4 CPUs and 8Gi).",
            (o, args) => rules.requestShare(o, { cpu: 4, memoryBytes: 8 * 2 ** 30 }, args.getConfig<{ share?: number }>().share ?? 0.5),
            "advisory", { share: { type: "number", minimum: 0, maximum: 1 } }),
        defaultDeny,
        protectServers,
        providerIdentity,
        k3sUpgradeOrder,
    ],
});
