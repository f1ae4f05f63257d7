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
