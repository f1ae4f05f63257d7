// cloudflared in the cluster: the connector of a Cloudflare Tunnel. Two replicas spread over
// nodes, a PodDisruptionBudget, readiness on its metrics server's /ready (it answers 200 once a
// connection to Cloudflare's edge is up), the token from a Secret, restricted Pod Security, and
// NetworkPolicies that let it reach only DNS, Cloudflare's edge and the Services it fronts.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dnsEgress, monitoringNamespaceLabel, namespaceSelector, PolicyPlan } from "../core/network-policy";
import { selectorLabels, standardLabels } from "../core/labels";
import { containerSecurityContext, podSecurityContext, podSecurityLabels } from "../core/pod-security";

/** A Service cloudflared forwards to: where its pods are and the port they listen on. */
export interface TunnelTarget {
    namespace: string;
    /** The pods' port (NetworkPolicies see the pod's port, not the Service's). */
    port: number;
    /** The pods' labels; unset, any pod of the namespace. */
    podSelector?: Record<string, string>;
}

export interface CloudflaredArgs {
    namespace: string;
    replicas: number;
    image: string;
    /** The tunnel's connector token (secret). */
    token: pulumi.Input<string>;
    targets: TunnelTarget[];
    /** Cloudflare's edge ranges that egress may reach; defaults to the published list. */
    edgeCidrs?: string[];
}

/**
 * Cloudflare's published address ranges (cloudflare.com/ips-v4 and ips-v6, read 2026-11). The
 * tunnel edge (region1/region2.v2.argotunnel.com, port 7844) and the API (443) are inside them.
 */
export const cloudflareEdgeCidrs = [
    "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18", "108.162.192.0/18",
    "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15", "104.16.0.0/13",
    "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
    "2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32",
];

export const cloudflaredMetricsPort = 2000;
/** The distroless image's nonroot user. */
const cloudflaredUser = 65532;

export function cloudflaredPolicies(selector: Record<string, string>, targets: TunnelTarget[], edgeCidrs: string[]): PolicyPlan[] {
    const podSelector = { matchLabels: selector };
    const byTarget = new Map<string, TunnelTarget & { ports: Set<number> }>();
    for (const t of targets) {
        const key = `${t.namespace}|${JSON.stringify(t.podSelector ?? {})}`;
        const entry = byTarget.get(key) ?? { ...t, ports: new Set<number>() };
        entry.ports.add(t.port);
        byTarget.set(key, entry);
    }
    return [
        { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        {
            name: "egress",
            spec: {
                podSelector,
                policyTypes: ["Egress"],
                egress: [
                    dnsEgress(),
                    {
                        to: edgeCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                        ports: [{ protocol: "TCP", port: 7844 }, { protocol: "UDP", port: 7844 }, { protocol: "TCP", port: 443 }],
                    },
                    ...[...byTarget.values()].map((t) => ({
                        to: [{ namespaceSelector: namespaceSelector(t.namespace), ...(t.podSelector ? { podSelector: { matchLabels: t.podSelector } } : {}) }],
                        ports: [...t.ports].sort((a, b) => a - b).map((port) => ({ protocol: "TCP", port })),
                    })),
                ],
            },
        },
        {
            name: "metrics",
            spec: {
                podSelector,
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{ namespaceSelector: { matchLabels: { [monitoringNamespaceLabel]: "true" } } }],
                    ports: [{ protocol: "TCP", port: cloudflaredMetricsPort }],
                }],
            },
        },
    ];
}

export class Cloudflared extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: CloudflaredArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:cloudflare:Cloudflared", name, {}, opts);
        const child = { parent: this };
        const labels = standardLabels({ name: "cloudflared", instance: name, component: "tunnel-connector", partOf: "kubestrap" });
        const selector = selectorLabels({ name: "cloudflared", instance: name });
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: args.namespace, labels: { ...labels, ...podSecurityLabels("restricted") } },
        }, child);
        const namespace = ns.metadata.name;
        const token = new k8s.core.v1.Secret(`${name}-token`, {
            metadata: { name: "cloudflared-token", namespace, labels },
            type: "Opaque",
            stringData: { token: pulumi.secret(args.token) },
        }, child);
        const policies = cloudflaredPolicies(selector, args.targets, args.edgeCidrs ?? cloudflareEdgeCidrs).map((plan) =>
            new k8s.networking.v1.NetworkPolicy(`${name}-${plan.name}`, {
                metadata: { name: `cloudflared-${plan.name}`, namespace, labels },
                spec: plan.spec,
            }, child));
        const probe = (failureThreshold: number) => ({
            httpGet: { path: "/ready", port: "metrics" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold,
        });
        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: "cloudflared", namespace, labels },
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        labels: { ...labels, ...selector },
                        // A new token rolls the pods: cloudflared reads it only at start.
                        annotations: { "kubestrap.io/token-version": token.metadata.resourceVersion.apply((v) => v ?? "") },
                    },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext({ runAsUser: cloudflaredUser }),
                        topologySpreadConstraints: [{
                            maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector },
                        }],
                        containers: [{
                            name: "cloudflared",
                            image: args.image,
                            args: ["tunnel", "--no-autoupdate", "--metrics", `0.0.0.0:${cloudflaredMetricsPort}`, "run"],
                            env: [{ name: "TUNNEL_TOKEN", valueFrom: { secretKeyRef: { name: token.metadata.name, key: "token" } } }],
                            ports: [{ name: "metrics", containerPort: cloudflaredMetricsPort, protocol: "TCP" }],
                            readinessProbe: probe(3),
                            livenessProbe: { ...probe(6), initialDelaySeconds: 10 },
                            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                            securityContext: containerSecurityContext(),
                        }],
                    },
                },
            },
        }, { ...child, dependsOn: policies });
        if (args.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: { name: "cloudflared", namespace, labels },
                spec: { minAvailable: args.replicas - 1, selector: { matchLabels: selector } },
            }, child);
        }
        this.namespace = namespace;
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({ namespace: this.namespace, deploymentName: this.deploymentName });
    }
}
