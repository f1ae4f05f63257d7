// Apps as users bring them, under the real engine and a local API server: a docker-compose file
// (web + postgres + redis, a migration Job, a named volume, a secret), an MCP server from a TOML
// file and a static site from a folder. Kubernetes objects are created in dependency order and
// come Ready (kwok's simulated node: the images are not pulled), a second up changes nothing,
// and destroy leaves nothing. Real containers for these images need a registry this machine
// cannot reach; tests/unit covers what they are given.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { E2eEnv, managedObjects, onLocalCluster, root } from "./harness";

const dbPassword = "e2e-compose-db-password";

const composeFile = `
name: shop
x-app: &app
  image: ghcr.io/acme/shop:3.1.0
  environment:
    DATABASE_URL: postgres://shop@db:5432/shop
    DB_PASSWORD: \${DB_PASSWORD:?set DB_PASSWORD}
services:
  web:
    <<: *app
    ports: ["8080:8000"]
    healthcheck: { test: ["CMD", "wget", "-qO-", "http://localhost:8000/health"], interval: 10s, retries: 3 }
    depends_on:
      db: { condition: service_healthy }
      cache: { condition: service_started }
      migrate: { condition: service_completed_successfully }
  migrate:
    <<: *app
    command: ["shop", "migrate"]
    restart: "no"
    depends_on: { db: { condition: service_healthy } }
  db:
    image: postgres:16.4
    user: "999:999"
    expose: ["5432"]
    environment: { POSTGRES_USER: shop, POSTGRES_PASSWORD_FILE: /run/secrets/db_password }
    volumes: [pgdata:/var/lib/postgresql/data]
    tmpfs: [/var/run/postgresql]
    healthcheck: { test: ["CMD-SHELL", "pg_isready -U shop"], interval: 5s, retries: 5, start_period: 10s }
    secrets: [db_password]
  cache:
    image: redis:7.4.1
    expose: ["6379"]
    deploy: { resources: { limits: { cpus: "0.5", memory: 256M } } }
volumes:
  pgdata: {}
secrets:
  db_password: { environment: DB_PASSWORD }
`;

const mcpFile = `
[b00t]
name = "filesystem"
type = "mcp"
hint = "Read and write files under /tmp/data"
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/tmp/data"]
`;

function stackConfig(env: E2eEnv) {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig: env.kubeconfig },
        "kubestrap:demon": { enabled: false },
        "kubestrap:apps": [{
            name: "shop",
            compose: path.join(env.dir, "shop", "compose.yaml"),
            volumes: { pgdata: { size: "2Gi" } },
            expose: [{ service: "web", port: 8000, host: "shop.example.com" }],
        }],
        "kubestrap:staticSites": [{ name: "docs", directory: path.join(root, "tests", "fixtures", "static-site"), ingress: { host: "docs.example.com" } }],
        "kubestrap:mcpServers": { directory: path.join(env.dir, "mcp") },
    };
}

const created = (o: any) => Date.parse(o.metadata.creationTimestamp);

