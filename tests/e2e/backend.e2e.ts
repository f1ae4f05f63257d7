// The team setup of README "Working as a team": the stack's state in an S3-compatible bucket
// shared by two working copies, secrets by passphrase. The S3 server is Versity Gateway
// (Apache-2.0, built from its Go module by `scripts/toolchain.sh test-tools`) over a directory,
// bound to 127.0.0.1 with its own credentials; Pulumi reaches it exactly as it reaches AWS S3,
// R2, Ceph RGW or MinIO: `s3://bucket?endpoint=...`. Proven here: the state and its lock live
// in the bucket and nowhere else, the secret stays encrypted there, the second copy's `up` sees
// the first's stack and changes nothing, and a concurrent `up` is refused while the lock is held.
import * as assert from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { parse, stringify } from "yaml";
import { E2eEnv, eventually, managedObjects, root, workingCopy } from "./harness";

const stack = "e2e-backend";
const bucket = "kubestrap-state";
const s3Port = Number(process.env.KUBESTRAP_E2E_S3_PORT ?? 17714);
const access = "kubestrap-e2e";
const secret = crypto.randomBytes(18).toString("hex");
const appToken = `token-${crypto.randomBytes(8).toString("hex")}`;

function stackConfig(env: E2eEnv, greeting: string) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:apps": [{
            name: "notes",
            image: "ghcr.io/acme/notes:1.4.0",
            env: { GREETING: greeting },
            secretEnv: { API_TOKEN: { fromConfig: "notesApiToken" } },
        }],
    };
}

/** Writes the kubestrap keys of a working copy's Pulumi.<stack>.yaml, keeping its salt and secrets. */
function writeStackFile(copy: string, config: Record<string, unknown>) {
    const file = path.join(copy, `Pulumi.${stack}.yaml`);
    const current = fs.existsSync(file) ? parse(fs.readFileSync(file, "utf8")) ?? {} : {};
    fs.writeFileSync(file, stringify({ ...current, config: { ...(current.config ?? {}), ...config } }));
}

