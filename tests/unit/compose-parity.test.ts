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
