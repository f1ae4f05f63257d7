// Pure shaping of a StaticSite: its nginx.conf, its content as ConfigMap data, its pod.
//
// Where the files come from:
// - `directory`: a folder of this repository, shipped as a ConfigMap mounted as the web root.
//   Nothing to build or push, and a change to a file rolls the pods on the next `pulumi up`.
//   Right for a small hand-written site; a ConfigMap holds at most 1 MiB, so it stops there.
// - `image`: a pinned image that holds the built site at a path (default /site); an init
//   container copies it into an emptyDir that nginx serves. No size limit, and the site is
//   versioned and cached like any image. Right for anything built (Vite, Hugo) or bigger.
//   The image needs `cp` (any busybox, alpine or distro base) and files readable by uid 101.
//   (Kubernetes image volumes would drop the copy, but they are still off by default.)
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, podSecurityContext } from "../core/pod-security";
import { probe, Resources } from "../core/workload";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;

/** nginx built to run as a non-root user: uid 101, listening on 8080. */
export const nginxImage = "nginxinc/nginx-unprivileged:1.27.3-alpine";
export const nginxUserId = 101;
export const nginxPort = 8080;
/** Where nginx serves the site from, and where the init container copies an image's site to. */
export const webRoot = "/usr/share/nginx/html";
/** Where the site's nginx.conf is mounted (its own folder: the image's /etc/nginx stays as built). */
export const nginxConfigDir = "/etc/nginx/kubestrap";
export const defaultHealthPath = "/healthz";
export const defaultSitePath = "/site";

export interface CacheSettings {
    /** Seconds a browser may keep a page without asking again; unset: `no-cache` (it revalidates every time). */
    htmlMaxAge?: number;
    /** Seconds for files with a content hash in their name; default a year, marked immutable. */
    assetsMaxAge?: number;
    /** Seconds for every other file; default 300. */
    otherMaxAge?: number;
}

export interface NginxSettings {
    /** Answers 200 without touching the files: the probes' path. Default /healthz. */
    healthPath?: string;
    /** Serve /index.html for paths that are no file, so a single-page app's routes load. */
    spa?: boolean;
    cache?: CacheSettings;
}

const oneYear = 31536000;
const defaultOtherMaxAge = 300;

/** Why `value` cannot be the health path (it is written into nginx.conf), or undefined. */
export function healthPathProblem(value: string): string | undefined {
    return /^\/[A-Za-z0-9._~\/-]*$/.test(value) ? undefined
        : `"${value}" is not a plain URL path; use '/' followed by letters, digits, '.', '_', '~', '-' and '/', like /healthz`;
}

/** Why `value` cannot be the folder an image holds its site in, or undefined. */
export function sitePathProblem(value: string): string | undefined {
    if (!/^\/[^\0]*$/.test(value)) {
        return `"${value}" is not an absolute path; write the folder inside the image that holds the built site, like /site`;
    }
    if (value.replace(/\/+$/, "") === "") {
        return "the site's folder cannot be the image's root: copy the built site to a folder of its own (e.g. COPY dist/ /site/)";
    }
    return undefined;
}

/** Cache-Control for files whose name changes whenever their content does. */
export const immutableCacheControl = (maxAge = oneYear) => `public, max-age=${maxAge}, immutable`;

// A build tool's content hash in a file name, right before the extension: 8 or more letters,
// digits and '_' after a '.' or '-' (app.3f2a9c1b.js: webpack, Parcel), or exactly 8 that may
// hold '-' too after a '-' (main-BdX8k2Qa.css: Vite and Rollup, whose 8-character hashes are
// base64url). Either way it mixes digits and letters, which keeps words
// (bootstrap-datepicker.js), versions (jquery-3.7.1.js), dates (release-notes-2024.pdf) and
// sizes (og-image-1200x630.png) out: those are replaced under the same name. A hash without a
// digit (about 1 in 4 of Vite's) only loses the long lifetime: it keeps the short one.
const mixed = (run: string) => `(?=${run}[0-9])(?=${run}[A-Za-z])(?![0-9]+x[0-9]+\\.)`;
const hashedName = `(?:[.-]${mixed("[A-Za-z0-9_]*")}[A-Za-z0-9_]{8,}|-${mixed("[A-Za-z0-9_-]{0,7}")}[A-Za-z0-9_-]{8})\\.[A-Za-z0-9]+$`;

// nginx compresses text/html whenever gzip is on; these are the other text types of its mime.types.
const gzipTypes = [
    "text/css", "text/plain", "text/xml", "text/javascript", "application/javascript", "application/json",
    "application/manifest+json", "application/xml", "application/rss+xml", "application/atom+xml", "image/svg+xml", "application/wasm",
];