/** Every file under dir, as relative paths. */
function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe("a shared state backend: an S3 bucket (Versity Gateway) used by two working copies", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv(stack, 14);
    const copyA = path.join(env.dir, "copy-a");
    const copyB = path.join(env.dir, "copy-b");
    const s3Root = path.join(env.dir, "s3");
    const bucketDir = path.join(s3Root, bucket);
    let gateway: ChildProcess | undefined;

    const backendEnv = {
        PULUMI_BACKEND_URL: `s3://${bucket}?endpoint=http://127.0.0.1:${s3Port}&s3ForcePathStyle=true&region=us-east-1`,
        AWS_ACCESS_KEY_ID: access,
        AWS_SECRET_ACCESS_KEY: secret,
        AWS_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        // The copies run the program from its sources through ts-node (Pulumi's way, transpiled
        // only) rather than each compiling its own: the suite's other runs cover the compiled one.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
    /** scripts/pulumi.sh of one working copy, on the shared backend. */
    const pulumiIn = (copy: string, ...args: string[]) =>
        env.sh(path.join(copy, "scripts", "pulumi.sh"), args, { cwd: copy, env: { ...env.env, ...backendEnv } });

    before(async () => {
        const gw = (await env.sh(path.join(root, "scripts", "toolchain.sh"), ["versitygw"])).stdout.trim();
        fs.mkdirSync(s3Root, { recursive: true });
        gateway = spawn(gw, ["--access", access, "--secret", secret, "--port", `127.0.0.1:${s3Port}`, "--quiet", "posix", s3Root],
            { stdio: ["ignore", "ignore", "pipe"] });
        let gatewayErr = "";
        gateway.stderr?.on("data", (d) => { gatewayErr += String(d); });
        // A signed request with an empty body, as an S3 client sends it (curl signs; the body's hash is ours to give).
        const emptyBodySha256 = crypto.createHash("sha256").update("").digest("hex");
        const curl = (...args: string[]) => promisify(execFile)("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}",
            "-H", `x-amz-content-sha256: ${emptyBodySha256}`, "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", `${access}:${secret}`, ...args]);
        await eventually(`the S3 gateway on 127.0.0.1:${s3Port} ${gatewayErr}`, async () => (await curl(`http://127.0.0.1:${s3Port}/`)).stdout === "200", 30000);
        const created = await curl("-X", "PUT", `http://127.0.0.1:${s3Port}/${bucket}`);
        assert.strictEqual(created.stdout, "200", "CreateBucket");
        const anonymous = await promisify(execFile)("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${s3Port}/${bucket}`]);
        assert.strictEqual(anonymous.stdout, "403", "the bucket must refuse an unsigned request");

        await env.cluster("up");
        workingCopy(copyA);
        workingCopy(copyB);
    });

    after(async () => {
        gateway?.kill();
        if (process.env.KUBESTRAP_E2E_KEEP !== "1") {
            await env.cluster("down").catch(() => undefined);
            env.cleanup();
        }
    });

    it("keeps the stack in the bucket, its secret config encrypted, and nothing in the working copy", async () => {
        writeStackFile(copyA, stackConfig(env, "hello"));
        await pulumiIn(copyA, "config", "set", "--secret", "notesApiToken", appToken);
        await pulumiIn(copyA, "up", "--yes", "--skip-preview");

        const stored = filesUnder(bucketDir);
        assert.ok(stored.some((f) => f === path.join(".pulumi", "stacks", "kubestrap", `${stack}.json`)), `the checkpoint in the bucket: ${stored.join(", ")}`);
        assert.ok(!stored.some((f) => f.includes(`${path.sep}locks${path.sep}`)), "no lock left after up");
        for (const f of stored) {
            assert.ok(!fs.readFileSync(path.join(bucketDir, f), "utf8").includes(appToken), `${f} holds the secret in plain text`);
        }
        assert.ok(!fs.existsSync(path.join(copyA, ".kubestrap", "state")), "no local state in the working copy");
        const stackFile = fs.readFileSync(path.join(copyA, `Pulumi.${stack}.yaml`), "utf8");
        assert.match(stackFile, /encryptionsalt: /);
        assert.ok(!stackFile.includes(appToken));
        const appSecret = await env.json("get", "secret", "notes-secret", "-n", "apps");
        assert.strictEqual(Buffer.from(appSecret.data.API_TOKEN, "base64").toString(), appToken);
    });

    it("lets the second working copy (its stack file pulled, as from git) up the same stack with no changes", async () => {
        fs.copyFileSync(path.join(copyA, `Pulumi.${stack}.yaml`), path.join(copyB, `Pulumi.${stack}.yaml`));
        const { stdout } = await pulumiIn(copyB, "up", "--yes", "--skip-preview", "--expect-no-changes");
        const unchanged = Number(/(\d+) unchanged/.exec(stdout)?.[1] ?? 0);
        assert.ok(unchanged > 5, `the second copy sees the first copy's resources: ${stdout.slice(-600)}`);
    });

    it("refuses an up while another copy's up holds the lock, naming who holds it", async () => {
        writeStackFile(copyA, stackConfig(env, "hello again"));
        // Its own process group, so the whole run (CLI, language host, providers) can be paused.
        const first = spawn(path.join(copyA, "scripts", "pulumi.sh"), ["up", "--yes", "--skip-preview"],
            { cwd: copyA, env: { ...env.env, ...backendEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let firstOut = "";
        first.stdout?.on("data", (d) => { firstOut += String(d); });
        first.stderr?.on("data", (d) => { firstOut += String(d); });
        const finished = new Promise<number>((resolve) => first.on("exit", (code) => resolve(code ?? -1)));
        const lockDir = path.join(bucketDir, ".pulumi", "locks");
        await eventually("the first up's lock in the bucket", async () => filesUnder(lockDir).length === 1, 60000);

        // Paused while the second copy tries, the first up stands for one that takes minutes.
        process.kill(-first.pid!, "SIGSTOP");
        let second: string | undefined;
        try {
            second = await pulumiIn(copyB, "up", "--yes", "--skip-preview").then(() => undefined, (e: Error) => e.message);
        } finally {
            process.kill(-first.pid!, "SIGCONT");
        }
        assert.ok(second, "the second up must fail while the first holds the lock");
        assert.match(second!, /the stack is currently locked by 1 lock\(s\)/);
        assert.match(second!, new RegExp(`created by \\S+@\\S+ \\(pid \\d+\\)`));

        assert.strictEqual(await finished, 0, firstOut.slice(-3000));
        assert.deepStrictEqual(filesUnder(lockDir), [], "the lock is released when the first up ends");
        const deployment = await env.json("get", "deployment", "notes", "-n", "apps");
        const greeting = deployment.spec.template.spec.containers[0].env.find((e: any) => e.name === "GREETING");
        assert.strictEqual(greeting.value, "hello again", "only the first up applied");

        // The second copy pulls the change, and then agrees with the state.
        fs.copyFileSync(path.join(copyA, `Pulumi.${stack}.yaml`), path.join(copyB, `Pulumi.${stack}.yaml`));
        await pulumiIn(copyB, "up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("destroys from the second copy, leaving nothing in the cluster, and removes the stack from the bucket", async () => {
        await pulumiIn(copyB, "destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        await pulumiIn(copyB, "stack", "rm", "--yes", stack);
        const left = filesUnder(path.join(bucketDir, ".pulumi", "stacks"));
        assert.ok(!left.includes(path.join("kubestrap", `${stack}.json`)), `the stack is gone from the bucket: ${left.join(", ")}`);
    });
});
