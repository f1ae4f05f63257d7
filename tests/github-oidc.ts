// The OIDC tokens GitHub issues to the jobs of our workflows, derived from the workflow files
// themselves per GitHub's documented rules (docs.github.com, "OpenID Connect reference", the sub
// claim): a job that names an environment gets `environment:<name>` whatever the event; a
// pull_request run without one gets `pull_request`; other events the ref they run on. A matrix
// environment (`${{ matrix.stack }}`) is expanded over the matrix.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { githubSubject, GithubRepository } from "../aws/aws-policies";

export interface JobToken {
    workflow: string;
    job: string;
    event: string;
    /** The matrix values of the run, when the job has a matrix. */
    matrix: Record<string, string>;
    environment?: string;
    subject: string;
    /** The role the job asks configure-aws-credentials for (its expression), if any. */
    role?: string;
    /** Whether the job may ask GitHub for an OIDC token at all. */
    idToken: boolean;
    /** Every environment variable the job's run steps see, by name (job and step env). */
    env: string[];
    runsOn: unknown;
    steps: Record<string, any>[];
}

const events = (on: unknown): Record<string, any> =>
    typeof on === "string" ? { [on]: {} } : Array.isArray(on) ? Object.fromEntries(on.map((e) => [e, {}])) : (on as Record<string, any>);

/** Each combination of a job's matrix (`include` entries added as GitHub adds them). */
function matrixRuns(matrix: Record<string, any> | undefined): Record<string, string>[] {
    if (!matrix) return [{}];
    const axes = Object.entries(matrix).filter(([k]) => k !== "include" && k !== "exclude");
    let runs: Record<string, string>[] = [{}];
    for (const [key, values] of axes) runs = runs.flatMap((r) => (values as unknown[]).map((v) => ({ ...r, [key]: String(v) })));
    if (axes.length === 0) runs = [];
    runs.push(...(matrix.include ?? []));
    return runs.length > 0 ? runs : [{}];
}

const expand = (text: string, matrix: Record<string, string>) => text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k) => matrix[k] ?? "");

export function workflowTokens(workflowsDir: string, repository: GithubRepository): JobToken[] {
    const tokens: JobToken[] = [];
    for (const file of fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
        const w = parse(fs.readFileSync(path.join(workflowsDir, file), "utf8"));
        for (const [jobName, job] of Object.entries<any>(w.jobs)) {
            const permissions = job.permissions ?? w.permissions ?? {};
            const idToken = permissions === "write-all" || permissions["id-token"] === "write";
            const awsStep = (job.steps ?? []).find((s: any) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
            const env = [...Object.keys(w.env ?? {}), ...Object.keys(job.env ?? {})];
            for (const [event, filter] of Object.entries(events(w.on))) {
                const refs = event === "push" ? (filter?.branches ?? ["main"]).map((b: string) => `refs/heads/${b}`) : [undefined];
                for (const matrix of matrixRuns(job.strategy?.matrix)) {
                    const rawEnvironment = typeof job.environment === "object" ? job.environment?.name : job.environment;
                    const environment = rawEnvironment === undefined ? undefined : expand(String(rawEnvironment), matrix);
                    for (const ref of refs) {
                        tokens.push({
                            workflow: file, job: jobName, event, matrix, environment, idToken, env,
                            subject: githubSubject(repository, { event, environment, ref }),
                            role: awsStep?.with?.["role-to-assume"], runsOn: job["runs-on"], steps: job.steps ?? [],
                        });
                    }
                }
            }
        }
    }
    return tokens;
}
