import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../../config";
import { fixtures, loadFixture, stackFile } from "../config-fixtures";
import { isSecret, valueOf } from "../mocks";

function problemsOf(run: () => unknown): string[] {
    try {
        run();
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems;
        }
        throw e;
    }
    return [];
}

describe("stack config", () => {
    describe("invalid fixtures each fail with exactly the problems they name", () => {
        const invalid = fixtures("invalid");
        it("has at least 20 of them", () => assert.ok(invalid.length >= 20, `only ${invalid.length}`));
        for (const fixture of invalid) {
            it(fixture.description, () => {
                assert.ok(fixture.expect.length > 0, `${fixture.file} names no expected problem`);
                const problems = problemsOf(() => parseConfig(fixture.values, fixture.sources));
                assert.deepStrictEqual(problems.sort(), [...fixture.expect].sort());
            });
        }
    });

    describe("valid fixtures parse", () => {
        for (const fixture of fixtures("valid")) {
            it(fixture.description, () => {
                assert.deepStrictEqual(problemsOf(() => parseConfig(fixture.values, fixture.sources)), []);
            });
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`Pulumi.${stack}.yaml is valid`, () => {
            const fixture = loadFixture(stackFile(stack));
            const env = { DEMON_ADMIN_TOKEN: "x", DEMON_GITHUB_TOKEN: "y", KUBESTRAP_SSH_KEY: "k" };
            const config = parseConfig(fixture.values, { ...fixture.sources, env });
            assert.strictEqual(config.environment, stack);
            assert.strictEqual(config.demon.enabled, true);
        });
    }

    it("fills the documented defaults", () => {
        const config = parseConfig({ "kubestrap:demon": JSON.stringify({ secrets: { adminToken: { fromEnv: "T" } } }) },
            { env: { T: "t" }, readFile: () => "", baseDir: "/" });
        assert.strictEqual(config.environment, "dev");
        assert.strictEqual(config.cluster.target, "local");
        assert.strictEqual(config.demon.namespace, "demon-system");
        assert.deepStrictEqual(config.demon.stream, { name: "RITUAL_EVENTS", subjects: ["ritual.>", "approval.>"], dedupeWindowSeconds: 60 });
    });

    it("resolves secrets from config, env and file, each as a Pulumi secret", async () => {
        const config = parseConfig({
            "kubestrap:token": "from-config",
            "kubestrap:demon": JSON.stringify({ secrets: { adminToken: { fromConfig: "token" }, githubToken: { fromFile: "gh" } } }),
            "kubestrap:apps": JSON.stringify([{ name: "a", image: "a:1", secretEnv: { K: { fromEnv: "K_VAR" } } }]),
        }, { env: { K_VAR: "from-env" }, readFile: (p) => (p === "/work/gh" ? "from-file\n" : ""), baseDir: "/work", secretKeys: ["kubestrap:token"] });
        const secrets = [config.demon.secrets!.adminToken, config.demon.secrets!.githubToken!, config.apps[0].secretEnv.K];
        assert.deepStrictEqual(await Promise.all(secrets.map((s) => valueOf(s))), ["from-config", "from-file", "from-env"]);
        assert.deepStrictEqual(await Promise.all(secrets.map((s) => isSecret(s))), [true, true, true]);
    });

    it("does not ask for secrets of a disabled Demon stack", () => {
        const config = parseConfig({ "kubestrap:demon": JSON.stringify({ enabled: false, secrets: { adminToken: { fromEnv: "UNSET" } } }) },
            { env: {}, readFile: () => "", baseDir: "/" });
        assert.strictEqual(config.demon.secrets, undefined);
    });

    it("stops the Pulumi program with a RunError listing every problem", () => {
        pulumi.runtime.setAllConfig({ "kubestrap:environment": "qa", "kubestrap:bogus": "1" });
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { loadConfig } = require("../../config");
            assert.throws(() => loadConfig({ env: {}, readFile: () => "", baseDir: "/" }), (e: Error) =>
                pulumi.RunError.isInstance(e) &&
                e.message.includes('kubestrap:environment: "qa" is not one of "dev", "prod"') &&
                e.message.includes("kubestrap:bogus: unknown setting"));
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });
});
