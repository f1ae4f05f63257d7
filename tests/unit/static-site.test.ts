import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StaticSite, StaticSiteArgs } from "../../apps/static-site";
import { contentFiles, contentLimitBytes, nginxConfig } from "../../apps/static-site-specs";
import { WebApp } from "../../apps/web-app";
import { formatIssue } from "../../config/issues";
import { staticSites } from "../../apps/static-sites-config";
import { schemaErrors } from "../k8s-schema";
import { dependenciesOf, Recorder, settle, valueOf, withMocks } from "../mocks";

const fixture = "tests/fixtures/static-site";

// --- nginx's request handling, as far as a static site uses it -------------------------------

interface Location { modifier: string; pattern: string; body: string }

function locationsOf(conf: string): Location[] {
    const found: Location[] = [];
    for (const m of conf.matchAll(/location\s+(=|~\*|~)?\s*(?:"([^"]*)"|(\S+))\s*\{([^}]*)\}/g)) {
        found.push({ modifier: m[1] ?? "", pattern: m[2] ?? m[3], body: m[4] });
    }
    return found;
}

/** nginx's order: an exact match, else the first regex that matches, else the longest prefix. */
function locationFor(conf: string, uri: string): Location {
    const locations = locationsOf(conf);
    const exact = locations.find((l) => l.modifier === "=" && l.pattern === uri);
    const regex = locations.find((l) => l.modifier.startsWith("~") && new RegExp(l.pattern, l.modifier === "~*" ? "i" : "").test(uri));
    const prefix = locations.filter((l) => l.modifier === "" && uri.startsWith(l.pattern)).sort((a, b) => b.pattern.length - a.pattern.length)[0];
    return exact ?? regex ?? prefix;
}

interface Response { status: number; file?: string; cacheControl?: string }

/** What nginx answers for `uri` with `files` (paths under the web root) and this config. */
function request(conf: string, files: string[], uri: string, redirects = 0): Response {
    assert.ok(redirects < 5, `redirect loop at ${uri}`);
    const location = locationFor(conf, uri);
    const cacheControl = /add_header Cache-Control "([^"]*)"/.exec(location.body)?.[1];
    const returned = /return (\d+)/.exec(location.body);
    if (returned) {
        return { status: Number(returned[1]), cacheControl };
    }
    const exists = (p: string) => files.includes(p.slice(1));
    const directory = (p: string) => files.some((f) => f.startsWith(p.slice(1)));
    const serve = (p: string): Response | undefined => {
        if (p.endsWith("/")) {
            // The index module: an internal redirect, so the page's own location decides its headers.
            return directory(p) && exists(`${p}index.html`) ? request(conf, files, `${p}index.html`, redirects + 1) : undefined;
        }
        return exists(p) ? { status: 200, file: p.slice(1), cacheControl } : undefined;
    };
    const tryFiles = /try_files ([^;]+);/.exec(location.body)?.[1].split(/\s+/);
    if (!tryFiles) {
        return serve(uri) ?? { status: 404 };
    }
    for (const candidate of tryFiles.slice(0, -1).map((c) => c.replace("$uri", uri))) {
        const response = serve(candidate);
        if (response) {
            return response;
        }
    }
    const last = tryFiles[tryFiles.length - 1];
    return last.startsWith("=") ? { status: Number(last.slice(1)) } : request(conf, files, last, redirects + 1);
}

/** Every value of a top-level-or-nested simple directive. */
const directives = (conf: string, name: string) => [...conf.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, "gm"))].map((m) => m[1].trim());

const siteFiles = contentFiles(fixture).items.map((i) => i.path);
const oneYear = "public, max-age=31536000, immutable";

