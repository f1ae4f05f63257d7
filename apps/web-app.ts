import * as k8s from "../core/k8s-api";
import * as pulumi from "@pulumi/pulumi";
import { imageProblem } from "../core/formats";
import { appIngress, appPolicies } from "./app-exposure";
import { AppPolicySettings } from "./app-network-policies";
import { IngressSettings } from "../core/ingress-spec";
import { selectorLabels, standardLabels } from "../core/labels";
import { loosenedAnnotation, loosenedSettings, podSecurityContext, SecurityOverrides } from "../core/pod-security";
import { containerFor, ContainerSettings, envSecret, PortSettings, ProbesSettings, volumesFor, waitContainer } from "./web-app-specs";
import { Resources } from "../core/workload";
import { workloadService } from "../core/workload-service";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

export interface WebAppArgs {
    namespace: pulumi.Input<string>;
    /** Name of the app's Kubernetes objects; defaults to the component's name. */
    appName?: string;
    /** Pinned image: a tag other than `latest`, or a digest. */
    image: string;
    /** A StatefulSet gives each replica its own claims (claimTemplates); a Deployment shares them. */
    kind?: "Deployment" | "StatefulSet";
    replicas?: number;
    port?: number;
    /**
     * Every port the app serves, each offered by the Service under its own number; an empty list
     * means no Service. Unset: `port`, offered as "http" on port 80.
     */
    ports?: PortSettings[];
    command?: string[];
    args?: string[];
    env?: Record<string, pulumi.Input<string>>;
    /** Values stored in the app's Secret and exposed as env vars; they stay secret in state. */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** A ConfigMap: mounted at mountPath, or exposed as env vars without one. */
    config?: { data: Record<string, string>; mountPath?: string };
    probes?: ProbesSettings;
    resources?: Resources;
    /** One claim for the app; ReadWriteOnce (the default) allows a single replica. */
    persistence?: { size: string; storageClass?: string; mountPath: string; accessMode?: "ReadWriteOnce" | "ReadWriteMany" };
    /** More volumes (claims, ConfigMaps, Secrets, emptyDirs) and where the container mounts them. */
    volumes?: Volume[];
    volumeMounts?: VolumeMount[];
    /** StatefulSet only: one claim per replica, each providing the volume of that name. */
    claimTemplates?: { name: string; size: string; storageClass?: string }[];
    /** Start only once these accept TCP connections (init containers). */
    waitFor?: { host: string; port: number }[];
    /** The image those init containers run (busybox with nc); a mirror's copy in an air-gapped cluster. */
    waitImage?: string;
    workingDir?: string;
    podAnnotations?: Record<string, string>;
    terminationGracePeriodSeconds?: number;
    ingress?: IngressSettings;
    autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
    disruptionBudget?: { minAvailable?: number; maxUnavailable?: number };
    /** Explicit loosening of the secure defaults (non-root, read-only root, no escalation, no capabilities). */
    security?: SecurityOverrides;
    /** Names the pod resolves to an address of its own choosing (a compose service's own names, to itself). */
    hostAliases?: { ip: string; hostnames: string[] }[];
    /** The app.kubernetes.io/part-of label; defaults to the app's name. */
    partOf?: string;
    /** Keep the PersistentVolumeClaim on delete and refuse to replace it. */
    protectData?: boolean;
    /**
     * Deny all traffic to and from the app's pods but DNS and these flows. The ingress
     * controller's namespace is let in when the app has an Ingress. Unset: no policies.
     */
    networkPolicy?: AppPolicySettings;
}

/** Problems with the args that Kubernetes would only reject later, or not at all. */
export function webAppProblems(args: WebAppArgs): { propertyPath: string; reason: string }[] {
    const problems: { propertyPath: string; reason: string }[] = [];
    const image = imageProblem(args.image);
    if (image) {
        problems.push({ propertyPath: "image", reason: image });
    }
    if (args.autoscaling && args.autoscaling.maxReplicas < args.autoscaling.minReplicas) {
        problems.push({ propertyPath: "autoscaling.maxReplicas", reason: "must be at least minReplicas" });
    }
    const budget = args.disruptionBudget;
    if (budget && (budget.minAvailable === undefined) === (budget.maxUnavailable === undefined)) {
        problems.push({ propertyPath: "disruptionBudget", reason: "set exactly one of minAvailable or maxUnavailable" });
    }
    const names = (args.ports ?? []).map((p) => p.name);
    if (new Set(names).size !== names.length) {
        problems.push({ propertyPath: "ports", reason: "port names must be unique" });
    }
    if (args.ingress && args.ports?.length === 0) {
        problems.push({ propertyPath: "ingress", reason: "an app with no ports has no Service to route to" });
    }
    if (args.claimTemplates && args.kind !== "StatefulSet") {
        problems.push({ propertyPath: "claimTemplates", reason: 'claim templates need kind: "StatefulSet"' });
    }
    const sharedClaim = args.persistence?.accessMode === "ReadWriteMany";
    if (args.persistence && !sharedClaim && (args.autoscaling || (args.replicas ?? 1) > 1)) {
        problems.push({
            propertyPath: "persistence",
            reason: 'a ReadWriteOnce volume cannot be shared by several replicas; use replicas: 1 without autoscaling, or accessMode: "ReadWriteMany"',
        });
    }
    return problems;
}