/** The nginx.conf of a static site, for `nginxImage` on a read-only root filesystem. */
export function nginxConfig(settings: NginxSettings = {}): string {
    const healthPath = settings.healthPath ?? defaultHealthPath;
    const problem = healthPathProblem(healthPath);
    if (problem) {
        throw new Error(`health path ${problem}`);
    }
    const cache = settings.cache ?? {};
    const html = cache.htmlMaxAge === undefined ? "no-cache" : `public, max-age=${cache.htmlMaxAge}`;
    const other = `public, max-age=${cache.otherMaxAge ?? defaultOtherMaxAge}`;
    return `# A kubestrap StaticSite on ${nginxImage} (uid ${nginxUserId}, port ${nginxPort}).
# The root filesystem is read-only: everything nginx writes goes to /tmp, an emptyDir.

# One worker serves thousands of static requests a second: scale with replicas. ("auto" would
# count the node's cores, not the pod's CPU limit.)
worker_processes 1;
pid /tmp/nginx.pid;
# nginx runs as the container's command: the image's entrypoint, which would edit files under
# /etc/nginx and add "daemon off", is skipped.
daemon off;
error_log /dev/stderr warn;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    charset utf-8;
    server_tokens off;
    sendfile on;

    log_format main '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                    '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"';
    access_log /dev/stdout main;

    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;

    gzip on;
    # Caches keep the compressed and the plain copy apart (Vary: Accept-Encoding).
    gzip_vary on;
    # Requests come through the ingress controller (and maybe a CDN that adds Via); nginx
    # leaves proxied requests uncompressed unless told otherwise.
    gzip_proxied any;
    gzip_min_length 256;
    gzip_types ${gzipTypes.join(" ")};

    server {
        listen ${nginxPort};
        root ${webRoot};
        index index.html;
        # /about -> /about/ as a relative redirect: an absolute one would name nginx's own
        # port, http://<host>:${nginxPort}/about/, which only the ingress controller can reach.
        absolute_redirect off;

        location = ${healthPath} {
            access_log off;
            default_type text/plain;
            return 200 "ok\\n";
        }

        # Pages, including / and /about/ once "index" has found their index.html. Before the
        # hashed names: nginx takes the first regex that matches, and a page is never immutable.
        location ~* "\\.html?$" {
            add_header Cache-Control "${html}";
        }

        # Names with a build's content hash (app.3f2a9c1b.js, main-BdX8k2Qa.css): a new build
        # gives a changed file a new name, so browsers may keep these as long as they like.
        location ~ "${hashedName}" {
            add_header Cache-Control "${immutableCacheControl(cache.assetsMaxAge)}";
            # A hash that is gone (an older build's) is a 404, never index.html: a page cached as
            # an immutable script would break that browser for a year.
            try_files $uri =404;
        }

        location / {
            add_header Cache-Control "${other}";
            try_files $uri $uri/ ${settings.spa ? "/index.html" : "=404"};
        }
    }
}
`;
}

export interface ContentFiles {
    /** UTF-8 files, by ConfigMap key. */
    data: Record<string, string>;
    /** Every other file, base64, by ConfigMap key. */
    binaryData: Record<string, string>;
    /** Key -> path under the web root, for the volume's `items` (keys cannot hold '/'). */
    items: { key: string; path: string }[];
    /** The keys' and files' bytes, as the API server counts a ConfigMap's size. */
    bytes: number;
    /** sha256 over every path and its bytes: changes when any file does. */
    hash: string;
}

// The API server refuses a ConfigMap whose data passes 1 MiB (1048576 bytes), and etcd refuses a
// request past 1.5 MiB: binary files travel base64, a third bigger, beside the object's metadata.
// 900 KiB leaves room for both.
export const contentLimitBytes = 900 * 1024;

const keyPattern = /^[-._a-zA-Z0-9]+$/;

