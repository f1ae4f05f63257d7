// The one place kubestrap reads stack config: parse, validate, resolve secrets, and fail with
// every problem at once before any resource is registered.
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, configPath, didYouMean, namespace } from "../core/problems";
import { formatIssue } from "./issues";
import { z } from "zod";
import { crossProblems } from "./cross-checks";
import { salvage } from "./salvage";
import { isComposeApp, ResolvedComposeApp, resolveComposeApp } from "../compose/config";
import type { ResolvedMcpServers } from "../apps/mcp-config";
import { defaultMcpSources, resolveMcpServers } from "../apps/mcp-resolve";
import { AppConfig, appsShape, ClusterConfig, DemonConfig, K3sConfig, SecretRef, secretRef, StackConfig, topLevel, webAppEntries } from "./schema";
import { ResolvedAddons, resolveAddons } from "./resolve-addons";
import { defaultSources, Secret, SecretResolver, secretKeyName, SecretSources } from "../core/secrets";

export { ConfigError } from "../core/problems";
export * from "./schema";
export { MeshConfig } from "../mesh/config";
import { MeshConfig } from "../mesh/config";
import { CloudflareConfig } from "../cloudflare/config";
export { addonIsOn, streamReplicaProblems } from "./cross-checks";
export { ResolvedAddons, ResolvedAddonSettings } from "./resolve-addons";
export { defaultSources, Secret, SecretSources } from "../core/secrets";

export interface ResolvedApp extends Omit<AppConfig, "secretEnv"> {
    secretEnv: Record<string, Secret>;
}

export interface ResolvedDemon extends Omit<DemonConfig, "secrets"> {
    secrets?: { adminToken: Secret; githubToken?: Secret };
}

type EtcdSnapshotsConfig = NonNullable<K3sConfig["etcdSnapshots"]>;
type EtcdS3Config = NonNullable<EtcdSnapshotsConfig["s3"]>;

export interface ResolvedK3s extends Omit<K3sConfig, "token" | "ssh" | "etcdSnapshots"> {
    /** Unset in config: K3sCluster generates one. */
    token?: Secret;
    ssh?: Omit<NonNullable<K3sConfig["ssh"]>, "privateKey"> & { privateKey: Secret };
    etcdSnapshots?: Omit<EtcdSnapshotsConfig, "s3"> & {
        s3?: Omit<EtcdS3Config, "accessKey" | "secretKey"> & { accessKey: Secret; secretKey: Secret };
    };
}

type HeadscaleConfig = MeshConfig["headscale"];

export interface ResolvedMesh extends Omit<MeshConfig, "headscale"> {
    headscale: Omit<HeadscaleConfig, "tls"> & { tls?: Omit<NonNullable<HeadscaleConfig["tls"]>, "key"> & { key: Secret } };
}

export interface ResolvedCluster extends Omit<ClusterConfig, "k3s" | "mesh"> {
    /** AWS config holds no secret: it is used as parsed. */
    k3s?: ResolvedK3s;
    mesh?: ResolvedMesh;
}

export interface ResolvedCloudflare extends Omit<CloudflareConfig, "tunnel"> {
    tunnel: Omit<CloudflareConfig["tunnel"], "token"> & { token?: Secret };
}

export { ResolvedComposeApp } from "../compose/config";

export { ResolvedMcpServer, ResolvedMcpServers } from "../apps/mcp-config";

export interface KubestrapConfig extends Omit<StackConfig, "demon" | "apps" | "cluster" | "addons" | "cloudflare" | "mcpServers"> {
    mcpServers?: ResolvedMcpServers;
    cloudflare?: ResolvedCloudflare;
    cluster: ResolvedCluster;
    demon: ResolvedDemon;
    apps: ResolvedApp[];
    /** The apps that are docker-compose files, translated. */
    composeApps: ResolvedComposeApp[];
    addons: ResolvedAddons;
}

