// `npm run status -- [--json] [--watch [seconds]] [--stack s] [--namespace ns] [--component c] [--kubeconfig f]`
// and `npm run logs -- <app> [--follow] [--namespace ns] [--stack s]`.
// status exits 0 when everything kubestrap manages is healthy, 1 when something is not (naming
// it), 2 when the cluster cannot be reached (saying which endpoint and why).
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { clusterAccess, readCluster, StatusError } from "./cluster";
import { renderReport } from "./render";
import { buildReport, exitCodeOf, StatusReport } from "./report";

/** The JSON `--json` prints; a field is only ever added, and then this goes up. */
export const statusSchemaVersion = 1;

interface Options { json: boolean; watch?: number; stack: string; namespace?: string; component?: string; kubeconfig?: string; follow: boolean; app?: string }

const statusUsage = "usage: npm run status -- [--json] [--watch [seconds]] [--stack <name>] [--namespace <ns>] [--component <c>] [--kubeconfig <file>]";
const logsUsage = "usage: npm run logs -- <app> [--follow] [--namespace <ns>] [--stack <name>] [--kubeconfig <file>]";

export function parseArgs(argv: string[], usage: string): Options {
    const opts: Options = { json: false, follow: false, stack: process.env.KUBESTRAP_STACK ?? "dev" };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new StatusError(`${flag} needs a value\n${usage}`, 2);
            return v;
        };
        if (flag === "--json") opts.json = true;
        else if (flag === "--watch") opts.watch = /^\d+$/.test(argv[i + 1] ?? "") ? Number(argv[++i]) : 5;
        else if (flag === "--stack") opts.stack = value();
        else if (flag === "--namespace" || flag === "-n") opts.namespace = value();
        else if (flag === "--component") opts.component = value();
        else if (flag === "--kubeconfig") opts.kubeconfig = value();
        else if (flag === "--follow" || flag === "-f") opts.follow = true;
        else if (!flag.startsWith("-") && usage === logsUsage && !opts.app) opts.app = flag;
        else throw new StatusError(`unknown argument ${flag}\n${usage}`, 2);
    }
    return opts;
}

async function report(opts: Options): Promise<StatusReport> {
    const access = clusterAccess(opts.stack, opts.kubeconfig);
    const { server, objects } = await readCluster(access);
    return buildReport(objects, `${server} (stack ${opts.stack}; kubeconfig: ${access.source})`, new Date(), { namespace: opts.namespace, component: opts.component });
}

async function status(argv: string[]): Promise<number> {
    const opts = parseArgs(argv, statusUsage);
    const once = async () => {
        const r = await report(opts);
        const text = opts.json ? JSON.stringify({ schemaVersion: statusSchemaVersion, ...r }, null, 2) : renderReport(r, !!process.stdout.isTTY && !process.env.NO_COLOR);
        return { text, code: exitCodeOf(r) };
    };
    if (opts.watch === undefined) {
        const { text, code } = await once();
        process.stdout.write(`${text}\n`);
        return code;
    }
    for (;;) {
        const { text } = await once().catch((e) => ({ text: (e as Error).message, code: 2 }));
        process.stdout.write(`${process.stdout.isTTY ? "\x1b[2J\x1b[H" : ""}${text}\n${new Date().toISOString()}: every ${opts.watch}s, Ctrl-C to stop\n`);
        await new Promise((r) => setTimeout(r, opts.watch! * 1000));
    }
}

/** An app's pods' logs through kubectl, with the stack's kubeconfig. */
async function logs(argv: string[]): Promise<number> {
    const opts = parseArgs(argv, logsUsage);
    if (!opts.app) throw new StatusError(logsUsage, 2);
    const access = clusterAccess(opts.stack, opts.kubeconfig);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-logs-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, access.kubeconfig, { mode: 0o600 });
    const args = ["--kubeconfig", kubeconfig, ...(access.context ? ["--context", access.context] : []), "logs",
        "-l", `app.kubernetes.io/name=${opts.app},app.kubernetes.io/managed-by=kubestrap`, "--all-containers", "--prefix", "--tail", "200",
        ...(opts.namespace ? ["-n", opts.namespace] : ["-A"]), ...(opts.follow ? ["--follow", "--max-log-requests", "20"] : [])];
    // kubectl logs takes -A only from 1.33 on; without a namespace, find the app's first.
    if (!opts.namespace) {
        const { objects } = await readCluster(access);
        const namespaces = [...new Set(objects.pods.filter((p) => p.metadata.labels?.["app.kubernetes.io/name"] === opts.app).map((p) => p.metadata.namespace as string))];
        if (namespaces.length === 0) throw new StatusError(`no pods of an app named ${opts.app} (label app.kubernetes.io/name); \`npm run status\` lists what runs`, 1);
        if (namespaces.length > 1) throw new StatusError(`an app named ${opts.app} runs in ${namespaces.join(" and ")}; pick one with --namespace`, 1);
        args.splice(args.indexOf("-A"), 1, "-n", namespaces[0]);
    }
    return new Promise((resolve) => {
        const child = spawn("kubectl", args, { stdio: "inherit" });
        child.on("exit", (code) => {
            fs.rmSync(dir, { recursive: true, force: true });
            resolve(code ?? 1);
        });
    });
}

if (require.main === module) {
    const [command, ...argv] = process.argv.slice(2);
    (command === "logs" ? logs(argv) : status(command === "status" ? argv : process.argv.slice(2))).then((code) => process.exit(code), (e) => {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(e instanceof StatusError ? e.exitCode : 2);
    });
}
