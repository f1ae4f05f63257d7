// What kubestrap's shipped stacks register, pinned: for each resource of the dev, prod and example
// stacks rendered under mocks, its URN parts (type, name, parent) and a hash of its inputs and
// dependencies. A refactor (a file moved, a constructor split) must leave every line as it is, so
// no existing stack sees a replacement or a diff; a change meant to alter a stack regenerates the
// file (KUBESTRAP_UPDATE_FIXTURES=1) and shows in review as exactly the resources it changes.
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { reveal } from "../mocks";
import { renderedStacks, renderStack } from "../rendered-stacks";

const fixture = path.join(__dirname, "..", "fixtures", "registrations.json");
const env = { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k", CLOUDFLARE_API_TOKEN: "c" };

async function registrations(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const stack of renderedStacks()) {
        const { r } = await renderStack(stack.file, stack.fromDisk, env);
        out[stack.name] = r.resources.map((x) => {
            const key = `${x.type}::${x.name}`;
            const dependsOn = ((r.optionsOf.get(key)?.dependsOn ?? []) as { __name?: string }[]).map((d) => d.__name).sort();
            const digest = createHash("sha256").update(JSON.stringify({ inputs: reveal(x.inputs), dependsOn })).digest("hex").slice(0, 16);
            return `${key} <- ${r.ancestry.get(key) ?? "stack"} ${digest}`;
        }).sort();
    }
    return out;
}

describe("what the shipped stacks register", function () {
    this.timeout(120000);

    it("is what tests/fixtures/registrations.json pins: same URNs, same inputs, same dependencies", async () => {
        const now = await registrations();
        if (process.env.KUBESTRAP_UPDATE_FIXTURES === "1") fs.writeFileSync(fixture, JSON.stringify(now, null, 1) + "\n");
        const pinned: Record<string, string[]> = JSON.parse(fs.readFileSync(fixture, "utf8"));
        for (const stack of Object.keys(now)) {
            const gone = (pinned[stack] ?? []).filter((l) => !now[stack].includes(l));
            const added = now[stack].filter((l) => !(pinned[stack] ?? []).includes(l));
            assert.deepStrictEqual({ gone, added }, { gone: [], added: [] },
                `${stack} registers something else; if that is meant, regenerate with KUBESTRAP_UPDATE_FIXTURES=1 npx mocha tests/unit/registrations.test.ts`);
        }
        assert.deepStrictEqual(Object.keys(pinned).sort(), Object.keys(now).sort());
        assert.ok(now.dev.length > 30 && now.prod.length > 30, "a positive control: the stacks rendered");
    });
});
