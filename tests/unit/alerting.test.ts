// Alertmanager sends the shipped alerts to the receivers in config, by severity, with their
// credentials kept in a Secret and out of the Helm values and the stack's plain-text state.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { platformAlertRules } from "../../addons/alert-rules";
import { receiversSecret } from "../../addons/alertmanager-config";
import { ConfigError } from "../../config";
import { composeStack, helmRelease, stackConfig } from "../addon-stack";
import { receiversFor } from "../alertmanager-routing";
import { isSecretValue, Recorder, reveal } from "../mocks";

const credentials = { SMTP_PW: "smtp-password-value", SLACK_URL: "https://hooks.slack.com/services/T0/B0/slack-secret-value", HOOK_TOKEN: "bearer-token-value" };
const receivers = [
    { name: "ops-mail", email: { to: "ops@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts", password: { fromEnv: "SMTP_PW" } } },
    { name: "chat", severities: ["critical"], slack: { webhookUrl: { fromEnv: "SLACK_URL" }, channel: "#alerts" } },
    { name: "pager", severities: ["critical"], webhook: { url: "https://pager.example.com/hook", bearerToken: { fromEnv: "HOOK_TOKEN" } } },
];
const observability = (alerting: unknown) => ({ observability: { enabled: true, alerting }, "cert-manager": { enabled: false } });

/** Alertmanager v0.27.0's config keys (the version kube-prometheus-stack 66.3.1 runs). */
const alertmanagerKeys = new Set(fs.readFileSync(path.join(__dirname, "..", "fixtures", "alertmanager", "config-keys-v0.27.0.txt"), "utf8")
    .split("\n").filter((l) => l && !l.startsWith("#")));

/** Key paths of a config, list elements as "[]", nested routes folded into route.routes[]. */
function configKeyPaths(value: unknown, prefix = ""): string[] {
    if (Array.isArray(value)) {
        return value.some((v) => v && typeof v === "object") ? value.flatMap((v) => configKeyPaths(v, `${prefix}[]`)) : [prefix];
    }
    if (value && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => configKeyPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix.replace(/(\.routes\[\])+/g, ".routes[]")];
}

