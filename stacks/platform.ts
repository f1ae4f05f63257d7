// Composes the platform from validated config: stacks only compose, components do the work.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appRef, KubestrapConfig, ResolvedAddons, ResolvedApp, ResolvedCloudflare, ResolvedDemon, tunnelRouteApp } from "../config";
import { serviceUrlTarget } from "../cloudflare/config";
import { durationText } from "../core/duration";
import type { CloudflareTunnel, CloudflareTunnelArgs } from "../lib/cloudflare";
import { cloudflareTunnelSide } from "./on-demand";
import { DemonWorkload } from "../demon";
import { selectorLabels, standardLabels } from "../core/labels";
import { podSecurityLabels, podSecurityReasonAnnotation } from "../core/pod-security";
import { AppPeer, mcpServerArgs } from "../apps";
import { AppNamespace, ComposeApp, DemonStack, DemonStackArgs, McpServer, StaticSite, WebApp, WebAppArgs } from "../lib";
import { ingressControllerNamespace, InstalledAddons, installAddons } from "./addons";
import { apiServerEndpoints } from "./cluster";
import { EnvironmentProfile } from "./environments";

export function demonArgs(demon: ResolvedDemon, profile: EnvironmentProfile, apiServer: DemonStackArgs["apiServerEndpoints"],
    addons?: ResolvedAddons): DemonStackArgs {
    const workload = (w: ResolvedDemon["engine"], image: string, port: number): DemonWorkload => ({
        image,
        replicas: w.replicas ?? profile.demon.replicas,
        resources: w.resources ?? profile.demon.serviceResources,
        port: w.port ?? port,
        healthPath: w.healthPath ?? "/health",
    });
    if (!demon.secrets) {
        throw new Error("the Demon stack needs its secrets; the config validator should have said so");
    }
    return {
        namespace: demon.namespace,
        jobsNamespace: demon.jobsNamespace,
        nats: {
            image: demon.images.nats,
            replicas: demon.nats.replicas ?? profile.demon.natsReplicas,
            storageClass: demon.nats.storageClass,
            size: demon.nats.size ?? profile.demon.natsSize,
            resources: demon.nats.resources ?? profile.demon.natsResources,
        },
        natsBoxImage: demon.images.natsBox,
        stream: { ...demon.stream, replicas: demon.stream.replicas ?? demon.nats.replicas ?? profile.demon.natsReplicas },
        engine: workload(demon.engine, demon.images.engine, 8080),
        runtime: workload(demon.runtime, demon.images.runtime, 8080),
        operateUi: workload(demon.operateUi, demon.images.operateUi, 3000),
        secrets: demon.secrets,
        ingress: demon.ingress,
        ingressControllerNamespace: demon.ingressControllerNamespace ?? (addons ? ingressControllerNamespace(addons) : "kube-system"),
        protectData: profile.protectData,
        apiServerEndpoints: apiServer,
        metrics: addons?.order.includes("observability") ? { exporterImage: demon.images.natsExporter } : undefined,
    };
}

/** Where an app's pods are and what port they serve on, for other apps' policies. */
export function appPeer(app: ResolvedApp): AppPeer {
    return { name: app.name, namespace: app.namespace, selector: selectorLabels({ name: app.name, instance: `${app.namespace}-${app.name}` }), port: app.port };
}

/** An app's NetworkPolicy flows: who it calls, who calls it, and what config adds. */
export function appPolicy(app: ResolvedApp, all: ResolvedApp[], ingressControllerNamespace: string): WebAppArgs["networkPolicy"] {
    const key = (a: ResolvedApp) => `${a.namespace}/${a.name}`;
    const byKey = new Map(all.map((a) => [key(a), a]));
    return {
        ingressControllerNamespace,
        dependencies: app.networkPolicy.dependsOn.map((ref) => appPeer(byKey.get(appRef(ref, app))!)),
        dependents: all.filter((other) => other.networkPolicy.dependsOn.some((ref) => appRef(ref, other) === key(app))).map(appPeer),
        egress: app.networkPolicy.egress,
        allowFromNamespaces: app.networkPolicy.allowFromNamespaces,
    };
}

