// A StaticSite's nginx.conf served by a real nginx (Debian's 1.22, unpacked by
// `scripts/toolchain.sh test-tools`; the pod runs nginx-unprivileged 1.27, which no registry here
// serves): the fixture site over HTTP, with the cache headers, gzip, health path and the
// single-page fallback the config promises. Only the listen port, the web root, the pid file and
// mime.types' path are changed to run it outside a pod.
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { nginxConfig, webRoot } from "../../apps/static-site-specs";
import { eventually, root } from "./harness";

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: urlPath, headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("latin1") }));
        }).on("error", reject);
    });
}

async function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

describe("a static site's nginx config served by real nginx", function () {
    this.timeout(2 * 60 * 1000);
    const site = path.join(root, "tests", "fixtures", "static-site");
    let nginx: ChildProcess;
    let port: number;
    let dir: string;

    before(async () => {
        const prefix = execFileSync(path.join(root, "scripts", "toolchain.sh"), ["nginx"]).toString().trim();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-nginx-"));
        port = await freePort();
        const conf = nginxConfig({ spa: true })
            .replace("listen 8080;", `listen 127.0.0.1:${port};`)
            .replace(`root ${webRoot};`, `root ${site};`)
            .replace("pid /tmp/nginx.pid;", `pid ${dir}/nginx.pid;`)
            .replace(/\/tmp\/(\w+_temp)/g, `${dir}/$1`)
            .replace("include /etc/nginx/mime.types;", `include ${prefix}/etc/nginx/mime.types;`);
        fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
        // A file, not a pipe: nginx opens /dev/stdout and /dev/stderr, which fails on node's socket pipes.
        const log = fs.openSync(path.join(dir, "nginx.log"), "w");
        nginx = spawn(`${prefix}/usr/sbin/nginx`, ["-c", path.join(dir, "nginx.conf"), "-e", "/dev/stderr", "-p", dir], { stdio: ["ignore", log, log] });
        await eventually("nginx to listen", async () => (await get(port, "/healthz")).status === 200, 20000)
            .catch((e) => { throw new Error(`${e.message}\n${fs.readFileSync(path.join(dir, "nginx.log"), "utf8")}`); });
    });

    after(() => {
        nginx?.kill("SIGQUIT");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("answers the health path itself", async () => {
        const reply = await get(port, "/healthz");
        assert.deepStrictEqual([reply.status, reply.body], [200, "ok\n"]);
    });

    it("keeps hashed assets a year, pages never without asking, the rest five minutes", async () => {
        const cache = async (p: string) => {
            const reply = await get(port, p);
            assert.strictEqual(reply.status, 200, `${p}: ${reply.status}`);
            return reply.headers["cache-control"];
        };
        assert.strictEqual(await cache("/"), "no-cache");
        assert.strictEqual(await cache("/about/"), "no-cache");
        assert.strictEqual(await cache("/assets/app.3f2a9c1b.js"), "public, max-age=31536000, immutable");
        assert.strictEqual(await cache("/assets/main-BdX8k2Qa.css"), "public, max-age=31536000, immutable");
        assert.strictEqual(await cache("/assets/logo.png"), "public, max-age=300");
        assert.strictEqual((await get(port, "/assets/app.00000000a.js")).status, 404, "a missing hashed asset is not the index page");
    });

    it("compresses text for clients that take gzip, and says it varies by encoding", async () => {
        const index = fs.readFileSync(path.join(site, "index.html"));
        assert.ok(index.length >= 256, "the fixture page is under gzip_min_length: nothing to compress");
        const reply = await get(port, "/index.html", { "Accept-Encoding": "gzip" });
        assert.strictEqual(reply.headers["content-encoding"], "gzip");
        assert.match(String(reply.headers.vary), /Accept-Encoding/);
        assert.deepStrictEqual(zlib.gunzipSync(Buffer.from(reply.body, "latin1")), index);
        const plain = await get(port, "/index.html");
        assert.strictEqual(plain.headers["content-encoding"], undefined, "a client that takes no gzip got it");
    });

    it("serves the index page for a single-page app's routes, and redirects a folder relatively", async () => {
        const route = await get(port, "/settings/profile");
        assert.strictEqual(route.status, 200);
        assert.strictEqual(route.body, fs.readFileSync(path.join(site, "index.html"), "latin1"));
        const folder = await get(port, "/about");
        assert.strictEqual(folder.status, 301);
        assert.strictEqual(folder.headers.location, "/about/");
    });
});
