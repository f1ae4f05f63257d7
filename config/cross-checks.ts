// Checks that span fields or sections of the stack config: what each part allows alone but the
// cluster would refuse (or silently resolve against the user) once the parts meet.
import { AddonName, addonNames, registry } from "../addons/registry";
import { configPath } from "../core/problems";
import { isComposeApp } from "../compose/config";
import { defaultAppReplicas, defaultNatsReplicas, StackConfig, tunnelRouteApp, webAppEntries } from "./schema";

type Section = keyof StackConfig;
type Path = (string | number)[];

/** The add-ons that are on: config, else the environment's default. */
export function addonIsOn(config: Pick<StackConfig, "addons" | "environment">, name: AddonName): boolean {
    return config.addons[name].enabled ?? registry[name].defaultIn[config.environment];
}

/** A stream cannot keep more copies than there are servers to hold them. */
export function streamReplicaProblems(c: Pick<StackConfig, "environment" | "demon">): string[] {
    const servers = c.demon.nats.replicas ?? defaultNatsReplicas[c.environment];
    const copies = c.demon.stream.replicas;
    if (!c.demon.enabled || copies === undefined || copies <= servers) {
        return [];
    }
    const from = c.demon.nats.replicas === undefined ? `the ${c.environment} default` : "kubestrap:demon.nats.replicas";
    return [`kubestrap:demon.stream.replicas: ${copies} copies need at least ${copies} NATS servers, and this stack runs ${servers} (${from}); ` +
        `set kubestrap:demon.nats.replicas to ${copies} or more, or lower stream.replicas`];
}

/** Namespaces kubestrap owns: it sets their Pod Security and NetworkPolicies and may delete them. */
function platformNamespaces(c: Partial<Pick<StackConfig, "demon">>): Map<string, string> {
    const owners = new Map<string, string>([
        ["kube-system", "Kubernetes and k3s"], ["kube-public", "Kubernetes"], ["kube-node-lease", "Kubernetes"],
    ]);
    for (const name of addonNames) {
        owners.set(registry[name].namespace, `the ${name} add-on`);
    }
    if (c.demon?.enabled) {
        owners.set(c.demon.namespace, "the Demon stack (kubestrap:demon.namespace)");
        owners.set(c.demon.jobsNamespace, "the Demon runtime's Jobs (kubestrap:demon.jobsNamespace)");
    }
    return owners;
}

export function platformNamespaceProblems(c: Pick<StackConfig, "apps"> & Partial<Pick<StackConfig, "demon">>): string[] {
    const owners = platformNamespaces(c);
    return c.apps.flatMap((app, i) => {
        const owner = owners.get(app.namespace);
        return owner ? [`${configPath(["apps", i, "namespace"])}: "${app.namespace}" belongs to ${owner}, whose policies and ` +
            `lifecycle kubestrap manages; put the app in a namespace of its own (the default is "apps")`] : [];
    });
}

/** kubestrap:namespaces: each once, none of the platform's. */
export function namespaceProblems(c: Pick<StackConfig, "namespaces"> & Partial<Pick<StackConfig, "demon" | "mcpServers" | "cloudflare">>): string[] {
    const owners = platformNamespaces(c);
    if (c.mcpServers) owners.set(c.mcpServers.namespace, "the MCP servers (kubestrap:mcpServers.namespace)");
    if (c.cloudflare) owners.set(c.cloudflare.tunnel.namespace, "cloudflared (kubestrap:cloudflare.tunnel.namespace)");
    return c.namespaces.flatMap((n, i) => {
        const first = c.namespaces.findIndex((m) => m.name === n.name);
        const owner = owners.get(n.name);
        return [
            ...(first < i ? [`${configPath(["namespaces", i, "name"])}: "${n.name}" is already listed at index ${first}; merge the two entries`] : []),
            ...(owner ? [`${configPath(["namespaces", i, "name"])}: "${n.name}" belongs to ${owner}, which sets its own labels and policies; name a namespace of your own`] : []),
        ];
    });
}

const trimSlash = (p: string) => p.length > 1 ? p.replace(/\/+$/, "") : p;

