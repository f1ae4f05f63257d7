// Checks for the string formats Kubernetes itself insists on, with messages that say how to fix them.

const binaryUnits = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const quantityPattern = /^(\d+(\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const decimalBytePattern = /^(\d+(?:\.\d+)?)\s*([kKmMgGtTpPeE])i?[bB]$/;

/** Returns why `value` is not a Kubernetes byte quantity (e.g. "10Gi"), or undefined. */
export function byteQuantityProblem(value: string): string | undefined {
    const decimal = decimalBytePattern.exec(value);
    if (decimal) {
        const unit = binaryUnits.find((u) => u[0].toUpperCase() === decimal[2].toUpperCase()) ?? "Gi";
        return `"${value}" is not a Kubernetes quantity; write ${decimal[1]}${unit}`;
    }
    if (!quantityPattern.test(value) || value.endsWith("m")) {
        return `"${value}" is not a Kubernetes quantity; use a number with a binary unit, like 512Mi or 10Gi`;
    }
    return undefined;
}

/** Returns why `value` is not a CPU quantity (e.g. "250m", "1.5"), or undefined. */
export function cpuQuantityProblem(value: string): string | undefined {
    if (!/^(\d+(\.\d+)?|\.\d+)m?$/.test(value)) {
        return `"${value}" is not a CPU quantity; use cores like 0.5 or millicores like 500m`;
    }
    return undefined;
}

const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const registry = "(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+(?::\\d+)?|localhost(?::\\d+)?|[a-zA-Z0-9-]+:\\d+)";
const imagePattern = new RegExp(
    `^(?:${registry}/)?${component}(?:/${component})*(?::(?<tag>[\\w][\\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$`,
);

/** Returns why `value` is not a pinned image reference (tag other than latest, or digest), or undefined. */
export function imageProblem(value: string): string | undefined {
    const match = imagePattern.exec(value);
    if (!match) {
        return `"${value}" is not a valid image reference; write registry/name:tag, e.g. ghcr.io/acme/app:1.4.2`;
    }
    const { tag, digest } = match.groups ?? {};
    if (!tag && !digest) {
        return `"${value}" has no tag; pin a version (e.g. ${value}:1.2.3) or a digest (${value}@sha256:...)`;
    }
    if (tag === "latest" && !digest) {
        return `"${value}" uses the mutable tag "latest"; pin a version tag or a digest`;
    }
    return undefined;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Returns why `value` is not an RFC 1123 label (names of namespaces, apps, services), or undefined. */
export function dnsLabelProblem(value: string): string | undefined {
    if (value.length > 63 || !dnsLabel.test(value)) {
        return `"${value}" is not a valid name; use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit`;
    }
    return undefined;
}

/** Returns why `value` is not a DNS host name (wildcard first label allowed), or undefined. */
export function hostProblem(value: string): string | undefined {
    const labels = value.split(".");
    const ok = value.length <= 253 && labels.length >= 2 &&
        labels.every((l, i) => (i === 0 && l === "*") || (l.length <= 63 && dnsLabel.test(l)));
    return ok ? undefined : `"${value}" is not a DNS host name; use something like app.example.com`;
}

const byteUnits: Record<string, number> = {
    "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A valid CPU or byte quantity as a number (cores, bytes), to compare a limit with its request. */
export function quantityValue(value: string, kind: "cpu" | "memory"): number {
    if (kind === "cpu") {
        return value.endsWith("m") ? Number(value.slice(0, -1)) / 1000 : Number(value);
    }
    const m = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(value);
    return m ? Number(m[1]) * (byteUnits[m[2]] ?? NaN) : NaN;
}

/** Why an SSH host is not a bare host (a `user@` prefix), or undefined. */
export function sshHostProblem(value: string): string | undefined {
    const at = value.lastIndexOf("@");
    if (at < 0) {
        return undefined;
    }
    return `"${value}" names a user; give the host alone ("${value.slice(at + 1)}") and the user as kubestrap:cluster.k3s.ssh.user ("${value.slice(0, at)}")`;
}
