import * as assert from "assert";
import * as path from "path";
import { ComposeError, interpolate, loadCompose, parseDotEnv } from "../../compose/load";

const fixture = path.join(__dirname, "..", "fixtures", "compose", "app", "compose.yaml");

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
    try {
        loadCompose("/x/compose.yaml", { env, readFile: (f) => { if (f.endsWith(".env")) throw new Error("none"); return text; } });
    } catch (e) {
        if (e instanceof ComposeError) return e.problems;
        throw e;
    }
    return [];
}

describe("reading a Compose file", () => {
    it("interpolates as Compose does: defaults, required, alternates, nesting and $$", () => {
        const env = { SET: "v", EMPTY: "" };
        const problems: string[] = [];
        const i = (s: string) => interpolate(s, env, (m) => problems.push(m));
        assert.deepStrictEqual(
            [i("${SET}"), i("$SET/x"), i("${UNSET:-d}"), i("${EMPTY:-d}"), i("${EMPTY-d}"), i("${SET:+alt}"), i("${UNSET+alt}"), i("${UNSET:-${SET}-x}"), i("$$SET"), i("a$")],
            ["v", "v/x", "d", "d", "", "alt", "", "v-x", "$SET", "a$"]);
        assert.deepStrictEqual(problems, []);
        i("${UNSET:?give it}");
        i("${EMPTY:?}");
        i("${bad name}");
        assert.deepStrictEqual(problems, [
            "required variable UNSET is not set: give it; set it in the environment or in .env",
            "required variable EMPTY is empty; set it in the environment or in .env",
            '"${bad name}" is not a variable; write ${NAME}, ${NAME:-default} or ${NAME:?message}',
        ]);
    });

    it("reads .env (comments, export, quotes) under the shell's environment, anchors and merge keys, and the selected profiles", () => {
        assert.deepStrictEqual(parseDotEnv("A=1\n# c\nexport B='two words'\nC=\"q\\\"uote\" \nD=x # trailing\n"), { A: "1", B: "two words", C: 'q"uote', D: "x" });
        const project = loadCompose(fixture, { env: { LOG_LEVEL: "debug" } });
        assert.strictEqual(project.name, "shop");
        assert.deepStrictEqual(Object.keys(project.services), ["web", "api", "db"], "the debug profile is off");
        assert.strictEqual(project.services.web.image, "nginxinc/nginx-unprivileged:1.27.3-alpine");
        assert.strictEqual(project.services.api.image, "ghcr.io/acme/api:2.4.1");
        assert.deepStrictEqual(project.services.web.environment, { LOG_LEVEL: "debug", API_URL: "http://api:9000", PRICE: "$5" });
        assert.strictEqual(project.services.api.restart, "unless-stopped", "the merge key carried the anchor's settings");
        assert.deepStrictEqual(Object.keys(loadCompose(fixture, { env: {}, profiles: ["debug"] }).services), ["web", "api", "db", "debug"]);
        assert.strictEqual(loadCompose(fixture, { env: {} }).services.web.environment.LOG_LEVEL, "info", "an empty .env value takes the :- default");
    });

    it("expands ${VAR} in .env values from the lines above and the environment, except in single quotes", () => {
        const env = parseDotEnv("USER=shop\nPASS=${DB_PASS}\nURL=postgres://${USER}:${PASS}@db/x\nQUOTED=\"${USER}-q\"\nRAW='${USER}'\n", { DB_PASS: "pw" });
        assert.deepStrictEqual(env, { USER: "shop", PASS: "pw", URL: "postgres://shop:pw@db/x", QUOTED: "shop-q", RAW: "${USER}" });
    });

    it("reads a leading-zero number as octal, as Compose's YAML 1.1 does (a file mode), and keeps `restart: no` a string", () => {
        const text = "services:\n  web:\n    image: ghcr.io/acme/web:1.0.0\n    restart: no\n    secrets: [{ source: s, mode: 0440 }]\nsecrets:\n  s: { file: ./s.txt }\n";
        const project = loadCompose("/x/compose.yaml", { env: {}, readFile: (f) => { if (f.endsWith(".env")) throw new Error("none"); return text; } });
        assert.strictEqual(project.services.web.secrets[0].mode, 0o440);
        assert.strictEqual(project.services.web.restart, "no");
    });

    it("names the file, line and key of every problem, before anything is translated", () => {
        const problems = problemsOf([
            "services:",
            "  web:",
            "    imag: nginx:1.27",
            "    depends_on: 5",
            "  api:",
            "    image: api:${TAG:?set TAG}",
            "    ports: 8080",
        ].join("\n"));
        assert.deepStrictEqual(problems.sort(), [
            "compose.yaml:3: services.web.imag: \"imag\" is not a Compose key here; check its spelling against the Compose Specification",
            "compose.yaml:4: services.web.depends_on: must be array or object",
            "compose.yaml:6: services.api.image: required variable TAG is not set: set TAG; set it in the environment or in .env",
            "compose.yaml:7: services.api.ports: must be array",
        ].sort());
        assert.deepStrictEqual(problemsOf("services:\n  web:\n    image: a\n   bad: indent\n").length, 1);
        assert.match(problemsOf("services: {}\n")[0], /no services/);
    });
});
