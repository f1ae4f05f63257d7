import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageProblem } from "../config/formats";
import { appNetworkPolicies, AppPolicyArgs } from "./app-network-policies";
import { ingressFor, IngressSettings } from "./ingress-spec";
import { selectorLabels, standardLabels } from "./labels";
import { podSecurityContext, SecurityOverrides } from "./pod-security";
import { containerFor, ProbeSettings, Resources, volumesFor } from "./web-app-specs";

export interface WebAppArgs {
    namespace: pulumi.Input<string>;
    /** Name of the app's Kubernetes objects; defaults to the component's name. */
    appName?: string;
    /** Pinned image: a tag other than `latest`, or a digest. */
    image: string;
    replicas?: number;
    port?: number;
    command?: string[];
    args?: string[];
    env?: Record<string, pulumi.Input<string>>;
    /** Values stored in the app's Secret and exposed as env vars; they stay secret in state. */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** A ConfigMap: mounted at mountPath, or exposed as env vars without one. */
    config?: { data: Record<string, string>; mountPath?: string };
    probes?: { liveness?: ProbeSettings; readiness?: ProbeSettings; tcp?: boolean };
    resources?: Resources;
    persistence?: { size: string; storageClass?: string; mountPath: string };
    ingress?: IngressSettings;
    autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
    disruptionBudget?: { minAvailable?: number; maxUnavailable?: number };
    /** Explicit loosening of the secure defaults (non-root, read-only root, no escalation, no capabilities). */
    security?: SecurityOverrides;
    /** The app.kubernetes.io/part-of label; defaults to the app's name. */
    partOf?: string;
    /** Keep the PersistentVolumeClaim on delete and refuse to replace it. */
    protectData?: boolean;
    /**
     * Deny all traffic to and from the app's pods but DNS and these flows. The ingress
     * controller's namespace is let in when the app has an Ingress. Unset: no policies.
     */
    networkPolicy?: Omit<AppPolicyArgs, "app" | "selector" | "port" | "ingressControllerNamespace"> & { ingressControllerNamespace: string };
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
    if (args.persistence && (args.autoscaling || (args.replicas ?? 1) > 1)) {
        problems.push({
            propertyPath: "persistence",
            reason: "a ReadWriteOnce volume cannot be shared by several replicas; use replicas: 1 without autoscaling",
        });
    }
    return problems;
}

/** One web application: Deployment, Service, and what it asks for of ConfigMap, Secret, PVC, Ingress, HPA, PDB. */
export class WebApp extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly internalUrl: pulumi.Output<string>;
    readonly url?: pulumi.Output<string>;
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

        const configMap = args.config && new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: meta("-config"),
            data: args.config.data,
        }, child);

        const secretEnv = args.secretEnv ?? {};
        const secretEnvNames = Object.keys(secretEnv).sort();
        const secret = secretEnvNames.length > 0 ? new k8s.core.v1.Secret(`${name}-secret`, {
            metadata: meta("-secret"),
            type: "Opaque",
            stringData: Object.fromEntries(secretEnvNames.map((k) => [k, pulumi.secret(secretEnv[k])])),
        }, child) : undefined;

        const claim = args.persistence && new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
            metadata: {
                ...meta("-data"),
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: {
                accessModes: ["ReadWriteOnce"],
                ...(args.persistence.storageClass ? { storageClassName: args.persistence.storageClass } : {}),
                resources: { requests: { storage: args.persistence.size } },
            },
        }, { ...child, protect: args.protectData, retainOnDelete: args.protectData });

        const settings = {
            image: args.image,
            port,
            command: args.command,
            args: args.args,
            env: args.env ?? {},
            secretEnvNames,
            secretName: secret?.metadata.name,
            configMapName: configMap?.metadata.name,
            configMountPath: args.config?.mountPath,
            dataClaimName: claim?.metadata.name,
            dataMountPath: args.persistence?.mountPath,
            probes: args.probes ?? {},
            resources: args.resources ?? {},
            security: args.security ?? {},
        };
        const { volumes, mounts } = volumesFor(settings);
        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: meta(),
            spec: {
                // With an autoscaler the HPA owns the replica count; setting it here would fight it on every up.
                ...(args.autoscaling ? {} : { replicas: args.replicas ?? 1 }),
                selector: { matchLabels: selector },
                strategy: claim ? { type: "Recreate" } : { type: "RollingUpdate" },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(args.security),
                        containers: [containerFor(app, settings, mounts)],
                        volumes,
                    },
                },
            },
        }, child);

        const service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: meta(),
            spec: {
                type: "ClusterIP",
                selector,
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        }, child);

        if (args.ingress) {
            const ingress = ingressFor(args.ingress, service.metadata.name, `${app}-tls`);
            new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata: { ...meta(), annotations: ingress.annotations },
                spec: ingress.spec,
            }, child);
            this.url = pulumi.output(ingress.url);
        }

        if (args.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                metadata: meta(),
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                    minReplicas: args.autoscaling.minReplicas,
                    maxReplicas: args.autoscaling.maxReplicas,
                    metrics: [{
                        type: "Resource",
                        resource: {
                            name: "cpu",
                            target: { type: "Utilization", averageUtilization: args.autoscaling.targetCPUUtilizationPercentage ?? 80 },
                        },
                    }],
                },
            }, child);
        }

        if (args.disruptionBudget) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: meta(),
                spec: { ...args.disruptionBudget, selector: { matchLabels: selector } },
            }, child);
        }

        if (args.networkPolicy) {
            const plans = appNetworkPolicies({
                ...args.networkPolicy,
                app, selector, port,
                ingressControllerNamespace: args.ingress ? args.networkPolicy.ingressControllerNamespace : undefined,
            });
            for (const plan of plans) {
                new k8s.networking.v1.NetworkPolicy(`${name}-${plan.name.slice(app.length + 1)}`, {
                    metadata: { name: plan.name, namespace: args.namespace, labels },
                    spec: plan.spec,
                }, child);
            }
        }

        this.serviceName = service.metadata.name;
        this.deploymentName = deployment.metadata.name;
        this.internalUrl = pulumi.interpolate`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.registerOutputs({
            serviceName: this.serviceName,
            deploymentName: this.deploymentName,
            internalUrl: this.internalUrl,
            url: this.url,
        });
    }
}
