// The kernel parameters kubestrap sets for k3s's CIS profile (cluster/k3s-kernel.ts) are the
// ones the pinned kubelet checks with protect-kernel-defaults, with its values: read from
// setupKernelTunables in k8s.io/kubernetes (pkg/kubelet/cm/container_manager_linux.go) and the
// constants of k8s.io/component-helpers (node/util/sysctl/sysctl.go) at KUBERNETES_VERSION.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { kubeletKernelParameters } from "../../cluster/k3s-kernel";
import { upstreamSources } from "./exporter-metrics";

/** Go constants of a const block whose values are strings, integers, or products and sums of those. */
function goConstants(source: string): Map<string, string | number> {
    const raw = new Map([...source.matchAll(/^\s*(\w+)\s*=\s*("[^"]*"|[\w\s*+]+?)\s*$/gm)].map((m) => [m[1], m[2]]));
    const value = (expr: string): string | number => {
        if (expr.startsWith('"')) return expr.slice(1, -1);
        return expr.split("+").reduce((sum, term) => sum + term.split("*").reduce((product, f) => {
            const t = f.trim();
            const v = /^\d+$/.test(t) ? Number(t) : value(raw.get(t) ?? (() => { throw new Error(`no constant ${t}`); })());
            return product * Number(v);
        }, 1), 0);
    };
    return new Map([...raw.keys()].map((k) => [k, value(raw.get(k)!)]));
}

/** What kubelet's setupKernelTunables requires, as sysctl names and values. */
export function kubeletTunables(kubernetes: string, componentHelpers: string): Record<string, number> {
    const manager = fs.readFileSync(path.join(kubernetes, "pkg/kubelet/cm/container_manager_linux.go"), "utf8");
    const block = /desiredState := map\[string\]int\{([^}]*)\}/.exec(manager)?.[1];
    assert.ok(block, "setupKernelTunables' desiredState is not where it was: read container_manager_linux.go again");
    const constants = goConstants(fs.readFileSync(path.join(componentHelpers, "node/util/sysctl/sysctl.go"), "utf8"));
    return Object.fromEntries([...block.matchAll(/utilsysctl\.(\w+):\s*utilsysctl\.(\w+)/g)].map(([, key, setting]) =>
        [String(constants.get(key)).replace(/\//g, "."), constants.get(setting) as number]));
}

describe("kubelet's kernel parameters, from its source", function () {
    this.timeout(2 * 60 * 1000);

    it("sets exactly what the pinned kubelet checks under protect-kernel-defaults", () => {
        const sources = upstreamSources();
        const required = kubeletTunables(sources.kubelet, sources["component-helpers"]);
        assert.strictEqual(Object.keys(required).length, 6, `read ${JSON.stringify(required)}`);
        assert.strictEqual(required["kernel.keys.root_maxbytes"], 25000000, "a product of constants (a positive control)");
        assert.deepStrictEqual(kubeletKernelParameters, required);
    });
});