describe("StaticSite nginx.conf", () => {
    const conf = nginxConfig();

    it("keeps hashed assets for a year, revalidates pages, and gives other files a short lifetime", () => {
        const cases: [string, string | undefined][] = [
            ["/", "no-cache"],
            ["/index.html", "no-cache"],
            ["/about/", "no-cache"],
            ["/assets/app.3f2a9c1b.js", oneYear],
            ["/assets/main-BdX8k2Qa.css", oneYear],
            ["/assets/logo.png", "public, max-age=300"],
        ];
        for (const [uri, cacheControl] of cases) {
            const response = request(conf, siteFiles, uri);
            assert.deepStrictEqual([response.status, response.cacheControl], [200, cacheControl], uri);
        }
    });

    it("does not take words, versions, dates or image sizes in a name for a content hash", () => {
        const short = ["vendor/bootstrap-datepicker.js", "js/jquery-3.7.1.js", "notes.20240501.txt", "img/og-image-1200x630.png",
            "docs/release-notes-2024.pdf", "fonts/OpenSans-SemiBold.woff2", "photo-of-2024-trip.jpg"];
        const hashed = ["index-Cm1xK9_-.js", "vendor-react-B-7xQ2aZ.js", "chunk.5e0f4a3b2c1d0e9f8a7b.js", "font.8c1d2e3f.woff2"];
        const lifetime = (f: string) => request(conf, [...short, ...hashed], `/${f}`).cacheControl;
        assert.deepStrictEqual(short.map(lifetime), short.map(() => "public, max-age=300"));
        assert.deepStrictEqual(hashed.map(lifetime), hashed.map(() => oneYear));
        assert.strictEqual(request(conf, ["posts/notes-2024a1b2c3.html"], "/posts/notes-2024a1b2c3.html").cacheControl, "no-cache", "a page is never immutable");
    });

    it("takes its lifetimes from the cache settings", () => {
        const custom = nginxConfig({ cache: { htmlMaxAge: 60, assetsMaxAge: 86400, otherMaxAge: 30 } });
        assert.strictEqual(request(custom, siteFiles, "/").cacheControl, "public, max-age=60");
        assert.strictEqual(request(custom, siteFiles, "/assets/app.3f2a9c1b.js").cacheControl, "public, max-age=86400, immutable");
        assert.strictEqual(request(custom, siteFiles, "/assets/logo.png").cacheControl, "public, max-age=30");
    });

    it("answers the health path itself, without files", () => {
        assert.strictEqual(request(conf, [], "/healthz").status, 200);
        const custom = nginxConfig({ healthPath: "/-/ready" });
        assert.strictEqual(request(custom, [], "/-/ready").status, 200);
        assert.strictEqual(request(custom, [], "/healthz").status, 404);
        assert.throws(() => nginxConfig({ healthPath: "/ok; return 500" }), /not a plain URL path/);
    });

    it("serves index.html for an app's routes only with spa, and never for a missing hashed asset", () => {
        const spa = nginxConfig({ spa: true });
        assert.deepStrictEqual(request(spa, siteFiles, "/quests/42"), { status: 200, file: "index.html", cacheControl: "no-cache" });
        assert.strictEqual(request(conf, siteFiles, "/quests/42").status, 404);
        assert.strictEqual(request(spa, siteFiles, "/assets/app.0badc0de.js").status, 404, "an old build's script would get a page, cached for a year");
    });

    it("compresses every text type nginx's mime.types gives a site's files, and says so in Vary", () => {
        // nginx's mime.types: html is always compressed once gzip is on; these are the others.
        const mimeOf: Record<string, string> = {
            css: "text/css", js: "application/javascript", json: "application/json", svg: "image/svg+xml",
            xml: "text/xml", txt: "text/plain", wasm: "application/wasm",
        };
        assert.deepStrictEqual(directives(conf, "gzip"), ["on"]);
        assert.deepStrictEqual(directives(conf, "gzip_vary"), ["on"]);
        const types = directives(conf, "gzip_types")[0].split(/\s+/);
        for (const [ext, mime] of Object.entries(mimeOf)) {
            assert.ok(types.includes(mime), `.${ext} (${mime}) goes out uncompressed`);
        }
        assert.deepStrictEqual(directives(conf, "gzip_proxied"), ["any"], "requests through the ingress controller would go uncompressed");
    });

    it("writes only under /tmp and to the container's output, and tells nothing about its version", () => {
        // Every directive that makes nginx write a file, and the five temp paths its http modules have.
        for (const name of ["client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path", "pid"]) {
            const [value] = directives(conf, name);
            assert.ok(value?.startsWith("/tmp/"), `${name} is ${value ?? "nginx's default"}, on the read-only root`);
        }
        assert.deepStrictEqual(directives(conf, "error_log").map((v) => v.split(" ")[0]), ["/dev/stderr"]);
        assert.deepStrictEqual(directives(conf, "access_log").filter((v) => v !== "off").map((v) => v.split(" ")[0]), ["/dev/stdout"]);
        assert.deepStrictEqual(directives(conf, "server_tokens"), ["off"]);
        assert.deepStrictEqual(directives(conf, "absolute_redirect"), ["off"], "a directory redirect would name port 8080");
        assert.strictEqual((conf.match(/{/g) ?? []).length, (conf.match(/}/g) ?? []).length, "unbalanced braces");
    });
});

