// `npm run validate`: a stack file checked offline with the same messages `pulumi up` prints
// (parseConfig on what Pulumi would hand the program), without the engine or the passphrase.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { validate } from "../../scripts/validate";
import { fixtures } from "../config-fixtures";

describe("npm run validate", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-validate-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("passes every shipped stack file, secure values and all, with the environment the stack reads", () => {
        const env = { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k" };
        for (const stack of ["dev", "prod", "sugarkube", "wright-now-staging"]) {
            assert.deepStrictEqual(validate([stack], env).code, 0, validate([stack], env).out);
        }
    });

    it("prints the same problems `up` would, every one at once (each invalid fixture, as a stack file)", () => {
        let checked = 0;
        for (const f of fixtures("invalid").filter((x) => !Object.keys(x.values).some((k) => /secure/.test(k)))) {
            const raw = require("yaml").parse(fs.readFileSync(f.file, "utf8"));
            if (raw.files) continue; // fixtures that carry their own files read them from a map, not the disk
            const file = path.join(dir, path.basename(f.file));
            fs.writeFileSync(file, stringify({ config: raw.config ?? {} }));
            const { code, out } = validate(["--file", file], raw.env ?? {});
            assert.strictEqual(code, 1, `${f.description}: ${out}`);
            for (const problem of f.expect) assert.ok(out.includes(`  - ${problem}`), `${f.description}: ${problem} not in\n${out}`);
            checked++;
        }
        assert.ok(checked >= 50, `a positive control: only ${checked} fixtures checked`);
    });

    it("passes the commented example stack file of the reference", () => {
        const { code, out } = validate(["--file", "docs/reference/Pulumi.example.yaml"], { DEMON_ADMIN_TOKEN: "a", KUBESTRAP_SSH_KEY: "k" });
        assert.strictEqual(code, 0, out);
    });

    it("names the variables prod needs when they are not set", () => {
        const { code, out } = validate(["prod"], {});
        assert.strictEqual(code, 1);
        assert.match(out, /kubestrap:demon\.secrets\.adminToken: environment variable DEMON_ADMIN_TOKEN is not set/);
    });

    it("refuses a stack that does not exist (64)", () => {
        assert.deepStrictEqual(validate(["nosuchstack"], {}), { code: 64, out: 'there is no stack "nosuchstack" here (no Pulumi.nosuchstack.yaml)' });
    });
});