/** A ConfigMap key for a path under the site: '/' becomes "__", other characters keys refuse become '_'. */
export const contentKey = (relativePath: string) => relativePath.split("/").join("__").replace(/[^-._a-zA-Z0-9]/g, "_");

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(2)} MiB`;

/** The site's files, relative to `root`, with their sizes; symlinks are followed. */
function filesUnder(root: string, dir = "", depth = 0): { path: string; size: number }[] {
    if (depth > 32) {
        throw new Error(`static site directory "${root}" nests folders more than 32 deep at ${dir} (a symlink loop?)`);
    }
    return fs.readdirSync(path.join(root, dir)).sort().flatMap((entry) => {
        const relative = dir ? `${dir}/${entry}` : entry;
        const stat = fs.statSync(path.join(root, relative));
        return stat.isDirectory() ? filesUnder(root, relative, depth + 1) : stat.isFile() ? [{ path: relative, size: stat.size }] : [];
    });
}

/** The text of `bytes` when they are UTF-8 that round-trips exactly (BOM kept, no NUL), else undefined. */
function utf8(bytes: Buffer): string | undefined {
    if (bytes.includes(0)) {
        return undefined;
    }
    try {
        const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
        return Buffer.from(text, "utf8").equals(bytes) ? text : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The files of `dir` (relative to the project directory, or absolute) as ConfigMap data, to be
 * mounted as the web root. Throws, naming the directory and the fix, when it is missing, empty,
 * holds names no key can carry, or is too big for a ConfigMap.
 */
export function contentFiles(dir: string, limitBytes = contentLimitBytes): ContentFiles {
    const root = path.resolve(dir);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        throw new Error(`static site directory "${dir}" is not a folder (looked at ${root}); give the site's folder, relative to the project directory`);
    }
    const files = filesUnder(root);
    if (files.length === 0) {
        throw new Error(`static site directory "${dir}" has no files; put the site (an index.html at least) in it`);
    }
    const pathOfKey = new Map<string, string>();
    let bytes = 0;
    for (const file of files) {
        const key = contentKey(file.path);
        const clash = pathOfKey.get(key);
        if (clash !== undefined) {
            throw new Error(`static site directory "${dir}": "${file.path}" and "${clash}" would share the ConfigMap key "${key}"; rename one`);
        }
        if (key.length > 253 || !keyPattern.test(key) || key.startsWith("..")) {
            throw new Error(`static site directory "${dir}": "${file.path}" cannot be a ConfigMap key (253 characters at most, not starting with ".."); shorten or rename it`);
        }
        pathOfKey.set(key, file.path);
        bytes += Buffer.byteLength(key) + file.size;
    }
    // Sizes first: a folder too big is refused before any file is read.
    if (bytes > limitBytes) {
        throw new Error(`static site directory "${dir}" holds ${mib(bytes)} (${bytes} bytes); a ConfigMap carries at most ` +
            `${Math.floor(limitBytes / 1024)} KiB here (Kubernetes refuses one over 1 MiB): build the site into an image and serve it with ` +
            `image (and path) instead of directory`);
    }
    const result: ContentFiles = { data: {}, binaryData: {}, items: [], bytes, hash: "" };
    const hash = createHash("sha256");
    for (const [key, file] of pathOfKey) {
        const content = fs.readFileSync(path.join(root, file));
        const text = utf8(content);
        if (text !== undefined) {
            result.data[key] = text;
        } else {
            result.binaryData[key] = content.toString("base64");
        }
        result.items.push({ key, path: file });
        hash.update(file).update("\0").update(content).update("\0");
    }
    result.hash = hash.digest("hex");
    return result;
}

/** Why `dir` cannot be served from a ConfigMap, or undefined. */
export function contentProblem(dir: string): string | undefined {
    try {
        contentFiles(dir);
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}

/** A short hash of what the pods serve: in the pod template, so a change to it rolls them. */
export const siteHash = (...parts: string[]) => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);

export interface SitePodSettings {
    /** The nginx container's name. */
    name: string;
    nginxConfigMap: pulumi.Input<string>;
    content: { configMap: pulumi.Input<string>; items: { key: string; path: string }[] } | { image: string; path: string };
    healthPath: string;
    resources: Resources;
}

/** The pod: nginx on a read-only root with /tmp, its config and the site mounted; in image mode, the copy first. */
export function sitePodSpec(s: SitePodSettings): PodSpec {
    const site: Volume = "configMap" in s.content
        ? { name: "site", configMap: { name: s.content.configMap, items: s.content.items } }
        : { name: "site", emptyDir: {} };
    const security = containerSecurityContext();
    const initContainers = "image" in s.content ? [{
        name: "copy-site",
        image: s.content.image,
        // "/." copies what is in the folder, dotfiles (.well-known) included, not the folder itself.
        command: ["cp", "-R", `${s.content.path.replace(/\/+$/, "")}/.`, `${webRoot}/`],
        resources: s.resources,
        securityContext: security,
        volumeMounts: [{ name: "site", mountPath: webRoot }],
    }] : [];
    return {
        automountServiceAccountToken: false,
        securityContext: podSecurityContext({ runAsUser: nginxUserId }),
        initContainers,
        containers: [{
            name: s.name,
            image: nginxImage,
            command: ["nginx", "-c", `${nginxConfigDir}/nginx.conf`],
            ports: [{ name: "http", containerPort: nginxPort, protocol: "TCP" }],
            livenessProbe: probe("liveness", { path: s.healthPath }, nginxPort),
            readinessProbe: probe("readiness", { path: s.healthPath }, nginxPort),
            resources: s.resources,
            securityContext: security,
            volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "nginx-config", mountPath: nginxConfigDir, readOnly: true },
                { name: "site", mountPath: webRoot, readOnly: true },
            ],
        }],
        volumes: [
            { name: "tmp", emptyDir: {} },
            { name: "nginx-config", configMap: { name: s.nginxConfigMap } },
            site,
        ],
    };
}
