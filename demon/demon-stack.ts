import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DemonJobs } from "./demon-jobs";
import { NatsJetStream } from "./nats-jetstream";
import { ApiServerEndpoint, apiServerEgress, demonNetworkPolicies, natsClientLabel, StreamSettings, streamBootstrapScript } from "./demon-specs";
import { ingressFor, IngressSettings } from "../core/ingress-spec";
import { selectorLabels, standardLabels } from "../core/labels";
import { containerSecurityContext, podSecurityContext, podSecurityLabels } from "../core/pod-security";
import { probe, Resources } from "../core/workload";
import { workloadService } from "../core/workload-service";

export interface DemonWorkload {
    image: string;
    replicas: number;
    resources: Resources;
    port: number;
    healthPath: string;
}

export interface DemonStackArgs {
    namespace: string;
    nats: {
        image: string;
        /** 1, or 3 or 5 for a JetStream cluster. */
        replicas: number;
        storageClass?: string;
        size: string;
        resources: Resources;
    };
    natsBoxImage: string;
    stream: StreamSettings;
    engine: DemonWorkload;
    runtime: DemonWorkload;
    operateUi: DemonWorkload;
    secrets: { adminToken: pulumi.Input<string>; githubToken?: pulumi.Input<string> };
    ingress?: IngressSettings;
    /** Namespace of the ingress controller, the only one allowed to reach operate-ui. */
    ingressControllerNamespace: string;
    /** The namespace the runtime runs its Jobs in, with nothing else in it. */
    jobsNamespace: string;
    /** Keep the NATS volume claim on destroy and refuse to replace it. */
    protectData?: boolean;
    /**
     * The API server's real endpoints (the `kubernetes` EndpointSlice): the engine and runtime
     * talk to the API, and their egress policy admits exactly these.
     */
    apiServerEndpoints: pulumi.Input<ApiServerEndpoint[]>;
    /** Expose Prometheus metrics (the observability add-on is on): a NATS exporter sidecar, scrape access. */
    metrics?: { exporterImage: string };
}

const partOf = "demon";

/**
 * The Demon platform: NATS JetStream with its stream, the engine, runtime and operate-ui, in a
 * namespace of their own under the Pod Security "restricted" profile and default-deny networking.
 */
export class DemonStack extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly natsUrl: pulumi.Output<string>;
    readonly uiUrl: pulumi.Output<string>;

    constructor(name: string, args: DemonStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:platform:DemonStack", name, {}, opts);
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: args.namespace,
                labels: { ...standardLabels({ name: args.namespace, instance: name, component: "namespace", partOf }), ...podSecurityLabels("restricted") },
            },
        }, { parent: this });
        const c = demonContext(name, ns.metadata.name, this);
        const secret = new k8s.core.v1.Secret(`${name}-secrets`, {
            metadata: c.meta("demon-secrets", "secrets"),
            type: "Opaque",
            stringData: {
                ADMIN_TOKEN: pulumi.secret(args.secrets.adminToken),
                ...(args.secrets.githubToken ? { GITHUB_TOKEN: pulumi.secret(args.secrets.githubToken) } : {}),
            },
        }, c.child);

        // NATS JetStream, a component of its own (its objects were the stack's children before: aliased).
        const natsSelector = c.selectorFor("nats");
        const nats = new NatsJetStream(`${name}-nats`, {
            namespace: c.namespace, namespaceName: args.namespace, labels: c.labelsFor("nats"), selector: natsSelector,
            image: args.nats.image, replicas: args.nats.replicas, storageClass: args.nats.storageClass, size: args.nats.size,
            resources: args.nats.resources, metrics: args.metrics, protectData: args.protectData ?? false, previousParent: this,
        }, { parent: this, dependsOn: [ns] });
        const uiInternalUrl = pulumi.interpolate`http://operate-ui.${c.namespace}.svc.cluster.local:${args.operateUi.port}`;
        const configData = {
            NATS_URL: nats.url,
            // Only what clients need: subjects and dedupe window are the stream's own
            // settings, kept by the bootstrap Job, so changing them restarts no client.
            STREAM_NAME: args.stream.name,
            UI_URL: uiInternalUrl,
        };
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: c.meta("demon-config", "config"), data: configData }, c.child);
        // The services read demon-config at start: a change to it rolls them.
        const configHash = pulumi.output(configData).apply((d) => createHash("sha256").update(JSON.stringify(d)).digest("hex").slice(0, 16));
        const bootstrap = streamBootstrap(c, args, nats);

        // The runtime's Jobs run in a namespace of their own; it has no rights here.
        const runtimeSa = serviceAccount(c, "runtime", true);
        const jobs = new DemonJobs(`${name}-jobs`, {
            namespace: args.jobsNamespace, demonNamespace: args.namespace, runtimeServiceAccount: runtimeSa.metadata.name, natsSelector,
        }, c.child);
        const engineSa = accountWith(c, "engine", [
            { apiGroups: [""], resources: ["configmaps"], resourceNames: ["demon-config"], verbs: ["get", "watch"] },
        ]);
        const uiSa = serviceAccount(c, "operate-ui", false);
        const shared: ServiceShared = { config, secret, configHash, jobs, bootstrap };
        const engine = demonService(c, "engine", args.engine, engineSa, shared);
        const runtime = demonService(c, "runtime", args.runtime, runtimeSa, shared);
        const ui = demonService(c, "operate-ui", args.operateUi, uiSa, shared);
        demonPolicies(c, args, { nats: natsSelector, engine: engine.selector, runtime: runtime.selector, ui: ui.selector });

        let uiUrl: pulumi.Output<string> = uiInternalUrl;
        if (args.ingress) {
            const ingress = ingressFor(args.ingress, ui.serviceName, "operate-ui-tls");
            new k8s.networking.v1.Ingress(`${name}-operate-ui-ingress`, {
                metadata: { ...c.meta("operate-ui", "operate-ui"), annotations: ingress.annotations },
                spec: ingress.spec,
            }, c.child);
            uiUrl = pulumi.output(ingress.url);
        }

        this.namespace = c.namespace;
        this.natsUrl = nats.url;
        this.uiUrl = uiUrl;
        this.registerOutputs({ namespace: this.namespace, natsUrl: this.natsUrl, uiUrl: this.uiUrl });
    }
}

