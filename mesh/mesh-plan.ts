// The mesh's shared plan: its node groups, the paths on every host, the names Headscale knows
// them by, and the ACL policy. Headscale's side is mesh-headscale.ts, each node's mesh-join.ts.
// Pure functions, so the plan is tested without Pulumi.

export type MeshGroup = "servers" | "agents";

export interface AclRuleSettings {
    from: string[];
    to: string[];
    ports: string[];
    protocol: "tcp" | "udp" | "icmp";
}

export interface MeshPolicySettings {
    groups: Record<string, string[]>;
    rules: AclRuleSettings[];
}

export const meshPaths = {
    headscale: "/usr/local/bin/headscale",
    headscaleConfig: "/etc/headscale/config.yaml",
    policy: "/etc/headscale/policy.json",
    headscaleState: "/var/lib/headscale",
    headscaleSocket: "/var/run/headscale/headscale.sock",
    headscaleUnit: "/etc/systemd/system/headscale.service",
    headscaleCert: "/etc/headscale/tls.crt",
    headscaleKey: "/etc/headscale/tls.key",
    /** The private CA kubestrap makes when no certificate is given; its key never leaves the coordinator. */
    managedCa: "/etc/headscale/ca.crt",
    managedCaKey: "/etc/headscale/ca.key",
    /** The CA nodes trust Headscale's certificate by, when it is a private one. */
    meshCa: "/etc/kubestrap/mesh-ca.pem",
    tailscale: "/usr/local/bin/tailscale",
    tailscaled: "/usr/local/sbin/tailscaled",
    tailscaledUnit: "/etc/systemd/system/tailscaled.service",
    tailscaleState: "/var/lib/tailscale",
    tailscaleSocket: "/run/tailscale/tailscaled.sock",
    /** The pre-auth key, between its delivery and the join that uses it. */
    authKey: "/var/lib/tailscale/kubestrap-authkey",
    staging: "/var/lib/kubestrap/mesh",
};

/** The tailnet interface k3s's flannel rides on. */
export const meshInterface = "tailscale0";

/** The Headscale user (and tag) of each node group: keys, ACLs and node listings go by them. */
export const meshUser = (group: MeshGroup) => `kubestrap-${group}`;
export const meshTag = (group: MeshGroup) => group === "servers" ? "tag:k3s-server" : "tag:k3s-agent";

/** What k3s needs between its nodes (https://docs.k3s.io/installation/requirements#inbound-rules-for-k3s-nodes). */
export function k3sRules(): AclRuleSettings[] {
    const nodes = [meshTag("servers"), meshTag("agents")];
    return [
        { from: nodes, to: [meshTag("servers")], ports: ["6443"], protocol: "tcp" },
        { from: nodes, to: nodes, ports: ["10250"], protocol: "tcp" },
        // Flannel between every pair of nodes: VXLAN, or its WireGuard backend.
        { from: nodes, to: nodes, ports: ["8472", "51820", "51821"], protocol: "udp" },
        // Embedded etcd, between servers only.
        { from: [meshTag("servers")], to: [meshTag("servers")], ports: ["2379-2380"], protocol: "tcp" },
    ];
}

/** Admins reach every node's SSH and the API server. */
export function adminRules(groups: Record<string, string[]>): AclRuleSettings[] {
    return groups["group:admins"]
        ? [{ from: ["group:admins"], to: [meshTag("servers"), meshTag("agents")], ports: ["22", "6443"], protocol: "tcp" }]
        : [];
}

const ianaProtocol = { tcp: "tcp", udp: "udp", icmp: "icmp" } as const;

/** Headscale's policy file (Tailscale's ACL format): the k3s rules, admin access, then config's rules. */
export function meshPolicy(p: MeshPolicySettings): Record<string, unknown> {
    const owners = ["servers", "agents"] as const;
    const rules = [...k3sRules(), ...adminRules(p.groups), ...p.rules];
    return {
        groups: p.groups,
        tagOwners: Object.fromEntries(owners.map((g) => [meshTag(g), [`${meshUser(g)}@`]])),
        acls: rules.map((r) => ({
            action: "accept",
            ...(r.protocol === "tcp" ? {} : { proto: ianaProtocol[r.protocol] }),
            src: r.from,
            dst: r.to.flatMap((to) => r.ports.map((port) => `${to}:${port}`)),
        })),
    };
}

export const meshPolicyJson = (p: MeshPolicySettings) => JSON.stringify(meshPolicy(p), null, 2) + "\n";

/** Sets $arch to the release's name for this host's architecture. */
export const archScript = `case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;; esac`;
