// `npm run translate` as a user runs it: --help, the arguments checked, and Secrets printed with
// a placeholder value the API server takes (the output can be reviewed with --dry-run=server).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { secretPlaceholder } from "../../compose/cli";

const root = path.resolve(__dirname, "..", "..");
// As `npm run translate` runs it: compiled once per change of the sources (scripts/cli.sh), then node.
const translate = (...args: string[]) => spawnSync("bash", [path.join(root, "scripts", "cli.sh"), "compose/cli", ...args], { cwd: root });

describe("npm run translate", function () {
    this.timeout(60000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-translate-"));
        fs.mkdirSync(path.join(dir, "Gitea"));
        fs.writeFileSync(path.join(dir, "Gitea", "compose.yaml"), "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: hunter22\n      POSTGRES_DB: gitea\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("hardens every service with --pod-security restricted, and says so per service", () => {
        const file = path.join(dir, "Gitea", "compose.yaml");
        const docker = translate(file, "--warnings-only");
        assert.strictEqual(docker.status, 0, String(docker.stderr));
        assert.doesNotMatch(String(docker.stderr), /hardened/);
        const hardened = translate(file, "--pod-security", "restricted");
        assert.strictEqual(hardened.status, 0, String(hardened.stderr));
        assert.match(String(hardened.stderr), /services\.db: hardened to restricted Pod Security by config, unlike Docker: runs as uid 10001/);
        assert.match(String(hardened.stdout), /runAsUser: 10001/);
        assert.strictEqual(translate(file, "--pod-security", "privileged").status, 1);
    });

    it("--help prints the usage and exits 0", () => {
        const r = translate("--help");
        assert.strictEqual(r.status, 0, String(r.stderr));
        assert.match(String(r.stdout), /^usage: npm run translate -- <compose\.yaml>/);
    });

    it("says which file to give when given a directory, and refuses a name Kubernetes would not take", () => {
        const d = translate(path.join(dir, "Gitea"));
        assert.strictEqual(d.status, 1);
        assert.match(String(d.stderr), /Gitea is a directory; give the compose file: .*Gitea\/compose\.yaml/);
        const a = translate(path.join(dir, "Gitea", "compose.yaml"), "--app", "Gitea_App");
        assert.strictEqual(a.status, 1);
        assert.match(String(a.stderr), /--app Gitea_App is not a name Kubernetes takes: .* like gitea-app/);
    });

    it("prints Secrets with placeholder values (strings, so the API server takes them), never the value, and a name derived from the directory that is valid", () => {
        const r = translate(path.join(dir, "Gitea", "compose.yaml"));
        assert.strictEqual(r.status, 0, String(r.stderr));
        const out = String(r.stdout);
        assert.ok(!out.includes("hunter22"), "the password is printed");
        const objects = parseAllDocuments(out).map((d) => d.toJS());
        const secret = objects.find((o) => o?.kind === "Secret");
        assert.deepStrictEqual(secret.stringData, { POSTGRES_PASSWORD: secretPlaceholder });
        assert.ok(objects.every((o) => !o?.metadata?.namespace || o.metadata.namespace === "gitea"), "the namespace from the directory Gitea");
        const w = translate(path.join(dir, "Gitea", "compose.yaml"), "--warnings-only");
        assert.strictEqual(String(w.stdout), "", "--warnings-only printed objects");
    });

    it("writes YAML that kubectl (YAML 1.1) reads back as it was: an argument \"yes\" stays a string", () => {
        const r = translate(path.join(root, "tests", "fixtures", "compose", "web-db-cache", "compose.yaml"));
        assert.strictEqual(r.status, 0, String(r.stderr));
        const objects = parseAllDocuments(String(r.stdout), { version: "1.1" }).map((d) => d.toJS());
        const cache = objects.find((o) => o?.kind === "Deployment" && o.metadata.name === "cache");
        assert.deepStrictEqual(cache.spec.template.spec.containers[0].args, ["redis-server", "--appendonly", "yes"]);
    });
});
