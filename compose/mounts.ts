// A service's volumes: named volumes as claims, tmpfs and anonymous volumes as emptyDirs, files
// bound from the project and configs and secrets as ConfigMaps and Secrets, within their size limit.
import * as path from "path";
import type { WebAppArgs } from "../apps/web-app";
import type { ComposeProject, ComposeService } from "./load";
import { label63, objectName, volumeName } from "./names";
import type { ComposeTranslation, TranslateOptions } from "./types";
import { composeBytes, flag } from "./units";

export interface Mounts {
    volumes: NonNullable<WebAppArgs["volumes"]>;
    volumeMounts: NonNullable<WebAppArgs["volumeMounts"]>;
    claimTemplates: NonNullable<WebAppArgs["claimTemplates"]>;
    /** The named volumes behind claimTemplates, in the same order. */
    claimSources: string[];
}

export function serviceMounts(svc: ComposeService, name: string, opts: TranslateOptions, report: { error: (at: string, m: string) => void; warn: (at: string, m: string) => void; at: (k: string) => string },
    usedVolumes: Map<string, string[]>, usedConfigs: Set<string>, usedSecrets: Set<string>, project: ComposeProject, bindConfigMaps: ComposeTranslation["configMaps"]): Mounts {
    const out: Mounts = { volumes: [], volumeMounts: [], claimTemplates: [], claimSources: [] };
    const add = (volume: Mounts["volumes"][number], mount: Omit<Mounts["volumeMounts"][number], "name">) => {
        if (!out.volumes.some((v) => v.name === volume.name)) out.volumes.push(volume);
        out.volumeMounts.push({ name: volume.name, ...mount });
    };
    (svc.volumes ?? []).forEach((entry: string | Record<string, any>, i: number) => {
        const v = typeof entry === "string" ? shortVolume(entry) : entry;
        const at = report.at(`volumes.${i}`);
        const readOnly = flag(v.read_only);
        if (v.type === "volume" && !v.source) {
            add({ name: `anon-${i}`, emptyDir: {} }, { mountPath: v.target, readOnly });
            report.warn(at, `an anonymous volume at ${v.target} becomes an emptyDir: it lasts as long as the pod`);
        } else if (v.type === "volume") {
            const declared = project.volumes[v.source];
            if (declared === undefined) {
                report.error(at, `volume ${v.source} is not declared under the top-level volumes:; declare it`);
                return;
            }
            const claimName = declared?.external ? (declared.name ?? v.source) : v.source;
            if (declared?.external) {
                add({ name: volumeName(v.source), persistentVolumeClaim: { claimName } }, { mountPath: v.target, readOnly, ...(v.volume?.subpath ? { subPath: v.volume.subpath } : {}) });
                report.warn(at, `external volume ${v.source}: mounts the existing claim ${claimName}, which kubestrap does not create`);
                return;
            }
            if (declared?.driver && declared.driver !== "local") report.warn(`volumes.${v.source}.driver`, "not translated: the claim uses the cluster's storage class (volumes.<name>.storageClass in config)");
            if (declared?.driver_opts) report.warn(`volumes.${v.source}.driver_opts`, "not translated: the claim is a new, empty volume of the cluster's storage class, not what the options mount");
            out.claimTemplates.push({ name: volumeName(v.source), size: opts.volumes?.[v.source]?.size ?? opts.volumeSize, storageClass: opts.volumes?.[v.source]?.storageClass });
            out.claimSources.push(v.source);
            add({ name: volumeName(v.source), persistentVolumeClaim: { claimName: objectName(v.source) } }, { mountPath: v.target, readOnly, ...(v.volume?.subpath ? { subPath: v.volume.subpath } : {}) });
            if (!usedVolumes.has(v.source)) usedVolumes.set(v.source, []);
        } else if (v.type === "tmpfs" && v.target === "/tmp") {
            // Every kubestrap pod already has a writable, pod-lived /tmp.
        } else if (v.type === "tmpfs") {
            const size = v.tmpfs?.size !== undefined ? composeBytes(v.tmpfs.size) : undefined;
            add({ name: `tmpfs-${i}`, emptyDir: { medium: "Memory", ...(size ? { sizeLimit: size } : {}) } }, { mountPath: v.target });
        } else if (v.type === "bind") {
            bindMount(v, i, at, name, opts, report, add, bindConfigMaps);
        } else {
            report.error(at, `a ${v.type} mount cannot be translated; use a named volume, tmpfs or a read-only bind of a project file`);
        }
    });
    const tmpfs = svc.tmpfs === undefined ? [] : Array.isArray(svc.tmpfs) ? svc.tmpfs : [svc.tmpfs];
    tmpfs.forEach((entry: string, i: number) => {
        // "/run:rw,size=64m,mode=1777": the size is kept; the rest is the kubelet's. /tmp is every pod's already.
        const [target, options = ""] = entry.split(":");
        if (target === "/tmp") return;
        const size = /(?:^|,)size=([^,]+)/.exec(options)?.[1];
        const sizeLimit = size !== undefined ? composeBytes(size) : undefined;
        if (size !== undefined && !sizeLimit) report.error(report.at(`tmpfs.${i}`), `"${size}" is not a size; write one like 64m`);
        add({ name: `tmpfs-s${i}`, emptyDir: { medium: "Memory", ...(sizeLimit ? { sizeLimit } : {}) } }, { mountPath: target });
    });

    for (const [kind, used, declared, defaultDir] of [["secrets", usedSecrets, project.secrets, "/run/secrets/"], ["configs", usedConfigs, project.configs, "/"]] as const) {
        (svc[kind] ?? []).forEach((entry: string | Record<string, any>, i: number) => {
            const ref = typeof entry === "string" ? { source: entry } : entry;
            const at = report.at(`${kind}.${i}`);
            const def = declared[ref.source];
            if (def === undefined) {
                report.error(at, `${ref.source} is not declared under the top-level ${kind}:; declare it with file: or environment:`);
                return;
            }
            if (def.external) {
                report.error(at, `external ${kind.slice(0, -1)} ${ref.source} lives in Docker's store; give it a file: or environment: source`);
                return;
            }
            if (ref.uid !== undefined || ref.gid !== undefined) report.warn(at, "uid/gid not translated: the file belongs to the pod's group (fsGroup)");
            used.add(ref.source);
            const target = ref.target ? (ref.target.startsWith("/") ? ref.target : `${defaultDir}${ref.target}`) : `${defaultDir}${ref.source}`;
            const object = objectName(`${kind === "secrets" ? "secret" : "config"}-${ref.source}`);
            // Compose reads a mode written as a string in octal ("0440").
            const mode = ref.mode === undefined ? {} : { defaultMode: typeof ref.mode === "string" ? parseInt(ref.mode, 8) : ref.mode };
            if (mode.defaultMode !== undefined && !(mode.defaultMode >= 0 && mode.defaultMode <= 0o777)) report.error(`${at}.mode`, `"${ref.mode}" is not a file mode; write one in octal, like "0440"`);
            const volume = kind === "secrets"
                ? { name: volumeName(object), secret: { secretName: object, ...mode } }
                : { name: volumeName(object), configMap: { name: object, ...mode } };
            add(volume, { mountPath: target, subPath: ref.source, readOnly: true });
        });
    }
    return out;
}

