// MetalLB: LoadBalancer addresses on bare metal, announced over L2 from a pool in config.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface MetalLbArgs extends AddonChartArgs {
    addresses: string[];
}

export class MetalLb extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly pool: pulumi.Output<string>;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:MetalLb", name, {}, opts);
        const addon = registry.metallb;
        const ns = addonNamespace(addon, this);
        const release = addonRelease({
            // Its ServiceMonitor needs the Prometheus namespace and service account spelled out;
            // left to values.metallb for those who want it.
            addon, chart: "metallb", namespace: ns.metadata.name, args, values: {},
        }, { parent: this, dependsOn: [ns] });
        const pool = new k8s.apiextensions.CustomResource(`${name}-pool`, {
            apiVersion: "metallb.io/v1beta1",
            kind: "IPAddressPool",
            metadata: { name: "kubestrap", namespace: ns.metadata.name },
            spec: { addresses: args.addresses },
        }, { parent: this, dependsOn: [release] });
        new k8s.apiextensions.CustomResource(`${name}-l2`, {
            apiVersion: "metallb.io/v1beta1",
            kind: "L2Advertisement",
            metadata: { name: "kubestrap", namespace: ns.metadata.name },
            spec: { ipAddressPools: ["kubestrap"] },
        }, { parent: this, dependsOn: [pool] });
        this.namespace = ns.metadata.name;
        this.pool = pool.metadata.name;
        this.registerOutputs({ namespace: this.namespace, pool: this.pool });
    }
}
