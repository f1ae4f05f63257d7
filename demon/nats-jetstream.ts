// NATS JetStream for the Demon: a StatefulSet of one (dev) or three or five (prod, clustered,
// spread over nodes, with a PodDisruptionBudget), its Services and config, and persistent storage.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { quantityValue } from "../core/formats";
import { natsClientPort, natsMetricsPort, natsMonitorPort } from "./demon-specs";
import { exporterContainer, natsClusterPort, natsConfig, natsContainer, natsSpread } from "./nats-specs";
import { podSecurityContext } from "../core/pod-security";
import { Resources } from "../core/workload";
import { workloadService } from "../core/workload-service";

export interface NatsJetStreamArgs {
    namespace: pulumi.Input<string>;
    /** Its namespace's name, for the routes' DNS names. */
    namespaceName: string;
    labels: Record<string, string>;
    selector: Record<string, string>;
    image: string;
    /** 1, or 3 or 5 for a JetStream cluster that survives losing one (or two) servers. */
    replicas: number;
    storageClass?: string;
    size: string;
    resources: Resources;
    /** prometheus-nats-exporter beside each server. */
    metrics?: { exporterImage: string };
    protectData: boolean;
    /** Where these objects were created before NATS was a component of its own (aliases). */
    previousParent?: pulumi.Resource;
}

type Meta = (objectName: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };

export class NatsJetStream extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: NatsJetStreamArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:platform:NatsJetStream", name, {}, opts);
        const moved = { parent: this, aliases: args.previousParent ? [{ parent: args.previousParent }] : [] };
        const meta: Meta = (objectName) => ({ name: objectName, namespace: args.namespace, labels: args.labels });
        const clustered = args.replicas > 1;

        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta("nats"), automountServiceAccountToken: false }, moved);
        const headless = this.headlessService(name, args, meta, moved);
        const conf = natsConfig({ name: "nats", headless: "nats-headless", namespace: args.namespaceName, replicas: args.replicas, storageBytes: quantityValue(args.size, "memory") });
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta("nats-config"), data: { "nats.conf": conf } }, { parent: this });
        this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}`, {
            metadata: meta("nats"),
            spec: {
                serviceName: headless.metadata.name,
                replicas: args.replicas,
                // Clustered servers start together: each needs its routes to form the cluster.
                podManagementPolicy: clustered ? "Parallel" : "OrderedReady",
                selector: { matchLabels: args.selector },
                template: {
                    metadata: { labels: args.labels, annotations: { "kubestrap.dev/config-hash": hash(conf) } },
                    spec: {
                        serviceAccountName: sa.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext({ runAsUser: 1000 }),
                        ...(clustered ? { topologySpreadConstraints: natsSpread(args.selector) } : {}),
                        containers: [natsContainer(args.image, args.resources, clustered), ...(args.metrics ? [exporterContainer(args.metrics.exporterImage)] : [])],
                        volumes: [{ name: "config", configMap: { name: config.metadata.name } }],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data", labels: args.labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
                        resources: { requests: { storage: args.size } },
                    },
                }],
            },
        }, { ...moved, protect: args.protectData });
        const serviceName = this.clientService(name, args, meta, moved);

        if (clustered) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: meta("nats"),
                spec: { maxUnavailable: 1, selector: { matchLabels: args.selector } },
            }, { parent: this });
        }
        this.url = pulumi.interpolate`nats://${serviceName}.${args.namespace}.svc.cluster.local:${natsClientPort}`;
        this.registerOutputs({ url: this.url });
    }

    /** The headless Service the servers' routes go through: there before the servers, so each finds the others. */
    private headlessService(name: string, args: NatsJetStreamArgs, meta: Meta, moved: pulumi.CustomResourceOptions) {
        return new k8s.core.v1.Service(`${name}-headless`, {
            metadata: meta("nats-headless"),
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: true,
                selector: args.selector,
                ports: [
                    { name: "client", port: natsClientPort, targetPort: "client" },
                    ...(args.replicas > 1 ? [{ name: "cluster", port: natsClusterPort, targetPort: "cluster" }] : []),
                ],
            },
        }, moved);
    }

    /** The Service clients and scrapes use; its name once the servers are ready. */
    private clientService(name: string, args: NatsJetStreamArgs, meta: Meta, moved: pulumi.CustomResourceOptions) {
        return workloadService(`${name}`, {
            metadata: meta("nats"),
            spec: {
                type: "ClusterIP",
                selector: args.selector,
                ports: [
                    { name: "client", port: natsClientPort, targetPort: "client" },
                    { name: "monitor", port: natsMonitorPort, targetPort: "monitor" },
                    ...(args.metrics ? [{ name: "metrics", port: natsMetricsPort, targetPort: "metrics" }] : []),
                ],
            },
        }, this.statefulSet, moved).readyName;
    }
}

const hash = (text: string) => require("crypto").createHash("sha256").update(text).digest("hex").slice(0, 16);
