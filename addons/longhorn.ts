// Longhorn: replicated block storage on the nodes' own disks, the lighter alternative to Ceph.
import * as pulumi from "@pulumi/pulumi";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface LonghornArgs extends AddonChartArgs {
    replicas: number;
    defaultClass: boolean;
    /** Refuse to uninstall (prod): removing Longhorn deletes every volume it holds. */
    protectData: boolean;
    metrics: boolean;
}

export class Longhorn extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly storageClass: pulumi.Output<string>;

    constructor(name: string, args: LonghornArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:Longhorn", name, {}, opts);
        const addon = registry.longhorn;
        const ns = addonNamespace(addon, this);
        const release = addonRelease({
            addon, chart: "longhorn", namespace: ns.metadata.name, args,
            values: {
                persistence: {
                    defaultClass: args.defaultClass,
                    defaultClassReplicaCount: args.replicas,
                    reclaimPolicy: args.protectData ? "Retain" : "Delete",
                },
                defaultSettings: { defaultReplicaCount: args.replicas, deletingConfirmationFlag: !args.protectData },
                metrics: { serviceMonitor: { enabled: args.metrics } },
            },
        }, { parent: this, dependsOn: [ns], protect: args.protectData, retainOnDelete: args.protectData });
        this.namespace = ns.metadata.name;
        this.storageClass = release.status.apply(() => "longhorn");
        this.registerOutputs({ namespace: this.namespace, storageClass: this.storageClass });
    }
}
