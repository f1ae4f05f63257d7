// Every metric the dashboards and alert rules read, against what its exporter serves at the
// pinned version, read from the exporter's own source (tests/e2e/exporter-metrics.ts). A
// misspelt name is an empty panel or an alert that never fires, and nothing else says so.
// NATS's exporter is judged in tests/unit/metrics.test.ts (its module is not served: a list
// derived from its source stands in); ingress-nginx's module is not served either.
import * as assert from "assert";
import { platformAlertRules } from "../../addons/alert-rules";
import { demonDashboard } from "../../addons/demon-dashboard";
import { metricNames } from "../promql";
import { Exporter, exporterMetrics, upstreamSources } from "./exporter-metrics";

const owners: Record<string, Exporter> = {
    kube_: "kube-state-metrics", container_: "cadvisor", kubelet_: "kubelet", certmanager_: "cert-manager", traefik_: "traefik",
};
/** Stand-in: ingress-nginx v1.11.3's request counter (internal/ingress/metric/collectors/socket.go), not derivable here. */
const ingressNginxStandIn = new Set(["nginx_ingress_controller_requests"]);
const natsPrefixes = ["gnatsd_", "jetstream_", "nats_"];

const exprs = [
    ...(demonDashboard("demon-system").panels as { targets: { expr: string }[] }[]).flatMap((p) => p.targets.map((t) => t.expr)),
    ...(["ingress-nginx", "traefik"] as const).flatMap((c) => platformAlertRules(15, c).map((r) => r.expr)),
];

describe("metric names against the exporters' sources", function () {
    this.timeout(2 * 60 * 1000);
    let served: Record<Exporter, Set<string>>;

    before(() => {
        const sources = upstreamSources();
        const exporters: Exporter[] = ["kubelet", "cadvisor", "cert-manager", "kube-state-metrics", "traefik"];
        served = Object.fromEntries(exporters.map((e) => [e, exporterMetrics(e, sources[e])])) as Record<Exporter, Set<string>>;
    });

    /** "name in expr (why)" for each name no exporter serves. */
    function unserved(expressions: string[]): string[] {
        return expressions.flatMap((expr) => metricNames(expr).flatMap((name) => {
            if (natsPrefixes.some((p) => name.startsWith(p)) || ingressNginxStandIn.has(name)) return [];
            const prefix = Object.keys(owners).find((p) => name.startsWith(p));
            if (!prefix) return [`${name} in ${expr} (no exporter claims it)`];
            return served[owners[prefix]].has(name) ? [] : [`${name} in ${expr} (${owners[prefix]} serves no such metric)`];
        }));
    }

    it("reads each exporter's names from its source (positive controls)", () => {
        const known: Record<Exporter, string> = {
            kubelet: "kubelet_running_pods", cadvisor: "container_memory_working_set_bytes", "cert-manager": "certmanager_clock_time_seconds_gauge",
            "kube-state-metrics": "kube_deployment_status_replicas_available", traefik: "traefik_entrypoint_requests_total",
        };
        for (const [exporter, name] of Object.entries(known)) {
            assert.ok(served[exporter as Exporter].has(name), `${exporter}: ${name} not read from its source (${served[exporter as Exporter].size} names)`);
        }
    });

    it("finds every name the dashboards and alerts read in its exporter", () => {
        assert.ok(exprs.length > 8);
        assert.deepStrictEqual(unserved(exprs), []);
    });

    it("catches a misspelt name (a positive control)", () => {
        assert.deepStrictEqual(unserved(["increase(kube_pod_container_restarts_total[15m]) > 3"]),
            ["kube_pod_container_restarts_total in increase(kube_pod_container_restarts_total[15m]) > 3 (kube-state-metrics serves no such metric)"]);
    });
});
