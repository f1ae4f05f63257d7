// A password is secret wherever it goes: a variable that carries a secret-named variable's value
// (a database URL, a PostgREST URI) goes into the Secret with it, whatever it is called.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCompose } from "../../compose/load";
import { translateCompose } from "../../compose/translate";

describe("secret values in a compose file's environment", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-compose-secrets-"));
        fs.writeFileSync(path.join(dir, "compose.yaml"), `services:
  db:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD: \${DB_PASSWORD}
      POSTGRES_USER: app
  api:
    image: postgrest/postgrest:v12.2.3
    ports: ["3000:3000"]
    environment:
      PGRST_DB_URI: postgres://app:\${DB_PASSWORD}@db:5432/app
      DATABASE_URL: "postgresql://app:\${DB_PASSWORD}@db/app?sslmode=disable"
      PGRST_DB_SCHEMAS: api
`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("moves every variable holding the password into the Secret, and keeps the rest plain", () => {
        const env = { DB_PASSWORD: "correct-horse-battery" };
        const project = loadCompose(path.join(dir, "compose.yaml"), { env });
        const t = translateCompose(project, { app: "shop", baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env, volumeSize: "1Gi", file: "compose.yaml" });
        const api = t.services.find((s) => s.name === "api")!.web!;
        assert.deepStrictEqual(Object.keys(api.secretEnv).sort(), ["DATABASE_URL", "PGRST_DB_URI"]);
        assert.deepStrictEqual(Object.keys(api.env ?? {}), ["PGRST_DB_SCHEMAS"]);
        assert.ok(!JSON.stringify(api.env).includes("correct-horse-battery"), "the password is in the pod spec in clear text");
        const db = t.services.find((s) => s.name === "db")!.web!;
        assert.deepStrictEqual(Object.keys(db.secretEnv), ["POSTGRES_PASSWORD"]);
        assert.deepStrictEqual(Object.keys(db.env ?? {}), ["POSTGRES_USER"]);
    });
});
