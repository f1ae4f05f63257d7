// `npm run status -- [--json] [--watch [seconds]] [--stack s] [--namespace ns] [--component c] [--kubeconfig f]`
// and `npm run logs -- <app> [--follow] [--namespace ns] [--stack s]`. Exit codes: exitCodes in
// ./cluster (0 healthy, 1 something is not, 2 the cluster cannot be reached, 3 it refused the
// credentials, 64 a usage error); `--help` prints them.
import { clusterAccess, exitCodes, kubeClient, readCluster, refusal, StatusError } from "./cluster";
import { apiCertificateProblems, apiCertificateStatus, apiServerCertificate } from "./api-certificate";
import { driftProblems, readDrift } from "./drift";
import { issuedProblems, readIssued } from "./issued";
import { renderReport } from "./render";
import { buildReport, exitCodeOf, StatusReport } from "./report";

/** The JSON `--json` prints; a field is only ever added, and then this goes up. */
export const statusSchemaVersion = 4;

export interface Options { json: boolean; watch?: number; stack: string; namespace?: string; component?: string; kubeconfig?: string; follow: boolean; app?: string; help?: boolean }

const exitCodeHelp = [
    "exit codes:",
    `  ${exitCodes.healthy}   everything kubestrap manages is healthy`,
    `  ${exitCodes.unhealthy}   something is not (each problem is named)`,
    `  ${exitCodes.unreachable}   the cluster cannot be reached, or its kubeconfig cannot be read`,
    `  ${exitCodes.refused}   the API server refused the kubeconfig's credentials (401) or what they may read (403)`,
    `  ${exitCodes.usage}  a usage error: an unknown flag or stack`,
].join("\n");
export const statusUsage = "usage: npm run status -- [--json] [--watch [seconds]] [--stack <name>] [--namespace <ns>] [--component <c>] [--kubeconfig <file>]";
export const logsUsage = "usage: npm run logs -- <app> [--follow] [--namespace <ns>] [--stack <name>] [--kubeconfig <file>]";
export const statusHelp = `${statusUsage}\n\nWhat kubestrap manages in a stack's cluster: workloads, nodes, add-ons, certificates.\n` +
    "  --json             the report as JSON (errors too)\n  --watch [seconds]  again every few seconds (default 5, at least 1)\n" +
    "  --stack <name>     the stack (default: KUBESTRAP_STACK, else dev)\n  --namespace <ns>   only this namespace\n  --component <c>    only this component\n" +
    `  --kubeconfig <f>   this kubeconfig instead of the stack's\n\n${exitCodeHelp}`;
export const logsHelp = `${logsUsage}\n\nThe last 200 lines of each container of an app's pods, through the Kubernetes API (no kubectl needed).\n` +
    `  --follow, -f       keep streaming\n\n${exitCodeHelp}`;

export function parseArgs(argv: string[], usage: string): Options {
    const opts: Options = { json: false, follow: false, stack: process.env.KUBESTRAP_STACK || "dev" };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new StatusError(`${flag} needs a value\n${usage}`, exitCodes.usage);
            return v;
        };
        if (flag === "--help" || flag === "-h") opts.help = true;
        else if (flag === "--json") opts.json = true;
        else if (flag === "--watch") {
            opts.watch = /^\d+$/.test(argv[i + 1] ?? "") ? Number(argv[++i]) : 5;
            if (opts.watch < 1) throw new StatusError(`--watch ${opts.watch}: give at least 1 second between reads (each read lists every workload)\n${usage}`, exitCodes.usage);
        } else if (flag === "--stack") opts.stack = value();
        else if (flag === "--namespace" || flag === "-n") opts.namespace = value();
        else if (flag === "--component") opts.component = value();
        else if (flag === "--kubeconfig") opts.kubeconfig = value();
        else if (flag === "--follow" || flag === "-f") opts.follow = true;
        else if (!flag.startsWith("-") && usage === logsUsage && !opts.app) opts.app = flag;
        else throw new StatusError(`unknown argument ${flag}\n${usage}`, exitCodes.usage);
    }
    return opts;
}

