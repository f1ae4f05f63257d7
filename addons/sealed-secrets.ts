// The sealed-secrets controller: Secrets encrypted to the cluster's key can live in Git.
import * as pulumi from "@pulumi/pulumi";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface SealedSecretsArgs extends AddonChartArgs {
    metrics: boolean;
}

export const sealedSecretsController = "sealed-secrets-controller";

export class SealedSecrets extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    /** What `kubeseal --controller-name` needs. */
    readonly controllerName: pulumi.Output<string>;

    constructor(name: string, args: SealedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:SealedSecrets", name, {}, opts);
        const addon = registry["sealed-secrets"];
        const ns = addonNamespace(addon, this);
        const release = addonRelease({
            addon, chart: "sealed-secrets", namespace: ns.metadata.name, args,
            values: {
                fullnameOverride: sealedSecretsController,
                metrics: { serviceMonitor: { enabled: args.metrics } },
                // The chart (2.16.x) leaves out what Pod Security "restricted" requires, and the
                // namespace enforces it: without these the controller pod is refused.
                podSecurityContext: { enabled: true, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                containerSecurityContext: {
                    enabled: true, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1001,
                    allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] },
                },
            },
        }, { parent: this, dependsOn: [ns] });
        this.namespace = ns.metadata.name;
        this.controllerName = release.status.apply(() => sealedSecretsController);
        this.registerOutputs({ namespace: this.namespace, controllerName: this.controllerName });
    }
}
