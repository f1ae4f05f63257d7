import * as assert from "assert";
import { parseArgs } from "../../status/cli";
import { renderReport } from "../../status/render";
import { buildReport, ClusterObjects, exitCodeOf } from "../../status/report";

const now = new Date("2026-11-30T12:00:00Z");
const labels = (name: string, component: string) => ({
    "app.kubernetes.io/name": name, "app.kubernetes.io/instance": `apps-${name}`, "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": name, "app.kubernetes.io/managed-by": "kubestrap",
});

function deployment(name: string, ns: string, replicas: number, ready: number, image = `ghcr.io/acme/${name}:1.0.0`) {
    return {
        metadata: { name, namespace: ns, labels: labels(name, "web"), creationTimestamp: "2026-11-30T11:00:00Z" },
        spec: { replicas, selector: { matchLabels: { "app.kubernetes.io/name": name } }, template: { spec: { containers: [{ name, image }] } } },
        status: { readyReplicas: ready },
    };
}

function pod(name: string, ns: string, app: string, restarts: number, waiting?: string) {
    return {
        metadata: { name, namespace: ns, labels: labels(app, "web") },
        status: { containerStatuses: [{ restartCount: restarts, ready: !waiting, state: waiting ? { waiting: { reason: waiting } } : { running: {} } }] },
    };
}

function objects(over: Partial<ClusterObjects> = {}): ClusterObjects {
    return {
        deployments: [deployment("web", "apps", 2, 2), deployment("api", "apps", 1, 1)],
        statefulSets: [], daemonSets: [],
        jobs: [{
            metadata: { name: "migrate", namespace: "shop", labels: labels("migrate", "job"), creationTimestamp: "2026-11-30T11:59:00Z" },
            spec: { template: { spec: { containers: [{ name: "migrate", image: "ghcr.io/acme/shop:3.1.0" }] } } },
            status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] },
        }],
        pods: [pod("web-1", "apps", "web", 0), pod("web-2", "apps", "web", 3), pod("api-1", "apps", "api", 0)],
        nodes: [
            { metadata: { name: "s1", labels: { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/etcd": "true" } },
                status: { nodeInfo: { kubeletVersion: "v1.32.5+k3s1" }, addresses: [{ type: "InternalIP", address: "100.64.0.1" }], conditions: [{ type: "Ready", status: "True" }] } },
        ],
        ingresses: [{
            metadata: { name: "web", namespace: "apps", labels: labels("web", "web") },
            spec: { tls: [{ hosts: ["web.example.com"] }], rules: [{ host: "web.example.com", http: { paths: [{ path: "/", backend: { service: { name: "web" } } }] } }] },
        }],
        helmReleases: [
            { metadata: { name: "sh.helm.release.v1.ingress-nginx.v1", namespace: "ingress-nginx", labels: { name: "ingress-nginx", status: "superseded", version: "1", owner: "helm" } } },
            { metadata: { name: "sh.helm.release.v1.ingress-nginx.v2", namespace: "ingress-nginx", labels: { name: "ingress-nginx", status: "deployed", version: "2", owner: "helm" } } },
        ],
        certificates: [],
        ...over,
    };
}