/** What every part of the stack names its objects by: the stack's name, namespace, labels and parent. */
interface DemonContext {
    name: string;
    namespace: pulumi.Output<string>;
    labelsFor: (component: string) => Record<string, string>;
    selectorFor: (component: string) => Record<string, string>;
    meta: (objectName: string, component: string) => { name: string; namespace: pulumi.Output<string>; labels: Record<string, string> };
    child: pulumi.CustomResourceOptions;
}

function demonContext(name: string, namespace: pulumi.Output<string>, parent: pulumi.Resource): DemonContext {
    const labelsFor = (component: string) => standardLabels({ name: component, instance: name, component, partOf });
    return {
        name, namespace, labelsFor,
        selectorFor: (component) => selectorLabels({ name: component, instance: name }),
        meta: (objectName, component) => ({ name: objectName, namespace, labels: labelsFor(component) }),
        child: { parent },
    };
}

function serviceAccount(c: DemonContext, component: string, automount: boolean): k8s.core.v1.ServiceAccount {
    return new k8s.core.v1.ServiceAccount(`${c.name}-${component}-sa`, { metadata: c.meta(component, component), automountServiceAccountToken: automount }, c.child);
}

/** A ServiceAccount bound to a namespaced Role with exactly `rules`. */
function accountWith(c: DemonContext, component: string, rules: k8s.types.input.rbac.v1.PolicyRule[]): k8s.core.v1.ServiceAccount {
    const sa = serviceAccount(c, component, true);
    const role = new k8s.rbac.v1.Role(`${c.name}-${component}-role`, { metadata: c.meta(component, component), rules }, c.child);
    new k8s.rbac.v1.RoleBinding(`${c.name}-${component}-binding`, {
        metadata: c.meta(component, component),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: c.namespace }],
    }, c.child);
    return sa;
}

/**
 * The stream, created or updated in-cluster. Its settings are in the pod template, so a change
 * replaces the Job and the bootstrap runs again; an unchanged stack leaves it be.
 */
function streamBootstrap(c: DemonContext, args: DemonStackArgs, nats: NatsJetStream): k8s.batch.v1.Job {
    const sa = serviceAccount(c, "stream-bootstrap", false);
    return new k8s.batch.v1.Job(`${c.name}-stream-bootstrap`, {
        metadata: { namespace: c.namespace, labels: c.labelsFor("stream-bootstrap") },
        spec: {
            backoffLimit: 6,
            activeDeadlineSeconds: 600,
            template: {
                metadata: { labels: { ...c.labelsFor("stream-bootstrap"), [natsClientLabel]: "true" } },
                spec: {
                    restartPolicy: "OnFailure",
                    serviceAccountName: sa.metadata.name,
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(),
                    containers: [{
                        name: "bootstrap",
                        image: args.natsBoxImage,
                        command: ["/bin/sh", "-c", streamBootstrapScript(args.stream)],
                        env: [{ name: "NATS_URL", value: nats.url }],
                        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                        securityContext: containerSecurityContext(),
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "tmp", emptyDir: {} }],
                },
            },
        },
    }, { ...c.child, dependsOn: [nats.statefulSet] });
}