/** One web application: Deployment, Service, and what it asks for of ConfigMap, Secret, PVC, Ingress, HPA, PDB. */
export class WebApp extends pulumi.ComponentResource {
    /** Unset for an app with no ports. */
    readonly serviceName?: pulumi.Output<string>;
    readonly internalUrl?: pulumi.Output<string>;
    readonly url?: pulumi.Output<string>;
    /** The Deployment's or StatefulSet's name. */
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: WebAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:apps:WebApp", name, {}, opts);
        const problems = webAppProblems(args);
        if (problems.length > 0) {
            throw new pulumi.InputPropertiesError({ message: `WebApp ${name} has invalid arguments`, errors: problems });
        }

        const port = args.port ?? 8080;
        const app = args.appName ?? name;
        const labels = standardLabels({ name: app, instance: name, component: "web", partOf: args.partOf ?? app });
        const selector = selectorLabels({ name: app, instance: name });
        const meta = (suffix = "") => ({ name: `${app}${suffix}`, namespace: args.namespace, labels });
        const child = { parent: this };

        const { configMap, secret, secretEnvNames, claim, sharedClaim } = webAppStorage(name, args, meta, child);
        const settings: ContainerSettings = {
            image: args.image, port, ports: args.ports, command: args.command, args: args.args, workingDir: args.workingDir,
            env: args.env ?? {}, secretEnvNames, secretName: secret?.metadata.name,
            configMapName: configMap?.metadata.name, configMountPath: args.config?.mountPath,
            dataClaimName: claim?.metadata.name, dataMountPath: args.persistence?.mountPath, extraMounts: args.volumeMounts,
            probes: args.probes ?? {}, resources: args.resources ?? {}, security: args.security ?? {},
        };
        const podTemplate = webAppPodTemplate(app, args, settings, labels);
        const stateful = args.kind === "StatefulSet";
        const servicePorts = args.ports
            ? args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? "TCP" }))
            : [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }];
        const serviceless = args.ports?.length === 0;
        const workload = webAppWorkload(name, app, args, { meta, selector, labels, podTemplate, servicePorts, serviceless, recreate: (!!claim && !sharedClaim) }, child);
        const serviceName = serviceless ? undefined : workloadService(`${name}-service`, {
            metadata: meta(),
            spec: { type: "ClusterIP", selector, ports: servicePorts },
        }, workload, child).readyName;

        const exposed = { name, app, namespace: args.namespace, labels, selector, port, parent: this };
        if (args.ingress && serviceName) {
            this.url = appIngress(exposed, args.ingress, serviceName);
        }
        webAppScaling(name, args, meta, selector, { kind: stateful ? "StatefulSet" : "Deployment", name: workload.metadata.name }, child);
        if (args.networkPolicy) {
            appPolicies(exposed, args.networkPolicy, !!args.ingress);
        }

        const firstPort = args.ports?.[0] ? `:${args.ports[0].port}` : "";
        this.serviceName = serviceName;
        this.deploymentName = workload.metadata.name;
        this.internalUrl = serviceName && pulumi.interpolate`http://${serviceName}.${args.namespace}.svc.cluster.local${firstPort}`;
        this.registerOutputs({
            serviceName: this.serviceName,
            deploymentName: this.deploymentName,
            internalUrl: this.internalUrl,
            url: this.url,
        });
    }
}

type Meta = (suffix?: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };

