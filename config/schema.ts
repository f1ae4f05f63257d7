// The shape of kubestrap's stack config (`kubestrap:*` keys), with defaults that hold in
// every environment. What differs between dev and prod lives in stacks/.
import { isIP } from "net";
import { z } from "zod";
import { k3sFlagProblem } from "../components/k3s-flags";
import { topologyProblems } from "../components/k3s-plan";
import { addonsSchema } from "./addons";
import { cloudflare } from "./cloudflare";
import { composeApp, isComposeApp, ParsedComposeApp } from "./compose-app";
import { mcpServersConfig } from "./mcp";
import { staticSites } from "./static-sites";
import { aws, unreachableFromCloud, vpcOverlapProblems } from "./aws";
import { mesh } from "./mesh";
import { namespaces } from "./namespaces";
import { k3sRanges, meshProblems } from "./mesh-checks";
import { duration, sshHostKey } from "./duration";
import { address, byteQuantity, cidr, cronSchedule, nodeLabelKey, dnsName, envName, image, ingress, labelValue, path, port, registryEndpoint, registryName, resources, secretRef, sshHost, taint, uniquePerNamespace } from "./primitives";

export * from "./primitives";


const probe = z.object({
    path: path.optional(),
    port: port.optional(),
    initialDelaySeconds: z.number().int().min(0).optional(),
    periodSeconds: z.number().int().min(1).optional(),
    failureThreshold: z.number().int().min(1).optional(),
}).strict();

const securityOverrides = z.object({
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().int().min(0).optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    addCapabilities: z.array(z.string().regex(/^[A-Z_]+$/, "capabilities are upper-case, like NET_BIND_SERVICE")).optional(),
}).strict();


/** Apps deny all traffic but the flows they need; this names the ones config adds. */
const appNetworkPolicy = z.object({
    /** Apps this app calls, as "name" (same namespace) or "namespace/name": egress to them, and their ingress from it. */
    dependsOn: z.array(z.string().regex(/^([a-z0-9-]+\/)?[a-z0-9-]+$/, 'names an app as "name" or "namespace/name"')).default([]),
    /** Destinations outside the cluster's apps: a CIDR and the TCP ports. */
    egress: z.array(z.object({ cidr, ports: z.array(port).min(1) }).strict()).default([]),
    /** Namespaces whose pods may call the app (the ingress controller's and dependents' are added anyway). */
    allowFromNamespaces: z.array(dnsName).default([]),
}).strict().default({});

export const app = z.object({
    name: dnsName,
    namespace: dnsName.default("apps"),
    image,
    replicas: z.number().int().min(0).optional(),
    port: port.default(8080),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(envName, z.string()).default({}),
    secretEnv: z.record(envName, secretRef).default({}),
    config: z.object({
        data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, "is not a valid ConfigMap key"), z.string()),
        mountPath: path.optional(),
    }).strict().optional(),
    probes: z.object({ liveness: probe.optional(), readiness: probe.optional(), tcp: z.boolean().default(false) }).strict().default({}),
    resources: resources.optional(),
    persistence: z.object({
        size: byteQuantity,
        storageClass: z.string().min(1).optional(),
        mountPath: path,
        /** ReadWriteMany lets every replica mount the claim; it needs a class that offers it (ceph-filesystem). */
        accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]).default("ReadWriteOnce"),
    }).strict().optional(),
    ingress: ingress.optional(),
    autoscaling: z.object({
        minReplicas: z.number().int().min(1),
        maxReplicas: z.number().int().min(1),
        targetCPUUtilizationPercentage: z.number().int().min(1).max(100).default(80),
    }).strict().refine((a) => a.maxReplicas >= a.minReplicas, {
        message: "maxReplicas must be at least minReplicas", path: ["maxReplicas"],
    }).optional(),
    disruptionBudget: z.object({
        minAvailable: z.number().int().min(0).optional(),
        maxUnavailable: z.number().int().min(1).optional(),
    }).strict().refine((b) => (b.minAvailable === undefined) !== (b.maxUnavailable === undefined), {
        message: 'set one of {"minAvailable": N} or {"maxUnavailable": N}',
    }).optional(),
    security: securityOverrides.default({}),
    networkPolicy: appNetworkPolicy,
}).strict();
export type AppConfig = z.infer<typeof app>;

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

const workload = z.object({
    replicas: z.number().int().min(0).optional(),
    port: port.optional(),
    healthPath: path.optional(),
    resources: resources.optional(),
}).strict();

/** NATS servers per environment when config does not say: prod runs a JetStream cluster. */
export const defaultNatsReplicas = { dev: 1, prod: 3 } as const;
/** An app's replicas per environment when config does not say. */
export const defaultAppReplicas = { dev: 1, prod: 2 } as const;

/** JetStream's Raft groups: 1, 3 or 5 members (an even count adds no tolerance). */
const raftSize = z.number().int().refine((n) => [1, 3, 5].includes(n), "must be 1, 3 or 5: a JetStream cluster keeps a majority, so an even count survives no more failures than one less");

