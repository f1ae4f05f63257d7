// Pure pieces of the Demon stack: the stream bootstrap script and the network policy plan.
import { dnsEgress, monitoringNamespaceLabel, namespaceSelector, PolicyPlan } from "../core/network-policy";
import { shellQuote } from "../core/shell";

export interface StreamSettings {
    name: string;
    subjects: string[];
    dedupeWindowSeconds: number;
    /** Copies JetStream keeps (one per server, at most the number of servers). */
    replicas?: number;
}

export const natsClientPort = 4222;
export const natsMonitorPort = 8222;
/** prometheus-nats-exporter's port: NATS's own monitoring endpoint speaks JSON, not Prometheus. */
export const natsMetricsPort = 7777;
/** Where JetStream cluster servers route to each other. */
export const natsClusterPort = 6222;
/** Pods with this label may reach NATS, and NATS only admits pods with it. */
export const natsClientLabel = "demon.kubestrap.io/nats-client";


/**
 * A POSIX shell script for nats-box that creates the stream, or brings an existing one to
 * these settings. Running it twice changes nothing the second time.
 */
export function streamBootstrapScript(s: StreamSettings): string {
    const subjects = s.subjects.map(shellQuote).join(" ");
    const common = `--subjects ${shellQuote(s.subjects.join(","))} --dupe-window ${s.dedupeWindowSeconds}s --replicas ${s.replicas ?? 1}`;
    return [
        "set -eu",
        `stream=${shellQuote(s.name)}`,
        "until nats --server \"$NATS_URL\" server check connection >/dev/null 2>&1; do echo waiting for NATS; sleep 2; done",
        "if nats --server \"$NATS_URL\" stream info \"$stream\" >/dev/null 2>&1; then",
        `  nats --server "$NATS_URL" stream edit "$stream" ${common} --force`,
        "  echo \"updated stream $stream\"",
        "else",
        `  nats --server "$NATS_URL" stream add "$stream" ${common} --storage file --retention limits --defaults`,
        "  echo \"created stream $stream\"",
        "fi",
        `echo "subjects: ${subjects.replace(/'/g, "")}"`,
    ].join("\n");
}

/** Where the API server really listens: what the `kubernetes` EndpointSlice lists. */
export interface ApiServerEndpoint {
    ip: string;
    port: number;
}

/**
 * Egress from `selector` to the Kubernetes API server. A NetworkPolicy sees a connection after
 * the Service's DNAT (on k3s, `kubernetes.default:443` becomes the server's address and 6443),
 * so the rule names the API server's real endpoints, one rule per port, and nothing wider.
 * No endpoints: no egress to the API server at all.
 */
export function apiServerEgress(name: string, selector: Record<string, string>, endpoints: ApiServerEndpoint[]): PolicyPlan {
    const byPort = new Map<number, Set<string>>();
    for (const { ip, port } of endpoints) {
        byPort.set(port, (byPort.get(port) ?? new Set()).add(ip));
    }
    return {
        name: `${name}-api-egress`,
        spec: {
            podSelector: { matchLabels: selector },
            policyTypes: ["Egress"],
            egress: [...byPort].sort(([a], [b]) => a - b).map(([port, ips]) => ({
                to: [...ips].sort().map((ip) => ({ ipBlock: { cidr: ip.includes(":") ? `${ip}/128` : `${ip}/32` } })),
                ports: [{ protocol: "TCP", port }],
            })),
        },
    };
}

/** The endpoints in a `kubernetes` EndpointSlice (ready ones; all when none says). */
export function endpointsFromSlice(slice: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[]; ports?: { port?: number }[] }): ApiServerEndpoint[] {
    const ports = (slice.ports ?? []).map((p) => p.port).filter((p): p is number => typeof p === "number");
    return (slice.endpoints ?? [])
        .filter((e) => e.conditions?.ready !== false)
        .flatMap((e) => e.addresses.flatMap((ip) => ports.map((port) => ({ ip, port }))));
}

/**
 * Default deny for the namespace, then exactly the flows the stack needs: DNS, clients to
 * NATS, the ingress controller to operate-ui, monitoring to NATS, engine/runtime HTTPS out.
 */
export function demonNetworkPolicies(opts: {
    natsSelector: Record<string, string>;
    operateUiSelector: Record<string, string>;
    operateUiPort: number;
    ingressControllerNamespace: string;
    /** The runtime's Jobs namespace: its NATS clients may reach NATS too. */
    jobsNamespace?: string;
    /** A JetStream cluster: its servers route to each other on the cluster port. */
    natsClustered?: boolean;
    httpsEgress: { name: string; selector: Record<string, string> }[];
    /** Services Prometheus scrapes on their HTTP port (only when the observability add-on is on). */
    scraped?: { selector: Record<string, string>; port: number }[];
}): PolicyPlan[] {
    const fromMonitoring = [{ namespaceSelector: { matchLabels: { [monitoringNamespaceLabel]: "true" } } }];
    const clients = { matchLabels: { [natsClientLabel]: "true" } };
    return [
        { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        {
            name: "allow-dns",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [dnsEgress()],
            },
        },
        {
            name: "nats-from-clients",
            spec: {
                podSelector: { matchLabels: opts.natsSelector },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ podSelector: clients }, ...(opts.jobsNamespace ? [{ namespaceSelector: namespaceSelector(opts.jobsNamespace) }] : [])],
                        ports: [{ protocol: "TCP", port: natsClientPort }],
                    },
                    {
                        from: fromMonitoring,
                        ports: [{ protocol: "TCP", port: natsMonitorPort }, { protocol: "TCP", port: natsMetricsPort }],
                    },
                ],
            },
        },
        ...(opts.natsClustered ? [{
            name: "nats-routes",
            spec: {
                podSelector: { matchLabels: opts.natsSelector },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ podSelector: { matchLabels: opts.natsSelector } }], ports: [{ protocol: "TCP", port: natsClusterPort }] }],
                egress: [{ to: [{ podSelector: { matchLabels: opts.natsSelector } }], ports: [{ protocol: "TCP", port: natsClusterPort }] }],
            },
        } satisfies PolicyPlan] : []),
        {
            name: "clients-to-nats",
            spec: {
                podSelector: clients,
                policyTypes: ["Egress"],
                egress: [{ to: [{ podSelector: { matchLabels: opts.natsSelector } }], ports: [{ protocol: "TCP", port: natsClientPort }] }],
            },
        },
        {
            name: "operate-ui-from-ingress",
            spec: {
                podSelector: { matchLabels: opts.operateUiSelector },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{ namespaceSelector: namespaceSelector(opts.ingressControllerNamespace) }],
                    ports: [{ protocol: "TCP", port: opts.operateUiPort }],
                }],
            },
        },
        ...(opts.scraped ?? []).map(({ selector, port }, i): PolicyPlan => ({
            name: `metrics-from-monitoring-${i}`,
            spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress"], ingress: [{ from: fromMonitoring, ports: [{ protocol: "TCP", port }] }] },
        })),
        ...opts.httpsEgress.map(({ name, selector }): PolicyPlan => ({
            name: `${name}-https-egress`,
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Egress"],
                egress: [{ ports: [{ protocol: "TCP", port: 443 }] }],
            },
        })),
    ];
}