/** Two Ingresses for one host and path: the controller routes the path to one of them only. */
export function ingressClashProblems(c: Pick<StackConfig, "apps"> & Partial<Pick<StackConfig, "demon" | "addons" | "environment" | "staticSites">>): string[] {
    const claims: { host: string; path: string; at: Path; owner: string }[] = [];
    webAppEntries(c.apps).forEach(([app, i]) => app.ingress?.paths.forEach((p, j) =>
        claims.push({ host: app.ingress!.host, path: p, at: ["apps", i, "ingress", "paths", j], owner: `app "${app.name}" (kubestrap:apps[${i}])` })));
    c.apps.forEach((app, i) => app && isComposeApp(app) && app.expose.forEach((e, j) => (e.paths ?? ["/"]).forEach((p) =>
        claims.push({ host: e.host, path: p, at: ["apps", i, "expose", j], owner: `compose app "${app.name}"'s ${e.service} (kubestrap:apps[${i}])` }))));
    c.staticSites?.forEach((site, i) => site?.ingress?.paths.forEach((p, j) =>
        claims.push({ host: site.ingress!.host, path: p, at: ["staticSites", i, "ingress", "paths", j], owner: `static site "${site.name}" (kubestrap:staticSites[${i}])` })));
    const demonIngress = c.demon?.enabled ? c.demon.ingress : undefined;
    if (demonIngress) {
        demonIngress.paths.forEach((p, j) =>
            claims.push({ host: demonIngress.host, path: p, at: ["demon", "ingress", "paths", j], owner: "the Demon operate UI (kubestrap:demon.ingress)" }));
    }
    const grafanaHost = c.addons?.observability.grafanaHost;
    if (grafanaHost && c.environment && addonIsOn({ addons: c.addons!, environment: c.environment }, "observability")) {
        claims.push({ host: grafanaHost, path: "/", at: ["addons", "observability", "grafanaHost"], owner: "Grafana (kubestrap:addons.observability.grafanaHost)" });
    }
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const claim of claims) {
        const key = `${claim.host.toLowerCase()} ${trimSlash(claim.path)}`;
        const first = seen.get(key);
        if (first) {
            problems.push(`${configPath(claim.at)}: ${claim.host}${trimSlash(claim.path)} is already routed to ${first}; ` +
                "the ingress controller would send it to only one of them: give one another host or path");
        } else {
            seen.set(key, claim.owner);
        }
    }
    return problems;
}

/** Two volumes at one path in a pod: the API server refuses the Deployment. */
export function mountClashProblems(c: Pick<StackConfig, "apps">): string[] {
    return webAppEntries(c.apps).flatMap(([app, i]) => {
        const mounts: { path: string; at: Path; what: string }[] = [];
        if (app.security.readOnlyRootFilesystem !== false) {
            mounts.push({ path: "/tmp", at: ["apps", i, "security", "readOnlyRootFilesystem"], what: "kubestrap's writable /tmp (reserved while the root filesystem is read-only)" });
        }
        if (app.config?.mountPath) {
            mounts.push({ path: app.config.mountPath, at: ["apps", i, "config", "mountPath"], what: "config.mountPath" });
        }
        if (app.persistence) {
            mounts.push({ path: app.persistence.mountPath, at: ["apps", i, "persistence", "mountPath"], what: "persistence.mountPath" });
        }
        const problems: string[] = [];
        mounts.forEach((m, j) => {
            const earlier = mounts.slice(0, j).find((o) => trimSlash(o.path) === trimSlash(m.path));
            if (earlier) {
                problems.push(`${configPath(m.at)}: ${m.path} is already mounted by ${earlier.what}; each volume needs a path of its own: choose another`);
            }
        });
        return problems;
    });
}

/** A ReadWriteOnce claim on several replicas: the second pod never starts on another node. */
export function persistenceReplicaProblems(c: Pick<StackConfig, "apps" | "environment">): string[] {
    return webAppEntries(c.apps).flatMap(([app, i]) => {
        if (!app.persistence || app.persistence.accessMode === "ReadWriteMany") {
            return [];
        }
        const at = configPath(["apps", i, "persistence"]);
        const fix = `set kubestrap:apps[${i}].replicas to 1 without autoscaling, or persistence.accessMode to "ReadWriteMany" on a class that offers it (ceph-filesystem)`;
        if (app.autoscaling) {
            return [`${at}: a ReadWriteOnce volume cannot follow an autoscaler's replicas (kubestrap:apps[${i}].autoscaling); ${fix}`];
        }
        const replicas = app.replicas ?? defaultAppReplicas[c.environment];
        if (replicas > 1) {
            const from = app.replicas === undefined ? `the ${c.environment} default` : `kubestrap:apps[${i}].replicas`;
            return [`${at}: a ReadWriteOnce volume cannot be shared by ${replicas} replicas (${from}); ${fix}`];
        }
        return [];
    });
}

