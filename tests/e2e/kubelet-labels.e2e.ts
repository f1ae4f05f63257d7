// Which node labels the kubelet sets on its own node, asked of the real kubelet (1.32, built by
// `scripts/toolchain.sh node`) rather than of a list we keep: kubestrap's config check
// (nodeLabelKeyProblem) must refuse exactly the keys the kubelet refuses at start, and every
// label kubestrap itself writes into a node's k3s config must pass.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { workerLabels } from "../../aws/aws-user-data";
import { k3sConfigYaml } from "../../cluster/k3s-plan";
import { nodeLabelKeyProblem } from "../../core/formats";
import { random } from "../mesh-policies";

type Verdict = "accepted" | "refused";

/**
 * The kubelet checks --node-labels before it reads its config file: pointed at a config file
 * that does not exist, it stops at the labels if it refuses them, and at the file otherwise.
 */
function kubeletVerdict(labels: string[], missingConfig: string): Promise<Verdict> {
    return new Promise((resolve, reject) => execFile("kubelet", [`--config=${missingConfig}`, `--node-labels=${labels.join(",")}`], (error, stdout, stderr) => {
        const said = `${stdout}${stderr}`;
        if (/unknown 'kubernetes\.io' or 'k8s\.io' labels specified with --node-labels/.test(said)) resolve("refused");
        else if (/failed to load kubelet config file/.test(said)) resolve("accepted");
        else reject(new Error(`the kubelet said neither (exit ${error?.code}): ${said.slice(0, 400)}`));
    }));
}

const ours = (key: string): Verdict => nodeLabelKeyProblem(key) ? "refused" : "accepted";

describe("node labels: kubestrap refuses what the real kubelet refuses", function () {
    this.timeout(5 * 60 * 1000);
    const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubelet-labels-")), "no-such-config.yaml");

    it("agrees with the kubelet on every well-known and reserved key, and on keys of other domains", async () => {
        const keys = [
            "node-role.kubernetes.io/worker", "node-role.kubernetes.io/control-plane", "kubernetes.io/role", "kubernetes.io/hostname",
            "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type", "node.kubernetes.io/exclude-from-external-load-balancers", "kubelet.kubernetes.io/custom",
            "topology.kubernetes.io/zone", "topology.kubernetes.io/region", "topology.kubernetes.io/rack",
            "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region", "node-restriction.kubernetes.io/pool",
            "k8s.io/x", "sub.k8s.io/x", "storage.k8s.io/class", "example.kubernetes.io/x", "x.node.kubernetes.io/y", "x.kubelet.kubernetes.io/y",
            "kubernetes.io.example.com/x", "notkubernetes.io/x", "k3s.io/hostname", "kubestrap.io/pool", "team", "node-role.example.com/worker",
        ];
        const disagreements: string[] = [];
        for (const key of keys) {
            const kubelet = await kubeletVerdict([`${key}=v`], missing);
            if (kubelet !== ours(key)) disagreements.push(`${key}: kubelet ${kubelet}, kubestrap ${ours(key)}`);
        }
        assert.deepStrictEqual(disagreements, []);
        assert.strictEqual(ours("node-role.kubernetes.io/worker"), "refused", "a positive control");
    });

    it("agrees on generated keys under every kubernetes.io and k8s.io prefix shape (property, 60 cases)", async () => {
        const r = random(7);
        const parts = ["kubernetes.io", "k8s.io", "node.kubernetes.io", "kubelet.kubernetes.io", "topology.kubernetes.io", "beta.kubernetes.io", "a.b.kubernetes.io", "example.com"];
        const names = ["zone", "region", "arch", "os", "hostname", "instance-type", "role", "worker", "pool"];
        const disagreements: string[] = [];
        for (let i = 0; i < 60; i++) {
            const key = `${parts[r.int(parts.length)]}/${names[r.int(names.length)]}`;
            const kubelet = await kubeletVerdict([`${key}=v`], missing);
            if (kubelet !== ours(key)) disagreements.push(`${key}: kubelet ${kubelet}, kubestrap ${ours(key)}`);
        }
        assert.deepStrictEqual(disagreements, []);
    });

    it("starts a kubelet with the labels kubestrap writes for a home node and an AWS worker", async () => {
        const home = parse(k3sConfigYaml({
            role: "agent", clusterInit: false, ha: false, nodeName: "a1", version: "v1.31.4+k3s1", serverUrl: "https://10.0.0.1:6443",
            labels: { "kubestrap.io/storage": "local", "node.kubernetes.io/disk": "ssd", "topology.kubernetes.io/zone": "attic" },
            taints: [], disable: [], tlsSans: [], extraArgs: [], hardened: false, drainTimeoutSeconds: 60,
        }))["node-label"] as string[];
        assert.strictEqual(await kubeletVerdict(home, missing), "accepted");
        const worker = Object.entries({ ...workerLabels({ pool: "burst", labels: { team: "ml" } }), "node.kubernetes.io/instance-type": "t4g.large", "kubestrap.io/capacity": "spot" })
            .map(([k, v]) => `${k}=${v}`);
        assert.strictEqual(await kubeletVerdict(worker, missing), "accepted");
        assert.strictEqual(await kubeletVerdict([...home, "node-role.kubernetes.io/worker=true"], missing), "refused", "one reserved label among good ones stops it");
    });
});