/** What every Demon service reads or waits for. */
interface ServiceShared {
    config: k8s.core.v1.ConfigMap;
    secret: k8s.core.v1.Secret;
    configHash: pulumi.Output<string>;
    jobs: DemonJobs;
    bootstrap: k8s.batch.v1.Job;
}

/** One Demon service: its Deployment (after the stream exists), a PodDisruptionBudget when replicated, its Service. */
function demonService(c: DemonContext, component: string, w: DemonWorkload, sa: k8s.core.v1.ServiceAccount, shared: ServiceShared) {
    const selector = c.selectorFor(component);
    const deployment = new k8s.apps.v1.Deployment(`${c.name}-${component}`, {
        metadata: c.meta(component, component),
        spec: {
            replicas: w.replicas,
            selector: { matchLabels: selector },
            template: {
                metadata: { labels: { ...c.labelsFor(component), [natsClientLabel]: "true" }, annotations: { "kubestrap.dev/config-hash": shared.configHash } },
                spec: {
                    serviceAccountName: sa.metadata.name,
                    securityContext: podSecurityContext(),
                    containers: [{
                        name: component,
                        image: w.image,
                        ports: [{ name: "http", containerPort: w.port }],
                        envFrom: [{ configMapRef: { name: shared.config.metadata.name } }, { secretRef: { name: shared.secret.metadata.name } }],
                        ...(component === "runtime" ? { env: [
                            { name: "DEMON_JOBS_NAMESPACE", value: shared.jobs.namespace },
                            { name: "DEMON_JOBS_SERVICE_ACCOUNT", value: shared.jobs.serviceAccount },
                        ] } : {}),
                        livenessProbe: probe("liveness", { path: w.healthPath }, w.port),
                        readinessProbe: probe("readiness", { path: w.healthPath }, w.port),
                        resources: w.resources,
                        securityContext: containerSecurityContext(),
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "tmp", emptyDir: {} }],
                },
            },
        },
    }, { ...c.child, dependsOn: [shared.bootstrap] });
    if (w.replicas > 1) {
        // Drains and node upgrades take one replica down at a time, never the service.
        new k8s.policy.v1.PodDisruptionBudget(`${c.name}-${component}-pdb`, {
            metadata: c.meta(component, component),
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, c.child);
    }
    const serviceName = workloadService(`${c.name}-${component}-service`, {
        metadata: c.meta(component, component),
        spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: w.port, targetPort: "http" }] },
    }, deployment, c.child).readyName;
    return { deployment, serviceName, selector };
}

/** The stack's NetworkPolicies, and the engine's and runtime's egress to the API server. */
function demonPolicies(c: DemonContext, args: DemonStackArgs,
    selectors: { nats: Record<string, string>; engine: Record<string, string>; runtime: Record<string, string>; ui: Record<string, string> }): void {
    for (const plan of demonNetworkPolicies({
        natsSelector: selectors.nats,
        operateUiSelector: selectors.ui,
        operateUiPort: args.operateUi.port,
        ingressControllerNamespace: args.ingressControllerNamespace,
        jobsNamespace: args.jobsNamespace,
        natsClustered: args.nats.replicas > 1,
        httpsEgress: [{ name: "engine", selector: selectors.engine }, { name: "runtime", selector: selectors.runtime }],
        scraped: args.metrics ? [
            { selector: selectors.engine, port: args.engine.port },
            { selector: selectors.runtime, port: args.runtime.port },
            { selector: selectors.ui, port: args.operateUi.port },
        ] : [],
    })) {
        new k8s.networking.v1.NetworkPolicy(`${c.name}-${plan.name}`, { metadata: c.meta(plan.name, "network-policy"), spec: plan.spec }, c.child);
    }
    // The engine watches its ConfigMap and the runtime runs Jobs, both through the API server.
    for (const [component, selector] of [["engine", selectors.engine], ["runtime", selectors.runtime]] as const) {
        const plan = pulumi.output(args.apiServerEndpoints).apply((endpoints) => apiServerEgress(component, selector, endpoints));
        new k8s.networking.v1.NetworkPolicy(`${c.name}-${component}-api-egress`, {
            metadata: c.meta(`${component}-api-egress`, "network-policy"),
            spec: plan.spec,
        }, c.child);
    }
}