describe("npm run status", () => {
    it("lists every managed workload with ready/desired, restarts, age, image and URL, and exits 0 when all is healthy", () => {
        const report = buildReport(objects(), "https://127.0.0.1:6443", now);
        assert.deepStrictEqual(report.workloads.map((w) => [w.namespace, w.kind, w.name, `${w.ready}/${w.desired}`, w.restarts]), [
            ["apps", "Deployment", "api", "1/1", 0], ["apps", "Deployment", "web", "2/2", 3], ["shop", "Job", "migrate", "1/1", 0],
        ]);
        const web = report.workloads.find((w) => w.name === "web")!;
        assert.deepStrictEqual([web.url, web.ageSeconds, web.images], ["https://web.example.com/", 3600, ["ghcr.io/acme/web:1.0.0"]]);
        assert.deepStrictEqual(report.nodes, [{ name: "s1", roles: ["control-plane", "etcd"], version: "v1.32.5+k3s1", ready: true, address: "100.64.0.1", tailnet: true, simulated: false }]);
        assert.deepStrictEqual(report.addons.map((a) => [a.release, a.status]), [["ingress-nginx", "deployed"]], "the newest revision says the release's state");
        assert.deepStrictEqual([report.problems, exitCodeOf(report)], [[], 0]);
    });

    it("names what is unhealthy, with its pods' reason, and exits 1", () => {
        const broken = objects({
            deployments: [deployment("web", "apps", 2, 1)],
            pods: [pod("web-1", "apps", "web", 0), pod("web-2", "apps", "web", 0, "ImagePullBackOff")],
            nodes: [{ metadata: { name: "a1", labels: {} }, status: { conditions: [{ type: "Ready", status: "Unknown" }] } }],
            helmReleases: [{ metadata: { name: "r", namespace: "monitoring", labels: { name: "kube-prometheus-stack", status: "failed", version: "3" } } }],
            certificates: [{ metadata: { name: "web-tls", namespace: "apps" }, status: { notAfter: "2026-12-05T00:00:00Z", conditions: [{ type: "Ready", status: "True" }] } }],
        });
        const report = buildReport(broken, "x", now);
        assert.deepStrictEqual(report.problems, [
            "Deployment apps/web: 1/2 Ready (web-2: ImagePullBackOff)",
            "node a1: not Ready",
            "add-on release monitoring/kube-prometheus-stack: failed",
            "certificate apps/web-tls: expires in 4 days (2026-12-05T00:00:00Z)",
        ]);
        assert.strictEqual(exitCodeOf(report), 1);
    });

    it("says a Deployment with no pods has none, and a failed Job failed", () => {
        const report = buildReport(objects({
            deployments: [deployment("web", "apps", 1, 0)], pods: [],
            jobs: [{ metadata: { name: "seed", namespace: "shop", labels: labels("seed", "job"), creationTimestamp: "2026-11-30T11:00:00Z" }, spec: {},
                status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } }],
        }), "x", now);
        assert.deepStrictEqual(report.problems, ["Deployment apps/web: 0/1 Ready (no pods)", "Job shop/seed: failed (BackoffLimitExceeded: Job has reached the specified backoff limit)"]);
    });

    it("filters by namespace and component", () => {
        const report = buildReport(objects(), "x", now, { namespace: "shop" });
        assert.deepStrictEqual(report.workloads.map((w) => w.name), ["migrate"]);
        assert.deepStrictEqual(buildReport(objects(), "x", now, { component: "job" }).workloads.map((w) => w.name), ["migrate"]);
    });

    it("prints aligned tables, with colour only when asked (a TTY)", () => {
        const report = buildReport(objects({ deployments: [deployment("web", "apps", 2, 1)] }), "https://127.0.0.1:6443", now);
        const plain = renderReport(report, false);
        assert.ok(!plain.includes("\x1b["), "colour without a TTY");
        const lines = plain.split("\n");
        const header = lines.find((l) => l.startsWith("NAMESPACE"))!;
        const row = lines.find((l) => l.startsWith("apps "))!;
        assert.strictEqual(row.indexOf("1/2"), header.indexOf("READY"), "columns are not aligned");
        assert.match(plain, /1 problem:\n {2}- Deployment apps\/web: 1\/2 Ready/);
        assert.match(renderReport(report, true), /\x1b\[31m/);
    });

    it("reads its flags and refuses unknown ones", () => {
        assert.deepStrictEqual(parseArgs(["--json", "--namespace", "apps", "--watch", "2"], "u"), { json: true, follow: false, stack: process.env.KUBESTRAP_STACK ?? "dev", namespace: "apps", watch: 2 });
        assert.throws(() => parseArgs(["--jsn"], "u"), /unknown argument --jsn/);
        assert.throws(() => parseArgs(["--stack"], "u"), /--stack needs a value/);
    });
});