function problemsOf(alerting: unknown): string[] {
    try {
        stackConfig("prod", observability(alerting), credentials);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}

describe("the certificate expiry alert", () => {
    it("names the certificate's own namespace: cert-manager's metrics carry it as exported_namespace (its ServiceMonitor does not honour labels)", () => {
        const rule = platformAlertRules(14, "traefik").find((r) => r.alert === "CertificateExpiresSoon")!;
        assert.match(rule.annotations.description, /^\{\{ or \$labels\.exported_namespace \$labels\.namespace \}\}\/\{\{ \$labels\.name \}\}/);
        assert.doesNotMatch(rule.annotations.description, /^\{\{ \$labels\.namespace \}\}/, "every alert would name cert-manager");
    });
});

describe("Alertmanager receivers", () => {
    let r: Recorder;
    let values: any;
    before(async () => {
        ({ r } = await composeStack(stackConfig("prod", observability({ receivers }), credentials)));
        values = r.one(helmRelease, "observability-kube-prometheus-stack").inputs.values;
    });

    it("sends each shipped alert to the receivers that take its severity, and the rest to null", () => {
        const route = values.alertmanager.config.route;
        const rules = platformAlertRules(15, "ingress-nginx");
        const sent = Object.fromEntries(rules.map((rule) => [rule.alert, receiversFor(route, { alertname: rule.alert, ...rule.labels })]));
        assert.deepStrictEqual(sent.ContainerRestartBurst, ["ops-mail", "chat", "pager"], "critical");
        assert.deepStrictEqual(sent.CertificateExpiresSoon, ["ops-mail"], "warning");
        // kube-prometheus-stack's own always-firing and info alerts page nobody.
        assert.deepStrictEqual(receiversFor(route, { alertname: "Watchdog", severity: "none" }), ["null"]);
        assert.deepStrictEqual(receiversFor(route, { alertname: "CPUThrottlingHigh", severity: "info" }), ["null"]);
        assert.deepStrictEqual(values.alertmanager.config.receivers.map((x: any) => x.name), ["null", "ops-mail", "chat", "pager"]);
    });

    it("writes only keys Alertmanager v0.27.0 reads", () => {
        assert.deepStrictEqual(configKeyPaths(values.alertmanager.config).filter((p) => !alertmanagerKeys.has(p)), []);
    });

    it("keeps the credentials in a Secret that Alertmanager mounts, and the routing tree readable in the values", () => {
        assert.ok(!isSecretValue(values) && !isSecretValue(values.alertmanager.config), "the Helm values would hide the routing tree from previews");
        const secret = r.one("kubernetes:core/v1:Secret", "observability-alertmanager-receivers").inputs;
        assert.ok(isSecretValue(secret.stringData), "the receivers' credentials are not secret");
        const stored = reveal(secret.stringData) as Record<string, string>;
        assert.deepStrictEqual(Object.values(stored).sort(), Object.values(credentials).sort());
        assert.deepStrictEqual(values.alertmanager.alertmanagerSpec.secrets, [secret.metadata.name]);
        // The Prometheus Operator mounts each alertmanagerSpec.secrets entry at /etc/alertmanager/secrets/<name>.
        const files = JSON.stringify(values.alertmanager.config).match(/"(auth_password_file|api_url_file|credentials_file)":"[^"]+"/g)!;
        assert.strictEqual(files.length, 3);
        for (const file of files.map((f) => f.split('":"')[1].slice(0, -1))) {
            const [dir, key] = [path.dirname(file), path.basename(file)];
            assert.strictEqual(dir, `/etc/alertmanager/secrets/${receiversSecret}`);
            assert.ok(key in stored, `${file} names no key of the Secret`);
        }
        const text = JSON.stringify(r.resources.map((x) => x.inputs), (_k, v) => (isSecretValue(v) ? "[secret]" : v));
        for (const value of Object.values(credentials)) {
            assert.ok(!text.includes(value), `${value} appears in plain text`);
        }
        assert.ok(r.options.get("observability-kube-prometheus-stack")?.dependsOn, "no dependsOn");
        assert.ok(([] as any[]).concat(r.options.get("observability-kube-prometheus-stack")!.dependsOn)
            .some((d) => d.__name === "observability-alertmanager-receivers"), "Alertmanager would start before its credentials exist");
    });

    it("routes everything to null and makes no Secret when no receiver is configured", async () => {
        const { r: none } = await composeStack(stackConfig("prod", observability({}), credentials));
        const config = none.one(helmRelease, "observability-kube-prometheus-stack").inputs.values.alertmanager.config;
        assert.deepStrictEqual(receiversFor(config.route, { alertname: "ContainerRestartBurst", severity: "critical" }), ["null"]);
        assert.deepStrictEqual(config.receivers, [{ name: "null" }]);
        assert.ok(!none.resources.some((x) => x.name === "observability-alertmanager-receivers"));
    });

    it("reports bad receivers at their kubestrap: paths", () => {
        const at = (i: number, rest: string) => `kubestrap:addons.observability.alerting.receivers[${i}]${rest}`;
        const problems = problemsOf({ receivers: [
            { name: "hook", webhook: {} },
            { name: "chat", severities: ["page"], slack: { webhookUrl: { fromEnv: "SLACK_URL" } } },
            { name: "mail", email: { to: "ops@example.com", from: "a@example.com", smarthost: "smtp.example.com:587", username: "a", password: "hunter2" } },
            { name: "plain", slack: { webhookUrl: "https://hooks.slack.com/services/T0/B0/x" } },
            { name: "both", slack: { webhookUrl: { fromEnv: "SLACK_URL" } }, webhook: { url: "https://x.example.com/" } },
        ] });
        const expected = [
            [at(0, ".webhook.url"), "is required"],
            [at(1, ".severities[0]"), '"page" is not one of "critical", "warning"'],
            [at(2, ".email.password"), "is a secret written in plain text"],
            [at(3, ".slack.webhookUrl"), "is a secret written in plain text"],
            [at(4, ""), "has slack and webhook"],
        ];
        for (const [where, what] of expected) {
            assert.ok(problems.some((p) => p.startsWith(`${where}: ${what}`)), `no "${where}: ${what}" in\n${problems.join("\n")}`);
        }
        assert.ok(problemsOf({ receivers: [{ name: "a", webhook: { url: "https://a.example.com/" } }, { name: "a", webhook: { url: "https://b.example.com/" } }] })
            .some((p) => p.startsWith(`${at(1, ".name")}: "a" is used by an earlier receiver`)));
        assert.deepStrictEqual(problemsOf({ receivers }), []);
    });
});