export const demon = z.object({
    enabled: z.boolean().default(true),
    namespace: dnsName.default("demon-system"),
    /** Where the runtime runs its Jobs: a namespace with nothing else in it. */
    jobsNamespace: dnsName.default("demon-jobs"),
    images: z.object({
        nats: image.default("nats:2.10.22-alpine"),
        natsBox: image.default("natsio/nats-box:0.14.5"),
        engine: image.default("ghcr.io/afewell-hh/demon-engine:0.1.0"),
        runtime: image.default("ghcr.io/afewell-hh/demon-runtime:0.1.0"),
        operateUi: image.default("ghcr.io/afewell-hh/demon-operate-ui:0.1.0"),
        natsExporter: image.default("natsio/prometheus-nats-exporter:0.16.0"),
    }).strict().default({}),
    nats: z.object({
        storageClass: z.string().min(1).optional(),
        size: byteQuantity.optional(),
        resources: resources.optional(),
        /** Servers: 1, or a JetStream cluster of 3 or 5. Defaults to the environment's (prod: 3). */
        replicas: raftSize.optional(),
    }).strict().default({}),
    stream: z.object({
        name: z.string().regex(/^[A-Za-z0-9_-]+$/, "stream names use letters, digits, '_' and '-'").default("RITUAL_EVENTS"),
        subjects: z.array(z.string().regex(/^[^\s]+$/, "subjects contain no spaces")).min(1).default(["ritual.>", "approval.>"]),
        dedupeWindowSeconds: z.number().int().min(1).max(86400).default(60),
        /** Copies of the stream: at most the NATS servers. Defaults to the number of servers. */
        replicas: raftSize.optional(),
    }).strict().default({}),
    engine: workload.default({}),
    runtime: workload.default({}),
    operateUi: workload.default({}),
    ingress: ingress.optional(),
    /** Defaults to ingress-nginx's namespace when that add-on is on, else kube-system (k3s's Traefik). */
    ingressControllerNamespace: dnsName.optional(),
    secrets: z.object({
        adminToken: secretRef,
        githubToken: secretRef.optional(),
    }).strict().optional(),
}).strict().superRefine((d, ctx) => {
    if (d.enabled && !d.secrets) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["secrets"],
            message: 'the Demon stack needs secrets.adminToken; e.g. `pulumi config set --secret demonAdminToken <token>` and {"adminToken": {"fromConfig": "demonAdminToken"}}',
        });
    }
});
export type DemonConfig = z.infer<typeof demon>;

const k3sHost = z.object({
    name: dnsName,
    host: sshHost,
    address: address.optional(),
    labels: z.record(nodeLabelKey, labelValue).default({}),
    taints: z.array(taint).default([]),
    hostKey: sshHostKey.optional(),
}).strict();

export const k3s = z.object({
    version: z.string().regex(/^v1\.\d+\.\d+\+k3s\d+$/, "is not a k3s release; use the form v1.31.4+k3s1"),
    /** The join token; unset, kubestrap generates one (random.RandomPassword) and keeps it in the state. */
    token: secretRef.optional(),
    ha: z.boolean().default(false),
    /** Defaults to the environment's profile (on in prod). */
    hardened: z.boolean().optional(),
    ssh: z.object({
        user: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        privateKey: secretRef,
        sudo: z.boolean().default(true),
    }).strict().optional(),
    servers: z.array(k3sHost).min(1),
    agents: z.array(k3sHost).default([]),
    disable: z.array(z.enum(["traefik", "servicelb", "local-storage", "metrics-server", "coredns"])).default([]),
    flannel: z.object({ iface: z.string().optional(), backend: z.enum(["vxlan", "host-gw", "wireguard-native", "none"]).optional() }).strict().default({}),
    tlsSans: z.array(address).default([]),
    extraServerArgs: z.array(z.string().regex(/^--/, "extra args are flags like --kubelet-arg=max-pods=200")).default([]),
    extraAgentArgs: z.array(z.string().regex(/^--/, "extra args are flags like --kubelet-arg=max-pods=200")).default([]),
    dataDir: z.string().regex(/^\//, "must be an absolute path").optional(),
    /** Mirrors per registry, written to k3s's registries.yaml. */
    registries: z.record(registryName, z.object({ endpoints: z.array(registryEndpoint).min(1) }).strict()).optional(),
    etcdSnapshots: z.object({
        // k3s's etcd-snapshot-schedule-cron: five cron fields (every six hours: "0 */6 * * *").
        schedule: cronSchedule,
        retention: z.number().int().min(1).default(5),
        s3: z.object({
            endpoint: z.string().min(1),
            bucket: z.string().min(1),
            folder: z.string().min(1).optional(),
            region: z.string().min(1).optional(),
            accessKey: secretRef,
            secretKey: secretRef,
        }).strict().optional(),
    }).strict().optional(),
    airGap: z.object({
        binary: z.string().min(1),
        installScript: z.string().min(1),
        images: z.string().min(1).optional(),
    }).strict().optional(),
    restoreSnapshot: z.string().min(1).optional(),
    /** How long an upgrade waits for a node to drain before it stops, naming the pods that held it. */
    drainTimeout: duration.default("5m"),
    /** Change it (any new value) to give kubestrap's kubeconfig a new token and revoke the old one. */
    kubeconfigRotation: z.union([z.string().min(1), z.number()]).transform(String).optional(),
}).strict().superRefine((k, ctx) => {
    for (const problem of topologyProblems({ ...k, hasSsh: !!k.ssh })) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: problem.path, message: problem.message });
    }
    for (const [field, role] of [["extraServerArgs", "server"], ["extraAgentArgs", "agent"]] as const) {
        k[field].forEach((arg, i) => {
            const message = k3sFlagProblem(arg, role, k.version);
            if (message) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field, i], message });
            }
        });
    }
});
export type K3sConfig = z.infer<typeof k3s>;

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
