// Pod and container security defaults that pass the Pod Security "restricted" profile.
import * as k8s from "@pulumi/kubernetes";

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

/** What an app may loosen, explicitly, from the restricted defaults. */
export interface SecurityOverrides {
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
    return {
        allowPrivilegeEscalation: overrides.allowPrivilegeEscalation ?? false,
        readOnlyRootFilesystem: overrides.readOnlyRootFilesystem ?? true,
        capabilities: {
            drop: ["ALL"],
            ...(overrides.addCapabilities?.length ? { add: overrides.addCapabilities } : {}),
        },
    };
}

/** The pod template annotation that lists what an app's config loosened; the policy pack reads it (policy/). */
export const loosenedAnnotation = "kubestrap.dev/loosened";

/** The restricted defaults an app's config gives up, by the names the policy pack checks. */
export function loosenedSettings(overrides: SecurityOverrides = {}, noProbes = false): string[] {
    return [
        ...(overrides.runAsNonRoot === false ? ["runAsNonRoot"] : []),
        ...(overrides.readOnlyRootFilesystem === false ? ["readOnlyRootFilesystem"] : []),
        ...(overrides.allowPrivilegeEscalation === true ? ["allowPrivilegeEscalation"] : []),
        ...(overrides.addCapabilities?.length ? ["capabilities"] : []),
        ...(noProbes ? ["probes"] : []),
    ];
}