function decode(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

type Section = keyof StackConfig;

/** Secret references anywhere under `value` (skipping parts switched off), with their paths. */
function secretRefsIn(value: unknown, at: (string | number)[]): { ref: SecretRef; at: (string | number)[] }[] {
    if (!value || typeof value !== "object") {
        return [];
    }
    if (secretRef.safeParse(value).success) {
        return [{ ref: value as SecretRef, at }];
    }
    if ((value as { enabled?: unknown }).enabled === false) {
        return [];
    }
    return Object.entries(value).flatMap(([key, v]) => secretRefsIn(v, [...at, Array.isArray(value) ? Number(key) : key]));
}

/** `also`: secret keys named outside the config (an MCP server file's fromConfig). */
function unknownKeyProblems(values: Record<string, string>, input: Record<string, unknown>, known: Set<string>, also: string[] = []): string[] {
    const referenced = new Set([...secretRefsIn(input, []).map(({ ref }) => secretKeyName(ref)).filter((k) => k !== undefined), ...also]);
    const problems: string[] = [];
    for (const key of Object.keys(values)) {
        const [ns, name] = key.split(":", 2);
        if (ns !== namespace || known.has(name) || referenced.has(key)) {
            continue;
        }
        const [head, ...rest] = name.split(".");
        if (rest.length > 0 && known.has(head)) {
            problems.push(`${key}: a nested setting stored as a key of its own, which kubestrap does not read; ` +
                `set it inside ${namespace}:${head} with \`pulumi config set --path '${name}' <value>\`, ` +
                `then remove this key with \`pulumi config rm '${name}'\``);
            continue;
        }
        const meant = didYouMean(name, [...known]);
        if (meant) {
            problems.push(`${key}: unknown setting; did you mean ${namespace}:${meant}? Rename the key in the stack file ` +
                "(its value stays; `pulumi config rm` would throw the value away)");
        } else {
            problems.push(`${key}: unknown setting; known settings are ${[...known].join(", ")}, ` +
                "plus secret keys named by a fromConfig reference; remove it with `pulumi config rm " + name + "`");
        }
    }
    return problems;
}

/**
 * Validates the `kubestrap:*` config values (as Pulumi hands them over: strings, JSON for
 * objects) and resolves secrets. Throws ConfigError listing every problem found: each section
 * is checked on its own, so a bad section does not hide the problems of the others.
 */
export function parseConfig(values: Record<string, string>, sources: SecretSources): KubestrapConfig {
    const known = new Set(Object.keys(topLevel));
    const input: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(values)) {
        const [ns, name] = key.split(":", 2);
        if (ns === namespace && known.has(name)) {
            input[name] = decode(raw);
        }
    }

    const problems: string[] = [];
    const complete = new Set<Section>();
    const available = new Set<Section>();
    const sections: Record<string, unknown> = {};
    const dropped: { raw: unknown; at: (string | number)[] }[] = [];
    for (const [name, schema] of Object.entries(topLevel) as [Section, z.ZodTypeAny][]) {
        const result = schema.safeParse(input[name]);
        if (result.success) {
            complete.add(name);
            available.add(name);
            sections[name] = result.data;
            continue;
        }
        problems.push(...result.error.issues.map((issue) => formatIssue({ ...issue, path: [name, ...issue.path] }, name === "apps" ? appsShape : schema)));
        const part = salvage(name, input[name]);
        dropped.push(...part?.dropped ?? []);
        if (part?.value !== undefined) {
            available.add(name);
            sections[name] = part.value;
        }
    }
    const config = sections as StackConfig;
    problems.push(...crossProblems(config, available));

    const resolver = new SecretResolver(values, sources);
    // The parts that did not parse still have their secrets checked, so those are not the next run's news.
    dropped.forEach(({ raw, at }) => secretRefsIn(raw, at).forEach(({ ref, at: where }) => resolver.resolve(ref, where)));
    const demon = complete.has("demon") ? resolveDemon(config.demon, resolver) : undefined;
    const apps = available.has("apps") ? resolveApps(webAppEntries(config.apps), resolver) : undefined;
    const composeApps = available.has("apps") && available.has("environment")
        ? config.apps.flatMap((a, i) => (a && isComposeApp(a) ? [resolveComposeApp(a, i, config.environment, sources, resolver, problems)] : []))
        : [];
    const cluster = complete.has("cluster") ? resolveCluster(config.cluster, resolver) : undefined;
    const cloudflare = complete.has("cloudflare") && config.cloudflare ? {
        ...config.cloudflare,
        tunnel: { ...config.cloudflare.tunnel, token: config.cloudflare.tunnel.token && resolver.resolve(config.cloudflare.tunnel.token, ["cloudflare", "tunnel", "token"]) },
    } : undefined;
    if (cluster?.mesh?.headscale.tls) {
        cluster.mesh.headscale.tls = readableTlsFiles(cluster.mesh.headscale.tls, sources, problems);
    } else if (!cluster) {
        const rawTls = (input.cluster as any)?.mesh?.headscale?.tls;
        if (typeof rawTls?.certFile === "string" && (rawTls.caFile === undefined || typeof rawTls.caFile === "string")) {
            readableTlsFiles(rawTls, sources, problems);
        }
    }
    let addons: ResolvedAddons | undefined;
    if ((["environment", "cluster", "addons"] as Section[]).every((s) => available.has(s))) {
        const addonProblems: string[] = [];
        addons = resolveAddons(config, resolver, addonProblems, sources);
        // An add-on whose settings failed was judged on its defaults: only what others say of it counts.
        const failed = dropped.filter(({ at }) => at[0] === "addons").map(({ at }) => `${configPath(at)}`);
        problems.push(...addonProblems.filter((p) => !failed.some((f) => p.startsWith(`${f}:`) || p.startsWith(`${f}.`))));
    }
    const mcpServers = complete.has("mcpServers") && config.mcpServers
        ? resolveMcpServers(config.mcpServers, resolver, defaultMcpSources(sources), problems)
        : undefined;
    problems.push(...resolver.problems);
    // Last: a secret a server file names by fromConfig is a setting kubestrap reads, not a stray key.
    problems.push(...unknownKeyProblems(values, input, known, mcpServers?.configKeys));
    if (problems.length > 0 || !demon || !apps || !cluster || !addons || !complete.has("apps") || !complete.has("addons")) {
        throw new ConfigError(problems);
    }
    return { ...config, cluster, demon, apps, mcpServers, composeApps: composeApps.filter((c): c is ResolvedComposeApp => !!c), addons, cloudflare };
}

