// What every workload's containers share: requests and limits, and an HTTP or TCP probe.
import type * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

export interface ProbeSettings {
    path?: string;
    port?: number;
    initialDelaySeconds?: number;
    periodSeconds?: number;
    failureThreshold?: number;
}

export interface Resources {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
}

export function probe(kind: "liveness" | "readiness", settings: ProbeSettings = {}, port: number, tcp = false): Probe {
    const target = settings.port ?? port;
    return {
        ...(tcp ? { tcpSocket: { port: target } } : { httpGet: { path: settings.path ?? "/", port: target } }),
        initialDelaySeconds: settings.initialDelaySeconds ?? (kind === "liveness" ? 10 : 2),
        periodSeconds: settings.periodSeconds ?? 10,
        failureThreshold: settings.failureThreshold ?? 3,
    };
}
