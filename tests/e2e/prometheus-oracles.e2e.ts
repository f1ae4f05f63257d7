// The alert rules and Alertmanager routing kubestrap ships, judged by upstream's own tools at
// the versions kube-prometheus-stack 66.3.1 runs (scripts/toolchain-oracles.sh): promtool
// parses every rule and runs a test per alert (it fires on series that should fire it, with
// the labels and text a receiver gets, and stays quiet on series that should not); amtool
// checks the Alertmanager configuration and routes alerts through it. No cluster needed.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { stringify } from "yaml";
import { AlertRule, IngressController, platformAlertRules } from "../../addons/alert-rules";
import { composeStack, helmRelease, stackConfig } from "../addon-stack";
import { receiversFor } from "../alertmanager-routing";
import { renderedStacks, renderStack } from "../rendered-stacks";
import { alertCases } from "./alert-cases";
import { root } from "./harness";

const run = promisify(execFile);
const tools = () => run("bash", [path.join(root, "scripts", "toolchain.sh"), "prom-tools"]).then(({ stdout }) => stdout.trim());

/** A tool's exit code and output, whether it passed or not. */
async function judge(tool: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
    try {
        const { stdout, stderr } = await run(tool, args, { cwd });
        return { code: 0, out: stdout + stderr };
    } catch (e: any) {
        return { code: e.code ?? 1, out: String(e.stdout ?? "") + String(e.stderr ?? "") };
    }
}

