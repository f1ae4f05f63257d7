// What `kubestrap:cluster.mesh` cannot be, given the rest of the cluster: checked before any host is touched.
import { isIP } from "net";
import { ipv4Range, ipv6Within, rangesOverlap } from "../core/formats";
import { MeshConfig } from "./config";

type Problem = { path: (string | number)[]; message: string };

interface MeshCluster {
    target: string;
    mesh?: MeshConfig;
    k3s?: {
        ssh?: unknown;
        servers: { name: string; host: string; address?: string }[];
        agents: { name: string; host: string; address?: string }[];
        extraServerArgs: string[];
    };
}

const nodeTags = ["tag:k3s-server", "tag:k3s-agent"];

const cgnat = ipv4Range("100.64.0.0/10")!;

/** The pod and service ranges k3s uses: its defaults, or what extraServerArgs sets. */
export function k3sRanges(extraArgs: string[]): { name: string; cidr: string }[] {
    const flag = (name: string, fallback: string) => extraArgs.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]?.split(",")[0] ?? fallback;
    return [{ name: "k3s's pod range (cluster-cidr)", cidr: flag("cluster-cidr", "10.42.0.0/16") },
        { name: "k3s's service range (service-cidr)", cidr: flag("service-cidr", "10.43.0.0/16") }];
}

export function meshProblems(c: MeshCluster): Problem[] {
    const mesh = c.mesh;
    if (!mesh) {
        return [];
    }
    const at = (...path: (string | number)[]) => ["mesh", ...path];
    if (c.target !== "k3s" || !c.k3s) {
        return [{ path: at(), message: 'a mesh joins the nodes kubestrap installs: it needs target "k3s" and its hosts; remove it for this target' }];
    }
    const problems: Problem[] = [];
    const k3s = c.k3s;
    const hosts = [...k3s.servers, ...k3s.agents];
    const local = hosts.find((h) => h.host === "localhost");
    if (!k3s.ssh || local) {
        problems.push({ path: at(), message: `a mesh runs Headscale and Tailscale on SSH hosts; ${local ? `"${local.name}" is localhost` : "there are no ssh settings"}: ` +
            "give every node an SSH host and kubestrap:cluster.k3s.ssh, or remove the mesh" });
    }
    const hs = mesh.headscale;
    if (hs.node && hs.host) {
        problems.push({ path: at("headscale", "host"), message: "Headscale runs on a node (headscale.node) or on a host of its own (headscale.host), not both: keep one" });
    } else if (hs.node && !hosts.some((h) => h.name === hs.node)) {
        problems.push({ path: at("headscale", "node"), message: `"${hs.node}" is not a node of this cluster (${hosts.map((h) => h.name).join(", ")}); name one, or give headscale.host and headscale.address` });
    } else if (hs.host && !hs.address) {
        problems.push({ path: at("headscale", "address"), message: `Headscale on "${hs.host}", outside the cluster, needs the address nodes reach it at: set headscale.address` });
    }

    const v4 = ipv4Range(mesh.headscale.prefixes.v4);
    if (!v4) {
        problems.push({ path: at("headscale", "prefixes", "v4"), message: `"${mesh.headscale.prefixes.v4}" is not an IPv4 prefix` });
    } else if (v4[0] < cgnat[0] || v4[1] > cgnat[1]) {
        problems.push({ path: at("headscale", "prefixes", "v4"), message: `"${mesh.headscale.prefixes.v4}" is outside 100.64.0.0/10, the range Tailscale clients accept; pick a prefix inside it` });
    } else {
        for (const range of k3sRanges(k3s.extraServerArgs)) {
            const other = ipv4Range(range.cidr);
            if (other && rangesOverlap(v4, other)) {
                problems.push({ path: at("headscale", "prefixes", "v4"), message: `"${mesh.headscale.prefixes.v4}" overlaps ${range.name} ${range.cidr}; pick a prefix apart from it` });
            }
        }
        hosts.forEach((h) => [h.host, h.address].filter((a): a is string => !!a && isIP(a) === 4).forEach((a) => {
            if (rangesOverlap(v4, ipv4Range(`${a}/32`)!)) {
                problems.push({ path: at("headscale", "prefixes", "v4"), message: `"${mesh.headscale.prefixes.v4}" holds ${h.name}'s own address ${a} (a carrier-grade NAT network?); pick a prefix that does not` });
            }
        }));
    }
    if (!ipv6Within(mesh.headscale.prefixes.v6, "fd7a:115c:a1e0::/48")) {
        problems.push({ path: at("headscale", "prefixes", "v6"), message: `"${mesh.headscale.prefixes.v6}" is not inside fd7a:115c:a1e0::/48, the range Tailscale clients accept; pick a prefix inside it` });
    }

    if (hs.tls && hs.serverUrl?.startsWith("http://")) {
        problems.push({ path: at("headscale", "serverUrl"), message: "Headscale serves HTTPS when tls is set: write the server URL with https://, or leave it out" });
    } else if (hs.derp.embedded && hs.serverUrl?.startsWith("http://")) {
        problems.push({ path: at("headscale", "serverUrl"), message: "Tailscale reaches the embedded DERP relay over HTTPS only, so at an http:// URL it is a relay no node can use: " +
            "leave serverUrl out (Headscale then serves HTTPS from a CA kubestrap makes), give https:// (with tls, or a proxy that ends TLS), or set derp.embedded: false and give derp.urls" });
    }
    const serverHost = mesh.headscale.serverUrl ? new URL(mesh.headscale.serverUrl).hostname : undefined;
    if (serverHost && (serverHost === mesh.headscale.baseDomain || serverHost.endsWith(`.${mesh.headscale.baseDomain}`))) {
        problems.push({ path: at("headscale", "baseDomain"), message: `MagicDNS would answer for ${serverHost}, Headscale's own address: use a base domain apart from the server URL's` });
    }

    const groups = new Set(Object.keys(mesh.acl.groups));
    mesh.acl.rules.forEach((rule, i) => (["from", "to"] as const).forEach((side) => rule[side].forEach((who, j) => {
        if (who.startsWith("group:") && !groups.has(who)) {
            problems.push({ path: at("acl", "rules", i, side, j), message: `"${who}" is not in acl.groups (${[...groups].join(", ") || "none"}); define it there` });
        }
        if (who.startsWith("tag:") && !nodeTags.includes(who)) {
            problems.push({ path: at("acl", "rules", i, side, j), message: `"${who}" is not a tag kubestrap gives nodes (${nodeTags.join(", ")})` });
        }
    })));
    return problems;
}
