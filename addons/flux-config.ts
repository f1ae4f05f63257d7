// `kubestrap:addons.flux`: Flux's controllers from a rendered `flux install --export`, and the app
// repositories Flux reconciles. Pulumi owns the platform; Flux owns only the paths listed here.
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { configPath } from "../core/problems";
import { dnsName, secretRef } from "../core/primitives";
import { Secret, SecretResolver } from "../core/secrets";

/** The flux2 release whose controllers `scripts/toolchain.sh flux` renders (toolchain/versions.env FLUX_VERSION). */
export const fluxVersion = "2.9.5";

/** Where `scripts/toolchain.sh flux` writes the rendered controllers. */
export function defaultFluxManifests(env: Record<string, string | undefined> = process.env): string {
    const cache = env.KUBESTRAP_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "kubestrap");
    return path.join(cache, "flux", `flux-${fluxVersion}`, "install.yaml");
}

/** Flux's intervals are Go durations: "30s", "5m", "1h". */
const interval = z.string().regex(/^(\d+(ms|s|m|h))+$/, 'is not a Go duration; write it like "30s", "5m" or "1h"');
const gitUrl = z.string().regex(/^(https|ssh):\/\/[^\s]+$/, "is not a URL Flux can clone; use https://host/owner/repo or ssh://git@host/owner/repo");
/** An image repository without tag or digest: Flux lists its tags. */
const imageName = z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/,
    "is not an image repository without a tag, like ghcr.io/owner/app");

