// `kubestrap:addons.observability.alerting`: where Alertmanager sends the shipped alerts, by severity.
// Passwords, Slack webhook URLs and bearer tokens are secret references, never plain text.
import { z } from "zod";
import { dnsName, secretRef } from "../core/primitives";

export const alertSeverities = ["critical", "warning"] as const;
export type AlertSeverity = typeof alertSeverities[number];

/** A secret: a string here would land in the stack config and Pulumi state in plain text. */
const secret = z.unknown().superRefine((value, ctx) => {
    if (typeof value === "string") {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: 'is a secret written in plain text; reference it instead: {"fromConfig": "<key>"} '
                + '(set with `pulumi config set --secret <key> <value>`), {"fromEnv": "<VAR>"} or {"fromFile": "<path>"}',
        });
    }
}).pipe(secretRef);

const smarthost = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "is not host:port; use the SMTP server and its port, e.g. smtp.example.com:587");
const email = z.string().email("is not an e-mail address");
const required = (what: string) => z.unknown().refine((v) => v !== undefined, `is required: ${what}`);
const url = required("the URL Alertmanager posts alerts to")
    .pipe(z.string().url("is not a URL; write it in full, e.g. https://alerts.example.com/hook"));

const receiver = z.object({
    name: dnsName,
    /** The severities this receiver gets; both unless it says. */
    severities: z.array(z.enum(alertSeverities)).min(1).default([...alertSeverities]),
    email: z.object({
        to: email,
        from: email,
        smarthost,
        username: z.string().min(1).optional(),
        password: secret.optional(),
        requireTls: z.boolean().default(true),
    }).strict().superRefine((e, ctx) => {
        if (e.username && !e.password) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["password"], message: "is required with a username: the SMTP password, as a secret reference" });
        }
    }).optional(),
    slack: z.object({
        /** Slack's incoming-webhook URL carries its credential, so it is a secret. */
        webhookUrl: required("Slack's incoming-webhook URL, as a secret reference (it is the credential)").pipe(secret),
        channel: z.string().min(1).optional(),
    }).strict().optional(),
    webhook: z.object({
        url,
        bearerToken: secret.optional(),
    }).strict().optional(),
}).strict().superRefine((r, ctx) => {
    const kinds = (["email", "slack", "webhook"] as const).filter((k) => r[k]);
    if (kinds.length !== 1) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: kinds.length ? `has ${kinds.join(" and ")}; give each its own receiver` : "says nowhere to send: give it one of email, slack or webhook",
        });
    }
});
export type AlertReceiverConfig = z.infer<typeof receiver>;

export const alerting = z.object({
    receivers: z.array(receiver).default([]).superRefine((list, ctx) => {
        list.forEach((r, i) => {
            if (r.name === "null") {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, "name"], message: '"null" is the receiver for alerts nobody is sent; pick another name' });
            } else if (list.findIndex((o) => o.name === r.name) !== i) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, "name"], message: `"${r.name}" is used by an earlier receiver; names are unique` });
            }
        });
    }),
}).strict().default({});
