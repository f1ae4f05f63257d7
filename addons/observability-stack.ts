// ObservabilityStack: kube-prometheus-stack (Prometheus, Alertmanager, Grafana), Loki with
// Alloy shipping every pod's logs, kubestrap's alert rules, and the Demon stack's monitors and dashboard.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { monitoringNamespaceLabel } from "../core/network-policy";
import { standardLabels } from "../core/labels";
import { IngressController, platformAlertRules } from "./alert-rules";
import { AlertReceiver, alertmanagerSetup, receiversSecret } from "./alertmanager-config";
import { demonDashboard } from "./demon-dashboard";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { alloyValues, grafanaAdminSecret, GrafanaIngress, lokiValues, prometheusStackValues } from "./observability-values";
import { registry } from "./registry";

export interface ObservabilityStackArgs extends AddonChartArgs {
    retention: string;
    storageClass?: string;
    prometheusSize: string;
    logs: { enabled: boolean; retention: string; size: string };
    grafanaIngress?: GrafanaIngress;
    certificateExpiryDays: number;
    /** The ingress controller whose metrics the 5xx alert reads. */
    ingressController: IngressController;
    /** Where the Demon stack runs, to scrape it and chart it; absent when it is off. */
    demonNamespace?: pulumi.Input<string>;
    /** Where Alertmanager sends alerts, by severity; none: every alert goes to the "null" receiver. */
    alertReceivers: AlertReceiver[];
}

type Labels = (object: string, component: string) => Record<string, string>;

export class ObservabilityStack extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    readonly grafanaUrl: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:ObservabilityStack", name, {}, opts);
        const addon = registry.observability;
        // The label lets NetworkPolicies (the Demon stack's among them) admit scrapes from here.
        const ns = addonNamespace(addon, this, { [monitoringNamespaceLabel]: "true" });
        const namespace = ns.metadata.name;
        const labels: Labels = (object, component) => standardLabels({ name: object, instance: name, component, partOf: "kubestrap-addons" });

        const { password, secrets, receivers } = this.secrets(name, args, namespace, labels);
        const prometheus = addonRelease({
            addon, chart: "kube-prometheus-stack", namespace, args,
            values: prometheusStackValues(args, receivers.config, receivers.secret),
        }, { parent: this, dependsOn: [ns, ...secrets] });
        if (args.logs.enabled) {
            const loki = addonRelease({ addon, chart: "loki", namespace, args, values: lokiValues(args) }, { parent: this, dependsOn: [ns] });
            addonRelease({ addon, chart: "alloy", namespace, args, values: alloyValues() }, { parent: this, dependsOn: [loki] });
        }
        this.rulesAndMonitors(name, args, namespace, labels, prometheus);

        this.namespace = namespace;
        this.grafanaAdminPassword = pulumi.secret(password.result);
        this.grafanaUrl = args.grafanaIngress
            ? pulumi.output(`${args.grafanaIngress.clusterIssuer ? "https" : "http"}://${args.grafanaIngress.host}`)
            : pulumi.interpolate`http://kube-prometheus-stack-grafana.${namespace}.svc`;
        this.registerOutputs({ namespace: this.namespace, grafanaAdminPassword: this.grafanaAdminPassword, grafanaUrl: this.grafanaUrl });
    }

    /** Grafana's admin password and Secret, and Alertmanager's receivers' credentials when any receiver has some. */
    private secrets(name: string, args: ObservabilityStackArgs, namespace: pulumi.Output<string>, labels: Labels) {
        const child = { parent: this };
        const password = new random.RandomPassword(`${name}-grafana-password`, { length: 32, special: false }, child);
        const admin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: grafanaAdminSecret, namespace, labels: labels("grafana-admin", "secret") },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": password.result },
        }, child);

        const alerting = alertmanagerSetup(args.alertReceivers);
        const hasCredentials = Object.keys(alerting.secretData).length > 0;
        const credentials = hasCredentials ? [new k8s.core.v1.Secret(`${name}-alertmanager-receivers`, {
            metadata: { name: receiversSecret, namespace, labels: labels(receiversSecret, "secret") },
            type: "Opaque",
            stringData: pulumi.secret(alerting.secretData),
        }, child)] : [];
        return { password, secrets: [admin, ...credentials], receivers: { config: alerting.config, secret: hasCredentials ? receiversSecret : undefined } };
    }

    /** kubestrap's alert rules and, with the Demon stack, its ServiceMonitors and Grafana dashboard. */
    private rulesAndMonitors(name: string, args: ObservabilityStackArgs, namespace: pulumi.Output<string>, labels: Labels, prometheus: pulumi.Resource) {
        // These are Prometheus Operator objects: their CRDs arrive with the chart.
        const afterCrds = { parent: this, dependsOn: [prometheus] };
        new k8s.apiextensions.CustomResource(`${name}-alert-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "kubestrap-platform", namespace, labels: labels("kubestrap-platform", "alert-rules") },
            spec: { groups: [{ name: "kubestrap.platform", rules: platformAlertRules(args.certificateExpiryDays, args.ingressController) }] },
        }, afterCrds);
        if (!args.demonNamespace) {
            return;
        }
        const demonNs = pulumi.output(args.demonNamespace);
        const monitor = (component: string, port: string, path: string) =>
            new k8s.apiextensions.CustomResource(`${name}-monitor-${component}`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: `demon-${component}`, namespace, labels: labels(`demon-${component}`, "service-monitor") },
                spec: {
                    namespaceSelector: { matchNames: [demonNs] },
                    selector: { matchLabels: { "app.kubernetes.io/part-of": "demon", "app.kubernetes.io/name": component } },
                    endpoints: [{ port, path, interval: "30s" }],
                },
            }, afterCrds);
        monitor("nats", "metrics", "/metrics");
        for (const component of ["engine", "runtime", "operate-ui"]) {
            monitor(component, "http", "/metrics");
        }
        new k8s.core.v1.ConfigMap(`${name}-demon-dashboard`, {
            metadata: { name: "demon-dashboard", namespace, labels: { ...labels("demon-dashboard", "dashboard"), grafana_dashboard: "1" } },
            data: { "demon.json": demonNs.apply((n) => JSON.stringify(demonDashboard(n))) },
        }, { parent: this });
    }
}
