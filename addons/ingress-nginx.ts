// ingress-nginx: the cluster's ingress controller and its IngressClass.
import * as pulumi from "@pulumi/pulumi";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface IngressNginxArgs extends AddonChartArgs {
    className: string;
    /** Make this the cluster's default IngressClass, for Ingresses that name none. */
    defaultClass: boolean;
    serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    replicas: number;
    /** Create a ServiceMonitor (the observability add-on is on). */
    metrics: boolean;
}

export class IngressNginx extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly className: pulumi.Output<string>;

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:IngressNginx", name, {}, opts);
        const addon = registry["ingress-nginx"];
        const ns = addonNamespace(addon, this);
        const release = addonRelease({
            addon, chart: "ingress-nginx", namespace: ns.metadata.name, args,
            values: {
                controller: {
                    replicaCount: args.replicas,
                    ingressClass: args.className,
                    ingressClassResource: { name: args.className, enabled: true, default: args.defaultClass },
                    service: { type: args.serviceType },
                    metrics: { enabled: args.metrics, serviceMonitor: { enabled: args.metrics } },
                    // Keep the controller inside the restricted profile.
                    podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
                },
            },
        }, { parent: this, dependsOn: [ns] });
        this.namespace = ns.metadata.name;
        this.className = release.status.apply(() => args.className);
        this.registerOutputs({ namespace: this.namespace, className: this.className });
    }
}