describe("alert rules and routing, judged by promtool and amtool", function () {
    this.timeout(5 * 60 * 1000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-prom-"));
    let promtool: string;
    let amtool: string;
    /** Every rule group the shipped stacks render, by the file it is written to. */
    const groupFiles: Record<string, string> = {};

    before(async () => {
        const bin = await tools();
        [promtool, amtool] = [path.join(bin, "promtool"), path.join(bin, "amtool")];
        for (const { name, file, fromDisk } of renderedStacks()) {
            const { objects } = await renderStack(file, fromDisk);
            for (const rule of objects.filter((o) => o.kind === "PrometheusRule")) {
                const out = path.join(dir, `${name}-${rule.metadata.name}.yaml`);
                fs.writeFileSync(out, stringify({ groups: rule.spec.groups }));
                groupFiles[`${name} ${rule.metadata.namespace}/${rule.metadata.name}`] = out;
            }
        }
        // Both ingress controllers' variants, whichever the shipped stacks use.
        for (const controller of ["ingress-nginx", "traefik"] as IngressController[]) {
            const out = path.join(dir, `platform-${controller}.yaml`);
            fs.writeFileSync(out, stringify({ groups: [{ name: "kubestrap.platform", rules: platformAlertRules(15, controller) }] }));
            groupFiles[`platform rules with ${controller}`] = out;
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("finds the shipped rules in the rendered stacks (a positive control)", () => {
        assert.ok(Object.keys(groupFiles).some((k) => k.startsWith("prod ")), `no PrometheusRule in the prod stack: ${Object.keys(groupFiles)}`);
    });

    it("promtool check rules takes every rule group the stacks ship", async () => {
        for (const [what, file] of Object.entries(groupFiles)) {
            const { code, out } = await judge(promtool, ["check", "rules", file], dir);
            assert.strictEqual(code, 0, `${what}:\n${out}`);
        }
    });

    it("promtool check rules refuses a broken expression (a positive control)", async () => {
        const [rule] = platformAlertRules(15, "ingress-nginx");
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(file, stringify({ groups: [{ name: "broken", rules: [{ ...rule, expr: rule.expr.replace(")", "") }] }] }));
        const { code, out } = await judge(promtool, ["check", "rules", file], dir);
        assert.notStrictEqual(code, 0, out);
        assert.match(out, /could not parse expression/);
    });

    for (const controller of ["ingress-nginx", "traefik"] as IngressController[]) {
        it(`promtool test rules: every alert fires on series that should fire it, and only then (${controller})`, async () => {
            const rules = platformAlertRules(15, controller);
            const names = rules.map((r: AlertRule) => r.alert);
            const cases = alertCases(controller);
            assert.deepStrictEqual(Object.keys(cases).sort(), [...names].sort(), "every shipped alert needs a case in tests/e2e/alert-cases.ts");
            const tests = Object.entries(cases).flatMap(([alertname, c]) => [
                { interval: "1m", input_series: c.firing, alert_rule_test: [{ eval_time: c.at, alertname, exp_alerts: [{ exp_labels: c.labels, exp_annotations: c.annotations }] }] },
                { interval: "1m", input_series: c.quiet, alert_rule_test: [{ eval_time: c.at, alertname, exp_alerts: [] }] },
            ]);
            fs.writeFileSync(path.join(dir, `rules-${controller}.yaml`), stringify({ groups: [{ name: "kubestrap.platform", rules }] }));
            const file = path.join(dir, `tests-${controller}.yaml`);
            fs.writeFileSync(file, stringify({ rule_files: [`rules-${controller}.yaml`], evaluation_interval: "1m", tests }));
            const { code, out } = await judge(promtool, ["test", "rules", file], dir);
            assert.strictEqual(code, 0, out);
            assert.match(out, /SUCCESS/);
        });
    }

    it("promtool test rules fails an alert whose expression names a metric no series has (a positive control)", async () => {
        const rules = platformAlertRules(15, "ingress-nginx").map((r) => r.alert === "ContainerRestartBurst"
            ? { ...r, expr: r.expr.replace("kube_pod_container_status_restarts_total", "kube_pod_container_restarts_total") } : r);
        const c = alertCases("ingress-nginx").ContainerRestartBurst;
        fs.writeFileSync(path.join(dir, "misnamed.yaml"), stringify({ groups: [{ name: "g", rules }] }));
        const file = path.join(dir, "misnamed-test.yaml");
        fs.writeFileSync(file, stringify({ rule_files: ["misnamed.yaml"], tests: [{ interval: "1m", input_series: c.firing,
            alert_rule_test: [{ eval_time: c.at, alertname: "ContainerRestartBurst", exp_alerts: [{ exp_labels: c.labels, exp_annotations: c.annotations }] }] }] }));
        const { code, out } = await judge(promtool, ["test", "rules", file], dir);
        assert.notStrictEqual(code, 0, out);
    });

    describe("Alertmanager", () => {
        const receivers = [
            { name: "ops-mail", email: { to: "ops@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts", password: { fromEnv: "SMTP_PW" } } },
            { name: "chat", severities: ["critical"], slack: { webhookUrl: { fromEnv: "SLACK_URL" }, channel: "#alerts" } },
            { name: "pager", severities: ["critical"], webhook: { url: "https://pager.example.com/hook", bearerToken: { fromEnv: "HOOK_TOKEN" } } },
        ];
        const credentials = { SMTP_PW: "p", SLACK_URL: "https://hooks.slack.com/services/T0/B0/x", HOOK_TOKEN: "t" };
        let config: any;
        let file: string;

        before(async () => {
            const { r } = await composeStack(stackConfig("prod", { observability: { enabled: true, alerting: { receivers } }, "cert-manager": { enabled: false } }, credentials));
            config = r.one(helmRelease, "observability-kube-prometheus-stack").inputs.values.alertmanager.config;
            file = path.join(dir, "alertmanager.yaml");
            fs.writeFileSync(file, stringify(config));
        });

        it("amtool check-config takes the configuration kubestrap writes", async () => {
            const { code, out } = await judge(amtool, ["check-config", file], dir);
            assert.strictEqual(code, 0, out);
            assert.match(out, /SUCCESS/);
            assert.match(out, /4 receivers/);
        });

        it("amtool check-config refuses a route to a receiver that does not exist (a positive control)", async () => {
            const broken = path.join(dir, "broken-alertmanager.yaml");
            fs.writeFileSync(broken, stringify({ ...config, route: { ...config.route, routes: [{ receiver: "nobody" }] } }));
            const { code, out } = await judge(amtool, ["check-config", broken], dir);
            assert.notStrictEqual(code, 0, out);
            assert.match(out, /undefined receiver "nobody"/);
        });

        it("amtool routes each shipped alert, and the chart's own, where the suite's routing model says", async () => {
            const alerts = [
                ...platformAlertRules(15, "ingress-nginx").map((r) => ({ alertname: r.alert, ...r.labels })),
                { alertname: "Watchdog", severity: "none" },
                { alertname: "CPUThrottlingHigh", severity: "info" },
            ];
            const routed: Record<string, string[]> = {};
            for (const labels of alerts) {
                const { code, out } = await judge(amtool, ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], dir);
                assert.strictEqual(code, 0, out);
                routed[labels.alertname] = out.trim().split(",");
                assert.deepStrictEqual(receiversFor(config.route, labels), routed[labels.alertname], `the unit suite's model disagrees with amtool on ${labels.alertname}`);
            }
            assert.deepStrictEqual(routed.ContainerRestartBurst, ["ops-mail", "chat", "pager"]);
            assert.deepStrictEqual(routed.CertificateExpiresSoon, ["ops-mail"]);
            assert.deepStrictEqual(routed.Watchdog, ["null"]);
        });
    });
});
