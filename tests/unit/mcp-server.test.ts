import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { mcpContainer, McpServer, McpServerArgs, mcpServerArgs } from "../../apps/mcp-server";
import { parseConfig } from "../../config";
import { defaultNodeImage, defaultPythonImage, mcpServersConfig, ResolvedMcpServer } from "../../apps/mcp-config";
import { loadMcpDirectory, loadMcpFile, readMcpFile, tomlKeyLines } from "../../apps/mcp-files";
import { loadMcpServers, mcpSecretConfigKeys, McpSources } from "../../apps/mcp-resolve";
import { ConfigError } from "../../core/problems";
import { formatIssue } from "../../config/issues";
import { schemaErrors } from "../k8s-schema";
import { dependenciesOf, isSecret, isSecretValue, Recorder, reveal, settle, valueOf, withMocks } from "../mocks";

const fixtures = path.join(__dirname, "..", "fixtures", "mcp");
const read = (file: string) => fs.readFileSync(file, "utf8");
const invalidFiles = fs.readdirSync(path.join(fixtures, "invalid")).filter((f) => f.endsWith(".mcp.toml")).sort();
/** Each invalid fixture says, in `# expect:` comments, every problem it must give. */
const expected = (file: string) => read(path.join(fixtures, "invalid", file)).split("\n")
    .filter((l) => l.startsWith("# expect: ")).map((l) => l.slice("# expect: ".length));

