// What a compose translation carried over, read from the Kubernetes objects it produced, so
// kubestrap's and kompose's outputs for the same file can be compared feature by feature.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { parseAllDocuments } from "yaml";
import { renderManifests } from "../compose/cli";
import { loadCompose } from "../compose/load";
import { translateCompose } from "../compose/translate";

export const features = ["probes", "ordering", "claims", "tmpfs", "secrets", "configs", "resources", "jobs", "security"] as const;
export type Feature = (typeof features)[number];

type Obj = Record<string, any>;

function podSpecs(objects: Obj[]): Obj[] {
    return objects.flatMap((o) => (o.spec?.template?.spec ? [o.spec.template.spec] : o.kind === "Pod" ? [o.spec] : []));
}

/** The features the objects show: a probe, an init wait, a claim, a Secret, a mounted ConfigMap, limits, a Job, a pod's user. */
export function featuresOf(objects: Obj[]): Set<Feature> {
    const pods = podSpecs(objects);
    const containers = pods.flatMap((p) => p.containers ?? []);
    const found = new Set<Feature>();
    if (containers.some((c) => c.livenessProbe || c.readinessProbe)) found.add("probes");
    if (pods.some((p) => (p.initContainers ?? []).length > 0)) found.add("ordering");
    if (objects.some((o) => o.kind === "PersistentVolumeClaim") || objects.some((o) => o.spec?.volumeClaimTemplates?.length)) found.add("claims");
    if (pods.some((p) => (p.volumes ?? []).some((v: Obj) => v.emptyDir?.medium === "Memory"))) found.add("tmpfs");
    if (objects.some((o) => o.kind === "Secret")) found.add("secrets");
    // Files mounted from a ConfigMap; an env file's ConfigMap (kompose's) carries env, which both carry.
    if (pods.some((p) => (p.volumes ?? []).some((v: Obj) => v.configMap))) found.add("configs");
    if (containers.some((c) => Object.keys(c.resources?.limits ?? {}).length + Object.keys(c.resources?.requests ?? {}).length > 0)) found.add("resources");
    if (objects.some((o) => o.kind === "Job")) found.add("jobs");
    if (pods.some((p) => p.securityContext?.runAsNonRoot || p.securityContext?.runAsUser)) found.add("security");
    return found;
}

export interface ToolRun {
    objects?: Obj[];
    error?: string;
    ms: number;
}

/** kubestrap's translation of one file: load, translate and render, timed as a whole. */
export async function kubestrapRun(file: string, env: Record<string, string>): Promise<ToolRun & { translateMs?: number }> {
    const start = process.hrtime.bigint();
    try {
        const project = loadCompose(file, { env });
        const translation = translateCompose(project, {
            app: "bench", baseDir: path.dirname(file), readFile: (f) => fs.readFileSync(f, "utf8"), env, volumeSize: "1Gi", file: path.basename(file),
        });
        const translateMs = Number(process.hrtime.bigint() - start) / 1e6;
        const objects = (await renderManifests(translation, "bench", "bench")) as Obj[];
        return { objects, ms: Number(process.hrtime.bigint() - start) / 1e6, translateMs };
    } catch (e) {
        return { error: (e as Error).message.split("\n").slice(0, 3).join(" "), ms: Number(process.hrtime.bigint() - start) / 1e6 };
    }
}

/** `kompose convert --stdout` on one file, in its directory (where its .env is), timed as a process. */
export async function komposeRun(kompose: string, file: string, env: Record<string, string>): Promise<ToolRun> {
    const start = process.hrtime.bigint();
    try {
        const { stdout } = await promisify(execFile)(kompose, ["convert", "-f", path.basename(file), "--stdout"],
            { cwd: path.dirname(file), env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, maxBuffer: 16 * 1024 * 1024 });
        const objects = parseAllDocuments(String(stdout)).map((d) => d.toJS()).filter((o) => o && typeof o === "object") as Obj[];
        // kompose wraps its output in a List when asked for JSON; --stdout YAML is one object per document.
        return { objects: objects.flatMap((o) => (o.kind === "List" ? o.items : [o])), ms: Number(process.hrtime.bigint() - start) / 1e6 };
    } catch (e: any) {
        const lines = String(e.stderr ?? e.message).split("\n").filter((l) => /FATA|error/i.test(l));
        return { error: (lines[0] ?? String(e.message)).replace(/\x1b\[[0-9;]*m/g, "").trim(), ms: Number(process.hrtime.bigint() - start) / 1e6 };
    }
}

/** The corpus: every tests/fixtures/compose/<case>/compose.yaml. */
export function corpus(root = path.join(__dirname, "..", "tests", "fixtures", "compose")): { name: string; file: string }[] {
    return fs.readdirSync(root).sort()
        .map((name) => ({ name, file: path.join(root, name, "compose.yaml") }))
        .filter((c) => fs.existsSync(c.file));
}

/** The environment every corpus file is read with (as the unit tests do). */
export const corpusEnv: Record<string, string> = { SHELL_VAR: "from the shell", SMTP_TOKEN: "smtp-token-value", API_TAG: "2.5.0", NGINX_TAG: "1.27.3-alpine" };
