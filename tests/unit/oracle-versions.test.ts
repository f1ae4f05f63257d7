// The suite's upstream judges (scripts/toolchain-oracles.sh) are built and read at the versions
// the add-ons pin, so that a chart bump without a new judge fails here, not in a user's cluster.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { registry } from "../../addons/registry";

const versions = Object.fromEntries(fs.readFileSync(path.join(__dirname, "..", "..", "toolchain", "versions.env"), "utf8")
    .split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=", 2) as [string, string]));

/** What each kube-prometheus-stack release runs: its Chart.yaml appVersion and values' image tags. */
const kubePrometheusStack: Record<string, { operator: string; prometheus: string; alertmanager: string }> = {
    "66.3.1": { operator: "v0.78.2", prometheus: "v2.55.1", alertmanager: "v0.27.0" },
};

const pinned = (addon: keyof typeof registry, chart: string) => registry[addon].charts[chart].version;

describe("the upstream judges' versions", () => {
    it("are the releases the add-ons pin", () => {
        assert.strictEqual(versions.CERT_MANAGER_VERSION, pinned("cert-manager", "cert-manager"));
        assert.strictEqual(versions.ROOK_VERSION, pinned("rook-ceph", "rook-ceph"));
        assert.strictEqual(versions.METALLB_VERSION, `v${pinned("metallb", "metallb")}`);
        const stack = kubePrometheusStack[pinned("observability", "kube-prometheus-stack")];
        assert.ok(stack, `kube-prometheus-stack ${pinned("observability", "kube-prometheus-stack")} is pinned: record what it runs here and in toolchain/versions.env`);
        assert.strictEqual(versions.PROMETHEUS_OPERATOR_VERSION, stack.operator);
        // Prometheus 2.x's Go module versions are v0.<minor>.<patch>.
        assert.strictEqual(versions.PROMETHEUS_MODULE_VERSION, stack.prometheus.replace(/^v2\./, "v0."));
        assert.strictEqual(`v${versions.ALERTMANAGER_VERSION}`, stack.alertmanager);
        assert.ok(fs.existsSync(path.join(__dirname, "..", "fixtures", "alertmanager", `config-keys-${stack.alertmanager}.txt`)));
    });
});
