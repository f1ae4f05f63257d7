// cert-manager and the Let's Encrypt ClusterIssuers that Ingress TLS settings name.
import * as k8s from "@pulumi/kubernetes";
import { standardLabels } from "../core/labels";
import * as pulumi from "@pulumi/pulumi";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface CertManagerArgs extends AddonChartArgs {
    email: string;
    /** HTTP-01 through this ingress class; omitted when only DNS-01 is configured. */
    http01IngressClass?: string;
    /** DNS-01 through Cloudflare: needed for wildcard certificates and hosts not reachable from the internet. */
    cloudflare?: { apiToken: pulumi.Input<string>; zones: string[] };
    metrics: boolean;
}

export const letsEncrypt = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
};

export class CertManager extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly issuers: pulumi.Output<string[]>;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:CertManager", name, {}, opts);
        const addon = registry["cert-manager"];
        const ns = addonNamespace(addon, this);
        const release = addonRelease({
            addon, chart: "cert-manager", namespace: ns.metadata.name, args,
            values: { crds: { enabled: true, keep: true }, prometheus: { enabled: args.metrics, servicemonitor: { enabled: args.metrics } } },
        }, { parent: this, dependsOn: [ns] });

        const tokenSecret = args.cloudflare && new k8s.core.v1.Secret(`${name}-cloudflare-token`, {
            metadata: { name: "cloudflare-api-token", namespace: ns.metadata.name, labels: standardLabels({ name: "cloudflare-api-token", instance: name, component: "secret", partOf: "kubestrap-addons" }) },
            type: "Opaque",
            stringData: { "api-token": args.cloudflare.apiToken },
        }, { parent: this });

        const solvers: Record<string, unknown>[] = [];
        if (args.cloudflare) {
            solvers.push({
                dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } } },
                ...(args.cloudflare.zones.length ? { selector: { dnsZones: args.cloudflare.zones } } : {}),
            });
        }
        if (args.http01IngressClass) {
            solvers.push({ http01: { ingress: { ingressClassName: args.http01IngressClass } } });
        }
        const issuers = Object.entries(letsEncrypt).map(([issuer, server]) => new k8s.apiextensions.CustomResource(`${name}-${issuer}`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: issuer, labels: standardLabels({ name: issuer, instance: name, component: "cluster-issuer", partOf: "kubestrap-addons" }) },
            spec: { acme: { email: args.email, server, privateKeySecretRef: { name: `${issuer}-account` }, solvers } },
        }, { parent: this, dependsOn: [release, ...(tokenSecret ? [tokenSecret] : [])] }));

        this.namespace = ns.metadata.name;
        this.issuers = pulumi.all(issuers.map((i) => i.metadata.name));
        this.registerOutputs({ namespace: this.namespace, issuers: this.issuers });
    }
}