/** A read-only bind of a project file travels as a ConfigMap; anything else would be wrong in a cluster. */
export function bindMount(v: Record<string, any>, i: number, at: string, service: string, opts: TranslateOptions, report: { error: (at: string, m: string) => void; warn: (at: string, m: string) => void },
    add: (volume: any, mount: any) => void, bindConfigMaps: ComposeTranslation["configMaps"]) {
    const source = String(v.source);
    if (path.isAbsolute(source) || source.startsWith("~")) {
        report.error(at, `${source} is a path on the Docker host, which the cluster's nodes do not have; drop the mount (or skip the service) and ship what it holds in the image, configs: or secrets:`);
        return;
    }
    let content: string;
    try {
        content = opts.readFile(path.resolve(opts.baseDir, source));
    } catch {
        report.error(at, `${source} is not a file kubestrap can read from ${opts.baseDir} (directories and missing files cannot be shipped); use a named volume or configs:`);
        return;
    }
    if (Buffer.byteLength(content) > configMapLimit) {
        report.error(at, `${source} is ${megabytes(content)}; a ConfigMap holds at most 1 MiB, so it cannot travel as one: bake it into the image, ` +
            "or put it on a named volume that an init step (a run-once service) fills");
        return;
    }
    if (v.read_only !== true) report.warn(at, `${source} is shipped read-only as a ConfigMap: writes to ${v.target} fail`);
    const key = path.basename(source).replace(/[^-._a-zA-Z0-9]/g, "_");
    const name = label63(`bind-${service}-${i}`);
    bindConfigMaps.push({ name, data: { [key]: content } });
    add({ name, configMap: { name } }, { mountPath: v.target, subPath: key, readOnly: true });
}

/** `source:target[:mode]` as the long syntax. */
export function shortVolume(text: string): Record<string, any> {
    const parts = text.split(":");
    if (parts.length === 1) return { type: "volume", target: parts[0] };
    const [source, target, mode = ""] = parts;
    const isPath = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
    return { type: isPath ? "bind" : "volume", source, target, read_only: mode.split(",").includes("ro") };
}

/** What the API server stores in one ConfigMap or Secret: 1 MiB (etcd's object limit, less room for the rest). */
export const configMapLimit = 1024 * 1024 - 4096;

export const megabytes = (content: string) => `${(Buffer.byteLength(content) / 1e6).toFixed(1)} MB`;

export function sourceContent(def: Record<string, any>, at: string, opts: TranslateOptions, error: (at: string, m: string) => void): string {
    if (def.file !== undefined) {
        try {
            const content = opts.readFile(path.resolve(opts.baseDir, def.file));
            if (Buffer.byteLength(content) > configMapLimit) {
                error(at, `${def.file} is ${megabytes(content)}; a ConfigMap or Secret holds at most 1 MiB: bake it into the image, or put it on a named volume`);
                return "";
            }
            return content;
        } catch {
            error(at, `cannot read ${def.file} (relative to ${opts.baseDir}); create it or fix the path`);
            return "";
        }
    }
    if (def.environment !== undefined) {
        const value = opts.env[def.environment];
        if (value === undefined) error(at, `environment variable ${def.environment} is not set; export it before running pulumi`);
        return value ?? "";
    }
    if (def.content !== undefined) return String(def.content);
    error(at, "has no file:, environment: or content: source; give it one");
    return "";
}