// --- content from a folder ----------------------------------------------------------------

function tempSite(files: Record<string, string | Buffer>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "static-site-"));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

describe("StaticSite content from a folder", () => {
    const temps: string[] = [];
    const temp = (files: Record<string, string | Buffer>) => {
        const dir = tempSite(files);
        temps.push(dir);
        return dir;
    };
    after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("puts every file at its own path under the web root, text as text and binary as base64", () => {
        const content = contentFiles(fixture);
        assert.deepStrictEqual(content.items.map((i) => i.path).sort(),
            ["about/index.html", "assets/app.3f2a9c1b.js", "assets/logo.png", "assets/main-BdX8k2Qa.css", "index.html"]);
        for (const { key, path: file } of content.items) {
            assert.match(key, /^[-._a-zA-Z0-9]+$/, `${key} is no ConfigMap key`);
            const bytes = fs.readFileSync(path.join(fixture, file));
            const stored = key in content.data ? Buffer.from(content.data[key], "utf8") : Buffer.from(content.binaryData[key], "base64");
            assert.ok(stored.equals(bytes), `${file} would be served changed`);
            assert.ok(!(key in content.data && key in content.binaryData), `${file} is stored twice`);
        }
        const logo = content.items.find((i) => i.path === "assets/logo.png")!.key;
        assert.ok(logo in content.binaryData, "a PNG is not UTF-8 text");
        assert.ok(Object.values(content.data).some((t) => t.includes("café")), "UTF-8 text went to binaryData");
        assert.strictEqual(new Set(content.items.map((i) => i.key)).size, content.items.length);
    });

    it("refuses a folder too big for a ConfigMap, saying how big and what to do instead", () => {
        const big = temp({ "index.html": "<h1>big</h1>", "video.bin": Buffer.alloc(1024 * 1024, 7) });
        assert.throws(() => contentFiles(big), (e: Error) =>
            e.message.includes(big) && /1\.00 MiB \(10\d{5} bytes\)/.test(e.message) && e.message.includes("image"));
        const justFits = temp({ "index.html": Buffer.alloc(contentLimitBytes - 64, "a") });
        assert.strictEqual(contentFiles(justFits).items.length, 1);
    });

    it("refuses a missing folder, and two files that would share a key", () => {
        assert.throws(() => contentFiles("tests/fixtures/no-such-site"), /"tests\/fixtures\/no-such-site" is not a folder/);
        const clash = temp({ "a/b.html": "1", "a__b.html": "2" });
        assert.throws(() => contentFiles(clash), /"a__b.html" and "a\/b.html" would share the ConfigMap key/);
    });
});

// --- the component -------------------------------------------------------------------------

const base: StaticSiteArgs = { namespace: "web", content: { directory: fixture } };

async function build(args: Partial<StaticSiteArgs>, preview = false, r?: Recorder): Promise<{ r: Recorder; site: StaticSite }> {
    r = r ?? await withMocks(preview);
    const site = new StaticSite("site", { ...base, ...args }, { transformations: [r.track] });
    await settle(site.serviceName, site.internalUrl, site.url);
    return { r, site };
}

const podOf = (r: Recorder, name = "site") => r.one("kubernetes:apps/v1:Deployment", `${name}-deployment`).inputs.spec.template;
const nginxOf = (r: Recorder) => podOf(r).spec.containers[0];
const hashOf = (r: Recorder) => podOf(r).metadata.annotations["kubestrap.dev/content-hash"];
const confOf = (r: Recorder) => r.one("kubernetes:core/v1:ConfigMap", "site-nginx").inputs.data["nginx.conf"];
const mountAt = (container: any, at: string) => container.volumeMounts.find((m: any) => m.mountPath === at);
const volume = (r: Recorder, name: string) => podOf(r).spec.volumes.find((v: any) => v.name === name);

