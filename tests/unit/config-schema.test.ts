// The stack file's JSON Schema and the settings reference are generated from config/schema.ts:
// the committed copies are current, every shipped stack file validates against the schema (with
// ajv, as an editor would), it refuses what the config check refuses key by key, and it knows
// every setting the config reads.
import * as assert from "assert";
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { referenceFile, schemaFile, settingsReference, stackFileSchema } from "../../scripts/config-schema";

const root = path.resolve(__dirname, "..", "..");
const shipped = ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "examples/sugarkube/Pulumi.sugarkube.yaml", "examples/wright-now-staging/Pulumi.wright-now-staging.yaml",
    "docs/reference/Pulumi.example.yaml"];

describe("the stack file's JSON Schema and the settings reference", () => {
    const schema = stackFileSchema();
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    const errorsOf = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

    it("are committed as generated (`npm run docs:schema` after a schema change)", () => {
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(schemaFile, "utf8")), schema, "docs/reference/stack-file.schema.json is stale");
        assert.strictEqual(fs.readFileSync(referenceFile, "utf8"), `${settingsReference(schema)}\n`, "docs/reference/settings.md is stale");
    });

    for (const file of shipped) {
        it(`${file} validates, and names the schema for editors`, () => {
            const text = fs.readFileSync(path.join(root, file), "utf8");
            assert.deepStrictEqual(errorsOf(parse(text)), []);
            const named = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
            assert.ok(named, `${file} does not name the schema`);
            assert.strictEqual(path.resolve(path.dirname(path.join(root, file)), named), schemaFile);
        });
    }

    it("refuses misspelt settings at every level and wrong types (the config check's refusals, key by key)", () => {
        const bad = (config: object) => errorsOf({ config });
        assert.ok(bad({ "kubestrap:cluster": { targt: "local" } }).some((e) => /must NOT have additional properties/.test(e)));
        assert.ok(bad({ "kubestrap:apps": [{ name: "web", image: "nginx:1.27.3", port: 8080, replica: 2 }] }).length > 0);
        assert.ok(bad({ "kubestrap:cluster": { target: "cloud" } }).some((e) => /must be equal to one of the allowed values/.test(e)));
        assert.ok(bad({ "kubestrap:cluster": { k3s: { version: "1.31", servers: [] } } }).some((e) => /pattern/.test(e)));
        assert.deepStrictEqual(bad({ "kubestrap:cluster": { target: "local" }, "kubestrap:demonAdminToken": { secure: "v1:abc" }, "aws:region": "eu-west-1" }), []);
    });

    it("lists every top-level setting the program reads, each in the reference", () => {
        const reference = fs.readFileSync(referenceFile, "utf8");
        for (const key of Object.keys(schema.properties.config.properties)) assert.match(reference, new RegExp(`^## ${key}$`, "m"));
        assert.strictEqual(Object.keys(schema.properties.config.properties).length, 9);
        assert.match(reference, /^\| `k3s\.servers\[\]\.hostKey` \| string \|/m);
    });
});
