// `kubestrap:apps[]` entries that deploy a docker-compose file (`compose: <path>`): which
// profiles, per-service overrides, volume sizes, and which ports to route from outside.
import * as path from "path";
import { z } from "zod";
import { ComposeError, loadCompose } from "./load";
import { ComposeTranslation, translateCompose } from "./translate";
import { configPath } from "../core/problems";
import { byteQuantity, cpuQuantity, dnsName, host, image, secretRef } from "../core/primitives";
import { Secret, SecretResolver } from "../core/secrets";

/** A named volume's claim when config does not size it. */
export const defaultComposeVolumeSize = { dev: "1Gi", prod: "10Gi" } as const;

/** A secret kubestrap generates (random.RandomPassword, letters and digits) and keeps in the stack's state. */
const generatedSecret = z.object({ generate: z.object({ length: z.number().int().min(16).max(128).default(32) }).strict().default({}) }).strict();
export type GeneratedSecret = z.infer<typeof generatedSecret>;

const amounts = z.object({ cpu: cpuQuantity.optional(), memory: byteQuantity.optional() }).strict();

export const composeApp = z.object({
    name: dnsName,
    /** Every service of the file in one namespace (Compose's default network): the app's name unless set. */
    namespace: dnsName.optional(),
    /** The compose file, relative to the project directory; its .env and env_files are read beside it. */
    compose: z.string().min(1),
    profiles: z.array(z.string().min(1)).default([]),
    /**
     * baseline: every service runs as Docker runs it (the image's own user, a writable root,
     * Docker's default capabilities), the namespace enforcing baseline; restricted: kubestrap's
     * hardening for every service (images that start as root fail). Unset: baseline, except in
     * prod, where it must be written (an acknowledgement).
     */
    podSecurity: z.enum(["baseline", "restricted"]).optional(),
    services: z.record(z.string(), z.object({
        image: image.optional(),
        replicas: z.number().int().min(0).optional(),
        /** StatefulSet: a claim per pod from the service's named volumes, even with one replica (databases). */
        kind: z.enum(["Deployment", "StatefulSet"]).optional(),
        resources: z.object({ requests: amounts.optional(), limits: amounts.optional() }).strict().optional(),
        security: z.object({
            runAsUser: z.number().int().min(1).optional(),
            runAsGroup: z.number().int().min(1).optional(),
            readOnlyRootFilesystem: z.boolean().optional(),
        }).strict().optional(),
        skip: z.boolean().optional(),
        /** Harden this service to restricted Pod Security (kubestrap's non-root user, read-only root) in a baseline app. */
        podSecurity: z.literal("restricted").optional(),
    }).strict()).default({}),
    volumes: z.record(z.string(), z.object({
        size: byteQuantity.optional(),
        storageClass: z.string().min(1).optional(),
        accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]).optional(),
    }).strict()).default({}),
    /** Values of the file's `secrets:` from kubestrap's sources, or generated once and kept in the state. */
    secrets: z.record(z.string(), z.union([secretRef, generatedSecret], {
        errorMap: () => ({ message: 'a compose secret\'s value is one of {"fromConfig": "<key>"}, {"fromEnv": "<VAR>"}, {"fromFile": "<path>"} or {"generate": {"length": N}}' }),
    })).default({}),
    /** The image that waits for dependencies (busybox with nc): a mirror's copy in an air-gapped cluster. */
    waitImage: image.optional(),
    /** Default size of the file's named volumes; by environment when unset (dev 1Gi, prod 10Gi). */
    volumeSize: byteQuantity.optional(),
    /** Ports routed through the ingress controller: a service, its container port, a host. */
    expose: z.array(z.object({
        service: z.string().min(1),
        port: z.number().int().min(1).max(65535).optional(),
        host,
        paths: z.array(z.string().regex(/^\//, "must start with '/'")).min(1).optional(),
        className: z.string().min(1).optional(),
        tls: z.object({ clusterIssuer: z.string().min(1).optional(), secretName: dnsName.optional() }).strict().optional(),
    }).strict()).default([]),
}).strict();
export type ComposeAppConfig = z.infer<typeof composeApp>;

/** A compose entry once parsed: its namespace defaults to its name. */
export type ParsedComposeApp = ComposeAppConfig & { namespace: string };
export const isComposeApp = (entry: object): entry is ParsedComposeApp => "compose" in entry;

export interface ResolvedComposeApp {
    name: string;
    namespace: string;
    waitImage?: string;
    /** The compose file, absolute. */
    file: string;
    translation: ComposeTranslation;
    /** Values of the file's secrets that config supplies. */
    secrets: Record<string, Secret | GeneratedSecret>;
    /** The level its namespace enforces. */
    podSecurity: "baseline" | "restricted";
}

/** Reads, validates and translates the app's compose file now, so its problems come with the config's. */
export function resolveComposeApp(entry: ParsedComposeApp, index: number, environment: "dev" | "prod",
    sources: { baseDir: string; readFile: (file: string) => string; env: Record<string, string | undefined> }, resolver: SecretResolver,
    problems: string[]): ResolvedComposeApp | undefined {
    const file = path.resolve(sources.baseDir, entry.compose);
    const at = configPath(["apps", index, "compose"]);
    if (environment === "prod" && !entry.podSecurity) {
        problems.push(`${configPath(["apps", index, "podSecurity"])}: in prod, say at which Pod Security level this compose app runs: baseline ` +
            "(as Docker runs its images: their own users, writable roots, Docker's default capabilities) or restricted (kubestrap's hardening; images that start as root fail)");
    }
    try {
        const project = loadCompose(file, { env: sources.env, profiles: entry.profiles, readFile: sources.readFile });
        const undeclared = Object.keys(entry.secrets).filter((s) => !project.secrets[s]);
        problems.push(...undeclared.map((s) => `${configPath(["apps", index, "secrets", s])}: ${entry.compose} declares no secret ${s} (its secrets: ${Object.keys(project.secrets).join(", ") || "none"}); fix the name or declare it under the file's top-level secrets:`));
        const translation = translateCompose(project, {
            app: entry.name,
            baseDir: path.dirname(file),
            readFile: sources.readFile,
            env: sources.env,
            volumeSize: entry.volumeSize ?? defaultComposeVolumeSize[environment],
            volumes: entry.volumes,
            services: entry.services,
            expose: entry.expose,
            podSecurity: entry.podSecurity ?? "baseline",
            suppliedSecrets: Object.keys(entry.secrets),
            file: path.basename(file),
        });
        const secrets = Object.fromEntries(Object.entries(entry.secrets).map(([s, value]) =>
            [s, "generate" in value ? value : resolver.resolve(value, ["apps", index, "secrets", s])]));
        return { name: entry.name, namespace: entry.namespace, waitImage: entry.waitImage, file, translation, secrets, podSecurity: entry.podSecurity ?? "baseline" };
    } catch (e) {
        if (e instanceof ComposeError) {
            problems.push(...e.problems.map((p) => `${at}: ${p}`));
        } else if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            problems.push(`${at}: cannot read ${file}; fix the path (it is relative to the project directory)`);
        } else {
            throw e;
        }
        return undefined;
    }
}
