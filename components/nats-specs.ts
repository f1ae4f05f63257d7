// Pure pieces of NATS JetStream in the cluster: its config file and sizing, tested without Pulumi.
import { natsClientPort, natsClusterPort, natsMonitorPort } from "./demon-specs";

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