export function webAppArgs(app: ResolvedApp, profile: EnvironmentProfile): WebAppArgs {
    return {
        namespace: app.namespace,
        appName: app.name,
        image: app.image,
        replicas: app.replicas ?? profile.apps.replicas,
        port: app.port,
        command: app.command,
        args: app.args,
        env: app.env,
        secretEnv: app.secretEnv,
        config: app.config,
        probes: app.probes,
        resources: app.resources ?? profile.apps.resources,
        persistence: app.persistence,
        ingress: app.ingress,
        autoscaling: app.autoscaling,
        disruptionBudget: app.disruptionBudget,
        security: app.security,
        protectData: profile.protectData,
    };
}

/** The tunnel's routes, resolved: an app's Service URL and pods, or the configured Service's namespace and port. */
export function tunnelArgs(cloudflare: ResolvedCloudflare, apps: ResolvedApp[], webApps: Record<string, WebApp>): CloudflareTunnelArgs {
    const byKey = new Map(apps.map((a) => [`${a.namespace}/${a.name}`, a]));
    const t = cloudflare.tunnel;
    return {
        accountId: t.token ? undefined : cloudflare.accountId,
        zoneId: cloudflare.zoneId,
        tunnelName: t.name ?? `kubestrap-${pulumi.getStack()}`,
        token: t.token,
        namespace: t.namespace,
        replicas: t.replicas,
        image: t.image,
        routes: t.ingress.map((r) => {
            const key = tunnelRouteApp(r);
            if (key) {
                const app = byKey.get(key)!;
                return { hostname: r.hostname, path: r.path, origin: r.origin, service: webApps[key].internalUrl!, target: { namespace: app.namespace, port: app.port, podSelector: appPeer(app).selector } };
            }
            return { hostname: r.hostname, path: r.path, origin: r.origin, service: r.service!, target: serviceUrlTarget(r.service!, r.targetPort)! };
        }),
        access: t.access.map((a) => ({ hostname: a.hostname, name: a.name ?? a.hostname, sessionDuration: durationText(a.sessionDuration), allow: a.allow })),
    };
}

export interface Platform {
    tunnel?: CloudflareTunnel;
    addons: InstalledAddons;
    demon?: DemonStack;
    apps: Record<string, WebApp>;
    composeApps: Record<string, ComposeApp>;
    staticSites: Record<string, StaticSite>;
    mcpServers: Record<string, McpServer>;
    appNamespaces: k8s.core.v1.Namespace[];
    /** kubestrap:namespaces, with their policies. */
    namespaces: AppNamespace[];
}

/**
 * Everything that runs in the cluster, created through `provider`. `apiServer` gives the API
 * server's endpoints when the Demon stack needs them (by default read from the cluster).
 */
