// Where `docker compose config` and kubestrap read a compose file alike: unset variables warned
// about (and empty), COMPOSE_PROFILES and COMPOSE_PROJECT_NAME from the environment or .env,
// ${PWD} as the project's directory, and every port short syntax Compose takes.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCompose } from "../../compose/load";
import { translateCompose } from "../../compose/translate";

describe("compose files read as docker compose reads them", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-compose-parity-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
    const load = (env: Record<string, string> = {}) => loadCompose(path.join(dir, "compose.yaml"), { env });
    const translate = (env: Record<string, string> = {}) =>
        translateCompose(load(env), { app: "demo", baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env, volumeSize: "1Gi", file: "compose.yaml" });

    it("warns about each unset variable (once), and makes it empty, as docker compose does", () => {
        write("compose.yaml", "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    environment:\n      DATABASE_URL: postgres://app:${DB_PASSWORD}@${DB_HOST}:5432/app\n      MODE: $MODE\n");
        const t = translate({});
        for (const name of ["DB_PASSWORD", "DB_HOST", "MODE"]) {
            assert.ok(t.warnings.some((w) => w.includes(`the ${name} variable is not set; it is the empty string here`)), `${name}: ${t.warnings.join("\n")}`);
        }
        assert.strictEqual(t.warnings.filter((w) => w.includes("the DB_HOST variable")).length, 1);
        const api = t.services.find((s) => s.name === "api")!.web!;
        assert.strictEqual({ ...api.env, ...api.secretEnv }.DATABASE_URL, "postgres://app:@:5432/app");
        assert.deepStrictEqual(translate({ DB_PASSWORD: "pw", DB_HOST: "db", MODE: "x" }).warnings.filter((w) => /variable is not set/.test(w)), []);
    });

    it("reads COMPOSE_PROFILES and COMPOSE_PROJECT_NAME from .env", () => {
        write("compose.yaml", "services:\n  web:\n    image: ghcr.io/acme/web:1.0.0\n  worker:\n    image: ghcr.io/acme/worker:1.0.0\n    profiles: [jobs]\n  debug:\n    image: ghcr.io/acme/debug:1.0.0\n    profiles: [debug]\n");
        assert.deepStrictEqual(Object.keys(load().services), ["web"]);
        write(".env", "COMPOSE_PROFILES=jobs\nCOMPOSE_PROJECT_NAME=shop\n");
        const project = load();
        assert.deepStrictEqual(Object.keys(project.services), ["web", "worker"]);
        assert.strictEqual(project.name, "shop");
        assert.deepStrictEqual(Object.keys(load({ COMPOSE_PROFILES: "jobs,debug" }).services), ["web", "worker", "debug"], "the environment over .env");
    });

    it("makes ${PWD} the project's directory, not the directory kubestrap runs in", () => {
        write("compose.yaml", "services:\n  web:\n    image: ghcr.io/acme/web:1.0.0\n    environment:\n      ROOT: ${PWD}/data\n");
        const env = load({ PWD: "/somewhere/else" }).services.web.environment as Record<string, string>;
        assert.strictEqual(env.ROOT, `${path.resolve(dir)}/data`);
    });

    it("takes a port with an empty host IP (\":2283:2283\"), as Compose does", () => {
        write("compose.yaml", "services:\n  photos:\n    image: ghcr.io/acme/photos:1.0.0\n    ports: [\":2283:2283\", \"127.0.0.1:8080:80\", \"9000\"]\n");
        const t = translate();
        assert.deepStrictEqual(t.services.find((s) => s.name === "photos")!.web!.ports!.map((p) => p.port), [2283, 80, 9000]);
    });
});

describe("compose files too big for the cluster's objects", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-compose-size-"));
        fs.writeFileSync(path.join(dir, "big.json"), "x".repeat(1_900_000));
        fs.writeFileSync(path.join(dir, "small.conf"), "listen 80;\n");
        fs.writeFileSync(path.join(dir, "compose.yaml"), "services:\n  web:\n    image: ghcr.io/acme/web:1.0.0\n    volumes:\n" +
            "      - ./big.json:/srv/big.json:ro\n      - ./small.conf:/etc/web.conf:ro\n    configs: [huge]\nconfigs:\n  huge:\n    file: ./big.json\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a bind file or config over 1 MiB up front, saying so and what to do instead; a small one travels", () => {
        const project = loadCompose(path.join(dir, "compose.yaml"), { env: {} });
        assert.throws(() => translateCompose(project, { app: "demo", baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env: {}, volumeSize: "1Gi", file: "compose.yaml" }),
            (e: any) => {
                const problems: string[] = e.problems ?? [String(e.message)];
                const text = problems.join("\n");
                assert.match(text, /services\.web\.volumes\.0: \.\/big\.json is 1\.9 MB; a ConfigMap holds at most 1 MiB, so it cannot travel as one: bake it into the image/);
                assert.match(text, /configs\.huge: \.\/big\.json is 1\.9 MB; a ConfigMap or Secret holds at most 1 MiB/);
                assert.doesNotMatch(text, /small\.conf/);
                return true;
            });
    });
});

