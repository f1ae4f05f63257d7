// Pure shaping of a WebApp's Kubernetes specs, tested without Pulumi.
import * as k8s from "../core/k8s-api";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, defaultUserId, SecurityOverrides } from "../core/pod-security";
import { probe, ProbeSettings, Resources } from "../core/workload";

type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** A command run in the container; healthy when it exits 0 (a compose healthcheck). */
export interface ExecProbeSettings {
    command: string[];
    initialDelaySeconds?: number;
    periodSeconds?: number;
    timeoutSeconds?: number;
    failureThreshold?: number;
    /**
     * A compose healthcheck's start_period: a startup probe allows that long (checking every
     * `startIntervalSeconds`, Docker's default 5) before liveness may restart the container.
     */
    startPeriodSeconds?: number;
    startIntervalSeconds?: number;
}

export interface ProbesSettings {
    liveness?: ProbeSettings;
    readiness?: ProbeSettings;
    /** TCP checks on the port (or `port`) rather than HTTP GETs. */
    tcp?: boolean;
    port?: number;
    /** One command for both probes, in place of the HTTP or TCP checks. */
    exec?: ExecProbeSettings;
    /** No probes: the pod is Ready once it runs (a worker with nothing to check). */
    none?: boolean;
    /** Readiness only, no liveness: nothing restarts the container (Docker's way without a healthcheck). */
    readinessOnly?: boolean;
}

export interface PortSettings {
    /** An IANA_SVC_NAME: at most 15 characters, lower-case letters, digits and '-'. */
    name: string;
    port: number;
    protocol?: "TCP" | "UDP";
}

export interface ContainerSettings {
    image: string;
    port: number;
    /** Every port the container serves; just `port` as "http" when unset. */
    ports?: PortSettings[];
    workingDir?: string;
    extraMounts?: VolumeMount[];
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
    probes: ProbesSettings;
    resources: Resources;
    security: SecurityOverrides;
}

/** Waits for dependencies: pinned, and small enough to start in a second. */
export const waitImage = "busybox:1.37.0";

/** The Secret of a workload's secret env values (each a Pulumi secret), or none when there are none; and the names it holds, sorted. */
export function envSecret(resourceName: string, metadata: k8s.types.input.meta.v1.ObjectMeta, secretEnv: Record<string, pulumi.Input<string>>,
    opts: pulumi.CustomResourceOptions): { secret?: k8s.core.v1.Secret; secretEnvNames: string[] } {
    const secretEnvNames = Object.keys(secretEnv).sort();
    const secret = secretEnvNames.length > 0 ? new k8s.core.v1.Secret(resourceName, {
        metadata,
        type: "Opaque",
        stringData: Object.fromEntries(secretEnvNames.map((k) => [k, pulumi.secret(secretEnv[k])])),
    }, opts) : undefined;
    return { secret, secretEnvNames };
}

/**
 * An init container that holds the pod until host:port accepts TCP connections (through a
 * Service, that means a Ready pod). `nc HOST PORT -e true` connects and exits at once, with
 * busybox's small nc and its netcat-1.10 one alike (`-z` is only in the latter; a plain
 * `nc </dev/null` hangs on servers that keep the connection open, like NATS or Redis).
 */
export function waitContainer(host: string, port: number, security: SecurityOverrides, image = waitImage): Container {
    return {
        name: `wait-${host}`.slice(0, 63),
        image,
        command: ["sh", "-c", `until nc -w 2 ${host} ${port} -e true >/dev/null 2>&1; do echo "waiting for ${host}:${port}"; sleep 2; done`],
        // It only waits: beside a service that runs as Docker would, hardened, as a user of its own.
        securityContext: security.asDocker
            ? { ...containerSecurityContext({}), runAsNonRoot: true, runAsUser: defaultUserId }
            : containerSecurityContext({ ...security, addCapabilities: [] }),
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
    };
}

/** The liveness and readiness probes the settings ask for; none at all with `none`. */
export function probesFor(settings: ProbesSettings, port: number): { livenessProbe?: Probe; readinessProbe?: Probe; startupProbe?: Probe } {
    if (settings.none) {
        return {};
    }
    if (settings.exec) {
        const { command, initialDelaySeconds = 0, periodSeconds = 10, timeoutSeconds = 1, failureThreshold = 3, startPeriodSeconds, startIntervalSeconds = 5 } = settings.exec;
        const exec = { exec: { command }, periodSeconds, timeoutSeconds, failureThreshold };
        if (startPeriodSeconds) {
            // As Docker's start_period: failures in it do not count, and the first success ends it.
            const startup = { ...exec, periodSeconds: startIntervalSeconds, failureThreshold: Math.ceil(startPeriodSeconds / startIntervalSeconds) + failureThreshold };
            return { startupProbe: startup, livenessProbe: exec, readinessProbe: exec };
        }
        // Readiness may pass at once; liveness waits out the start period, as a compose start_period does.
        return { livenessProbe: { ...exec, initialDelaySeconds }, readinessProbe: exec };
    }
    const target = settings.port ?? port;
    if (settings.readinessOnly) {
        return { readinessProbe: probe("readiness", settings.readiness, target, settings.tcp) };
    }
    return {
        livenessProbe: probe("liveness", settings.liveness, target, settings.tcp),
        readinessProbe: probe("readiness", settings.readiness, target, settings.tcp),
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
        ...(s.workingDir ? { workingDir: s.workingDir } : {}),
        ports: (s.ports ?? [{ name: "http", port: s.port }]).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? "TCP" })),
        env,
        ...(s.configMapName && !s.configMountPath ? { envFrom: [{ configMapRef: { name: s.configMapName } }] } : {}),
        ...probesFor(s.probes, s.port),
        resources: s.resources,
        securityContext: containerSecurityContext(s.security),
        volumeMounts: [...mounts, ...(s.extraMounts ?? [])],
    };
}
