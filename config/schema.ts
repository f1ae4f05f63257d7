// The shape of kubestrap's stack config (`kubestrap:*` keys), with defaults that hold in
// every environment. What differs between dev and prod lives in stacks/.
import { isIP } from "net";
import { z } from "zod";
import { addonsSchema } from "../addons/config";
import { cloudflare } from "../cloudflare/config";
import { composeApp, isComposeApp, ParsedComposeApp } from "../compose/config";
import { mcpServersConfig } from "../apps/mcp-config";
import { staticSites } from "../apps/static-sites-config";
import { aws, unreachableFromCloud, vpcOverlapProblems } from "../aws/config";
import { mesh } from "../mesh/config";
import { namespaces } from "../apps/namespaces-config";
import { app, AppConfig } from "../apps/config";
import { demon } from "../demon/config";
import { k3s, K3sConfig } from "../cluster/config";
import { k3sRanges, meshProblems } from "../mesh/config-checks";
import { uniquePerNamespace } from "../core/primitives";

export * from "../core/primitives";
export * from "../apps/config";
export * from "../demon/config";
export * from "../cluster/config";


/** "name" or "namespace/name" in an app's dependsOn, as namespace/name. */
export const appRef = (ref: string, from: { namespace: string }) => ref.includes("/") ? ref : `${from.namespace}/${ref}`;

/** The app a tunnel route sends to, as namespace/name ("name" alone is in the default "apps"). */
export const tunnelRouteApp = (route: { app?: string }) => route.app && appRef(route.app, { namespace: "apps" });

/** An app: a WebApp, or a docker-compose file when it has `compose:`. */
export const appEntry = z.unknown().transform((value, ctx): AppConfig | ParsedComposeApp => {
    const compose = !!value && typeof value === "object" && "compose" in value;
    const parsed = compose ? composeApp.safeParse(value) : app.safeParse(value);
    if (!parsed.success) {
        parsed.error.issues.forEach((issue) => ctx.addIssue(issue));
        return z.NEVER;
    }
    return compose ? { ...(parsed.data as z.infer<typeof composeApp>), namespace: parsed.data.namespace ?? parsed.data.name } : parsed.data as AppConfig;
});
export type AppEntry = z.infer<typeof appEntry>;
/** The WebApp entries of kubestrap:apps, with their indexes in it. */
export const webAppEntries = (list: AppEntry[]): [AppConfig, number][] =>
    list.flatMap((a, i) => (a && !isComposeApp(a) ? [[a, i] as [AppConfig, number]] : []));

/** What an entry of kubestrap:apps may hold, as one schema (the entries are parsed one by one below): for "did you mean". */
export const appsShape = z.array(z.union([app, composeApp]));

export const apps = z.array(z.unknown()).default([]).transform((list, ctx) => list.map((value, i) => {
    // Each entry on its own: one that fails leaves a hole (as salvage does) rather than a half-parsed value.
    const parsed = appEntry.safeParse(value);
    parsed.error?.issues.forEach((issue) => ctx.addIssue({ ...issue, path: [i, ...issue.path] }));
    return parsed.data;
}) as AppEntry[]).superRefine((list, ctx) => {
    const known = new Set(webAppEntries(list).map(([a]) => `${a.namespace}/${a.name}`));
    webAppEntries(list).forEach(([a, i]) => a.networkPolicy.dependsOn.forEach((ref, j) => {
        if (!known.has(appRef(ref, a))) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [i, "networkPolicy", "dependsOn", j],
                message: `there is no app "${appRef(ref, a)}"; name one of kubestrap:apps (${[...known].join(", ") || "none"}) as "name" or "namespace/name"`,
            });
        }
    }));
    uniquePerNamespace(list, ctx, "app", "app names must be unique per namespace");
});

