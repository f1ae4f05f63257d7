import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DemonJobs } from "./demon-jobs";
import { NatsJetStream } from "./nats-jetstream";
import { ApiServerEndpoint, apiServerEgress, demonNetworkPolicies, natsClientLabel, StreamSettings, streamBootstrapScript } from "./demon-specs";
import { ingressFor, IngressSettings } from "./ingress-spec";
import { selectorLabels, standardLabels } from "./labels";
import { containerSecurityContext, podSecurityContext, podSecurityLabels } from "./pod-security";
import { probe, Resources } from "./web-app-specs";

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
        const child = { parent: this };
        const labelsFor = (component: string) => standardLabels({ name: component, instance: name, component, partOf });
        const selectorFor = (component: string) => selectorLabels({ name: component, instance: name });

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: args.namespace,
                labels: { ...standardLabels({ name: args.namespace, instance: name, component: "namespace", partOf }), ...podSecurityLabels("restricted") },
            },
        }, child);
        const namespace = ns.metadata.name;
        const meta = (objectName: string, component: string) => ({ name: objectName, namespace, labels: labelsFor(component) });

        const serviceAccount = (component: string, automount: boolean) => new k8s.core.v1.ServiceAccount(`${name}-${component}-sa`, {
            metadata: meta(component, component),
            automountServiceAccountToken: automount,
        }, child);

        const secret = new k8s.core.v1.Secret(`${name}-secrets`, {
            metadata: meta("demon-secrets", "secrets"),
            type: "Opaque",
            stringData: {
                ADMIN_TOKEN: pulumi.secret(args.secrets.adminToken),
                ...(args.secrets.githubToken ? { GITHUB_TOKEN: pulumi.secret(args.secrets.githubToken) } : {}),
            },
        }, child);

        // NATS JetStream, a component of its own (its objects were the stack's children before: aliased).
        const natsSelector = selectorFor("nats");
        const nats = new NatsJetStream(`${name}-nats`, {
            namespace, namespaceName: args.namespace, labels: labelsFor("nats"), selector: natsSelector,
            image: args.nats.image, replicas: args.nats.replicas, storageClass: args.nats.storageClass, size: args.nats.size,
            resources: args.nats.resources, metrics: args.metrics, protectData: args.protectData ?? false, previousParent: this,
        }, { parent: this, dependsOn: [ns] });
        const natsUrl = nats.url;
        const uiInternalUrl = pulumi.interpolate`http://operate-ui.${namespace}.svc.cluster.local:${args.operateUi.port}`;

        const configData = {
            NATS_URL: natsUrl,
            // Only what clients need: subjects and dedupe window are the stream's own
            // settings, kept by the bootstrap Job, so changing them restarts no client.
            STREAM_NAME: args.stream.name,
            UI_URL: uiInternalUrl,
        };
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta("demon-config", "config"), data: configData }, child);
        // The services read demon-config at start: a change to it rolls them.
        const configHash = pulumi.output(configData).apply((d) => createHash("sha256").update(JSON.stringify(d)).digest("hex").slice(0, 16));

        // The stream, created or updated in-cluster. Its settings are in the pod template, so a
        // change replaces the Job and the bootstrap runs again; an unchanged stack leaves it be.
        const bootstrapSa = serviceAccount("stream-bootstrap", false);
        const bootstrap = new k8s.batch.v1.Job(`${name}-stream-bootstrap`, {
            metadata: { namespace, labels: labelsFor("stream-bootstrap") },
            spec: {
                backoffLimit: 6,
                activeDeadlineSeconds: 600,
                template: {
                    metadata: { labels: { ...labelsFor("stream-bootstrap"), [natsClientLabel]: "true" } },
                    spec: {
                        restartPolicy: "OnFailure",
                        serviceAccountName: bootstrapSa.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(),
                        containers: [{
                            name: "bootstrap",
                            image: args.natsBoxImage,
                            command: ["/bin/sh", "-c", streamBootstrapScript(args.stream)],
                            env: [{ name: "NATS_URL", value: natsUrl }],
                            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                            securityContext: containerSecurityContext(),
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "tmp", emptyDir: {} }],
                    },
                },
            },
        }, { ...child, dependsOn: [nats.statefulSet] });

        // The Demon services.
        // A ServiceAccount bound to a namespaced Role with exactly `rules`.
        const accountWith = (component: string, rules: k8s.types.input.rbac.v1.PolicyRule[]) => {
            const sa = serviceAccount(component, true);
            const role = new k8s.rbac.v1.Role(`${name}-${component}-role`, { metadata: meta(component, component), rules }, child);
            new k8s.rbac.v1.RoleBinding(`${name}-${component}-binding`, {
                metadata: meta(component, component),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
            }, child);
            return sa;
        };
        // The runtime's Jobs run in a namespace of their own; it has no rights here.
        const runtimeSa = serviceAccount("runtime", true);
        const jobs = new DemonJobs(`${name}-jobs`, {
            namespace: args.jobsNamespace, demonNamespace: args.namespace, runtimeServiceAccount: runtimeSa.metadata.name, natsSelector,
        }, child);
        const engineSa = accountWith("engine", [
            { apiGroups: [""], resources: ["configmaps"], resourceNames: ["demon-config"], verbs: ["get", "watch"] },
        ]);
        const uiSa = serviceAccount("operate-ui", false);

        const service = (component: string, w: DemonWorkload, sa: k8s.core.v1.ServiceAccount) => {
            const selector = selectorFor(component);
            const deployment = new k8s.apps.v1.Deployment(`${name}-${component}`, {
                metadata: meta(component, component),
                spec: {
                    replicas: w.replicas,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labelsFor(component), [natsClientLabel]: "true" }, annotations: { "kubestrap.dev/config-hash": configHash } },
                        spec: {
                            serviceAccountName: sa.metadata.name,
                            securityContext: podSecurityContext(),
                            containers: [{
                                name: component,
                                image: w.image,
                                ports: [{ name: "http", containerPort: w.port }],
                                envFrom: [{ configMapRef: { name: config.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
                                ...(component === "runtime" ? { env: [
                                    { name: "DEMON_JOBS_NAMESPACE", value: jobs.namespace },
                                    { name: "DEMON_JOBS_SERVICE_ACCOUNT", value: jobs.serviceAccount },
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
            }, { ...child, dependsOn: [bootstrap] });
            if (w.replicas > 1) {
                // Drains and node upgrades take one replica down at a time, never the service.
                new k8s.policy.v1.PodDisruptionBudget(`${name}-${component}-pdb`, {
                    metadata: meta(component, component),
                    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
                }, child);
            }
            const svc = new k8s.core.v1.Service(`${name}-${component}-service`, {
                metadata: meta(component, component),
                spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: w.port, targetPort: "http" }] },
            }, child);
            return { deployment, svc, selector };
        };
        const engine = service("engine", args.engine, engineSa);
        const runtime = service("runtime", args.runtime, runtimeSa);
        const ui = service("operate-ui", args.operateUi, uiSa);

        for (const plan of demonNetworkPolicies({
            natsSelector,
            operateUiSelector: ui.selector,
            operateUiPort: args.operateUi.port,
            ingressControllerNamespace: args.ingressControllerNamespace,
            jobsNamespace: args.jobsNamespace,
            natsClustered: args.nats.replicas > 1,
            httpsEgress: [{ name: "engine", selector: engine.selector }, { name: "runtime", selector: runtime.selector }],
            scraped: args.metrics ? [
                { selector: engine.selector, port: args.engine.port },
                { selector: runtime.selector, port: args.runtime.port },
                { selector: ui.selector, port: args.operateUi.port },
            ] : [],
        })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${plan.name}`, {
                metadata: meta(plan.name, "network-policy"),
                spec: plan.spec,
            }, child);
        }

        // The engine watches its ConfigMap and the runtime runs Jobs, both through the API server.
        for (const [component, selector] of [["engine", engine.selector], ["runtime", runtime.selector]] as const) {
            const plan = pulumi.output(args.apiServerEndpoints).apply((endpoints) => apiServerEgress(component, selector, endpoints));
            new k8s.networking.v1.NetworkPolicy(`${name}-${component}-api-egress`, {
                metadata: meta(`${component}-api-egress`, "network-policy"),
                spec: plan.spec,
            }, child);
        }

        let uiUrl: pulumi.Output<string> = uiInternalUrl;
        if (args.ingress) {
            const ingress = ingressFor(args.ingress, ui.svc.metadata.name, "operate-ui-tls");
            new k8s.networking.v1.Ingress(`${name}-operate-ui-ingress`, {
                metadata: { ...meta("operate-ui", "operate-ui"), annotations: ingress.annotations },
                spec: ingress.spec,
            }, child);
            uiUrl = pulumi.output(ingress.url);
        }

        this.namespace = namespace;
        this.natsUrl = natsUrl;
        this.uiUrl = uiUrl;
        this.registerOutputs({ namespace: this.namespace, natsUrl: this.natsUrl, uiUrl: this.uiUrl });
    }
}
