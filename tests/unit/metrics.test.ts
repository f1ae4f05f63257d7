// Every metric the Demon dashboard and the alert rules read must be one its exporter serves:
// a misspelt name is an empty panel or an alert that can never fire, and nothing else says so.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { platformAlertRules } from "../../addons/alert-rules";
import { demonDashboard } from "../../addons/demon-dashboard";
import { demon } from "../../config/schema";
import { metricNames } from "../promql";

const fixtures = path.join(__dirname, "..", "fixtures", "metrics");

/** The names the pinned exporter image serves, from the list checked in for its version. */
function natsExporterMetrics(): Set<string> {
    const image = demon.parse({ enabled: false }).images.natsExporter;
    const version = image.split(":").pop()!;
    const file = path.join(fixtures, `prometheus-nats-exporter-${version}.txt`);
    assert.ok(fs.existsSync(file), `no metric list for ${image}: derive ${path.relative(process.cwd(), file)} from that version's source`);
    return new Set(fs.readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#")));
}

/** Names NATS's exporter may claim; anything else must come from one of the other scraped sources. */
const natsPrefixes = ["gnatsd_", "jetstream_", "nats_"];
const otherSources: Record<string, string> = {
    kube_: "kube-state-metrics", container_: "cAdvisor (kubelet)", kubelet_: "kubelet",
    certmanager_: "cert-manager", nginx_ingress_controller_: "ingress-nginx", traefik_: "Traefik",
};

function unservedNames(exprs: string[], nats: Set<string>): string[] {
    return exprs.flatMap((expr) => metricNames(expr).filter((name) => {
        if (natsPrefixes.some((p) => name.startsWith(p))) {
            return !nats.has(name);
        }
        return !Object.keys(otherSources).some((p) => name.startsWith(p));
    }).map((name) => `${name} in ${expr}`));
}

describe("metric names in dashboards and alerts", () => {
    it("reads metric names out of PromQL, not functions, labels, groupings or durations", () => {
        assert.deepStrictEqual(
            metricNames('sum by (pod, le) (rate(a_total{job="x", code=~"5.."}[5m] offset 1h)) / on (pod) group_left(node) b > 0.05 and c'),
            ["a_total", "b", "c"]);
        assert.deepStrictEqual(metricNames("(x - time()) < 15 * 24 * 3600"), ["x"]);
    });

    it("charts the Demon stack only with names the pinned prometheus-nats-exporter serves", () => {
        const nats = natsExporterMetrics();
        const exprs = (demonDashboard("demon-system").panels as { targets: { expr: string }[] }[])
            .flatMap((p) => p.targets.map((t) => t.expr));
        assert.ok(exprs.some((e) => metricNames(e).some((n) => nats.has(n))), "the dashboard charts nothing from NATS");
        assert.deepStrictEqual(unservedNames(exprs, nats), []);
    });

    it("alerts only on names their exporters serve, for either ingress controller", () => {
        const nats = natsExporterMetrics();
        for (const controller of ["ingress-nginx", "traefik"] as const) {
            assert.deepStrictEqual(unservedNames(platformAlertRules(15, controller).map((r) => r.expr), nats), []);
        }
    });
});