describe("names as on a compose network", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-compose-names-"));
        fs.writeFileSync(path.join(dir, "compose.yaml"), `services:
  api:
    image: ghcr.io/acme/api:1.0.0
    ports: ["8080:8080"]
    container_name: acme-api
    hostname: api01
    networks:
      default:
        aliases: [backend]
  worker:
    image: ghcr.io/acme/worker:1.0.0
    command: ["worker", "--listen", ":9000"]
`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("gives a port-less service and every alias a headless Service that selects the service's pods", async () => {
        const { withMocks, settle } = await import("../mocks");
        const { ComposeApp } = await import("../../compose/compose-app");
        const r = await withMocks(false);
        const project = loadCompose(path.join(dir, "compose.yaml"), { env: {} });
        const translation = translateCompose(project, { app: "shop", baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env: {}, volumeSize: "1Gi", file: "compose.yaml" });
        assert.deepStrictEqual(translation.services.find((s) => s.name === "api")!.aliases, ["acme-api", "api01", "backend"]);
        const app = new ComposeApp("shop", { namespace: "shop", appName: "shop", translation, logWarnings: false });
        await settle(app.services);
        const services = r.ofType("kubernetes:core/v1:Service").map((x) => x.inputs);
        const byName = (n: string): any => services.find((x) => x.metadata.name === n);
        for (const name of ["worker", "acme-api", "api01", "backend"]) {
            assert.ok(byName(name), `no Service ${name}: ${services.map((x) => x.metadata.name).join(", ")}`);
            assert.strictEqual(byName(name).spec.clusterIP, "None", `${name} is not headless`);
        }
        const podLabels = (workload: string) => r.one("kubernetes:apps/v1:Deployment", workload).inputs.spec.template.metadata.labels;
        for (const [svc, workload] of [["worker", "shop-worker-deployment"], ["backend", "shop-api-deployment"]]) {
            const selector = byName(svc).spec.selector;
            assert.ok(Object.entries(selector).every(([k, v]) => podLabels(workload)[k] === v), `${svc}'s selector ${JSON.stringify(selector)} misses ${workload}'s pods`);
        }
        assert.deepStrictEqual(byName("backend").spec.ports.map((p: any) => p.port), [8080]);
        assert.strictEqual(byName("worker").spec.ports, undefined, "a port-less service's name answers on any port");
    });
});

describe("service names Compose accepts and a Service could not have", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-compose-kubename-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const translate = (text: string) => {
        fs.writeFileSync(path.join(dir, "compose.yaml"), text);
        return translateCompose(loadCompose(path.join(dir, "compose.yaml"), { env: {} }),
            { app: "demo", baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env: {}, volumeSize: "1Gi", file: "compose.yaml" });
    };

    it("translates upper case, a leading digit and dots into valid names, says so, and keeps dependencies pointing at them", () => {
        const t = translate("services:\n  Backend:\n    image: ghcr.io/acme/api:1.0.0\n    expose: [\"8080\"]\n  2fauth:\n    image: ghcr.io/acme/2fa:1.0.0\n    expose: [\"8000\"]\n" +
            "  my.app:\n    image: ghcr.io/acme/app:1.0.0\n    depends_on: [Backend, 2fauth]\n");
        assert.deepStrictEqual(t.services.map((s) => s.name).sort(), ["backend", "my-app", "s-2fauth"]);
        assert.ok(t.warnings.some((w) => w === "compose.yaml: services.Backend: named backend in the cluster (a Service's name is lower-case letters, digits and '-', a letter first): other services reach it as Backend still (DNS ignores case)"), t.warnings.join("\n"));
        assert.ok(t.warnings.some((w) => w.startsWith("compose.yaml: services.2fauth: named s-2fauth in the cluster") && w.endsWith("other services reach it as s-2fauth, not 2fauth; use that name where they call it")));
        const app = t.services.find((s) => s.name === "my-app")!;
        assert.deepStrictEqual(app.after.map((a) => a.service).sort(), ["backend", "s-2fauth"]);
        assert.deepStrictEqual(app.web!.waitFor?.map((w: { host: string }) => w.host).sort(), ["backend", "s-2fauth"]);
    });

    it("refuses two services that would share a name in the cluster", () => {
        assert.throws(() => translate("services:\n  Web:\n    image: ghcr.io/acme/a:1.0.0\n  web:\n    image: ghcr.io/acme/b:1.0.0\n"),
            (e: any) => /services\.Web: Web and web would both be named web in the cluster; rename one/.test((e.problems ?? [e.message]).join("\n")));
    });
});
