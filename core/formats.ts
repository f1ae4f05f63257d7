// Checks for the string formats Kubernetes itself insists on, with messages that say how to fix them.
import { isIP } from "net";

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
    const at = value.indexOf("@");
    if (!match && at >= 0 && imagePattern.test(value.slice(0, at))) {
        return `"${value}" has a malformed digest "${value.slice(at + 1)}"; a digest is sha256: and 64 lower-case hex digits ` +
            "(`docker buildx imagetools inspect <image>` prints it)";
    }
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
    // A tag with no digit names no release (alpine, stable, lts, edge, bookworm): it moves as latest does.
    if (tag && !digest && !/\d/.test(tag)) {
        return `"${value}" uses the tag "${tag}", which moves to each new release as "latest" does; pin a version tag (e.g. ${value.slice(0, value.lastIndexOf(":"))}:1.2.3-${tag}) or a digest`;
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

const looksLikeIPv4 = /^[\d.]+$/;

/** Why `value` is neither an IP address nor a host name (an IPv4 with an octet over 255 is neither), or undefined. */
export function addressProblem(value: string): string | undefined {
    if (isIP(value) !== 0) {
        return undefined;
    }
    if (looksLikeIPv4.test(value)) {
        return `"${value}" is not an IPv4 address; four numbers from 0 to 255, like 192.168.1.10`;
    }
    if (value.includes(":")) {
        return `"${value}" is not an IPv6 address; write it like fd7a:115c:a1e0::1, without brackets or a port`;
    }
    const labels = value.split(".");
    const ok = value.length <= 253 && labels.every((l) => l.length <= 63 && /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(l));
    return ok ? undefined : `"${value}" is neither an IP address nor a host name; use an address like 10.0.0.5 or a name like node1.lan`;
}

/** Why `value` is not an IPv4 or IPv6 CIDR (real octets, prefix within the family's length), or undefined. */
export function cidrProblem(value: string): string | undefined {
    const [address, prefix, ...rest] = value.split("/");
    const family = isIP(address);
    const ok = rest.length === 0 && family !== 0 && /^\d+$/.test(prefix ?? "") && Number(prefix) <= (family === 4 ? 32 : 128);
    return ok ? undefined : `"${value}" is not a CIDR; write it like 10.0.0.0/8 or fd00::/64`;
}

export function ipv4Number(address: string): number {
    return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function ipv6Number(address: string): bigint {
    const [head, tail = ""] = address.split("::");
    const groups = (part: string) => part === "" ? [] : part.split(":");
    const missing = 8 - groups(head).length - groups(tail).length;
    const all = address.includes("::") ? [...groups(head), ...Array(missing).fill("0"), ...groups(tail)] : groups(head);
    return all.reduce((n, g) => (n << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** The first and last address of an IPv4 CIDR, as numbers (undefined for anything else). */
export function ipv4Range(cidr: string): [number, number] | undefined {
    const [address, bits] = cidr.split("/");
    if (isIP(address) !== 4) {
        return undefined;
    }
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipv4Number(address) / size) * size;
    return [start, start + size - 1];
}

/** Whether an IPv6 CIDR lies inside another. */
export function ipv6Within(cidr: string, outer: string): boolean {
    const [address, bits] = cidr.split("/");
    const [outerAddress, outerBits] = outer.split("/");
    if (isIP(address) !== 6 || isIP(outerAddress) !== 6 || Number(bits) < Number(outerBits)) {
        return false;
    }
    const shift = BigInt(128 - Number(outerBits));
    return ipv6Number(address) >> shift === ipv6Number(outerAddress) >> shift;
}

export const rangesOverlap = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];

/** Why `value` is not an address pool: a CIDR, or first-last of one family in ascending order. */
export function addressRangeProblem(value: string): string | undefined {
    if (value.includes("/")) {
        return cidrProblem(value);
    }
    const [first, last, ...rest] = value.split("-");
    const family = isIP(first ?? "");
    if (rest.length > 0 || family === 0 || isIP(last ?? "") !== family) {
        return `"${value}" is not an address range; use a CIDR (192.168.1.240/28) or first-last of one family (192.168.1.240-192.168.1.250)`;
    }
    const ascending = family === 4 ? ipv4Number(first) <= ipv4Number(last) : ipv6Number(first) <= ipv6Number(last);
    return ascending ? undefined : `"${value}" runs backwards; put the lower address first (${last}-${first})`;
}

const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Why `value` is not a Kubernetes label (or taint) key: an optional DNS-subdomain prefix and a name of 63 characters. */
export function labelKeyProblem(value: string): string | undefined {
    const parts = value.split("/");
    const name = parts[parts.length - 1];
    const prefix = parts.length === 2 ? parts[0] : undefined;
    const prefixOk = prefix === undefined ||
        (prefix.length <= 253 && prefix.split(".").every((l) => l.length <= 63 && dnsLabel.test(l)));
    if (parts.length > 2 || !prefixOk || name.length > 63 || !labelName.test(name)) {
        return `"${value}" is not a label key; use an optional DNS prefix and a name of at most 63 letters, digits, '-', '_' and '.', ` +
            "starting and ending with a letter or digit, like node-role.example.com/storage";
    }
    return undefined;
}

/**
 * Labels the kubelet takes with --node-labels (k3s's node-label) under the kubernetes.io and
 * k8s.io domains: these well-known keys and the kubelet.kubernetes.io and node.kubernetes.io
 * namespaces; it exits at start on any other key there (k8s.io/kubelet
 * pkg/apis/well_known_labels.go, IsKubeletLabel, Kubernetes 1.32; node-restriction admission
 * keeps the same list).
 */
const kubeletLabels = new Set([
    "kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
    "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch",
    "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
]);
const kubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"];
const underDomain = (prefix: string, domain: string) => prefix === domain || prefix.endsWith(`.${domain}`);

/** Why the kubelet would refuse `key` as a node label it sets itself (a label key otherwise valid), or undefined. */
export function nodeLabelKeyProblem(key: string): string | undefined {
    const syntax = labelKeyProblem(key);
    if (syntax) return syntax;
    const prefix = key.includes("/") ? key.split("/")[0] : "";
    if (!["kubernetes.io", "k8s.io"].some((d) => underDomain(prefix, d))) return undefined;
    if (kubeletLabels.has(key) || kubeletLabelNamespaces.some((n) => underDomain(prefix, n))) return undefined;
    return `"${key}" is a label under kubernetes.io/k8s.io that the kubelet refuses to set on its own node (it would exit at start); ` +
        `use your own prefix, like node-role.example.com/${key.split("/").pop()}, or one under node.kubernetes.io`;
}

/** Why `value` is not a Kubernetes label (or taint) value: empty, or 63 characters of the label-name alphabet. */
export function labelValueProblem(value: string): string | undefined {
    if (value !== "" && (value.length > 63 || !labelName.test(value))) {
        return `"${value}" is not a label value; use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
    }
    return undefined;
}

/** Why `value` is not a registry mirror endpoint k3s can use (an http(s) URL of a host), or undefined. */
export function registryEndpointProblem(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `"${value}" is not a URL; write the mirror as https://registry.example.com:5000`;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        return `"${value}" uses ${url.protocol.replace(/:$/, "")}; a registry mirror is reached over https:// (or http:// on a trusted network)`;
    }
    if (url.username || url.password) {
        return `"${value}" carries credentials in the URL, which k3s would write into registries.yaml in plain text; drop them from the URL`;
    }
    return undefined;
}

/** Why `value` is not a registry name k3s mirrors (a host with an optional port, or "*"), or undefined. */
export function registryNameProblem(value: string): string | undefined {
    if (value === "*" || /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/.test(value)) {
        return undefined;
    }
    return `"${value}" is not a registry name; use its host as images name it (docker.io, ghcr.io, registry.lan:5000) or "*" for all`;
}

/** Why `value` is not an environment variable name (letters, digits, '_'; no leading digit), with a name that would do. */
export function envNameProblem(value: string): string | undefined {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
        return undefined;
    }
    const suggestion = value.toUpperCase().replace(/[^A-Z0-9_]+/g, "_").replace(/^(?=\d)/, "_");
    return `"${value}" is not an environment variable name; use letters, digits and '_', not starting with a digit: ${suggestion}`;
}

/** Env var names whose values are secrets (an MCP server's must be references; a compose service's go to its Secret). */
export const secretLookingName = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|(^|_)PASS(_|$)|API_?KEY|PRIVATE|CREDENTIAL/i;

/** The name in `known` that `name` most likely misspells (at most `maxEdits` edits away), for a "did you mean". */
export function closestName(name: string, known: Iterable<string>, maxEdits: number): string | undefined {
    const closest = [...known].map((k) => ({ k, d: editDistance(name, k) })).sort((x, y) => x.d - y.d)[0];
    return closest && closest.d <= maxEdits ? closest.k : undefined;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}