export function composePlatform(config: KubestrapConfig, profile: EnvironmentProfile, provider: k8s.Provider,
    transformations: pulumi.ResourceTransformation[] = [],
    apiServer: () => DemonStackArgs["apiServerEndpoints"] = () => apiServerEndpoints(provider)): Platform {
    const opts: pulumi.ComponentResourceOptions = { providers: { kubernetes: provider }, transformations };
    const addons = installAddons(config.addons, { profile, demonNamespace: config.demon.enabled ? config.demon.namespace : undefined }, opts);
    // Ingresses need their controller, and their TLS annotations need cert-manager's issuers.
    const ingressReady = [addons.ingressNginx, addons.certManager].filter((c): c is NonNullable<typeof c> => !!c);
    const demon = config.demon.enabled
        ? new DemonStack("demon", demonArgs(config.demon, profile, apiServer(), config.addons), { ...opts, dependsOn: ingressReady })
        : undefined;

    const ingressControllerNs = config.demon.ingressControllerNamespace ?? ingressControllerNamespace(config.addons);
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    const configuredNamespaces: AppNamespace[] = [];
    for (const ns of config.namespaces) {
        // A compose app's services have no policies of their own: its exposed ports need the controller let in.
        const exposed = config.composeApps.some((a) => a.namespace === ns.name && a.translation.services.some((s) => s.web?.ingress));
        const fromNamespaces = exposed && ns.networkPolicy.defaultDeny ? [...new Set([...ns.networkPolicy.fromNamespaces, ingressControllerNs])] : ns.networkPolicy.fromNamespaces;
        const made = new AppNamespace(`namespace-${ns.name}`, { ...ns, networkPolicy: { ...ns.networkPolicy, fromNamespaces } }, { providers: { kubernetes: provider } });
        configuredNamespaces.push(made);
        namespaces.set(ns.name, made.namespace);
    }
    for (const name of new Set([...config.apps, ...config.composeApps, ...config.staticSites].map((a) => a.namespace))) {
        if (namespaces.has(name)) continue;
        // A compose app that runs its services as Docker would (config's podSecurity) puts its namespace at baseline.
        const asDocker = config.composeApps.filter((a) => a.namespace === name && a.podSecurity === "baseline").map((a) => a.name);
        namespaces.set(name, new k8s.core.v1.Namespace(`apps-namespace-${name}`, {
            metadata: {
                name,
                labels: {
                    ...standardLabels({ name, instance: "apps", component: "namespace", partOf: "apps" }),
                    ...podSecurityLabels(asDocker.length ? "baseline" : "restricted"),
                },
                ...(asDocker.length ? { annotations: { [podSecurityReasonAnnotation]: `compose app ${asDocker.join(", ")}: services run as Docker runs them (podSecurity: baseline)` } } : {}),
            },
        }, { provider }));
    }
    const apps: Record<string, WebApp> = {};
    for (const app of config.apps) {
        const ns = namespaces.get(app.namespace)!;
        const policy = appPolicy(app, config.apps, ingressControllerNs);
        const routed = config.cloudflare?.tunnel.ingress.some((r) => tunnelRouteApp(r) === `${app.namespace}/${app.name}`);
        const networkPolicy = routed && policy ? { ...policy, allowFromNamespaces: [...policy.allowFromNamespaces, config.cloudflare!.tunnel.namespace] } : policy;
        apps[`${app.namespace}/${app.name}`] = new WebApp(`${app.namespace}-${app.name}`,
            { ...webAppArgs(app, profile), namespace: ns.metadata.name, networkPolicy }, { ...opts, dependsOn: [ns, ...ingressReady] });
    }
    const composeApps: Record<string, ComposeApp> = {};
    for (const app of config.composeApps) {
        const ns = namespaces.get(app.namespace)!;
        composeApps[`${app.namespace}/${app.name}`] = new ComposeApp(`${app.namespace}-${app.name}`,
            { namespace: ns.metadata.name, appName: app.name, translation: app.translation, waitImage: app.waitImage, secretValues: app.secrets }, { ...opts, dependsOn: [ns, ...ingressReady] });
    }
    const staticSites: Record<string, StaticSite> = {};
    for (const site of config.staticSites) {
        const ns = namespaces.get(site.namespace)!;
        staticSites[`${site.namespace}/${site.name}`] = new StaticSite(`${site.namespace}-${site.name}`, {
            namespace: ns.metadata.name,
            siteName: site.name,
            content: site.directory !== undefined ? { directory: site.directory } : { image: site.image!, path: site.path },
            replicas: site.replicas ?? profile.apps.replicas,
            ingress: site.ingress,
            cache: site.cache,
            spa: site.spa,
            healthPath: site.healthPath,
            resources: site.resources ?? profile.apps.resources,
            networkPolicy: { ingressControllerNamespace: ingressControllerNs, dependencies: [], dependents: [], egress: [], allowFromNamespaces: [] },
        }, { ...opts, dependsOn: [ns, ...ingressReady] });
    }
    const mcpServers: Record<string, McpServer> = {};
    if (config.mcpServers) {
        const ns = new k8s.core.v1.Namespace(`mcp-namespace-${config.mcpServers.namespace}`, {
            metadata: {
                name: config.mcpServers.namespace,
                labels: {
                    ...standardLabels({ name: config.mcpServers.namespace, instance: "mcp", component: "namespace", partOf: "mcp" }),
                    ...podSecurityLabels("restricted"),
                },
            },
        }, { provider });
        for (const server of config.mcpServers.servers) {
            mcpServers[server.name] = new McpServer(`mcp-server-${server.name}`, mcpServerArgs(server, ns.metadata.name), { ...opts, dependsOn: [ns] });
        }
    }
    const tunnel = config.cloudflare && new (cloudflareTunnelSide().CloudflareTunnel)("cloudflare", tunnelArgs(config.cloudflare, config.apps, apps), opts);
    return { tunnel, addons, demon, apps, composeApps, staticSites, mcpServers, appNamespaces: [...namespaces.values()], namespaces: configuredNamespaces };
}
