// The one place kubestrap reads stack config: parse, validate, resolve secrets, and fail with
// every problem at once before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, formatIssue, namespace } from "./problems";
import { AppConfig, ClusterConfig, DemonConfig, K3sConfig, SecretRef, StackConfig, stackConfig, streamReplicaProblems, topLevel } from "./schema";
import { ResolvedAddons, resolveAddons } from "./resolve-addons";
import { defaultSources, Secret, SecretResolver, secretKeyName, SecretSources } from "./secrets";

export { ConfigError } from "./problems";
export * from "./schema";
export { ResolvedAddons, ResolvedAddonSettings } from "./resolve-addons";
export { defaultSources, Secret, SecretSources } from "./secrets";

export interface ResolvedApp extends Omit<AppConfig, "secretEnv"> {
    secretEnv: Record<string, Secret>;
}

export interface ResolvedDemon extends Omit<DemonConfig, "secrets"> {
    secrets?: { adminToken: Secret; githubToken?: Secret };
}

type EtcdSnapshotsConfig = NonNullable<K3sConfig["etcdSnapshots"]>;
type EtcdS3Config = NonNullable<EtcdSnapshotsConfig["s3"]>;

export interface ResolvedK3s extends Omit<K3sConfig, "token" | "ssh" | "etcdSnapshots"> {
    token: Secret;
    ssh?: Omit<NonNullable<K3sConfig["ssh"]>, "privateKey"> & { privateKey: Secret };
    etcdSnapshots?: Omit<EtcdSnapshotsConfig, "s3"> & {
        s3?: Omit<EtcdS3Config, "accessKey" | "secretKey"> & { accessKey: Secret; secretKey: Secret };
    };
}

export interface ResolvedCluster extends Omit<ClusterConfig, "k3s"> {
    k3s?: ResolvedK3s;
}

export interface KubestrapConfig extends Omit<StackConfig, "demon" | "apps" | "cluster" | "addons"> {
    cluster: ResolvedCluster;
    demon: ResolvedDemon;
    apps: ResolvedApp[];
    addons: ResolvedAddons;
}

function decode(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/**
 * Validates the `kubestrap:*` config values (as Pulumi hands them over: strings, JSON for
 * objects) and resolves secrets. Throws ConfigError listing every problem found.
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
    const parsed = stackConfig.safeParse(input);
    if (!parsed.success) {
        problems.push(...parsed.error.issues.map(formatIssue));
    }

    const referenced = new Set<string>();
    const collectRefs = (value: unknown): void => {
        if (value && typeof value === "object") {
            const name = "fromConfig" in value ? secretKeyName(value as SecretRef) : undefined;
            if (name) {
                referenced.add(name);
            }
            Object.values(value).forEach(collectRefs);
        }
    };
    collectRefs(input);
    for (const key of Object.keys(values)) {
        const [ns, name] = key.split(":", 2);
        if (ns === namespace && !known.has(name) && !referenced.has(key)) {
            problems.push(`${key}: unknown setting; known settings are ${[...known].join(", ")}, ` +
                "plus secret keys named by a fromConfig reference; remove it with `pulumi config rm " + name + "`");
        }
    }

    if (!parsed.success) {
        throw new ConfigError(problems);
    }

    const config = parsed.data;
    const crossProblems = streamReplicaProblems(config);
    if (crossProblems.length > 0) {
        throw new ConfigError(crossProblems);
    }
    const resolver = new SecretResolver(values, sources);
    const demon: ResolvedDemon = {
        ...config.demon,
        secrets: config.demon.enabled && config.demon.secrets ? {
            adminToken: resolver.resolve(config.demon.secrets.adminToken, ["demon", "secrets", "adminToken"]),
            githubToken: config.demon.secrets.githubToken &&
                resolver.resolve(config.demon.secrets.githubToken, ["demon", "secrets", "githubToken"]),
        } : undefined,
    };
    const apps = config.apps.map((app, i): ResolvedApp => ({
        ...app,
        secretEnv: Object.fromEntries(Object.entries(app.secretEnv).map(([name, ref]) =>
            [name, resolver.resolve(ref, ["apps", i, "secretEnv", name])])),
    }));
    const k3s = config.cluster.target === "k3s" ? config.cluster.k3s : undefined;
    const cluster: ResolvedCluster = {
        ...config.cluster,
        k3s: k3s && {
            ...k3s,
            token: resolver.resolve(k3s.token, ["cluster", "k3s", "token"]),
            ssh: k3s.ssh && { ...k3s.ssh, privateKey: resolver.resolve(k3s.ssh.privateKey, ["cluster", "k3s", "ssh", "privateKey"]) },
            etcdSnapshots: k3s.etcdSnapshots && {
                ...k3s.etcdSnapshots,
                s3: k3s.etcdSnapshots.s3 && {
                    ...k3s.etcdSnapshots.s3,
                    accessKey: resolver.resolve(k3s.etcdSnapshots.s3.accessKey, ["cluster", "k3s", "etcdSnapshots", "s3", "accessKey"]),
                    secretKey: resolver.resolve(k3s.etcdSnapshots.s3.secretKey, ["cluster", "k3s", "etcdSnapshots", "s3", "secretKey"]),
                },
            },
        },
    };
    const addons = resolveAddons(config, resolver, problems);
    problems.push(...resolver.problems);
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return { ...config, cluster, demon, apps, addons };
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

