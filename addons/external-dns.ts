// ExternalDNS: Cloudflare DNS records that follow the cluster's Ingresses and Services, and
// removed with it: what it made outside the cluster does not outlive it.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dnsCleanupScript } from "./dns-cleanup";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface ExternalDnsArgs extends AddonChartArgs {
    cloudflareApiToken: pulumi.Input<string>;
    domainFilters: string[];
    /** Marks the records this cluster owns, so two clusters never fight over one zone. */
    txtOwnerId: string;
    metrics: boolean;
}

export class ExternalDns extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:ExternalDns", name, {}, opts);
        const addon = registry["external-dns"];
        // Made before the namespace, so destroyed after it: by then ExternalDNS's pods are gone
        // (a namespace is deleted last of all it holds) and nothing writes the records back.
        const cleanup = new command.local.Command(`${name}-dns-cleanup`, {
            create: "echo 'ExternalDNS records are removed when this add-on is'",
            delete: dnsCleanupScript(),
            environment: {
                CF_API_TOKEN: pulumi.secret(args.cloudflareApiToken),
                KUBESTRAP_DNS_OWNER: args.txtOwnerId,
                KUBESTRAP_DNS_DOMAINS: args.domainFilters.join(","),
                // kubestrap's own command plugin then shows a failure's list of records, minus any line
                // holding the token (upstream's shows the output whole).
                KUBESTRAP_FAILURE_OUTPUT: "without-secrets",
            },
        }, { parent: this });
        const ns = addonNamespace(addon, this, {}, [cleanup]);
        const token = new k8s.core.v1.Secret(`${name}-cloudflare-token`, {
            metadata: { name: "cloudflare-api-token", namespace: ns.metadata.name },
            type: "Opaque",
            stringData: { "api-token": args.cloudflareApiToken },
        }, { parent: this });
        addonRelease({
            addon, chart: "external-dns", namespace: ns.metadata.name, args,
            values: {
                provider: { name: "cloudflare" },
                env: [{ name: "CF_API_TOKEN", valueFrom: { secretKeyRef: { name: "cloudflare-api-token", key: "api-token" } } }],
                sources: ["ingress", "service"],
                domainFilters: args.domainFilters,
                txtOwnerId: args.txtOwnerId,
                policy: "sync",
                serviceMonitor: { enabled: args.metrics },
            },
        }, { parent: this, dependsOn: [ns, token] });
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
