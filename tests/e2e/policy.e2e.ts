// kubestrap's policy pack (policy/) under the engine kubestrap builds offline, through
// `npm run preview` (scripts/preview.sh): the dev stack passes; a stack made bad on purpose
// fails, each violation naming the policy, the resource's URN and the fix, while what config
// loosens explicitly (here a writable root filesystem) is allowed.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { E2eEnv, onLocalCluster, root } from "./harness";

const preview = async (env: E2eEnv) => {
    try {
        const { stdout } = await env.sh(path.join(root, "scripts", "preview.sh"), ["--config-file", env.configFile]);
        return { ok: true, output: stdout };
    } catch (e) {
        return { ok: false, output: (e as Error).message };
    }
};

describe("the policy pack on the real engine and a local API server", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-policy", 13);
    // The dev stack's own file (its secret is encrypted with the dev passphrase), on this suite's control plane.
    env.env.PULUMI_CONFIG_PASSPHRASE = "kubestrap-dev";
    onLocalCluster(env, () => ({}));
    before(() => fs.copyFileSync(path.join(root, "Pulumi.dev.yaml"), env.configFile));

    it("passes the dev stack", async () => {
        const { ok, output } = await preview(env);
        assert.ok(ok, output);
        assert.match(output, /Policies:\s+✅ kubestrap@v0\.1\.0/);
    });

    it("fails a stack with a secret in plain env, naming the policy, the URN and the fix, and allows what config loosened", async () => {
        env.writeConfig({
            "kubestrap:environment": "dev",
            "kubestrap:demon": { enabled: false },
            "kubestrap:apps": [{
                name: "bad", image: "nginxinc/nginx-unprivileged:1.27.3-alpine", port: 8080,
                env: { DB_PASSWORD: "hunter2" },
                security: { readOnlyRootFilesystem: false },
            }],
        });
        const { ok, output } = await preview(env);
        assert.ok(!ok, "the preview passed");
        assert.match(output, /❌ kubestrap@v0\.1\.0/);
        assert.match(output, /\[mandatory\]\s+secrets-in-secrets\s+\(kubernetes:apps\/v1:Deployment: apps-bad-deployment\)/);
        assert.match(output, /env DB_PASSWORD looks secret but is a plain value; take it from a Secret \(secretEnv\) \[urn:pulumi:e2e-policy::kubestrap::kubestrap:apps:WebApp\$kubernetes:apps\/v1:Deployment::apps-bad-deployment\]/);
        assert.doesNotMatch(output, /root filesystem is writable/, "a setting config loosened explicitly was reported");
    });

    it("fails a program of the user's whose Kubernetes provider names no cluster (kubestrap's own pass: the dev stack above)", async () => {
        const dir = path.join(env.dir, "bare");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bare\nruntime: nodejs\nmain: index.js\n");
        fs.writeFileSync(path.join(dir, "index.js"), 'const k8s = require("@pulumi/kubernetes");\n' +
            `new k8s.Provider("bare", { kubeconfig: ${JSON.stringify(fs.readFileSync(env.kubeconfig, "utf8"))} });\n`);
        fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
        await env.sh("pulumi", ["stack", "init", "bare", "--secrets-provider", "passphrase"], { cwd: dir });
        const failure = await env.sh("pulumi", ["preview", "--stack", "bare", "--policy-pack", path.join(root, "policy")], { cwd: dir })
            .then(() => undefined, (e: Error) => e.message);
        assert.ok(failure, "the preview passed");
        assert.match(failure, /\[mandatory\]\s+kubernetes-provider-cluster-identifier\s+\(pulumi:providers:kubernetes: bare\)/);
        assert.match(failure, /provider bare has no clusterIdentifier: a change to its kubeconfig's server or CA/);
    });

    it("passes it once the stack's policy config waives that policy", async () => {
        const waivers = `${env.dir}/waivers.json`;
        fs.writeFileSync(waivers, JSON.stringify({ "secrets-in-secrets": { enforcementLevel: "disabled" } }));
        env.env.KUBESTRAP_POLICY_CONFIG = waivers;
        try {
            const { ok, output } = await preview(env);
            assert.ok(ok, output);
        } finally {
            delete env.env.KUBESTRAP_POLICY_CONFIG;
        }
    });
});
