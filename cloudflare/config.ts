// `kubestrap:cloudflare`: a Cloudflare Tunnel in front of the cluster's Services, with its DNS
// records and Access applications, and cloudflared running in the cluster. No inbound port.
import { z } from "zod";
import { duration } from "../core/duration";
import { host, image, secretRef } from "../core/primitives";

const inClusterUrl = /^(https?|tcp|ssh):\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?(:(\d{1,5}))?(\/\S*)?$/;
const defaultPorts: Record<string, number> = { http: 80, https: 443, ssh: 22 };

/** The namespace and pod port behind a route's Service URL (undefined when it does not parse). */
export function serviceUrlTarget(url: string, targetPort?: number): { namespace: string; port: number } | undefined {
    const m = inClusterUrl.exec(url);
    if (!m) return undefined;
    const port = targetPort ?? (m[6] ? Number(m[6]) : defaultPorts[m[1]]);
    return port ? { namespace: m[3], port } : undefined;
}

const cloudflareId = (what: string) => z.string().regex(/^[0-9a-f]{32}$/, `is not a Cloudflare ${what} id: 32 lower-case hex characters, shown on the dashboard's Overview page`);

/** Where a route sends requests: an in-cluster URL, or one of kubestrap's apps ("namespace/name"). */
const origin = z.object({
    /** Skip verifying the origin's certificate (an https origin with a self-signed one). */
    noTlsVerify: z.boolean().optional(),
    /** Seconds to wait for a TCP connection to the origin. */
    connectTimeout: z.number().int().min(1).max(300).optional(),
    httpHostHeader: host.optional(),
    originServerName: host.optional(),
}).strict();

export const tunnelRoute = z.object({
    hostname: host,
    path: z.string().regex(/^\//, "must start with '/' (cloudflared matches it as a regular expression on the path)").optional(),
    /** An in-cluster Service URL: http(s)://, tcp:// or ssh://<service>.<namespace>.svc[.cluster.local][:port][/path]. */
    service: z.string().regex(inClusterUrl,
        "is not an in-cluster Service URL; write http://<service>.<namespace>.svc.cluster.local:<port> (or https://, tcp://, ssh://), or use app; cloudflared may reach only the Services it fronts").optional(),
    /** The port the Service's pods listen on, when it is not the URL's (NetworkPolicies see the pod's port). */
    targetPort: z.number().int().min(1).max(65535).optional(),
    /** One of kubestrap:apps, as "namespace/name" or "name" (namespace "apps"): its Service and port. */
    app: z.string().min(1).optional(),
    origin: origin.optional(),
}).strict().superRefine((r, ctx) => {
    if (!!r.service === !!r.app) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["service"], message: "give exactly one of service (an in-cluster URL) and app (one of kubestrap:apps)" });
    }
    if (r.service && r.service.startsWith("tcp://") && !serviceUrlTarget(r.service, r.targetPort)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["service"], message: "a tcp:// origin needs its port, e.g. tcp://db.data.svc.cluster.local:5432" });
    }
    if (r.app && r.targetPort) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["targetPort"], message: "applies to service routes; an app's port comes from kubestrap:apps" });
    }
});
export type TunnelRoute = z.infer<typeof tunnelRoute>;

const accessApplication = z.object({
    hostname: host,
    /** Shown in the Access app launcher; defaults to the hostname. */
    name: z.string().min(1).optional(),
    sessionDuration: duration.default("24h"),
    /** Who gets in: any one of these (Access "include" rules). */
    allow: z.object({
        emailDomains: z.array(host).default([]),
        emails: z.array(z.string().email("is not an email address")).default([]),
        /** Access group ids (Zero Trust > Access > Groups). */
        groups: z.array(z.string().min(1)).default([]),
    }).strict().default({}),
}).strict().superRefine((a, ctx) => {
    if (a.allow.emailDomains.length + a.allow.emails.length + a.allow.groups.length === 0) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom, path: ["allow"],
            message: "lets no one in: an Access policy needs at least one include rule; add allow.emailDomains, allow.emails or allow.groups",
        });
    }
});

export const cloudflare = z.object({
    accountId: cloudflareId("account").optional(),
    zoneId: cloudflareId("zone").optional(),
    /** The zone's name (example.com): every tunnel hostname must be in it. */
    zone: host.optional(),
    tunnel: z.object({
        /** Defaults to kubestrap-<stack>. */
        name: z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/, "is not a tunnel name: letters, digits, '-', '_' and '.'").optional(),
        /**
         * A tunnel made elsewhere (the Zero Trust dashboard): only cloudflared runs here with this
         * token; routes, DNS and Access stay where the tunnel was made.
         */
        token: secretRef.optional(),
        namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "is not a namespace name").default("cloudflared"),
        replicas: z.number().int().min(1).max(10).default(2),
        image: image.default("cloudflare/cloudflared:2025.10.1"),
        /** Hostname (and path) -> origin, in order; the required catch-all (404) is added last. */
        ingress: z.array(tunnelRoute).default([]),
        access: z.array(accessApplication).default([]),
    }).strict(),
}).strict().superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    const managed = !c.tunnel.token;
    if (managed) {
        if (!c.accountId) issue(["accountId"], "kubestrap makes the tunnel in this account: set it (dashboard > Overview > Account ID), or give tunnel.token for a tunnel made elsewhere");
        if (!c.zoneId && c.tunnel.ingress.length > 0) issue(["zoneId"], "the DNS records for the tunnel's hostnames go in this zone: set it (dashboard > the zone's Overview > Zone ID)");
        if (!c.zone && c.tunnel.ingress.length > 0) issue(["zone"], "name the zone (example.com) the tunnel's hostnames belong to");
    } else if (c.tunnel.access.length > 0) {
        issue(["tunnel", "access"], "Access applications are made only for tunnels kubestrap makes; with tunnel.token, set them up where the tunnel was made, or drop tunnel.token");
    }
    const seen = new Map<string, number>();
    c.tunnel.ingress.forEach((r, i) => {
        if (c.zone && managed && r.hostname !== c.zone && !r.hostname.endsWith(`.${c.zone}`)) {
            issue(["tunnel", "ingress", i, "hostname"], `"${r.hostname}" is not in the zone ${c.zone}; Cloudflare can only point names inside its zone at the tunnel`);
        }
        const key = `${r.hostname}${r.path ?? ""}`;
        if (seen.has(key)) {
            issue(["tunnel", "ingress", i, "hostname"], `"${key}" is already routed by tunnel.ingress[${seen.get(key)}]; cloudflared would use the first only`);
        }
        seen.set(key, i);
    });
    const routed = new Set(c.tunnel.ingress.map((r) => r.hostname));
    const accessSeen = new Set<string>();
    c.tunnel.access.forEach((a, i) => {
        if (!routed.has(a.hostname)) {
            issue(["tunnel", "access", i, "hostname"], `"${a.hostname}" is not routed by the tunnel; add it to tunnel.ingress or fix the name`);
        }
        if (accessSeen.has(a.hostname)) {
            issue(["tunnel", "access", i, "hostname"], `"${a.hostname}" has an Access application already; merge their allow lists`);
        }
        accessSeen.add(a.hostname);
    });
});
export type CloudflareConfig = z.infer<typeof cloudflare>;