async function report(opts: Options): Promise<StatusReport> {
    const access = clusterAccess(opts.stack, opts.kubeconfig);
    const { server, objects } = await readCluster(access);
    const now = new Date();
    const report = buildReport(objects, `${server} (stack ${opts.stack}; kubeconfig: ${access.source})`, now, { namespace: opts.namespace, component: opts.component });
    const drift = readDrift(opts.stack);
    const served = await apiServerCertificate(server);
    const certificate = served && apiCertificateStatus(served.notAfter, now);
    const issued = await readIssued(opts.stack, now);
    return {
        ...report,
        ...(certificate ? { apiServerCertificate: certificate } : {}),
        ...(drift ? { drift } : {}),
        ...(issued ? { issued: issued.items } : {}),
        notes: [...report.notes, ...(issued?.note ? [issued.note] : [])],
        problems: [...report.problems, ...apiCertificateProblems(certificate), ...driftProblems(drift, now), ...issuedProblems(issued?.items ?? [])],
    };
}

async function status(argv: string[]): Promise<number> {
    const opts = parseArgs(argv, statusUsage);
    if (opts.help) {
        process.stdout.write(`${statusHelp}\n`);
        return 0;
    }
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
        const { text } = await once().catch((e) => ({ text: opts.json ? errorJson(e) : (e as Error).message, code: exitCodes.unreachable }));
        process.stdout.write(`${process.stdout.isTTY ? "\x1b[2J\x1b[H" : ""}${text}\n${new Date().toISOString()}: every ${opts.watch}s, Ctrl-C to stop\n`);
        await new Promise((r) => setTimeout(r, opts.watch! * 1000));
    }
}

/** An app's pods' logs through the Kubernetes API: no kubectl, and no credentials written to disk. */
async function logs(argv: string[]): Promise<number> {
    const opts = parseArgs(argv, logsUsage);
    if (opts.help) {
        process.stdout.write(`${logsHelp}\n`);
        return 0;
    }
    if (!opts.app) throw new StatusError(logsUsage, exitCodes.usage);
    const access = clusterAccess(opts.stack, opts.kubeconfig);
    const { server, objects } = await readCluster(access);
    const pods = objects.pods.filter((p) => p.metadata.labels?.["app.kubernetes.io/name"] === opts.app && (!opts.namespace || p.metadata.namespace === opts.namespace));
    const namespaces = [...new Set(pods.map((p) => p.metadata.namespace as string))];
    if (namespaces.length === 0) throw new StatusError(`no pods of an app named ${opts.app}${opts.namespace ? ` in ${opts.namespace}` : ""} (label app.kubernetes.io/name); \`npm run status\` lists what runs`, exitCodes.unhealthy);
    if (namespaces.length > 1) throw new StatusError(`an app named ${opts.app} runs in ${namespaces.join(" and ")}; pick one with --namespace`, exitCodes.unhealthy);
    const { k8s, kc } = await kubeClient(access);
    const log = new k8s.Log(kc);
    const { PassThrough } = await import("stream");
    const streams = pods.flatMap((pod) => (pod.spec?.containers ?? []).map(async (c: { name: string }) => {
        const prefix = `[pod/${pod.metadata.name}/${c.name}] `;
        const out = new PassThrough();
        let rest = "";
        out.on("data", (chunk: Buffer) => {
            const lines = (rest + chunk.toString()).split("\n");
            rest = lines.pop() ?? "";
            for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
        });
        const done = new Promise<void>((resolve) => out.on("end", () => { if (rest) process.stdout.write(`${prefix}${rest}\n`); resolve(); }));
        try {
            await log.log(pod.metadata.namespace, pod.metadata.name, c.name, out, { follow: opts.follow, tailLines: 200 });
        } catch (e) {
            throw refusal(e, server, access.source) ?? new StatusError(`the logs of ${pod.metadata.name}/${c.name} cannot be read: ${(e as Error).message}`, exitCodes.unreachable);
        }
        await done;
    }));
    await Promise.all(streams);
    return 0;
}

/** An error as `--json` prints it: the same shape every time, with the exit code. */
export function errorJson(e: unknown): string {
    const exitCode = e instanceof StatusError ? e.exitCode : exitCodes.unreachable;
    return JSON.stringify({ schemaVersion: statusSchemaVersion, error: { message: (e as Error).message, exitCode } }, null, 2);
}

if (require.main === module) {
    const [command, ...rest] = process.argv.slice(2);
    const argv = command === "logs" || command === "status" ? rest : process.argv.slice(2);
    (command === "logs" ? logs(argv) : status(argv)).then((code) => process.exit(code), (e) => {
        if (argv.includes("--json")) process.stdout.write(`${errorJson(e)}\n`);
        else process.stderr.write(`${(e as Error).message}\n`);
        process.exit(e instanceof StatusError ? e.exitCode : exitCodes.unreachable);
    });
}
