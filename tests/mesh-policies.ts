// Generated mesh ACL configs, for the property tests: the unit suite checks the policy's shape,
// the end-to-end suite hands the same policies to Headscale's own validator.
import { AclRuleSettings } from "../mesh/mesh-plan";

/** A tiny deterministic generator, so the property tests are the same on every run. */
export function random(seed: number) {
    let state = seed;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    return { int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

export function randomPolicy(seed: number): { groups: Record<string, string[]>; rules: AclRuleSettings[] } {
    const r = random(seed);
    const groups = Object.fromEntries(Array.from({ length: r.int(3) }, (_, i) => [`group:g${i}`, [`user${i}@`]]));
    const principals = ["*", "tag:k3s-server", "tag:k3s-agent", ...Object.keys(groups)];
    const rules = Array.from({ length: r.int(5) }, (): AclRuleSettings => ({
        from: [r.pick(principals)],
        to: [r.pick(principals.filter((p) => !p.startsWith("group:") || r.int(2)))],
        ports: [r.pick(["22", "80", "443", "1000-2000", "*"])],
        protocol: r.pick(["tcp", "udp", "icmp"] as const),
    })).map((rule) => rule.protocol === "icmp" ? { ...rule, ports: ["*"] } : rule);
    return { groups, rules };
}

