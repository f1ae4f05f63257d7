// Pod and container security defaults that pass the Pod Security "restricted" profile, and
// Docker's own (baseline) for compose services that run as Docker would run them.
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** Namespace labels that make the API server enforce, audit and warn at `level`. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/warn": level,
    };
}

/**
 * The capabilities baseline Pod Security lets a container add: Docker's default set, less
 * NET_RAW (which the container runtime's default set already holds).
 */
export const baselineCapabilities = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);

/** What an app may loosen, explicitly, from the restricted defaults. */
export interface SecurityOverrides {
    /**
     * Run as Docker runs the image (a compose service at baseline): the image's own user, the
     * runtime's default capabilities and seccomp profile; only what is set below is changed.
     */
    asDocker?: boolean;
    /** Capabilities to drop (a compose file's cap_drop), as Docker's runtime drops them. */
    dropCapabilities?: string[];
    runAsNonRoot?: boolean;
    runAsUser?: number;
    /** The primary group, and the group that owns volumes; runAsUser's id when unset. */
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    addCapabilities?: string[];
}

export const defaultUserId = 10001;

export function podSecurityContext(overrides: SecurityOverrides = {}): PodSecurityContext {
    if (overrides.asDocker) {
        const user = overrides.runAsUser;
        return {
            ...(user !== undefined ? { runAsUser: user, runAsNonRoot: user !== 0 } : {}),
            ...(overrides.runAsGroup !== undefined ? { runAsGroup: overrides.runAsGroup } : {}),
            seccompProfile: { type: "RuntimeDefault" },
        };
    }
    const runAsNonRoot = overrides.runAsNonRoot ?? true;
    const runAsUser = overrides.runAsUser ?? (runAsNonRoot ? defaultUserId : 0);
    return {
        runAsNonRoot,
        runAsUser,
        runAsGroup: overrides.runAsGroup ?? runAsUser,
        fsGroup: overrides.runAsGroup ?? runAsUser,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function containerSecurityContext(overrides: SecurityOverrides = {}): SecurityContext {
    if (overrides.asDocker) {
        const add = overrides.addCapabilities ?? [], drop = overrides.dropCapabilities ?? [];
        return {
            readOnlyRootFilesystem: overrides.readOnlyRootFilesystem ?? false,
            ...(overrides.allowPrivilegeEscalation === false ? { allowPrivilegeEscalation: false } : {}),
            ...(add.length || drop.length ? { capabilities: { ...(add.length ? { add } : {}), ...(drop.length ? { drop } : {}) } } : {}),
        };
    }
    return {
        allowPrivilegeEscalation: overrides.allowPrivilegeEscalation ?? false,
        readOnlyRootFilesystem: overrides.readOnlyRootFilesystem ?? true,
        capabilities: {
            drop: ["ALL"],
            ...(overrides.addCapabilities?.length ? { add: overrides.addCapabilities } : {}),
        },
    };
}

/** Why a namespace enforces less than restricted, in config's words; the policy pack admits baseline with it. */
export const podSecurityReasonAnnotation = "kubestrap.dev/pod-security-reason";

/** The pod template annotation that lists what an app's config loosened; the policy pack reads it (policy/). */
export const loosenedAnnotation = "kubestrap.dev/loosened";

/** The restricted defaults an app's config gives up, by the names the policy pack checks. */
export function loosenedSettings(overrides: SecurityOverrides = {}, noProbes = false): string[] {
    if (overrides.asDocker) {
        return ["baseline", ...(noProbes ? ["probes"] : [])];
    }
    return [
        ...(overrides.runAsNonRoot === false ? ["runAsNonRoot"] : []),
        ...(overrides.readOnlyRootFilesystem === false ? ["readOnlyRootFilesystem"] : []),
        ...(overrides.allowPrivilegeEscalation === true ? ["allowPrivilegeEscalation"] : []),
        ...(overrides.addCapabilities?.length ? ["capabilities"] : []),
        ...(noProbes ? ["probes"] : []),
    ];
}