const fluxRepository = z.object({
    name: dnsName,
    url: gitUrl,
    /** The ref to follow: one of branch (default "main"), tag or semver. */
    branch: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    semver: z.string().min(1).optional(),
    /** The directory of the repository Flux applies with kustomize. */
    path: z.string().regex(/^\.?\//, 'is relative to the repository root, like "./deploy/prod"').default("./"),
    interval: interval.default("5m"),
    /** Delete from the cluster what is deleted from the path. */
    prune: z.boolean().default(true),
    /** The namespace the path's objects go to when they name none. */
    targetNamespace: dnsName.optional(),
    auth: z.union([
        z.object({ sshKey: secretRef, knownHosts: z.string().min(1) }).strict(),
        z.object({ token: secretRef, username: z.string().min(1).default("git") }).strict(),
    ], { errorMap: () => ({ message: 'auth is {"sshKey": <secret>, "knownHosts": "<ssh-keyscan output>"} or {"token": <secret>, "username": "git"}' }) }).optional(),
    /** Images whose newest tag in a semver range Flux writes into the path (ImageRepository + ImagePolicy each). */
    images: z.array(z.object({
        name: dnsName,
        image: imageName,
        semver: z.string().min(1),
        interval: interval.default("5m"),
    }).strict()).default([]),
    /** Commit the policies' tags back (ImageUpdateAutomation): to `pushBranch`, default the followed branch. */
    imageUpdates: z.object({
        pushBranch: z.string().min(1).optional(),
        author: z.object({ name: z.string().min(1).default("fluxcdbot"), email: z.string().email().default("fluxcdbot@users.noreply.github.com") }).strict().default({}),
        interval: interval.default("30m"),
    }).strict().optional(),
}).strict();
export type FluxRepositoryConfig = z.infer<typeof fluxRepository>;

export const fluxSettings = {
    /** A `flux install --export` output; by default the one `scripts/toolchain.sh flux` renders. */
    manifests: z.string().min(1).optional(),
    repositories: z.array(fluxRepository).default([]),
};

export type FluxAuth = { sshKey: Secret; knownHosts: string } | { token: Secret; username: string };
export interface ResolvedFluxRepository extends Omit<FluxRepositoryConfig, "auth" | "branch" | "tag" | "semver"> {
    ref: { branch: string } | { tag: string } | { semver: string };
    auth?: FluxAuth;
}
export interface ResolvedFlux {
    /** The file the controllers come from. */
    manifests: string;
    objects: Record<string, any>[];
    repositories: ResolvedFluxRepository[];
}

const requiredCrds = ["gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io"];
const imageCrds = ["imagerepositories.image.toolkit.fluxcd.io", "imagepolicies.image.toolkit.fluxcd.io", "imageupdateautomations.image.toolkit.fluxcd.io"];

/** Reads the rendered controllers and checks the repositories against them; every problem is collected. */
export function resolveFlux(settings: { manifests?: string; repositories: FluxRepositoryConfig[] }, sources: { readFile: (f: string) => string; env: Record<string, string | undefined>; baseDir: string },
    resolver: SecretResolver, problems: string[]): ResolvedFlux {
    const at = (...rest: (string | number)[]) => configPath(["addons", "flux", ...rest]);
    const file = settings.manifests ? path.resolve(sources.baseDir, settings.manifests) : defaultFluxManifests(sources.env);
    let objects: Record<string, any>[] = [];
    let text: string | undefined;
    try {
        text = sources.readFile(file);
    } catch {
        problems.push(settings.manifests
            ? `${at("manifests")}: cannot read ${file}; fix the path (it is relative to the project directory) or render it with \`flux install --export > ${settings.manifests}\``
            : `${at("manifests")}: Flux ${fluxVersion}'s controllers are not rendered yet (${file}); run \`npm run toolchain -- flux\`, or set manifests to a \`flux install --export\` output`);
    }
    if (text !== undefined) {
        const docs = parseAllDocuments(text);
        const broken = docs.find((d) => d.errors.length > 0);
        objects = broken ? [] : docs.map((d) => d.toJS()).filter((o) => o && typeof o === "object");
        if (broken) problems.push(`${at("manifests")}: ${file} is not valid YAML (${broken.errors[0].message}); render it again`);
        else if (objects.length === 0) problems.push(`${at("manifests")}: ${file} holds no objects; render it again`);
    }
    const crds = new Set(objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata?.name));
    if (objects.length > 0) {
        const missing = requiredCrds.filter((c) => !crds.has(c));
        if (missing.length) problems.push(`${at("manifests")}: ${file} lacks ${missing.join(" and ")}; render it with source-controller and kustomize-controller`);
    }
    const repositories = settings.repositories.map((repo, i): ResolvedFluxRepository => {
        const refs = (["branch", "tag", "semver"] as const).filter((k) => repo[k] !== undefined);
        if (refs.length > 1) problems.push(`${at("repositories", i)}: follows ${refs.join(" and ")}; give one of branch, tag or semver`);
        if (settings.repositories.findIndex((r) => r.name === repo.name) < i) problems.push(`${at("repositories", i, "name")}: "${repo.name}" is already used by an earlier repository; names are unique`);
        if (repo.auth && "sshKey" in repo.auth && !repo.url.startsWith("ssh://")) problems.push(`${at("repositories", i, "auth")}: an SSH key needs an ssh:// URL (${repo.url})`);
        if (repo.auth && "token" in repo.auth && !repo.url.startsWith("https://")) problems.push(`${at("repositories", i, "auth")}: a token needs an https:// URL (${repo.url})`);
        if (repo.imageUpdates && repo.images.length === 0) problems.push(`${at("repositories", i, "imageUpdates")}: there are no images to update; list them under images`);
        if (repo.imageUpdates && !repo.auth) problems.push(`${at("repositories", i, "imageUpdates")}: Flux pushes its commits, which needs auth with write access; set auth`);
        if (repo.imageUpdates && repo.tag !== undefined || repo.imageUpdates && repo.semver !== undefined) {
            problems.push(`${at("repositories", i, "imageUpdates")}: commits go on a branch; follow a branch, not a tag or semver range`);
        }
        const usesImages = repo.images.length > 0;
        const lacking = imageCrds.filter((c) => !crds.has(c));
        if (usesImages && objects.length > 0 && lacking.length) {
            problems.push(`${at("repositories", i, "images")}: ${file} has no image automation (${lacking.join(", ")}); render it with ` +
                "`flux install --components-extra=image-reflector-controller,image-automation-controller --export` and set manifests to it");
        }
        repo.images.forEach((img, j) => {
            if (repo.images.findIndex((x) => x.name === img.name) < j) problems.push(`${at("repositories", i, "images", j, "name")}: "${img.name}" is already used in this repository; names are unique`);
        });
        const { branch, tag, semver, auth, ...rest } = repo;
        return {
            ...rest,
            ref: tag !== undefined ? { tag } : semver !== undefined ? { semver } : { branch: branch ?? "main" },
            auth: auth && ("sshKey" in auth
                ? { sshKey: resolver.resolve(auth.sshKey, ["addons", "flux", "repositories", i, "auth", "sshKey"]), knownHosts: auth.knownHosts }
                : { token: resolver.resolve(auth.token, ["addons", "flux", "repositories", i, "auth", "token"]), username: auth.username }),
        };
    });
    return { manifests: file, objects, repositories };
}
