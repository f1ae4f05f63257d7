// The one place kubestrap reads stack config: parse, validate, resolve secrets, and fail with
// every problem at once before any resource is registered.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, configPath, formatIssue, namespace } from "./problems";
import { AppConfig, ClusterConfig, DemonConfig, K3sConfig, SecretRef, StackConfig, stackConfig, topLevel } from "./schema";
import { AddonsConfig } from "./addons";
import { AddonName, addonNames, planAddons, registry } from "../components/addons/registry";

export { ConfigError } from "./problems";
export * from "./schema";

export type Secret = pulumi.Output<string>;

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

type CertManagerSettings = AddonsConfig["cert-manager"];
type ExternalDnsSettings = AddonsConfig["external-dns"];

export interface ResolvedAddonSettings extends Omit<AddonsConfig, "cert-manager" | "external-dns"> {
    "cert-manager": Omit<CertManagerSettings, "cloudflare"> & {
        cloudflare?: Omit<NonNullable<CertManagerSettings["cloudflare"]>, "apiToken"> & { apiToken: Secret };
    };
    "external-dns": Omit<ExternalDnsSettings, "cloudflareApiToken"> & { cloudflareApiToken?: Secret };
}

export interface ResolvedAddons {
    /** The add-ons that are on, each after the ones it waits for. */
    order: AddonName[];
    waitsFor: Partial<Record<AddonName, AddonName[]>>;
    settings: ResolvedAddonSettings;
}

export interface KubestrapConfig extends Omit<StackConfig, "demon" | "apps" | "cluster" | "addons"> {
    cluster: ResolvedCluster;
    demon: ResolvedDemon;
    apps: ResolvedApp[];
    addons: ResolvedAddons;
}

/** Everything outside the config file that secrets may come from; injectable for tests. */
export interface SecretSources {
    env: Record<string, string | undefined>;
    readFile: (file: string) => string;
    /** Keys stored with `--secret`; when known, a plain-text key used as a secret is an error. */
    secretKeys?: string[];
    baseDir: string;
}

export const defaultSources = (): SecretSources => ({
    env: process.env,
    readFile: (file) => fs.readFileSync(file, "utf8"),
    secretKeys: process.env.PULUMI_CONFIG_SECRET_KEYS ? JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS) : undefined,
    baseDir: process.cwd(),
});