/** The app's ConfigMap, env Secret and data claim, each when its args ask for it. */
function webAppStorage(name: string, args: WebAppArgs, meta: Meta, child: pulumi.CustomResourceOptions) {
    const configMap = args.config && new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta("-config"), data: args.config.data }, child);
    const { secret, secretEnvNames } = envSecret(`${name}-secret`, meta("-secret"), args.secretEnv ?? {}, child);
    const sharedClaim = args.persistence?.accessMode === "ReadWriteMany";
    const claim = args.persistence && new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
        metadata: { ...meta("-data"), annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            accessModes: [args.persistence.accessMode ?? "ReadWriteOnce"],
            ...(args.persistence.storageClass ? { storageClassName: args.persistence.storageClass } : {}),
            resources: { requests: { storage: args.persistence.size } },
        },
    }, { ...child, protect: args.protectData, retainOnDelete: args.protectData });
    return { configMap, secret, secretEnvNames, claim, sharedClaim };
}

/** The pod: the app's container, its volumes, the waits for its dependencies, and what config loosened. */
function webAppPodTemplate(app: string, args: WebAppArgs, settings: ContainerSettings, labels: Record<string, string>) {
    const { volumes, mounts } = volumesFor(settings);
    // No probes, or readiness only (a compose service without a healthcheck: Docker restarts nothing), is the config's choice.
    const loosened = loosenedSettings(args.security, !!settings.probes.none || !!settings.probes.readinessOnly);
    const annotations = { ...args.podAnnotations, ...(loosened.length ? { [loosenedAnnotation]: loosened.join(",") } : {}) };
    return {
        metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
        spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(args.security),
            ...(args.hostAliases?.length ? { hostAliases: args.hostAliases } : {}),
            ...(args.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: args.terminationGracePeriodSeconds } : {}),
            ...(args.waitFor?.length ? { initContainers: args.waitFor.map((w) => waitContainer(w.host, w.port, args.security ?? {}, args.waitImage)) } : {}),
            containers: [containerFor(app, settings, mounts)],
            volumes: [...volumes, ...(args.volumes ?? [])],
        },
    };
}

interface WorkloadParts {
    meta: Meta;
    selector: Record<string, string>;
    labels: Record<string, string>;
    podTemplate: ReturnType<typeof webAppPodTemplate>;
    servicePorts: { name: string; port: number; targetPort: string; protocol: string }[];
    serviceless: boolean;
    /** A ReadWriteOnce claim is attached to one node at a time: the old pod goes before the new one comes. */
    recreate: boolean;
}

/** A Deployment, or a StatefulSet with its governing headless Service and claim templates. */
function webAppWorkload(name: string, app: string, args: WebAppArgs, w: WorkloadParts, child: pulumi.CustomResourceOptions): k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet {
    // With an autoscaler the HPA owns the replica count; setting it here would fight it on every up.
    const replicas = args.autoscaling ? {} : { replicas: args.replicas ?? 1 };
    if (args.kind !== "StatefulSet") {
        return new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: w.meta(),
            spec: {
                ...replicas,
                selector: { matchLabels: w.selector },
                strategy: w.recreate || args.volumes?.some((v) => v.persistentVolumeClaim) ? { type: "Recreate" } : { type: "RollingUpdate" },
                template: w.podTemplate,
            },
        }, child);
    }
    // A StatefulSet's governing Service is headless: it gives each pod a stable DNS name.
    const governing = w.serviceless ? undefined : new k8s.core.v1.Service(`${name}-headless`, {
        metadata: w.meta("-headless"),
        spec: { clusterIP: "None", selector: w.selector, ports: w.servicePorts },
    }, child);
    return new k8s.apps.v1.StatefulSet(`${name}-statefulset`, {
        metadata: w.meta(),
        spec: {
            ...replicas,
            serviceName: governing ? governing.metadata.name : app,
            selector: { matchLabels: w.selector },
            template: w.podTemplate,
            volumeClaimTemplates: (args.claimTemplates ?? []).map((c) => ({
                metadata: { name: c.name, labels: w.labels },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(c.storageClass ? { storageClassName: c.storageClass } : {}),
                    resources: { requests: { storage: c.size } },
                },
            })),
        },
    }, child);
}

/** The HorizontalPodAutoscaler and PodDisruptionBudget, when config asks for them. */
function webAppScaling(name: string, args: WebAppArgs, meta: Meta, selector: Record<string, string>,
    target: { kind: string; name: pulumi.Output<string> }, child: pulumi.CustomResourceOptions): void {
    if (args.autoscaling) {
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
            metadata: meta(),
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: target.kind, name: target.name },
                minReplicas: args.autoscaling.minReplicas,
                maxReplicas: args.autoscaling.maxReplicas,
                metrics: [{
                    type: "Resource",
                    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.autoscaling.targetCPUUtilizationPercentage ?? 80 } },
                }],
            },
        }, child);
    }
    if (args.disruptionBudget) {
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(), spec: { ...args.disruptionBudget, selector: { matchLabels: selector } } }, child);
    }
}
