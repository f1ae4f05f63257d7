// `kubestrap:cluster.mesh`: a Headscale tailnet every k3s node joins before k3s starts.
import { z } from "zod";
import { duration } from "../core/duration";
import { address, cidr, dnsName, secretRef } from "../core/primitives";

/** A tag as Tailscale writes it. */
const tag = z.string().regex(/^tag:[a-z0-9][-a-z0-9]*$/, 'is not a tag; write it as "tag:<name>", lower case, like tag:k3s-server');
const groupName = z.string().regex(/^group:[a-z0-9][-a-z0-9]*$/, 'is not a group; write it as "group:<name>", like group:admins');
/** Who a rule speaks of: a group, a tag, or every node ("*"). */
const principal = z.union([groupName, tag, z.literal("*")], {
    errorMap: () => ({ message: 'names no one: use "group:<name>" (from acl.groups), "tag:<name>" or "*"' }),
});
const portRange = z.string().regex(/^(\*|\d{1,5}(-\d{1,5})?)$/, 'is not a port or range; write 6443, 2379-2380 or "*"')
    .refine((p) => p === "*" || p.split("-").every((n) => Number(n) >= 1 && Number(n) <= 65535), "ports run from 1 to 65535");

export const aclRule = z.object({
    from: z.array(principal).min(1),
    to: z.array(principal).min(1),
    /** Required for tcp and udp; icmp has no ports (Headscale refuses any but "*"). */
    ports: z.array(portRange).min(1).optional(),
    protocol: z.enum(["tcp", "udp", "icmp"]).default("tcp"),
}).strict().superRefine((r, ctx) => {
    if (r.protocol === "icmp" && r.ports && r.ports.some((p) => p !== "*")) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["ports"], message: 'ICMP has no ports: leave ports out (or write ["*"])' });
    }
    if (r.protocol !== "icmp" && !r.ports) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["ports"], message: `a ${r.protocol} rule needs its ports, e.g. ["9100"] or ["30000-32767"]` });
    }
});
export type AclRule = z.infer<typeof aclRule>;

/** Headscale parses the expiry into a Go time.Duration: nanoseconds in an int64. */
const maxHeadscaleSeconds = Math.floor(Number(2n ** 63n - 1n) / 1e9);

const staged = (what: string) => z.string().min(1).describe(`path of the staged ${what} on the machine running Pulumi`);

export const mesh = z.object({
    headscale: z.object({
        /** A Headscale release; 0.27.1 is what kubestrap is tested with. */
        version: z.string().regex(/^\d+\.\d+\.\d+$/, "is not a Headscale release; write it like 0.27.1").default("0.27.1"),
        /** Where Headscale runs: a node of the cluster by name (default: the first server). */
        node: dnsName.optional(),
        /** Or a host outside the cluster, reached over SSH with the cluster's ssh settings. */
        host: z.string().min(1).optional(),
        /** The address nodes reach Headscale at (required with `host`; defaults to the node's). */
        address: address.optional(),
        port: z.number().int().min(1).max(65535).default(8080),
        /** The URL nodes log in to; defaults to https://<address>:<port>, from a CA kubestrap makes (the DERP relay speaks TLS only). */
        serverUrl: z.string().url().optional(),
        baseDomain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "is not a domain; use something like mesh.internal").default("kubestrap.mesh"),
        prefixes: z.object({ v4: cidr.default("100.64.0.0/10"), v6: cidr.default("fd7a:115c:a1e0::/48") }).strict().default({}),
        derp: z.object({
            /** Headscale's own DERP relay (and STUN), the fallback when nodes cannot reach each other directly. */
            embedded: z.boolean().default(true),
            stunPort: z.number().int().min(1).max(65535).default(3478),
            /** DERP maps to use besides (or instead of) the embedded one. */
            urls: z.array(z.string().url()).default([]),
        }).strict().refine((d) => d.embedded || d.urls.length > 0, {
            message: "with embedded: false Headscale needs a DERP map to start: give urls (a DERP map you run), or keep the embedded relay",
            path: ["urls"],
        }).default({}),
        airGap: z.object({ binary: staged("headscale binary") }).strict().optional(),
        /**
         * Headscale on HTTPS (and so its DERP relay, which Tailscale reaches over TLS only): the
         * certificate chain and its key; the CA too when nodes do not already trust it.
         */
        tls: z.object({
            certFile: z.string().min(1),
            key: secretRef,
            caFile: z.string().min(1).optional(),
        }).strict().optional(),
    }).strict().default({}),
    tailscale: z.object({
        version: z.string().regex(/^\d+\.\d+\.\d+$/, "is not a Tailscale release; write it like 1.86.5").default("1.86.5"),
        airGap: z.object({ tailscale: staged("tailscale binary"), tailscaled: staged("tailscaled binary") }).strict().optional(),
    }).strict().default({}),
    keys: z.object({
        /**
         * How long the home nodes' group keys may register new nodes (default 90 days). A key is
         * used only when a node joins, and is issued anew whenever its group's nodes change, so a
         * node added on any day joins with a fresh one.
         */
        expiry: duration.default("2160h").refine((seconds) => seconds <= maxHeadscaleSeconds,
            "is longer than Headscale can hold (a Go duration: about 292 years); use a shorter expiry and rotate"),
        /**
         * How long an AWS pool's key may register instances (default 10 years): the pool launches
         * instances on any day of its life, long after the last `up`, so its key lasts as long as
         * the pool. It registers only ephemeral, tagged agents; rotate it with `rotation`, which
         * puts the new key in the launch template and refreshes the pool's instances.
         */
        poolExpiry: duration.default("87600h").refine((seconds) => seconds <= maxHeadscaleSeconds,
            "is longer than Headscale can hold (a Go duration: about 292 years); use a shorter expiry and rotate"),
        /** Change it (any new value) to issue new keys; nodes already on the mesh stay. */
        rotation: z.union([z.string().min(1), z.number()]).transform(String).optional(),
    }).strict().default({}),
    acl: z.object({
        /** Groups of Headscale users, e.g. {"group:admins": ["alice@"]}: admins reach every node on 22 and 6443. */
        groups: z.record(groupName, z.array(z.string().min(1))).default({}),
        /** Rules on top of the ones k3s needs. */
        rules: z.array(aclRule).default([]),
    }).strict().default({}),
}).strict();
export type MeshConfig = z.infer<typeof mesh>;