/** What the Pod Security "restricted" profile refuses in a pod spec (the parts kubestrap could get wrong). */
function restrictedViolations(pod: any): string[] {
    const problems: string[] = [];
    const allowedVolumes = ["configMap", "emptyDir", "projected", "secret", "downwardAPI", "persistentVolumeClaim", "ephemeral", "csi"];
    for (const v of pod.volumes ?? []) {
        Object.keys(v).filter((k) => k !== "name" && !allowedVolumes.includes(k)).forEach((k) => problems.push(`volume ${v.name} is ${k}`));
    }
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = c.securityContext ?? {};
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name} may escalate`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${c.name} keeps capabilities`);
        if ((sc.capabilities?.add ?? []).some((x: string) => x !== "NET_BIND_SERVICE")) problems.push(`${c.name} adds capabilities`);
        if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) problems.push(`${c.name} may run as root`);
        if ((sc.runAsUser ?? pod.securityContext?.runAsUser) === 0) problems.push(`${c.name} runs as uid 0`);
        const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${c.name} has no seccomp profile`);
    }
    return problems;
}

describe("StaticSite", () => {
    const temps: string[] = [];
    after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    for (const preview of [false, true]) {
        it(`registers its children under itself (preview: ${preview})`, async () => {
            const { r } = await build({ ingress: { host: "site.example.com" } }, preview);
            const children = r.kubernetesObjects().map((x) => x.name).sort();
            assert.deepStrictEqual(children, ["site-content", "site-deployment", "site-ingress", "site-nginx", "site-service"]);
            for (const name of children) {
                assert.strictEqual(r.ancestry.get(`${r.kubernetesObjects().find((x) => x.name === name)!.type}::${name}`),
                    "kubestrap:apps:StaticSite::site", `${name} is not parented to the StaticSite`);
            }
        });
    }

    it("runs nginx as uid 101 within the restricted profile, on a read-only root, without a service account token", async () => {
        const { r } = await build({});
        const pod = podOf(r).spec;
        assert.deepStrictEqual(restrictedViolations(pod), []);
        assert.strictEqual(pod.securityContext.runAsUser, 101, "nginx-unprivileged's files belong to uid 101");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(nginxOf(r).securityContext.readOnlyRootFilesystem, true);
    });

    it("mounts what its nginx.conf reads and writes where it says", async () => {
        const { r } = await build({ spa: true });
        const nginx = nginxOf(r);
        const conf = confOf(r);
        // The config nginx is started with is the ConfigMap's nginx.conf.
        const configFile = nginx.command[nginx.command.indexOf("-c") + 1];
        const configMount = mountAt(nginx, path.dirname(configFile));
        assert.ok(volume(r, configMount.name).configMap, `${configFile} is not from the ConfigMap`);
        assert.ok(path.basename(configFile) in r.one("kubernetes:core/v1:ConfigMap", "site-nginx").inputs.data);
        // Every path it writes sits on a writable emptyDir.
        for (const written of [...directives(conf, "\\w+_temp_path"), ...directives(conf, "pid")]) {
            const mount = nginx.volumeMounts.find((m: any) => written.startsWith(`${m.mountPath}/`));
            assert.ok(mount && !mount.readOnly && volume(r, mount.name).emptyDir, `${written} is not writable`);
        }
        // The web root is the content ConfigMap, every file at its path.
        const root = mountAt(nginx, directives(conf, "root")[0]);
        const site = volume(r, root.name).configMap;
        assert.deepStrictEqual(site.items.map((i: any) => i.path).sort(), [...siteFiles].sort());
        assert.strictEqual(site.name, "site-content-abc123");
        assert.ok(/try_files \$uri \$uri\/ \/index.html;/.test(conf), "spa is not in the served config");
    });

    it("probes nginx's health path on the port the Service sends to", async () => {
        const { r } = await build({ healthPath: "/-/alive" });
        const nginx = nginxOf(r);
        const http = nginx.ports.find((p: any) => p.name === "http");
        for (const probe of [nginx.livenessProbe, nginx.readinessProbe]) {
            assert.deepStrictEqual(probe.httpGet, { path: "/-/alive", port: http.containerPort });
        }
        assert.strictEqual(request(confOf(r), [], "/-/alive").status, 200, "the probe's path is not answered by nginx");
        const svc = r.one("kubernetes:core/v1:Service", "site-service").inputs;
        assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.deepStrictEqual(svc.spec.selector, r.one("kubernetes:apps/v1:Deployment", "site-deployment").inputs.spec.selector.matchLabels);
        assert.ok(Object.entries(svc.spec.selector).every(([k, v]) => podOf(r).metadata.labels[k] === v));
    });

    it("rolls its pods when a file or the nginx settings change, and only then", async () => {
        const dir = tempSite(Object.fromEntries(siteFiles.map((f) => [f, fs.readFileSync(path.join(fixture, f))])));
        temps.push(dir);
        const first = hashOf((await build({ content: { directory: dir } })).r);
        assert.strictEqual(hashOf((await build({ content: { directory: dir } })).r), first, "an unchanged site would roll on every up");
        fs.appendFileSync(path.join(dir, "about/index.html"), "<p>new</p>\n");
        const { r } = await build({ content: { directory: dir } });
        assert.notStrictEqual(hashOf(r), first);
        assert.ok(Object.values(r.one("kubernetes:core/v1:ConfigMap", "site-content").inputs.data).some((t: any) => t.includes("<p>new</p>")));
        assert.notStrictEqual(hashOf((await build({ content: { directory: dir }, spa: true })).r), hashOf(r));
    });

    it("copies an image's site into an emptyDir before nginx serves it", async () => {
        const { r } = await build({ content: { image: "ghcr.io/acme/danielsmith-io:2.1.0", path: "/dist/" } });
        const pod = podOf(r).spec;
        assert.deepStrictEqual(r.ofType("kubernetes:core/v1:ConfigMap").map((c) => c.name), ["site-nginx"]);
        assert.strictEqual(pod.initContainers.length, 1);
        const copy = pod.initContainers[0];
        assert.strictEqual(copy.image, "ghcr.io/acme/danielsmith-io:2.1.0");
        const [, , from, to] = copy.command;
        assert.deepStrictEqual(copy.command.slice(0, 2), ["cp", "-R"]);
        assert.strictEqual(from, "/dist/.", "the folder's contents, dotfiles included, not the folder");
        const root = directives(confOf(r), "root")[0];
        const written = mountAt(copy, to.replace(/\/$/, ""));
        const served = mountAt(nginxOf(r), root);
        assert.ok(written && served && written.name === served.name, "nginx does not serve what the init container copied");
        assert.ok(volume(r, served.name).emptyDir);
        assert.deepStrictEqual(restrictedViolations(pod), []);
        assert.deepStrictEqual(copy.securityContext.readOnlyRootFilesystem, true);
    });

    it("routes its Ingress to its Service and reports the URL", async () => {
        const { r, site } = await build({ ingress: { host: "danielsmith.io", className: "nginx", tls: { clusterIssuer: "letsencrypt-prod" } } });
        const ing = r.one("kubernetes:networking.k8s.io/v1:Ingress", "site-ingress").inputs;
        assert.strictEqual(ing.spec.rules[0].http.paths[0].backend.service.name, r.one("kubernetes:core/v1:Service", "site-service").inputs.metadata.name);
        assert.strictEqual(ing.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        assert.strictEqual(await valueOf(site.url!), "https://danielsmith.io/");
        assert.strictEqual(await valueOf(site.internalUrl), "http://site.web.svc.cluster.local");
        const ready = ["kubernetes:apps/v1:Deployment::site-deployment", "kubernetes:core/v1:Service::site-service"];
        for (const used of [site.serviceName, site.internalUrl, r.propsOf.get("kubernetes:networking.k8s.io/v1:Ingress::site-ingress")]) {
            assert.deepStrictEqual(await dependenciesOf(used), ready, "what reaches the site through its Service waits for its pods");
        }
    });

    it("lets in only the ingress controller, on nginx's port, with networkPolicy", async () => {
        const { r } = await build({
            ingress: { host: "site.example.com" },
            networkPolicy: { ingressControllerNamespace: "ingress-nginx", dependencies: [], dependents: [], egress: [], allowFromNamespaces: [] },
        });
        const policies = r.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs);
        assert.deepStrictEqual(policies.map((p) => p.metadata.name), ["site-network-policy"]);
        assert.deepStrictEqual(policies[0].spec.policyTypes, ["Ingress", "Egress"]);
        const [ingress, ...more] = policies[0].spec.ingress;
        assert.deepStrictEqual(more, []);
        assert.deepStrictEqual(ingress.ports, [{ protocol: "TCP", port: nginxOf(r).ports[0].containerPort }]);
        assert.deepStrictEqual(ingress.from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }]);
    });

    it("refuses an unpinned image and a folder too big before creating anything", async () => {
        const r = await withMocks(false);
        assert.throws(() => new StaticSite("bad", { ...base, content: { image: "nginx:latest", path: "site" } }),
            (e: any) => e.message.includes("StaticSite bad has invalid arguments") &&
                e.errors.some((x: any) => x.propertyPath === "content.image") && e.errors.some((x: any) => x.propertyPath === "content.path"));
        const big = tempSite({ "index.html": Buffer.alloc(1024 * 1024, 1) });
        temps.push(big);
        assert.throws(() => new StaticSite("big", { ...base, content: { directory: big } }),
            (e: any) => e.errors.some((x: any) => x.propertyPath === "content.directory" && x.reason.includes("MiB")));
        assert.strictEqual(r.kubernetesObjects().length, 0);
    });

    it("emits only objects that match the Kubernetes API schema", async () => {
        const { r } = await build({ ingress: { host: "site.example.com", tls: {} }, spa: true });
        const { r: r2 } = await build({
            content: { image: "ghcr.io/acme/site:1.0.0" }, resources: { requests: { cpu: "10m", memory: "16Mi" } },
            networkPolicy: { ingressControllerNamespace: "ingress-nginx", dependencies: [], dependents: [], egress: [], allowFromNamespaces: [] },
        });
        assert.deepStrictEqual(await schemaErrors([...r.kubernetesObjects(), ...r2.kubernetesObjects()]), []);
    });
});

// --- a split app: a StaticSite frontend and a WebApp backend on one host ------------------------

/** Whether an Ingress `Prefix` path matches a request path, element by element, as the Ingress API defines it. */
const prefixMatches = (prefix: string, requestPath: string) => {
    const p = prefix.replace(/\/+$/, "").split("/");
    const q = requestPath.split("/");
    return p.every((part, i) => part === q[i]);
};

describe("a split app on one host (dspace: frontend at /, backend at /api)", () => {
    const host = "dspace.example.com";

    async function buildBoth(preview: boolean) {
        const r = await withMocks(preview);
        const frontend = new StaticSite("dspace", {
            namespace: "dspace", content: { directory: fixture }, spa: true, partOf: "dspace",
            ingress: { host, paths: ["/"], className: "nginx", tls: { clusterIssuer: "letsencrypt-prod" } },
        }, { transformations: [r.track] });
        const backend = new WebApp("dspace-api", {
            namespace: "dspace", image: "ghcr.io/democratizedspace/dspace-backend:3.0.0", partOf: "dspace",
            ingress: { host, paths: ["/api"], className: "nginx", tls: { secretName: "dspace-tls" } },
            persistence: { size: "1Gi", mountPath: "/data" },
        }, { transformations: [r.track] });
        await settle(frontend.serviceName, backend.serviceName, frontend.url!, backend.url!);
        return r;
    }

    for (const preview of [false, true]) {
        it(`sends each path to its own Service through two Ingresses the controller merges by host (preview: ${preview})`, async () => {
            const r = await buildBoth(preview);
            // Frontend first: each Ingress is registered once its own app is ready, in either order.
            const ingresses = r.ofType("kubernetes:networking.k8s.io/v1:Ingress").map((i) => i.inputs)
                .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
            assert.strictEqual(ingresses.length, 2);
            assert.deepStrictEqual(ingresses.map((i) => i.spec.rules.map((rule: any) => rule.host)), [[host], [host]]);
            const rules = ingresses.flatMap((i) => i.spec.rules[0].http.paths.map((p: any) => ({ ...p, ingress: i.metadata.name })));
            assert.strictEqual(new Set(rules.map((p) => p.path)).size, rules.length, "two Ingresses claim one path");
            const services = new Map(r.ofType("kubernetes:core/v1:Service").map((s) => [s.inputs.metadata.name, s.inputs]));
            // The controller picks the longest matching Prefix across every Ingress of the host.
            const route = (requestPath: string) => rules.filter((p) => prefixMatches(p.path, requestPath))
                .sort((a, b) => b.path.length - a.path.length)[0].backend.service;
            const expected: [string, string][] = [["/", "dspace"], ["/quests/42", "dspace"], ["/assets/app.3f2a9c1b.js", "dspace"],
                ["/api", "dspace-api"], ["/api/quests", "dspace-api"], ["/apiary", "dspace"]];
            for (const [requestPath, service] of expected) {
                const backend = route(requestPath);
                assert.strictEqual(backend.name, service, requestPath);
                assert.ok(services.get(backend.name)?.spec.ports.some((p: any) => p.name === backend.port.name), `${requestPath}: no such port`);
            }
            // One certificate for the host: the backend serves the frontend's.
            assert.deepStrictEqual(ingresses.map((i) => i.spec.tls[0].secretName), ["dspace-tls", "dspace-tls"]);
            assert.deepStrictEqual(ingresses.map((i) => i.metadata.annotations["cert-manager.io/cluster-issuer"]), ["letsencrypt-prod", undefined]);
            assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
        });
    }
});

// --- config ----------------------------------------------------------------------------------

describe("kubestrap:staticSites", () => {
    const problems = (value: unknown) => {
        const result = staticSites.safeParse(value);
        return result.success ? [] : result.error.issues.map((i) => formatIssue({ ...i, path: ["staticSites", ...i.path] }));
    };

    it("fills the defaults, the ingress's included", () => {
        const [site] = staticSites.parse([{ name: "home", directory: fixture, ingress: { host: "danielsmith.io" } }]);
        assert.deepStrictEqual(site, {
            name: "home", namespace: "apps", directory: fixture, ingress: { host: "danielsmith.io", paths: ["/"] },
            cache: { otherMaxAge: 300 }, spa: false, healthPath: "/healthz",
        });
    });

    it("takes exactly one of directory and image, and path only with an image", () => {
        assert.deepStrictEqual(problems([{ name: "a" }]).map((p) => p.split(":")[1]), ["staticSites[0]"]);
        assert.match(problems([{ name: "a", directory: fixture, image: "ghcr.io/a/b:1.0.0" }])[0], /^kubestrap:staticSites\[0\]: set one of directory .* or image/);
        assert.match(problems([{ name: "a", directory: fixture, path: "/site" }])[0], /^kubestrap:staticSites\[0\]\.path: is where the site sits inside image/);
        assert.deepStrictEqual(problems([{ name: "a", image: "ghcr.io/a/b:1.0.0", path: "/dist" }]), []);
    });

    it("names the setting when a folder is too big, an image unpinned or the health path unsafe", () => {
        const big = tempSite({ "index.html": Buffer.alloc(1024 * 1024, 1) });
        try {
            const found = problems([
                { name: "big", directory: big },
                { name: "img", image: "ghcr.io/a/b:latest" },
                { name: "hp", directory: fixture, healthPath: "/ok; return 500" },
                { name: "c", directory: fixture, cache: { htmlMax: 5 } },
            ]);
            assert.match(found[0], /^kubestrap:staticSites\[0\]\.directory: static site directory ".*" holds 1\.00 MiB .* image \(and path\) instead of directory$/);
            assert.match(found[1], /^kubestrap:staticSites\[1\]\.image: .*mutable tag "latest"/);
            assert.match(found[2], /^kubestrap:staticSites\[2\]\.healthPath: .*not a plain URL path/);
            assert.match(found[3], /^kubestrap:staticSites\[3\]\.cache: unknown setting "htmlMax"/);
        } finally {
            fs.rmSync(big, { recursive: true, force: true });
        }
    });

    it("refuses two sites of one name in one namespace", () => {
        assert.match(problems([{ name: "a", directory: fixture }, { name: "a", image: "ghcr.io/a/b:1.0.0" }])[0],
            /^kubestrap:staticSites\[1\]\.name: static site "a" is already defined at index 0/);
    });
});
