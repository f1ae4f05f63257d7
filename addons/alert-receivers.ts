// Resolves the Alertmanager receivers' secret references to Pulumi secrets.
import { AlertReceiverConfig } from "./alerting-config";
import { Secret, SecretResolver } from "../core/secrets";

export interface ResolvedAlertReceiver extends Omit<AlertReceiverConfig, "email" | "slack" | "webhook"> {
    email?: Omit<NonNullable<AlertReceiverConfig["email"]>, "password"> & { password?: Secret };
    slack?: Omit<NonNullable<AlertReceiverConfig["slack"]>, "webhookUrl"> & { webhookUrl: Secret };
    webhook?: Omit<NonNullable<AlertReceiverConfig["webhook"]>, "bearerToken"> & { bearerToken?: Secret };
}

export function resolveAlertReceivers(receivers: AlertReceiverConfig[], resolver: SecretResolver): ResolvedAlertReceiver[] {
    return receivers.map((r, i) => {
        const at = (...rest: string[]) => ["addons", "observability", "alerting", "receivers", i, ...rest];
        return {
            ...r,
            email: r.email && { ...r.email, password: r.email.password && resolver.resolve(r.email.password, at("email", "password")) },
            slack: r.slack && { ...r.slack, webhookUrl: resolver.resolve(r.slack.webhookUrl, at("slack", "webhookUrl")) },
            webhook: r.webhook && { ...r.webhook, bearerToken: r.webhook.bearerToken && resolver.resolve(r.webhook.bearerToken, at("webhook", "bearerToken")) },
        };
    });
}