function problemsOf(f: () => unknown): string[] {
    try {
        f();
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
    assert.fail("no ConfigError");
}

/** The project directory is tests/fixtures/mcp; secret files come from `files`, the rest from disk. */
function sources(env: Record<string, string>, files: Record<string, string> = {}, secretKeys?: string[]): McpSources {
    return {
        env,
        baseDir: fixtures,
        readFile: (f) => {
            const rel = path.relative(fixtures, f);
            if (rel in files) {
                return files[rel];
            }
            if (rel.startsWith("secrets")) {
                throw Object.assign(new Error(`ENOENT: ${f}`), { code: "ENOENT" });
            }
            return read(f);
        },
        readdir: (d) => fs.readdirSync(d),
        secretKeys,
    };
}

/** kubestrap:mcpServers as parseConfig reports it: one line per problem. */
function inlineProblems(raw: unknown): string[] {
    const result = mcpServersConfig.safeParse(raw);
    return result.success ? [] : result.error.issues.map((i) => formatIssue({ ...i, path: ["mcpServers", ...i.path] }));
}

describe("MCP server files (apps/mcp-files.ts)", () => {
    it("reads b00t's own examples as b00t writes them, with a pinned runtime chosen by the command", () => {
        const servers = loadMcpDirectory(path.join(fixtures, "valid"), read, (d) => fs.readdirSync(d));
        const byName = Object.fromEntries(servers.map((s) => [s.name, s]));
        assert.deepStrictEqual(Object.keys(byName), ["contextual-engineering", "fetch", "filesystem", "github", "search"]);
        const fsServer = byName.filesystem;
        assert.deepStrictEqual([fsServer.command, fsServer.args, fsServer.transport, fsServer.replicas], ["npx", ["-y", "@modelcontextprotocol/server-filesystem"], "stdio", 1]);
        assert.deepStrictEqual(fsServer.env, { FILESYSTEM_ROOT: "/tmp" });
        assert.strictEqual(fsServer.hint, "File system access MCP server");
        assert.deepStrictEqual([byName.filesystem.runtime, byName.fetch.runtime, byName.search.runtime], ["node", "python", undefined]);
        assert.deepStrictEqual(byName["contextual-engineering"].env, { CONTEXT_DEPTH: "5", ANALYSIS_MODE: "deep" }, "b00t's `desires` is read and ignored");
        assert.deepStrictEqual(byName.github.secretEnv, {
            GITHUB_PERSONAL_ACCESS_TOKEN: { fromEnv: "GITHUB_TOKEN" },
            GITHUB_WEBHOOK_SECRET: { fromEnv: "GITHUB_WEBHOOK_SECRET" },
            GITHUB_APP_PRIVATE_KEY: { fromFile: "secrets/github-app.pem" },
        });
        assert.deepStrictEqual(byName.github.env, { GITHUB_TOOLSETS: "repos,issues" }, "a secret never lands among the plain values");
        assert.deepStrictEqual([byName.search.transport, byName.search.port, byName.search.replicas], ["http", 8080, 2]);
        assert.deepStrictEqual(mcpSecretConfigKeys(servers), ["kubestrap:searchApiKey"]);
    });

    for (const file of invalidFiles) {
        it(`refuses ${file} with every problem at its file, line and key`, () => {
            const want = expected(file);
            assert.ok(want.length > 0, `${file} names no expected problem`);
            const text = read(path.join(fixtures, "invalid", file));
            assert.deepStrictEqual(readMcpFile(file, text).problems, want);
            assert.deepStrictEqual(problemsOf(() => loadMcpFile(file, text)), want);
        });
    }

    it("reports every bad file of a directory in one error, at the path it was read from", () => {
        const dir = path.join("tests", "fixtures", "mcp", "invalid");
        const project = path.resolve(__dirname, "..", "..");
        const load = () => loadMcpDirectory(dir, (f) => read(path.resolve(project, f)), (d) => fs.readdirSync(path.resolve(project, d)));
        assert.deepStrictEqual(problemsOf(load), invalidFiles.flatMap((f) => expected(f).map((p) => `${dir}/${p}`)));
        assert.throws(load, (e: Error) => e.message.startsWith(`invalid kubestrap config (${problemsOf(load).length} problems):\n` +
            "  - tests/fixtures/mcp/invalid/bad-env.mcp.toml:12: b00t.env.DATABASE_PASSWORD: "));
    });

    it("refuses two files naming one server, and a directory without server files", () => {
        const files: Record<string, string> = {
            "a.mcp.toml": read(path.join(fixtures, "valid", "filesystem.mcp.toml")),
            "b.mcp.toml": `# a copy\n${read(path.join(fixtures, "valid", "filesystem.mcp.toml"))}`,
            "notes.txt": "not a server",
        };
        assert.deepStrictEqual(problemsOf(() => loadMcpDirectory("mcp", (f) => files[path.basename(f)], () => Object.keys(files))),
            ['mcp/b.mcp.toml:3: b00t.name: "filesystem" is also the server of mcp/a.mcp.toml; each MCP server needs its own name']);
        assert.deepStrictEqual(problemsOf(() => loadMcpDirectory("mcp", () => "", () => ["notes.txt"])),
            ["kubestrap:mcpServers.directory: mcp holds no *.mcp.toml files; put the servers' files there or fix the path"]);
    });

    it("finds keys' lines under their table, in dotted keys and quoted keys, not inside multi-line strings", () => {
        const lines = tomlKeyLines([
            "[b00t]", 'hint = """', "fake = 1", '"""', 'env.A = "x"', "", "[ b00t . env ]", '"B-C" = "y"', "D = { fromEnv = \"D\" } # note",
        ].join("\n"));
        assert.deepStrictEqual(Object.fromEntries(lines), { "b00t": 1, "b00t.hint": 2, "b00t.env": 5, "b00t.env.A": 5, "b00t.env.B-C": 8, "b00t.env.D": 9 });
    });

    it("turns secret references into Pulumi secrets and names a missing one at its file and line", async () => {
        await withMocks(false);
        const config = mcpServersConfig.parse({ directory: "valid" });
        const problems = problemsOf(() => loadMcpServers(config, {}, sources({ GITHUB_TOKEN: "ghp_x" })));
        assert.deepStrictEqual(problems, [
            "valid/github.mcp.toml:14: b00t.env.GITHUB_WEBHOOK_SECRET: environment variable GITHUB_WEBHOOK_SECRET is not set; export it before running pulumi",
            `valid/github.mcp.toml:15: b00t.env.GITHUB_APP_PRIVATE_KEY: cannot read secret file ${path.join(fixtures, "secrets", "github-app.pem")} (ENOENT); create it or fix the path`,
            "valid/search.mcp.toml:15: b00t.env.SEARCH_API_KEY: config key kubestrap:searchApiKey is not set; run `pulumi config set --secret searchApiKey <value>`",
        ]);

        const resolved = loadMcpServers(config, { "kubestrap:searchApiKey": "sk-1" },
            sources({ GITHUB_TOKEN: "ghp_x", GITHUB_WEBHOOK_SECRET: "whsec" }, { "secrets/github-app.pem": "-----BEGIN KEY-----\n" }));
        const github = resolved.servers.find((s) => s.name === "github")!;
        assert.strictEqual(resolved.namespace, "mcp");
        for (const [key, value] of [["GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_x"], ["GITHUB_WEBHOOK_SECRET", "whsec"], ["GITHUB_APP_PRIVATE_KEY", "-----BEGIN KEY-----"]]) {
            assert.strictEqual(await isSecret(github.secretEnv[key]), true, `${key} is not a Pulumi secret`);
            assert.strictEqual(await valueOf(github.secretEnv[key]), value);
        }
        assert.strictEqual(await valueOf(resolved.servers.find((s) => s.name === "search")!.secretEnv.SEARCH_API_KEY), "sk-1");
    });

    it("runs npx and node in the pinned Node image, uvx in the pinned uv image, your own pins over them", async () => {
        await withMocks(false);
        const env = { GITHUB_TOKEN: "t", GITHUB_WEBHOOK_SECRET: "w" };
        const files = { "secrets/github-app.pem": "k" };
        const images = (raw: unknown) => Object.fromEntries(loadMcpServers(mcpServersConfig.parse(raw), { "kubestrap:searchApiKey": "s" }, sources(env, files))
            .servers.map((s) => [s.name, s.image]));
        assert.deepStrictEqual(images({ directory: "valid" }), {
            "contextual-engineering": defaultNodeImage, fetch: defaultPythonImage, filesystem: defaultNodeImage, github: defaultNodeImage,
            search: "ghcr.io/acme/search-mcp:1.4.2",
        });
        assert.strictEqual(images({ directory: "valid", runtimes: { python: "registry.lan/uv:0.5.11-python3.12" } }).fetch, "registry.lan/uv:0.5.11-python3.12");
    });

    it("checks inline entries as it checks files, at their kubestrap: paths", () => {
        assert.deepStrictEqual(inlineProblems({
            servers: [
                { name: "ok", command: "npx", args: ["-y", "@modelcontextprotocol/server-memory@2025.4.25"] },
                { name: "Bad_Name", comand: "npx", transport: "http", env: { OPENAI_API_KEY: "sk-live", LEVEL: "${LEVEL}" } },
                { name: "tool", command: "my-tool", image: "acme/tool" },
            ],
            runtime: {},
        }), [
            'kubestrap:mcpServers.servers[1].name: "Bad_Name" is not a valid name; use at most 63 lower-case letters, digits and \'-\', starting and ending with a letter or digit',
            "kubestrap:mcpServers.servers[1].command: is required (string)",
            'kubestrap:mcpServers.servers[1]: unknown setting "comand": remove it or fix its spelling (docs/reference/settings.md lists every setting)',
            'kubestrap:mcpServers.servers[1].port: is required for transport "http"; set it to the port the server listens on (port: 8080, say)',
            'kubestrap:mcpServers.servers[1].env.OPENAI_API_KEY: looks like a secret and is written in plain text; reference it instead: { fromEnv: OPENAI_API_KEY }, { fromFile: <path> }, { fromConfig: <key> } or "${OPENAI_API_KEY}"',
            'kubestrap:mcpServers.servers[2].image: "acme/tool" has no tag; pin a version (e.g. acme/tool:1.2.3) or a digest (acme/tool@sha256:...)',
            'kubestrap:mcpServers: unknown setting "runtime": remove it or fix its spelling (docs/reference/settings.md lists every setting)',
        ]);
        assert.deepStrictEqual(inlineProblems({}), ["kubestrap:mcpServers: names no servers; set directory (a directory of *.mcp.toml files) or servers"]);
    });

    it("resolves inline secrets at their config paths, and refuses an inline server named like a file's", async () => {
        await withMocks(false);
        const config = mcpServersConfig.parse({
            directory: "valid",
            servers: [{ name: "search", command: "npx", env: { SEARCH_TOKEN: { fromEnv: "SEARCH_TOKEN" } } }],
        });
        const problems = problemsOf(() => loadMcpServers(config, { "kubestrap:searchApiKey": "s" },
            sources({ GITHUB_TOKEN: "t", GITHUB_WEBHOOK_SECRET: "w" }, { "secrets/github-app.pem": "k" })));
        assert.deepStrictEqual(problems, [
            'valid/search.mcp.toml:3: b00t.name: "search" is also the server of kubestrap:mcpServers.servers[0]; each MCP server needs its own name',
            "kubestrap:mcpServers.servers[0].env.SEARCH_TOKEN: environment variable SEARCH_TOKEN is not set; export it before running pulumi",
        ]);
    });
});

/** What Pod Security "restricted" refuses in a pod (kubernetes.io/docs/concepts/security/pod-security-standards). */
function restrictedViolations(pod: any): string[] {
    const problems: string[] = [];
    for (const c of pod.containers.map((x: any) => x.securityContext ?? {})) {
        const seccomp = c.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (!["RuntimeDefault", "Localhost"].includes(seccomp)) problems.push("seccompProfile must be RuntimeDefault or Localhost");
        if ((c.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) problems.push("runAsNonRoot must be true");
        if ((c.runAsUser ?? pod.securityContext?.runAsUser) === 0) problems.push("runAsUser must not be 0");
        if (c.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation must be false");
        if (!(c.capabilities?.drop ?? []).includes("ALL")) problems.push("capabilities must drop ALL");
        if (c.privileged) problems.push("privileged must be false");
    }
    for (const v of pod.volumes ?? []) {
        if (v.hostPath) problems.push(`volume ${v.name} is a hostPath`);
    }
    return problems;
}

const stdioArgs: McpServerArgs = {
    namespace: "mcp", image: defaultNodeImage, command: "npx", args: ["-y", "@modelcontextprotocol/server-github@2025.4.8"], runtime: "node",
    hint: "GitHub issues, pull requests and files", env: { GITHUB_TOOLSETS: "repos" }, secretEnv: { GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_secret" }, runAsUser: 1000,
};
const httpArgs: McpServerArgs = {
    namespace: "mcp", image: "ghcr.io/acme/search-mcp:1.4.2", command: "search-mcp", args: ["--listen", "0.0.0.0:8080"],
    transport: "http", port: 8080, replicas: 2, hint: "Search",
};

async function build(name: string, args: McpServerArgs, preview = false): Promise<{ r: Recorder; server: McpServer }> {
    const r = await withMocks(preview);
    const server = new McpServer(name, args, { transformations: [r.track] });
    await settle(server.deploymentName, ...(server.internalUrl ? [server.internalUrl] : []));
    return { r, server };
}

const deploymentOf = (r: Recorder, name: string) => r.one("kubernetes:apps/v1:Deployment", `${name}-deployment`).inputs;

describe("McpServer", () => {
    for (const preview of [false, true]) {
        it(`registers its children under itself (preview: ${preview})`, async () => {
            const { r } = await build("github", stdioArgs, preview);
            assert.deepStrictEqual(r.kubernetesObjects().map((x) => x.name).sort(), ["github-deployment", "github-env"]);
            const { r: r2 } = await build("search", httpArgs, preview);
            assert.deepStrictEqual(r2.kubernetesObjects().map((x) => x.name).sort(), ["search-deployment", "search-service"]);
            for (const obj of [...r.kubernetesObjects(), ...r2.kubernetesObjects()]) {
                assert.strictEqual(r.ancestry.get(`${obj.type}::${obj.name}`) ?? r2.ancestry.get(`${obj.type}::${obj.name}`),
                    `kubestrap:apps:McpServer::${obj.name.replace(/-(deployment|env|service)$/, "")}`, `${obj.name} is not parented to its McpServer`);
            }
        });
    }

    it("runs a stdio server as one pod with stdin held open and no Service", async () => {
        const { r, server } = await build("github", stdioArgs);
        const d = deploymentOf(r, "github");
        assert.deepStrictEqual([d.spec.replicas, d.spec.strategy.type], [1, "Recreate"], "a second stdio pod would be a second server");
        const c = d.spec.template.spec.containers[0];
        assert.strictEqual(c.stdin, true, "without stdin a stdio server reads EOF and exits");
        assert.deepStrictEqual([c.command, c.args], [["npx"], ["-y", "@modelcontextprotocol/server-github@2025.4.8"]]);
        assert.strictEqual(c.ports, undefined);
        assert.strictEqual(r.ofType("kubernetes:core/v1:Service").length, 0);
        assert.deepStrictEqual([server.transport, server.serviceName, server.internalUrl], ["stdio", undefined, undefined]);
    });

    it("serves an http server through a Service on its port, ready when the port accepts connections", async () => {
        const { r, server } = await build("search", httpArgs);
        const d = deploymentOf(r, "search");
        const c = d.spec.template.spec.containers[0];
        const svc = r.one("kubernetes:core/v1:Service", "search-service").inputs;
        assert.strictEqual(d.spec.replicas, 2);
        assert.deepStrictEqual(svc.spec.selector, d.spec.selector.matchLabels);
        for (const [k, v] of Object.entries(svc.spec.selector)) {
            assert.strictEqual(d.spec.template.metadata.labels[k], v, "the Service selects no pod");
        }
        const target = c.ports.find((p: any) => p.name === svc.spec.ports[0].targetPort);
        assert.deepStrictEqual([svc.spec.ports[0].port, target.containerPort], [8080, 8080]);
        assert.strictEqual(c.readinessProbe.tcpSocket.port, target.name);
        assert.strictEqual(c.stdin, undefined);
        assert.strictEqual(await valueOf(server.internalUrl!), "http://search.mcp.svc.cluster.local:8080/mcp");
        for (const used of [server.serviceName, server.internalUrl]) {
            assert.deepStrictEqual(await dependenciesOf(used), ["kubernetes:apps/v1:Deployment::search-deployment", "kubernetes:core/v1:Service::search-service"], "waits for the server's pods");
        }
        const { server: sse } = await build("events", { ...httpArgs, transport: "sse", path: "/events" });
        assert.strictEqual(await valueOf(sse.internalUrl!), "http://events.mcp.svc.cluster.local:8080/events");
    });

    it("keeps secret env values in its Secret, secret in state and out of the pod spec", async () => {
        const { r } = await build("github", stdioArgs);
        const secret = r.one("kubernetes:core/v1:Secret", "github-env").inputs;
        assert.strictEqual(secret.metadata.name, "github-env");
        assert.ok(isSecretValue(secret.stringData), "the Secret's data is not marked secret");
        assert.strictEqual(reveal(secret.stringData).GITHUB_PERSONAL_ACCESS_TOKEN, "ghp_secret");
        const d = deploymentOf(r, "github");
        assert.ok(!JSON.stringify(d).includes("ghp_secret"), "the secret leaked into the Deployment");
        const env = d.spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env.find((e: any) => e.name === "GITHUB_PERSONAL_ACCESS_TOKEN").valueFrom.secretKeyRef,
            { name: secret.metadata.name, key: "GITHUB_PERSONAL_ACCESS_TOKEN" });
        assert.strictEqual(env.find((e: any) => e.name === "GITHUB_TOOLSETS").value, "repos");
    });

    it("passes Pod Security restricted with a read-only root, and gives npx and uvx a writable home and cache", async () => {
        for (const [name, args] of [["github", stdioArgs], ["fetch", { ...stdioArgs, image: defaultPythonImage, command: "uvx", runtime: "python" }], ["search", httpArgs]] as const) {
            const { r } = await build(name, args as McpServerArgs);
            const pod = deploymentOf(r, name).spec.template.spec;
            assert.deepStrictEqual(restrictedViolations(pod), [], name);
            assert.strictEqual(pod.automountServiceAccountToken, false);
            const c = pod.containers[0];
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            const writable = c.volumeMounts.filter((m: any) => pod.volumes.find((v: any) => v.name === m.name)?.emptyDir).map((m: any) => m.mountPath);
            const paths = c.env.filter((e: any) => ["HOME", "npm_config_cache", "UV_CACHE_DIR"].includes(e.name));
            assert.ok(paths.some((e: any) => e.name === "HOME"), `${name} has no HOME`);
            if (args.runtime) {
                assert.strictEqual(paths.length, 2, `${name} has no package cache`);
            }
            for (const e of paths) {
                assert.ok(writable.some((w: string) => e.value === w || e.value.startsWith(`${w}/`)), `${name}: ${e.name}=${e.value} is on the read-only root`);
            }
        }
    });

    it("labels everything as kubestrap's MCP server and carries the hint on the Deployment and its pods", async () => {
        const { r } = await build("search", httpArgs);
        for (const obj of r.kubernetesObjects()) {
            assert.strictEqual(obj.inputs.metadata.labels["app.kubernetes.io/managed-by"], "kubestrap", obj.name);
            assert.strictEqual(obj.inputs.metadata.labels["app.kubernetes.io/component"], "mcp-server", obj.name);
            assert.strictEqual(obj.inputs.metadata.labels["app.kubernetes.io/name"], "search", obj.name);
        }
        const d = deploymentOf(r, "search");
        assert.strictEqual(d.metadata.annotations["kubestrap.dev/mcp-hint"], "Search");
        assert.strictEqual(d.spec.template.metadata.annotations["kubestrap.dev/mcp-hint"], "Search");
        assert.strictEqual(d.spec.template.metadata.annotations["kubestrap.dev/mcp-transport"], "http");
    });

    it("refuses an unpinned image and an http server without a port before creating anything", async () => {
        const r = await withMocks(false);
        assert.throws(() => new McpServer("bad", { ...httpArgs, image: "ghcr.io/acme/search-mcp:latest", port: undefined }),
            (e: any) => e.message.includes("McpServer bad has invalid arguments") &&
                e.errors.map((x: any) => x.propertyPath).sort().join() === "image,port");
        assert.strictEqual(r.kubernetesObjects().length, 0);
    });

    it("builds the servers read from files, and only objects that match the Kubernetes API schema", async () => {
        const r = await withMocks(false);
        const resolved = loadMcpServers(mcpServersConfig.parse({ directory: "valid" }), { "kubestrap:searchApiKey": "s" },
            sources({ GITHUB_TOKEN: "t", GITHUB_WEBHOOK_SECRET: "w" }, { "secrets/github-app.pem": "k" }));
        const servers = resolved.servers.map((s: ResolvedMcpServer) => new McpServer(`mcp-${s.name}`, mcpServerArgs(s, resolved.namespace), { transformations: [r.track] }));
        await settle(...servers.map((s) => s.deploymentName));
        assert.deepStrictEqual(r.ofType("kubernetes:apps/v1:Deployment").map((d) => d.inputs.metadata.name).sort(),
            ["contextual-engineering", "fetch", "filesystem", "github", "search"]);
        const fsPod = r.one("kubernetes:apps/v1:Deployment", "mcp-filesystem-deployment").inputs.spec.template.spec;
        assert.strictEqual(fsPod.containers[0].image, defaultNodeImage);
        assert.strictEqual(fsPod.securityContext.runAsUser, 1000, "the node image's own user");
        assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
    });
});

describe("mcpContainer", () => {
    it("lets the server's own env win over kubestrap's HOME and cache, and lists plain values before secret references", () => {
        const c = mcpContainer("fs", {
            image: defaultNodeImage, command: "npx", args: ["-y", "x@1.0.0"], runtime: "node", transport: "stdio",
            env: { HOME: "/tmp/home", B: "2", A: "1" }, secretEnvNames: ["TOKEN"], secretName: "fs-env", resources: {},
        });
        assert.deepStrictEqual((c.env as any[]).map((e) => [e.name, e.value ?? e.valueFrom.secretKeyRef.name]), [
            ["npm_config_cache", "/tmp/.npm"], ["A", "1"], ["B", "2"], ["HOME", "/tmp/home"], ["TOKEN", "fs-env"],
        ]);
    });
});

describe("kubestrap:mcpServers in the stack config", () => {
    const sources = (secretKeys: string[]) => ({
        env: { GITHUB_TOKEN: "gh-token", GITHUB_WEBHOOK_SECRET: "hook" },
        // The github server's key file is not in the fixtures: it stands for a file on the user's machine.
        readFile: (f: string) => (f.endsWith("github-app.pem") ? "-----BEGIN PRIVATE KEY-----" : fs.readFileSync(f, "utf8")),
        secretKeys,
        baseDir: path.join(__dirname, "..", "fixtures", "mcp"),
    });

    it("reads a directory of server files; a secret a file names by fromConfig is a known setting, not a stray key", () => {
        const values = { "kubestrap:mcpServers": JSON.stringify({ directory: "valid" }), "kubestrap:searchApiKey": "s3cret" };
        const config = parseConfig(values, sources(["kubestrap:searchApiKey"]));
        assert.ok(config.mcpServers!.servers.some((s) => s.name === "filesystem"));
        assert.ok(config.mcpServers!.servers.find((s) => s.secretEnv.SEARCH_API_KEY), "the search server's key was not resolved");
    });

    it("still reports a stray key beside them", () => {
        const values = { "kubestrap:mcpServers": JSON.stringify({ directory: "valid" }), "kubestrap:searchApiKey": "s3cret", "kubestrap:stray": "x" };
        assert.throws(() => parseConfig(values, sources(["kubestrap:searchApiKey"])), (e: ConfigError) =>
            e.problems.length === 1 && e.problems[0].startsWith("kubestrap:stray: unknown setting"));
    });
});
