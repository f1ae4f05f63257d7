// Runs the real Pulumi engine and kubectl against the local control plane, for the e2e suite.
import { execFile, ExecFileOptions, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { stringify } from "yaml";

const run = promisify(execFile);
export const root = path.resolve(__dirname, "..", "..");

/** Everything this suite writes lives under one temporary directory. */
export class E2eEnv {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-e2e-"));
    readonly clusterDir = path.join(this.dir, "cluster");
    readonly kubeconfig = path.join(this.clusterDir, "kubeconfig");
    readonly configFile = path.join(this.dir, "Pulumi.e2e.yaml");
    /** The suite's TMPDIR, so a test can see what a run leaves behind in it. */
    readonly tmpDir = path.join(this.dir, "tmp");
    readonly env: NodeJS.ProcessEnv;

    /**
     * `slot` gives each suite its own control plane ports, so the suites can run side by side
     * (mocha --parallel): etcd 23890 + 20 * slot (and its peer port, +10), API 16543 + slot.
     */
    /** `nodes`: the local control plane's node, kwok (simulated) or real (runs containers). */
    constructor(readonly stack = "e2e", slot = 0, nodes: "kwok" | "real" = "kwok") {
        // A suite filtered out by --grep never runs its cleanup; its directory is still empty.
        process.once("exit", () => {
            try {
                fs.rmdirSync(this.tmpDir);
                fs.rmdirSync(this.dir); // only succeeds while empty
            } catch {
                // in use or kept (KUBESTRAP_E2E_KEEP): leave it
            }
        });
        fs.mkdirSync(this.tmpDir);
        const etcdBase = Number(process.env.KUBESTRAP_E2E_ETCD_PORT ?? 23890);
        const apiBase = Number(process.env.KUBESTRAP_E2E_API_PORT ?? 16543);
        this.env = {
            ...process.env,
            KUBESTRAP_STACK: stack,
            KUBESTRAP_LOCAL_DIR: this.clusterDir,
            KUBESTRAP_ETCD_PORT: String(etcdBase + 20 * slot),
            KUBESTRAP_API_PORT: String(apiBase + slot),
            KUBESTRAP_LOCAL_NODES: nodes,
            PULUMI_BACKEND_URL: `file://${path.join(this.dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "kubestrap-e2e",
            DEMON_ADMIN_TOKEN: "e2e-admin-token-value",
            TMPDIR: this.tmpDir,
        };
    }

    async sh(file: string, args: string[], opts: ExecFileOptions = {}): Promise<{ stdout: string; stderr: string }> {
        try {
            const { stdout, stderr } = await run(file, args, { cwd: root, env: this.env, maxBuffer: 64 * 1024 * 1024, ...opts });
            return { stdout: String(stdout), stderr: String(stderr) };
        } catch (e: any) {
            throw new Error(`${path.basename(file)} ${args.join(" ")} failed (${e.code}):\n${String(e.stdout ?? "").slice(-4000)}\n${String(e.stderr ?? "").slice(-4000)}`);
        }
    }

    async cluster(action: "up" | "down" | "status" | "recycle-volumes") {
        if (action === "up") claimPorts(this.stack, this.env);
        try {
            return await this.sh(path.join(root, "scripts", "cluster.sh"), [action]);
        } finally {
            if (action === "down") releasePorts(this.env);
        }
    }

    /** scripts/pulumi.sh; commands that run the program get this suite's stack config file. */
    pulumi(...args: string[]) {
        const runsProgram = ["preview", "up", "destroy", "refresh"].includes(args[0]);
        return this.sh(path.join(root, "scripts", "pulumi.sh"), runsProgram ? [...args, "--config-file", this.configFile] : args);
    }

    /** Starts `pulumi up` and returns the child, for the interruption test. */
    spawnUp() {
        return spawn(path.join(root, "scripts", "pulumi.sh"), ["up", "--yes", "--skip-preview", "--config-file", this.configFile],
            { cwd: root, env: this.env, stdio: "ignore", detached: true });
    }

    /**
     * Processes of this suite's runs still alive: each run's plugins carry its private TMPDIR, under
     * the suite's (scripts/pulumi.sh). They run in process groups of their own, so a SIGKILL of the
     * CLI's group leaves them running, as a crash of the CLI would.
     */
    runProcesses(): number[] {
        const mark = `TMPDIR=${this.tmpDir}/`;
        return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((pid) => {
            try {
                return fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").some((e) => e.startsWith(mark));
            } catch {
                return false; // gone, or not ours to read
            }
        }).map(Number);
    }

    async kubectl(...args: string[]): Promise<string> {
        return (await this.sh("kubectl", ["--kubeconfig", this.kubeconfig, ...args])).stdout;
    }

    async json(...args: string[]): Promise<any> {
        return JSON.parse(await this.kubectl(...args, "-o", "json"));
    }

    writeConfig(config: Record<string, unknown>) {
        fs.writeFileSync(this.configFile, stringify({ config }));
    }

    /** Steps of a `pulumi preview --json`, as [op, type, name]. */
    async previewSteps(): Promise<{ op: string; type: string; name: string }[]> {
        const { stdout } = await this.pulumi("preview", "--json", "--diff");
        return (JSON.parse(stdout).steps ?? []).map((s: any) => ({ op: s.op, type: s.urn.split("::")[2].split("$").pop(), name: s.urn.split("::")[3] }));
    }

    async stackResources(): Promise<any[]> {
        const { stdout } = await this.pulumi("stack", "export");
        return JSON.parse(stdout).deployment.resources ?? [];
    }

    cleanup() {
        fs.rmSync(this.dir, { recursive: true, force: true });
        // `pulumi stack select --create` leaves the stack's encryption salt beside Pulumi.yaml.
        fs.rmSync(path.join(root, `Pulumi.${this.stack}.yaml`), { force: true });
    }
}

const portClaims = path.join(os.tmpdir(), "kubestrap-e2e-ports");
const claimFiles = (env: NodeJS.ProcessEnv) => [`etcd-${env.KUBESTRAP_ETCD_PORT}`, `api-${env.KUBESTRAP_API_PORT}`].map((f) => path.join(portClaims, f));
const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

/**
 * Each control plane's ports belong to one suite at a time, across mocha's parallel workers and
 * across runs on one machine: a second suite given ports in use stops here with both names,
 * before its etcd meets the other's.
 */
export function claimPorts(stack: string, env: NodeJS.ProcessEnv): void {
    fs.mkdirSync(portClaims, { recursive: true });
    for (const file of claimFiles(env)) {
        const mine = `${process.pid} ${stack}`;
        try {
            fs.writeFileSync(file, mine, { flag: "wx" });
        } catch {
            const [pid, holder] = fs.readFileSync(file, "utf8").split(" ");
            if (Number(pid) !== process.pid && alive(Number(pid))) {
                throw new Error(`${path.basename(file)} is taken by suite ${holder} (pid ${pid}); give ${stack} a slot of its own in new E2eEnv(...), or wait for the other run`);
            }
            fs.writeFileSync(file, mine);
        }
    }
}

export function releasePorts(env: NodeJS.ProcessEnv): void {
    for (const file of claimFiles(env)) fs.rmSync(file, { force: true });
}

/** Kinds to look through for leftovers: everything namespaced or not that can be listed. */
export async function managedObjects(env: E2eEnv): Promise<string[]> {
    const kinds = (await env.kubectl("api-resources", "--verbs=list", "-o", "name")).split("\n").filter((k) => k && !k.startsWith("events"));
    // Kind, namespace and name: two namespaces may each hold a "default-deny" policy.
    const out = await env.kubectl("get", kinds.join(","), "-A", "-l", "app.kubernetes.io/managed-by=kubestrap", "--ignore-not-found",
        "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}");
    return out.split("\n").filter(Boolean);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value) {
                return value;
            }
        } catch (e) {
            last = e;
        }
        await sleep(1000);
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** The Demon stream the end-to-end suites configure. */
export const e2eStream = { name: "RITUAL_EVENTS", subjects: ["ritual.>", "approval.>"], dedupeWindowSeconds: 60 };

/** A dev stack on this suite's control plane with the Demon stack on (secrets from the environment). */
export function demonStackConfig(env: E2eEnv, dedupeWindowSeconds = e2eStream.dedupeWindowSeconds) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": {
            enabled: true,
            nats: { storageClass: "local-path" },
            stream: { ...e2eStream, dedupeWindowSeconds },
            secrets: { adminToken: { fromEnv: "DEMON_ADMIN_TOKEN" } },
        },
    };
}

/**
 * A suite's local control plane: started (and the stack's config written) before its tests,
 * stopped and its directory removed after them, unless KUBESTRAP_E2E_KEEP=1 keeps both.
 */
export function onLocalCluster(env: E2eEnv, config: () => Record<string, unknown>): void {
    before(async () => {
        await env.cluster("up");
        env.writeConfig(config());
    });
    after(async () => {
        if (process.env.KUBESTRAP_E2E_KEEP !== "1") {
            await env.cluster("down").catch(() => undefined);
            env.cleanup();
        }
    });
}

/** A working copy of the project in dir, as a clone gives a teammate: its files (committed or not), node_modules shared. */
export function workingCopy(dir: string): void {
    const files = String(execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: root })).split("\n").filter(Boolean);
    for (const file of files) {
        if (!fs.existsSync(path.join(root, file))) {
            continue; // deleted in this checkout but not yet committed
        }
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(root, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
}
