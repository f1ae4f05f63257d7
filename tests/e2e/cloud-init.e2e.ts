// The EC2 workers' user data, validated by cloud-init itself (`cloud-init schema`, Debian's
// cloud-init package, installed by scripts/toolchain.sh test-tools): every shape kubestrap emits.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { WorkerSettings, workerCloudConfig } from "../../aws/aws-user-data";
import { E2eEnv } from "./harness";

const base: WorkerSettings = {
    pool: "burst", k3sVersion: "v1.31.4+k3s1", serverUrl: "https://100.64.0.1:6443", labels: { team: "ml" },
    taints: [{ key: "kubestrap.io/burst", value: "true", effect: "NoSchedule" }], extraArgs: ["--kubelet-arg=max-pods=50"],
    staged: false, drainTimeoutSeconds: 300,
};
const variants: Record<string, WorkerSettings> = {
    "on a mesh, downloading k3s and Tailscale": { ...base, mesh: { loginServer: "https://headscale.example.com", tailscaleVersion: "1.86.5" } },
    "on a mesh with a private CA, from a baked image": { ...base, staged: true, mesh: { loginServer: "https://10.0.0.1:8080", tailscaleVersion: "1.86.5", ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" } },
    "without a mesh": { ...base, serverUrl: "https://192.168.1.11:6443" },
};

describe("EC2 worker user data, validated by cloud-init", function () {
    this.timeout(120000);
    const env = new E2eEnv("e2e-cloud-init", 7);
    const schema = async (text: string) => {
        const file = path.join(env.dir, `user-data-${Math.random().toString(36).slice(2)}.yaml`);
        fs.writeFileSync(file, text);
        return env.sh("cloud-init", ["schema", "--config-file", file]).then(() => "valid", (e: Error) => e.message);
    };
    after(() => env.cleanup());

    it("refuses what it should: a write_files entry with a misspelt key", async () => {
        assert.match(await schema("#cloud-config\nwrite_files:\n  - path: /x\n    contnt: hi\n"), /'contnt' was unexpected/);
    });

    for (const [name, settings] of Object.entries(variants)) {
        it(`accepts the user data ${name}`, async () => {
            assert.strictEqual(await schema(workerCloudConfig(settings, { k3sToken: "token", meshKey: settings.mesh ? "key" : undefined })), "valid");
        });
    }
});
