// Pure pieces of NATS JetStream in the cluster: its config file, sizing and containers, tested without Pulumi.
import { quantityValue } from "../core/formats";
import { natsClientPort, natsClusterPort, natsMetricsPort, natsMonitorPort } from "./demon-specs";
import { containerSecurityContext } from "../core/pod-security";
import { probe, Resources } from "../core/workload";

export { natsClusterPort };

export interface NatsClusterShape {
    /** StatefulSet name: pods are <name>-0, <name>-1, ... */
    name: string;
    /** Headless Service the pods' DNS names live under. */
    headless: string;
    namespace: string;
    replicas: number;
    /** The claim size, which bounds JetStream's file store. */
    storageBytes: number;
}

/**
 * nats.conf: JetStream on /data, monitoring on 8222, each server named after its pod, and with
 * more than one replica a cluster whose routes name every pod through the headless Service.
 */
export function natsConfig(c: NatsClusterShape): string {
    const lines = [
        `port: ${natsClientPort}`,
        `http_port: ${natsMonitorPort}`,
        "server_name: $POD_NAME",
        "jetstream {",
        "  store_dir: /data",
        // Leave room on the volume for the file store's own overhead.
        `  max_file_store: ${Math.floor(c.storageBytes * 0.9)}`,
        "}",
    ];
    if (c.replicas > 1) {
        const routes = Array.from({ length: c.replicas }, (_, i) =>
            `    nats://${c.name}-${i}.${c.headless}.${c.namespace}.svc.cluster.local:${natsClusterPort}`);
        lines.push("cluster {", `  name: ${c.name}`, `  port: ${natsClusterPort}`, "  routes: [", ...routes, "  ]", "}");
    }
    return lines.join("\n") + "\n";
}

/** GOMEMLIMIT for a container with this memory limit: 90%, so the Go GC works before the OOM killer does. */
export function goMemLimit(limitBytes: number): string {
    return `${Math.floor(limitBytes * 0.9 / (1024 * 1024))}MiB`;
}

/** The NATS server: its config mounted read-only, JetStream's data on the claim, health from the monitor port. */
export function natsContainer(image: string, resources: Resources, clustered: boolean) {
    const memoryLimit = resources.limits?.memory;
    return {
        name: "nats",
        image,
        args: ["--config", "/etc/nats/nats.conf"],
        env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ...(memoryLimit ? [{ name: "GOMEMLIMIT", value: goMemLimit(quantityValue(memoryLimit, "memory")) }] : []),
        ],
        ports: [
            { name: "client", containerPort: natsClientPort },
            { name: "monitor", containerPort: natsMonitorPort },
            ...(clustered ? [{ name: "cluster", containerPort: natsClusterPort }] : []),
        ],
        livenessProbe: probe("liveness", { path: "/healthz?js-enabled-only=true", port: natsMonitorPort }, natsMonitorPort),
        readinessProbe: probe("readiness", { path: "/healthz", port: natsMonitorPort }, natsMonitorPort),
        resources,
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "config", mountPath: "/etc/nats", readOnly: true }],
    };
}

/** prometheus-nats-exporter beside a server, reading its monitor port. */
export function exporterContainer(image: string) {
    return {
        name: "metrics",
        image,
        args: ["-port", String(natsMetricsPort), "-varz", "-connz", "-jsz=all", `http://localhost:${natsMonitorPort}`],
        ports: [{ name: "metrics", containerPort: natsMetricsPort }],
        // The exporter serves its metrics and nothing else to ask: up when its port answers.
        livenessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 20 },
        readinessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 10 },
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: containerSecurityContext(),
    };
}

/** A clustered server's spread: one per node, and over zones where there are some. */
export const natsSpread = (selector: Record<string, string>) => [
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } },
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
];
