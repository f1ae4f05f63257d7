// `npm run translate -- compose.yaml [--profile p]... [--app name] [--namespace ns]`: prints the
// Kubernetes objects kubestrap would create for a compose file, then its warnings, without a
// cluster or Pulumi engine. The objects are those ComposeApp registers, captured through Pulumi's
// mocks, so what is printed is exactly what `pulumi up` would send (secret values hidden).
// First: the parts of the SDK this tool never uses then load only if used.
import "../core/lazy-sdk";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { dnsLabelProblem } from "../core/formats";
import { ComposeError, loadCompose } from "./load";
import { ComposeTranslation, translateCompose } from "./translate";

interface Options {
    file: string; profiles: string[]; app: string; namespace: string; volumeSize: string; warningsOnly: boolean;
    podSecurity: "baseline" | "restricted";
}

/** Asked for with --help: printed on stdout, exit 0. */
class Help extends Error {}

const usage = "usage: npm run translate -- <compose.yaml> [--profile <name>]... [--app <name>] [--namespace <ns>] [--volume-size <size>] [--pod-security baseline|restricted] [--warnings-only]";

export function parseArgs(argv: string[]): Options {
    const opts: Partial<Options> & { profiles: string[] } = { profiles: [], podSecurity: "baseline" };
    for (let i = 0; i < argv.length; i++) {
        const [flag, value] = [argv[i], argv[i + 1]];
        const need = () => {
            if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value\n${usage}`);
            i++;
            return value;
        };
        if (flag === "--profile") opts.profiles.push(need());
        else if (flag === "--app") opts.app = need();
        else if (flag === "--namespace") opts.namespace = need();
        else if (flag === "--volume-size") opts.volumeSize = need();
        else if (flag === "--warnings-only") opts.warningsOnly = true;
        else if (flag === "--pod-security") {
            const level = need();
            if (level !== "baseline" && level !== "restricted") throw new Error(`--pod-security ${level}: give baseline (services as Docker runs them, the default) or restricted\n${usage}`);
            opts.podSecurity = level;
        }
        else if (flag === "--help" || flag === "-h") throw new Help(`${usage}\n\nPrints the Kubernetes objects kubestrap makes of a compose file (Secret values as placeholders), then its warnings on stderr.`);
        else if (flag.startsWith("--")) throw new Error(`unknown flag ${flag}\n${usage}`);
        else if (opts.file) throw new Error(`one compose file at a time (got ${opts.file} and ${flag})\n${usage}`);
        else opts.file = flag;
    }
    if (!opts.file) throw new Error(usage);
    if (fs.existsSync(opts.file) && fs.statSync(opts.file).isDirectory()) {
        const inside = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"].find((f) => fs.existsSync(path.join(opts.file!, f)));
        throw new Error(`${opts.file} is a directory; give the compose file${inside ? `: ${path.join(opts.file, inside)}` : " in it"}`);
    }
    if (!fs.existsSync(opts.file)) throw new Error(`${opts.file}: no such file`);
    const app = opts.app ?? path.basename(path.dirname(path.resolve(opts.file))).toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
    for (const [flag, value] of [["--app", app], ["--namespace", opts.namespace ?? app]] as const) {
        if (dnsLabelProblem(value)) throw new Error(`${flag} ${value} is not a name Kubernetes takes: lower-case letters, digits and '-', like ${value.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "") || "my-app"}`);
    }
    return {
        file: opts.file, profiles: opts.profiles, app, namespace: opts.namespace ?? app, volumeSize: opts.volumeSize ?? "1Gi", warningsOnly: !!opts.warningsOnly,
        podSecurity: opts.podSecurity ?? "baseline",
    };
}

const secretSig = "4dabf18193072939515e22adb298388d";
/** What a secret value is printed as: a string, so the object stays one the API server takes (--dry-run=server). */
export const secretPlaceholder = "kubestrap-placeholder-secret-value";
/** Mocked inputs with every secret's values (its strings, its shape kept) replaced by the placeholder. */
function hideSecrets(value: unknown, inSecret = false): unknown {
    if (Array.isArray(value)) return value.map((v) => hideSecrets(v, inSecret));
    if (value && typeof value === "object") {
        if (secretSig in value) return hideSecrets((value as unknown as { value: unknown }).value, true);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v, inSecret)]));
    }
    return inSecret && typeof value === "string" ? secretPlaceholder : value;
}

/** `kubernetes:apps/v1:Deployment` -> { apiVersion: "apps/v1", kind: "Deployment" } */
function typeOf(token: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^/]+)\/([^:]+):(\w+)$/.exec(token);
    return m ? { apiVersion: m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`, kind: m[3] } : undefined;
}

/** The objects ComposeApp registers for a translation, in registration order. */
export async function renderManifests(translation: ComposeTranslation, app: string, namespace: string): Promise<Record<string, unknown>[]> {
    const objects: Record<string, unknown>[] = [];
    // Loaded only to render: the SDK is most of this tool's start-up, which --warnings-only skips.
    const pulumi = await import("@pulumi/pulumi");
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            const type = typeOf(args.type);
            if (type) objects.push({ ...type, ...(hideSecrets(args.inputs) as object) });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => {
            throw new Error(`translate calls no functions (${args.token})`);
        },
    }, "kubestrap", "translate", false);
    // Imported after the mocks, as Pulumi's mock docs ask.
    const { ComposeApp } = await import("./compose-app");
    const { settleRegistrations } = await import("../core/settle-registrations");
    const composeApp = new ComposeApp(`${namespace}-${app}`, { namespace, appName: app, translation, logWarnings: false });
    await new Promise<void>((resolve) => composeApp.services.apply(() => resolve()));
    await settleRegistrations();
    return objects;
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const file = path.resolve(opts.file);
    const project = loadCompose(file, { profiles: opts.profiles });
    const translation = translateCompose(project, {
        app: opts.app, baseDir: path.dirname(file), readFile: (f) => fs.readFileSync(f, "utf8"), env: process.env,
        volumeSize: opts.volumeSize, file: path.basename(file), podSecurity: opts.podSecurity,
    });
    const objects = opts.warningsOnly ? [] : await renderManifests(translation, opts.app, opts.namespace);
    if (!opts.warningsOnly) {
        process.stdout.write(`# Secret values are shown as "${secretPlaceholder}".\n${objects.map((o) => stringify(o, { version: "1.1" })).join("---\n")}`);
    }
    for (const warning of translation.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stderr.write(`${objects.length} objects, ${translation.warnings.length} warnings\n`);
}

if (require.main === module) {
    main().catch((e) => {
        if (e instanceof Help) {
            process.stdout.write(`${e.message}\n`);
            process.exit(0);
        }
        process.stderr.write(`${e instanceof ComposeError ? e.message : (e as Error).message}\n`);
        process.exit(1);
    });
}
