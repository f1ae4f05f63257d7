// Pure shaping of a WebApp's Kubernetes specs, tested without Pulumi.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, SecurityOverrides } from "./pod-security";

type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

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

export interface ContainerSettings {
    image: string;
    port: number;
    command?: string[];
    args?: string[];
    /** Names of env vars held in the app's Secret, in a stable order. */
    secretEnvNames: string[];
    secretName?: pulumi.Input<string>;
    env: Record<string, pulumi.Input<string>>;
    configMapName?: pulumi.Input<string>;
    configMountPath?: string;
    dataMountPath?: string;
    dataClaimName?: pulumi.Input<string>;
    probes: { liveness?: ProbeSettings; readiness?: ProbeSettings; tcp?: boolean };
    resources: Resources;
    security: SecurityOverrides;
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

export function volumesFor(s: ContainerSettings): { volumes: Volume[]; mounts: VolumeMount[] } {
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [];
    if (s.security.readOnlyRootFilesystem !== false) {
        // A read-only root still needs somewhere to write temporary files.
        volumes.push({ name: "tmp", emptyDir: {} });
        mounts.push({ name: "tmp", mountPath: "/tmp" });
    }
    if (s.configMapName && s.configMountPath) {
        volumes.push({ name: "config", configMap: { name: s.configMapName } });
        mounts.push({ name: "config", mountPath: s.configMountPath, readOnly: true });
    }
    if (s.dataClaimName && s.dataMountPath) {
        volumes.push({ name: "data", persistentVolumeClaim: { claimName: s.dataClaimName } });
        mounts.push({ name: "data", mountPath: s.dataMountPath });
    }
    return { volumes, mounts };
}

export function containerFor(name: string, s: ContainerSettings, mounts: VolumeMount[]): Container {
    const env = [
        ...Object.entries(s.env).map(([k, value]) => ({ name: k, value })),
        ...s.secretEnvNames.map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: s.secretName!, key: k } } })),
    ];
    return {
        name,
        image: s.image,
        ...(s.command ? { command: s.command } : {}),
        ...(s.args ? { args: s.args } : {}),
        ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }],
        env,
        ...(s.configMapName && !s.configMountPath ? { envFrom: [{ configMapRef: { name: s.configMapName } }] } : {}),
        livenessProbe: probe("liveness", s.probes.liveness, s.port, s.probes.tcp),
        readinessProbe: probe("readiness", s.probes.readiness, s.port, s.probes.tcp),
        resources: s.resources,
        securityContext: containerSecurityContext(s.security),
        volumeMounts: mounts,
    };
}
