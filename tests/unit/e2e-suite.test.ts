// The e2e suite lists its files in .mocharc.json, longest first, so the parallel workers start
// the long suites early instead of finishing on one alone; a file left out of the list would
// never run, so the list is checked against the directory.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const dir = path.join(__dirname, "..", "e2e");

describe("the e2e suite's file list", () => {
    it("names every *.e2e.ts file in tests/e2e exactly once", () => {
        const listed: string[] = JSON.parse(fs.readFileSync(path.join(dir, ".mocharc.json"), "utf8")).spec.map((f: string) => path.basename(f));
        const present = fs.readdirSync(dir).filter((f) => f.endsWith(".e2e.ts"));
        assert.deepStrictEqual([...listed].sort(), [...new Set(listed)].sort(), "a file is listed twice");
        assert.deepStrictEqual([...listed].sort(), present.sort());
    });

    it("gives each suite a control-plane slot of its own (the suites run side by side; a shared slot is a shared port)", () => {
        const slots = new Map<number, string>();
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".e2e.ts"))) {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            const found = [
                ...[...text.matchAll(/new E2eEnv\(\s*\)/g)].map(() => 0),
                ...[...text.matchAll(/new E2eEnv\([^,()]+,\s*(\d+)/g)].map((m) => Number(m[1])),
                ...[...text.matchAll(/exampleSuite\("[^"]+",\s*(\d+)/g)].map((m) => Number(m[1])),
            ];
            for (const slot of found) {
                assert.ok(!slots.has(slot), `slot ${slot} is used by ${slots.get(slot)} and ${file}`);
                slots.set(slot, file);
            }
        }
        assert.ok(slots.size >= 15, `a positive control: ${[...slots.keys()].join(", ")}`);
    });
});
