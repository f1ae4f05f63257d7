// The IAM policy documents kubestrap emits, linted by parliament (PyPI; installed by
// scripts/toolchain.sh test-tools). AWS itself cannot be reached from here.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { E2eEnv, root } from "./harness";
import { identityPolicies, trustPolicies } from "../aws-policy-samples";

interface Finding { issue: string; detail: string }

describe("AWS policy documents, linted by parliament", function () {
    this.timeout(120000);
    const env = new E2eEnv("e2e-aws-policies", 5);
    let parliament = "";
    const lint = async (doc: unknown): Promise<Finding[]> => {
        // parliament exits 1 when it finds something; its findings are JSON lines on stdout.
        const run = spawnSync(parliament, ["--string", JSON.stringify(doc, null, 2), "--json"], { encoding: "utf8" });
        assert.ok(run.status === 0 || run.status === 1, `parliament failed (${run.status}): ${run.stderr}`);
        return run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    };

    before(async () => {
        parliament = (await env.sh(path.join(root, "scripts", "toolchain.sh"), ["parliament"])).stdout.trim();
    });
    after(() => env.cleanup());

    it("finds what it should: a misspelt action", async () => {
        const findings = await lint({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObjectt", Resource: "*" }] });
        assert.deepStrictEqual(findings.map((f) => f.issue), ["UNKNOWN_ACTION"]);
    });

    for (const [name, doc] of Object.entries(identityPolicies)) {
        it(`has no finding in the permissions: ${name}`, async () => assert.deepStrictEqual(await lint(doc), []));
    }

    for (const [name, doc] of Object.entries(trustPolicies)) {
        // parliament 1.6.4 reads every document as an identity policy: a trust policy, which AWS
        // forbids a Resource in, is "malformed" to it, and it knows SAML providers but not OIDC
        // ones. Those two findings are its limits; anything else fails the test.
        it(`has no finding beyond parliament's trust-policy limits: ${name}`, async () => {
            const findings = (await lint(doc)).filter((f) => !(f.issue === "MALFORMED" && /neither Resource nor NotResource/.test(f.detail)) &&
                !(f.issue === "UNKNOWN_FEDERATION_SOURCE" && /:oidc-provider\//.test(f.detail)));
            assert.deepStrictEqual(findings, []);
        });
    }
});