/** Headscale's certificate and CA files, as absolute paths; a file that cannot be read is a problem now, not on the host. */
function readableTlsFiles<T extends { certFile: string; caFile?: string }>(tls: T, sources: SecretSources, problems: string[]): T {
    const check = (field: "certFile" | "caFile", file: string) => {
        const full = path.resolve(sources.baseDir, file.replace(/^~(?=\/)/, os.homedir()));
        try {
            if (!/-----BEGIN CERTIFICATE-----/.test(sources.readFile(full))) {
                problems.push(`kubestrap:cluster.mesh.headscale.tls.${field}: ${full} holds no PEM certificate; give the certificate file (-----BEGIN CERTIFICATE-----)`);
            }
        } catch (e) {
            problems.push(`kubestrap:cluster.mesh.headscale.tls.${field}: cannot read ${full} (${(e as NodeJS.ErrnoException).code ?? e}); fix the path`);
        }
        return full;
    };
    return { ...tls, certFile: check("certFile", tls.certFile), ...(tls.caFile ? { caFile: check("caFile", tls.caFile) } : {}) };
}

function resolveDemon(demon: DemonConfig, resolver: SecretResolver): ResolvedDemon {
    return {
        ...demon,
        secrets: demon.enabled && demon.secrets ? {
            adminToken: resolver.resolve(demon.secrets.adminToken, ["demon", "secrets", "adminToken"]),
            githubToken: demon.secrets.githubToken && resolver.resolve(demon.secrets.githubToken, ["demon", "secrets", "githubToken"]),
        } : undefined,
    };
}

function resolveApps(apps: [AppConfig, number][], resolver: SecretResolver): ResolvedApp[] {
    return apps.map(([app, i]): ResolvedApp => ({
        ...app,
        secretEnv: Object.fromEntries(Object.entries(app.secretEnv).map(([name, ref]) =>
            [name, resolver.resolve(ref, ["apps", i, "secretEnv", name])])),
    }));
}

function resolveCluster(cluster: ClusterConfig, resolver: SecretResolver): ResolvedCluster {
    const k3s = cluster.target === "k3s" ? cluster.k3s : undefined;
    const at = (...path: string[]) => ["cluster", "k3s", ...path];
    const mesh = cluster.mesh;
    return {
        ...cluster,
        mesh: mesh && {
            ...mesh,
            headscale: {
                ...mesh.headscale,
                tls: mesh.headscale.tls && { ...mesh.headscale.tls, key: resolver.resolve(mesh.headscale.tls.key, ["cluster", "mesh", "headscale", "tls", "key"]) },
            },
        },
        k3s: k3s && {
            ...k3s,
            token: k3s.token && resolver.resolve(k3s.token, at("token")),
            ssh: k3s.ssh && { ...k3s.ssh, privateKey: resolver.resolve(k3s.ssh.privateKey, at("ssh", "privateKey")) },
            etcdSnapshots: k3s.etcdSnapshots && {
                ...k3s.etcdSnapshots,
                s3: k3s.etcdSnapshots.s3 && {
                    ...k3s.etcdSnapshots.s3,
                    accessKey: resolver.resolve(k3s.etcdSnapshots.s3.accessKey, at("etcdSnapshots", "s3", "accessKey")),
                    secretKey: resolver.resolve(k3s.etcdSnapshots.s3.secretKey, at("etcdSnapshots", "s3", "secretKey")),
                },
            },
        },
    };
}

/** Reads this stack's config; on bad config, stops the program with every problem listed. */
export function loadConfig(sources: SecretSources = defaultSources()): KubestrapConfig {
    try {
        return parseConfig(pulumi.runtime.allConfig(), sources);
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new pulumi.RunError(e.message);
        }
        throw e;
    }
}