/** Tunnel routes to apps name apps that exist; cloudflared's namespace is its own. */
export function tunnelProblems(c: Pick<StackConfig, "apps" | "cloudflare"> & Partial<Pick<StackConfig, "demon">>): string[] {
    if (!c.cloudflare) {
        return [];
    }
    const known = new Set(webAppEntries(c.apps).map(([a]) => `${a.namespace}/${a.name}`));
    const problems = c.cloudflare.tunnel.ingress.flatMap((r, i) => r.app && !known.has(tunnelRouteApp(r)!)
        ? [`${configPath(["cloudflare", "tunnel", "ingress", i, "app"])}: there is no app "${tunnelRouteApp(r)}"; ` +
            `name one of kubestrap:apps (${[...known].join(", ") || "none"}) as "namespace/name", or give service instead`]
        : []);
    const tunnelNamespace = c.cloudflare.tunnel.namespace;
    const owner = platformNamespaces(c).get(tunnelNamespace) ?? (c.apps.some((a) => a.namespace === tunnelNamespace) ? "kubestrap:apps" : undefined);
    if (owner) {
        problems.push(`${configPath(["cloudflare", "tunnel", "namespace"])}: "${tunnelNamespace}" is used by ${owner}; cloudflared's NetworkPolicies ` +
            `deny everything else in its namespace, so give it one of its own (the default is "cloudflared")`);
    }
    return problems;
}

/** Static sites and MCP servers beside the apps: namespaces of their own kind, names of their own. */
export function siteAndMcpProblems(c: Pick<StackConfig, "apps" | "staticSites" | "mcpServers"> & Partial<Pick<StackConfig, "demon">>): string[] {
    const owners = platformNamespaces(c);
    const problems: string[] = [];
    const apps = new Set(webAppEntries(c.apps).map(([a]) => `${a.namespace}/${a.name}`));
    c.staticSites.forEach((site, i) => {
        if (!site) return;
        const owner = owners.get(site.namespace);
        if (owner) {
            problems.push(`${configPath(["staticSites", i, "namespace"])}: "${site.namespace}" belongs to ${owner}; put the site in a namespace of its own (the default is "apps")`);
        }
        if (apps.has(`${site.namespace}/${site.name}`)) {
            problems.push(`${configPath(["staticSites", i, "name"])}: app "${site.name}" in namespace "${site.namespace}" already has that name, and both would make a Deployment and Service of it; rename one`);
        }
    });
    const mcp = c.mcpServers?.namespace;
    const mcpOwner = mcp && (owners.get(mcp) ?? (c.apps.some((a) => a?.namespace === mcp) ? "kubestrap:apps" : undefined));
    if (mcpOwner) {
        problems.push(`${configPath(["mcpServers", "namespace"])}: "${mcp}" is used by ${mcpOwner}; give the MCP servers a namespace of their own (the default is "mcp")`);
    }
    return problems;
}

/** A compose app running as Docker would needs its namespace at baseline: a configured namespace must not enforce restricted. */
function composeNamespaceProblems(c: Pick<StackConfig, "apps" | "namespaces">): string[] {
    return c.apps.flatMap((a, i) => {
        if (!a || !("compose" in a) || a.podSecurity === "restricted") return [];
        const ns = c.namespaces.find((n) => n.name === a.namespace);
        return ns?.podSecurity === "restricted"
            ? [`${configPath(["apps", i, "podSecurity"])}: compose app "${a.name}" runs its services as Docker would (baseline), and kubestrap:namespaces says "${a.namespace}" enforces restricted; ` +
                "set podSecurity: restricted here (kubestrap's hardening), or podSecurity: baseline on the namespace"]
            : [];
    });
}

const checks: { needs: Section[]; run: (c: StackConfig) => string[] }[] = [
    { needs: ["apps", "namespaces"], run: composeNamespaceProblems },
    { needs: ["apps", "staticSites"], run: siteAndMcpProblems },
    { needs: ["apps", "cloudflare"], run: tunnelProblems },
    { needs: ["environment", "demon"], run: streamReplicaProblems },
    { needs: ["apps"], run: platformNamespaceProblems },
    { needs: ["namespaces"], run: namespaceProblems },
    { needs: ["apps"], run: ingressClashProblems },
    { needs: ["apps"], run: mountClashProblems },
    { needs: ["apps", "environment"], run: persistenceReplicaProblems },
];

/** Every cross-section problem whose sections (or parts of them) parsed; the rest were already reported. */
export function crossProblems(config: StackConfig, parsed: Set<Section>): string[] {
    return checks.filter((check) => check.needs.every((s) => parsed.has(s))).flatMap((check) => check.run(config));
}