describe("apps from compose, TOML and a folder on the real engine and a local API server", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-apps", 8);
    env.env.DB_PASSWORD = dbPassword;
    onLocalCluster(env, () => stackConfig(env));
    // In a hook, not here: a suite filtered out by --grep still loads, and would leave these behind.
    before(() => {
        fs.mkdirSync(path.join(env.dir, "shop"));
        fs.writeFileSync(path.join(env.dir, "shop", "compose.yaml"), composeFile);
        fs.mkdirSync(path.join(env.dir, "mcp"));
        fs.writeFileSync(path.join(env.dir, "mcp", "filesystem.mcp.toml"), mcpFile);
    });

    it("deploys the compose app in dependency order, the MCP server and the static site, all Ready", async () => {
        const up = await env.pulumi("up", "--yes", "--skip-preview");
        assert.match(up.stdout, /services\.web\.ports\.0: published port 8080 is not opened on any host/, "the translation's warnings are not shown");
        const get = (kind: string, name: string, ns = "shop") => env.json("get", kind, name, "-n", ns);
        const [db, cache, web] = [await get("statefulset", "db").catch(() => get("deployment", "db")), await get("deployment", "cache"), await get("deployment", "web")];
        for (const workload of [db, cache, web]) {
            assert.strictEqual(workload.status.readyReplicas, 1, `${workload.metadata.name} is not Ready`);
        }
        const migrate = await get("job", "migrate");
        assert.strictEqual(migrate.status.succeeded, 1, "the migration Job did not complete");
        // Pulumi created each service after what it depends on was Ready (or, for the Job, complete).
        assert.ok(created(migrate) >= created(db), "migrate was created before db");
        assert.ok(created(web) >= Date.parse(migrate.status.completionTime), "web was created before the migration completed");
        assert.ok(created(web) >= created(cache), "web was created before cache");
        const initWaits = web.spec.template.spec.initContainers.map((c: any) => c.name).sort();
        assert.deepStrictEqual(initWaits, ["wait-cache", "wait-db"]);
        const claim = await get("pvc", "pgdata");
        assert.strictEqual(claim.spec.resources.requests.storage, "2Gi");
        const secret = await get("secret", "secret-db-password");
        assert.strictEqual(Buffer.from(Object.values(secret.data)[0] as string, "base64").toString(), dbPassword);
        const ingress = await get("ingress", "web");
        assert.strictEqual(ingress.spec.rules[0].host, "shop.example.com");
        const state = (await env.pulumi("stack", "export")).stdout;
        assert.ok(!state.includes(dbPassword), "the compose secret is in the state in plain text");

        const mcp = await env.json("get", "deployment", "filesystem", "-n", "mcp");
        assert.strictEqual(mcp.status.readyReplicas, 1);
        assert.strictEqual(mcp.metadata.labels["app.kubernetes.io/component"], "mcp-server");
        assert.strictEqual(mcp.metadata.annotations["kubestrap.dev/mcp-hint"], "Read and write files under /tmp/data");

        const site = await env.json("get", "deployment", "docs", "-n", "apps");
        assert.strictEqual(site.status.readyReplicas, 1);
        assert.strictEqual((await env.json("get", "ingress", "docs", "-n", "apps")).spec.rules[0].host, "docs.example.com");
    });

    it("changes nothing on a second up", async () => {
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("adopts the compose app's namespace when kubestrap:namespaces lists it: policies added, the namespace kept", async () => {
        env.writeConfig({ ...stackConfig(env), "kubestrap:namespaces": [{ name: "shop", podSecurity: "baseline", networkPolicy: { sameNamespace: true } }] });
        const before = (await env.json("get", "namespace", "shop")).metadata.uid;
        const changes = (await env.previewSteps()).filter((s) => s.op !== "same");
        const byOp = (op: string) => changes.filter((s) => s.op === op).map((s) => `${s.type}:${s.name}`).sort();
        assert.deepStrictEqual(byOp("create"), [
            "kubernetes:networking.k8s.io/v1:NetworkPolicy:namespace-shop-allow-dns",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy:namespace-shop-allow-from-namespaces",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy:namespace-shop-allow-same-namespace",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy:namespace-shop-default-deny",
            "kubestrap:apps:AppNamespace:namespace-shop",
        ], JSON.stringify(changes));
        assert.deepStrictEqual(byOp("delete"), [], "the namespace would be deleted");
        await env.pulumi("up", "--yes", "--skip-preview");
        assert.strictEqual((await env.json("get", "namespace", "shop")).metadata.uid, before, "the namespace was made again");
        await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    });

    it("destroys everything and leaves nothing", async () => {
        await env.pulumi("destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(await managedObjects(env), []);
        for (const ns of ["shop", "mcp"]) {
            assert.strictEqual((await env.kubectl("get", "namespace", ns, "--ignore-not-found")).trim(), "");
        }
    });
});
