// Alertmanager's routing for the shipped alerts: each receiver gets the severities it asked for;
// anything no receiver takes goes to "null". Credentials never enter the Helm values: they live
// in one Secret that the Prometheus Operator mounts into Alertmanager (alertmanagerSpec.secrets),
// and the config names their files (auth_password_file, api_url_file, credentials_file).
import * as pulumi from "@pulumi/pulumi";

export type Severity = "critical" | "warning";

export interface AlertReceiver {
    name: string;
    severities: Severity[];
    email?: { to: string; from: string; smarthost: string; username?: string; password?: pulumi.Input<string>; requireTls: boolean };
    slack?: { webhookUrl: pulumi.Input<string>; channel?: string };
    webhook?: { url: string; bearerToken?: pulumi.Input<string> };
}

/** The Secret holding every receiver's credentials, mounted by the operator at this path. */
export const receiversSecret = "alertmanager-receivers";
const mounted = (key: string) => `/etc/alertmanager/secrets/${receiversSecret}/${key}`;
export const nullReceiver = "null";

export interface AlertmanagerSetup {
    /** kube-prometheus-stack's `alertmanager.config`, laid over the chart's (its inhibit rules stay). */
    config: Record<string, unknown>;
    /** Key -> credential for the receivers Secret; empty when no receiver has one. */
    secretData: Record<string, pulumi.Input<string>>;
}

const severityMatcher = (severities: Severity[]) =>
    (severities.length === 1 ? `severity="${severities[0]}"` : `severity=~"${[...severities].sort().join("|")}"`);

export function alertmanagerSetup(receivers: AlertReceiver[]): AlertmanagerSetup {
    const secretData: Record<string, pulumi.Input<string>> = {};
    const fileFor = (key: string, value: pulumi.Input<string>) => {
        secretData[key] = value;
        return mounted(key);
    };
    const rendered = receivers.map((r) => {
        if (r.email) {
            const e = r.email;
            return {
                name: r.name,
                email_configs: [{
                    to: e.to, from: e.from, smarthost: e.smarthost, require_tls: e.requireTls, send_resolved: true,
                    ...(e.username ? { auth_username: e.username } : {}),
                    ...(e.password ? { auth_password_file: fileFor(`${r.name}-smtp-password`, e.password) } : {}),
                }],
            };
        }
        if (r.slack) {
            return {
                name: r.name,
                slack_configs: [{
                    api_url_file: fileFor(`${r.name}-slack-webhook-url`, r.slack.webhookUrl), send_resolved: true,
                    ...(r.slack.channel ? { channel: r.slack.channel } : {}),
                }],
            };
        }
        const w = r.webhook!;
        return {
            name: r.name,
            webhook_configs: [{
                url: w.url, send_resolved: true,
                ...(w.bearerToken ? { http_config: { authorization: { type: "Bearer", credentials_file: fileFor(`${r.name}-bearer-token`, w.bearerToken) } } } : {}),
            }],
        };
    });
    return {
        config: {
            route: {
                receiver: nullReceiver,
                group_by: ["namespace", "alertname"],
                // `continue`: an alert goes to every receiver that takes its severity, not only the first.
                routes: receivers.map((r) => ({ receiver: r.name, matchers: [severityMatcher(r.severities)], continue: true })),
            },
            receivers: [{ name: nullReceiver }, ...rendered],
        },
        secretData,
    };
}