/** What the AWS pools need of the rest of the cluster: k3s to join, and a VPC range apart from the cluster's. */
function awsClusterProblems(c: { target: string; aws?: z.infer<typeof aws>; mesh?: { headscale: { prefixes: { v4: string }; serverUrl?: string; address?: string; node?: string } }; k3s?: K3sConfig }) {
    if (!c.aws || c.aws.pools.length === 0) return [];
    const problems: { path: (string | number)[]; message: string }[] = [];
    if (c.target !== "k3s" || !c.k3s) {
        problems.push({ path: ["aws", "pools"], message: 'EC2 workers join a k3s cluster kubestrap installs: set target "k3s" with its settings, or drop the pools' });
        return problems;
    }
    // The instances boot in AWS and dial home: the URL they join at must be one the internet reaches.
    if (c.mesh) {
        const hs = c.mesh.headscale;
        const coordinator = [...c.k3s.servers, ...c.k3s.agents].find((h) => h.name === (hs.node ?? c.k3s!.servers[0]?.name));
        // Unset, the URL is https://<address>:<port>, the address Headscale's or its node's.
        const host = hs.serverUrl ? new URL(hs.serverUrl).hostname : hs.address ?? coordinator?.address ?? coordinator?.host;
        const found = host && unreachableFromCloud(host.replace(/^\[|\]$/g, ""));
        const why = found && !hs.serverUrl ? `it defaults to the coordinator's address, and ${found}` : found;
        if (why) {
            problems.push({ path: ["mesh", "headscale", "serverUrl"], message: `the EC2 workers log in to Headscale at this URL from AWS, and ${why}: set serverUrl to a public https:// URL (a reverse proxy or port forward to Headscale), or drop the pools` });
        }
    } else {
        const first = c.k3s.servers[0];
        const why = first && unreachableFromCloud(first.address ?? first.host);
        if (why) {
            problems.push({ path: ["aws", "pools"], message: `the EC2 workers join k3s at ${first.name}'s address from AWS, and ${why}: put the cluster on a mesh (kubestrap:cluster.mesh) with a public Headscale URL, or give ${first.name} a public address` });
        }
    }
    const network = c.aws.network;
    if ("cidr" in network) {
        const taken = [
            ...k3sRanges(c.k3s.extraServerArgs),
            ...(c.mesh ? [{ name: "the tailnet", cidr: c.mesh.headscale.prefixes.v4 }] : []),
            ...[...c.k3s.servers, ...c.k3s.agents].flatMap((h) => [h.address, h.host].filter((a): a is string => !!a && isIP(a) === 4)
                .map((a) => ({ name: `node ${h.name}'s address`, cidr: `${a}/32` }))),
        ];
        vpcOverlapProblems(network.cidr, taken).forEach((message) => problems.push({ path: ["aws", "network", "cidr"], message }));
    }
    return problems;
}

export const cluster = z.object({
    target: z.enum(["local", "kubeconfig", "k3s"]).default("local"),
    /** The local control plane's node: kwok (simulated, fast) or real (runs containers); read by scripts/cluster.sh. */
    local: z.object({ nodes: z.enum(["kwok", "real"]).default("kwok") }).strict().default({}),
    /** With target "kubeconfig": the file; unset, where kubectl looks (KUBECONFIG's first file, else ~/.kube/config). */
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    k3s: k3s.optional(),
    /** A Headscale tailnet the k3s nodes join before k3s: see docs/how-to/mesh.md. */
    mesh: mesh.optional(),
    /** EC2 worker pools and keyless AWS access for CI and workloads: see docs/how-to/aws-workers.md. */
    aws: aws.optional(),
}).strict().superRefine((c, ctx) => {
    for (const problem of awsClusterProblems(c)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: problem.path, message: problem.message });
    }
    for (const problem of meshProblems(c)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: problem.path, message: problem.message });
    }
    if (c.target !== "kubeconfig" && c.kubeconfig) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["kubeconfig"],
            message: `applies only to target "kubeconfig" (this stack's target is "${c.target}", whose kubeconfig kubestrap knows); remove it`,
        });
    }
    if (c.target !== "local" && c.local.nodes !== "kwok") {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["local", "nodes"],
            message: `applies only to target "local" (this stack's target is "${c.target}"); remove it`,
        });
    }
    if (c.target === "k3s" && !c.k3s) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["k3s"],
            message: 'target "k3s" needs the k3s settings: version and servers (see docs/how-to/own-hosts-k3s.md)',
        });
    }
});
export type ClusterConfig = z.infer<typeof cluster>;

export const environment = z.enum(["dev", "prod"]);
export type Environment = z.infer<typeof environment>;

/** Every `kubestrap:<key>` the program reads, and its schema. */
export const topLevel = {
    environment: environment.default("dev"),
    cluster: cluster.default({}),
    demon: demon.default({ enabled: false }),
    apps,
    /** Namespaces with a Pod Security level and NetworkPolicy baseline, apps in them or not: see docs/how-to/stacks-and-config.md. */
    namespaces,
    addons: addonsSchema,
    /** A Cloudflare Tunnel with DNS and Access, cloudflared in the cluster: see docs/how-to/cloudflare-tunnel.md. */
    cloudflare: cloudflare.optional(),
    /** Websites nginx serves from a folder of this repository or an image: see docs/how-to/static-sites.md. */
    staticSites,
    /** MCP servers from b00t's *.mcp.toml files or inline entries: see docs/how-to/mcp-servers.md. */
    mcpServers: mcpServersConfig.optional(),
};
export const stackConfig = z.object(topLevel).strict();
export type StackConfig = z.infer<typeof stackConfig>;