function decode(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

function secretKeyName(ref: SecretRef): string | undefined {
    return "fromConfig" in ref ? `${namespace}:${ref.fromConfig}` : undefined;
}

class SecretResolver {
    readonly problems: string[] = [];
    constructor(private readonly values: Record<string, string>, private readonly sources: SecretSources) {}

    resolve(ref: SecretRef, at: (string | number)[]): Secret {
        const where = configPath(at);
        let value: string | undefined;
        if ("fromConfig" in ref) {
            const key = `${namespace}:${ref.fromConfig}`;
            value = this.values[key];
            if (value === undefined) {
                this.problems.push(`${where}: config key ${key} is not set; run \`pulumi config set --secret ${ref.fromConfig} <value>\``);
            } else if (this.sources.secretKeys && !this.sources.secretKeys.includes(key)) {
                this.problems.push(`${where}: config key ${key} is stored in plain text; set it again with \`pulumi config set --secret ${ref.fromConfig} <value>\``);
            }
        } else if ("fromEnv" in ref) {
            value = this.sources.env[ref.fromEnv];
            if (value === undefined || value === "") {
                this.problems.push(`${where}: environment variable ${ref.fromEnv} is not set; export it before running pulumi`);
            }
        } else {
            const file = path.resolve(this.sources.baseDir, ref.fromFile.replace(/^~(?=\/)/, os.homedir()));
            try {
                value = this.sources.readFile(file).replace(/\r?\n$/, "");
                if (value === "") {
                    this.problems.push(`${where}: secret file ${file} is empty; put the secret in it`);
                }
            } catch (e) {
                this.problems.push(`${where}: cannot read secret file ${file} (${(e as NodeJS.ErrnoException).code ?? e}); create it or fix the path`);
            }
        }
        return pulumi.secret(value ?? "");
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

function isOn(config: StackConfig, name: AddonName): boolean {
    return config.addons[name].enabled ?? registry[name].defaultIn[config.environment];
}

/** Which add-ons are on and in what order, their secrets, and the rules that span add-ons. */
function resolveAddons(config: StackConfig, resolver: SecretResolver, problems: string[]): ResolvedAddons {
    const at = (name: AddonName, ...rest: string[]) => configPath(["addons", name, ...rest]);
    const on = addonNames.filter((name) => isOn(config, name));
    const { metallb, longhorn } = config.addons;
    const ceph = config.addons["rook-ceph"];
    const certManager = config.addons["cert-manager"];
    const externalDns = config.addons["external-dns"];
    const k3sDisables = config.cluster.target === "k3s" ? config.cluster.k3s?.disable ?? [] : undefined;

    if (on.includes("metallb") && !metallb.addresses) {
        problems.push(`${at("metallb", "addresses")}: MetalLB needs the addresses it may hand out, e.g. ["192.168.1.240-192.168.1.250"]`);
    }
    if (on.includes("rook-ceph") && !ceph.useAllNodes && ceph.nodes.length === 0) {
        problems.push(`${at("rook-ceph", "nodes")}: say which nodes and disks Ceph may use (nodes: [{name, devices}]), or set useAllNodes: true with a deviceFilter`);
    }
    if (on.includes("rook-ceph") && on.includes("longhorn") && ceph.block.enabled && ceph.block.defaultClass && longhorn.defaultClass) {
        problems.push(`${at("longhorn", "defaultClass")}: Ceph block storage is already the default StorageClass; set one of them to false`);
    }
    if (on.includes("cert-manager") && !certManager.email) {
        problems.push(`${at("cert-manager", "email")}: Let's Encrypt needs an account e-mail for expiry notices; set it, or turn cert-manager off`);
    }
    if (on.includes("cert-manager") && !certManager.http01 && !certManager.cloudflare && !on.includes("ingress-nginx") && k3sDisables?.includes("traefik")) {
        problems.push(`${at("cert-manager", "http01")}: HTTP-01 challenges need an ingress controller, and traefik is disabled; enable ingress-nginx, or use cloudflare (DNS-01)`);
    }
    if (on.includes("ingress-nginx") && k3sDisables && !k3sDisables.includes("traefik")) {
        problems.push(`${at("ingress-nginx")}: k3s's own Traefik would compete for ports 80 and 443; add "traefik" to kubestrap:cluster.k3s.disable, or turn ingress-nginx off`);
    }
    if (on.includes("external-dns") && !externalDns.cloudflareApiToken) {
        problems.push(`${at("external-dns", "cloudflareApiToken")}: ExternalDNS needs a Cloudflare API token with Zone:DNS:Edit, e.g. {"fromEnv": "CLOUDFLARE_API_TOKEN"}`);
    }
    if (on.includes("external-dns") && externalDns.domainFilters.length === 0) {
        problems.push(`${at("external-dns", "domainFilters")}: list the zones ExternalDNS may change, e.g. ["example.com"]`);
    }
    for (const name of on) {
        const unknownCharts = Object.keys(config.addons[name].charts).concat(Object.keys(config.addons[name].values))
            .filter((chart) => !(chart in registry[name].charts));
        for (const chart of new Set(unknownCharts)) {
            problems.push(`${at(name)}: "${chart}" is not one of this add-on's charts (${Object.keys(registry[name].charts).join(", ")})`);
        }
    }

    const plan = planAddons(Object.fromEntries(on.map((name) => [name, {
        requires: config.addons[name].dependsOn,
        after: registry[name].after,
    }])), addonNames);
    problems.push(...plan.problems.map((p) => `${at(p.addon as AddonName, "dependsOn")}: ${p.message}`));

    const cloudflare = certManager.cloudflare;
    return {
        order: plan.order as AddonName[],
        waitsFor: plan.waitsFor as ResolvedAddons["waitsFor"],
        settings: {
            ...config.addons,
            "cert-manager": {
                ...certManager,
                cloudflare: cloudflare && on.includes("cert-manager")
                    ? { ...cloudflare, apiToken: resolver.resolve(cloudflare.apiToken, ["addons", "cert-manager", "cloudflare", "apiToken"]) }
                    : undefined,
            },
            "external-dns": {
                ...externalDns,
                cloudflareApiToken: externalDns.cloudflareApiToken && on.includes("external-dns")
                    ? resolver.resolve(externalDns.cloudflareApiToken, ["addons", "external-dns", "cloudflareApiToken"])
                    : undefined,
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

