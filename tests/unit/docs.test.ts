// The documentation a newcomer navigates: the README under 250 lines starting with the two
// commands, every relative link in it, CONTRIBUTING.md and docs/ leading to a file that exists
// (and a heading that exists, for a #fragment), and every stack output documented.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const markdown = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdown(path.join(dir, e.name)) : e.name.endsWith(".md") ? [path.join(dir, e.name)] : []);
const pages = () => [path.join(root, "README.md"), path.join(root, "CONTRIBUTING.md"), ...markdown(path.join(root, "docs"))];

/** GitHub's anchor for a heading. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");
const anchorsOf = (file: string) => new Set(fs.readFileSync(file, "utf8").split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ""))));

/** Relative links outside code: [text](target) with no scheme. */
function links(file: string): string[] {
    const text = fs.readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
    return [...text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

describe("the documentation", () => {
    it("the README is short, starts with the two commands, and links the four first tasks", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        assert.ok(readme.split("\n").length < 250, `the README has ${readme.split("\n").length} lines`);
        assert.match(readme, /^# kubestrap\n\n```sh\nnpm ci --ignore-scripts && npm run up .*\nnpm test .*\n```/);
        for (const page of ["tutorials/local-quick-start.md", "tutorials/first-app.md", "how-to/own-hosts-k3s.md", "how-to/ci-and-shared-state.md"]) {
            assert.ok(readme.includes(`(docs/${page})`), `the README does not link docs/${page}`);
        }
    });

    it("has no broken relative link or fragment in the README, CONTRIBUTING.md or docs/ (a positive control: a planted one is found)", () => {
        const broken: string[] = [];
        const check = (file: string, target: string) => {
            const [rel, fragment] = target.split("#");
            const to = rel ? path.resolve(path.dirname(file), decodeURIComponent(rel)) : file;
            if (!fs.existsSync(to)) broken.push(`${path.relative(root, file)}: ${target} (no such file)`);
            else if (fragment && to.endsWith(".md") && !anchorsOf(to).has(fragment)) broken.push(`${path.relative(root, file)}: ${target} (no such heading)`);
        };
        let count = 0;
        for (const file of pages()) for (const target of links(file)) { check(file, target); count++; }
        assert.deepStrictEqual(broken, []);
        assert.ok(count > 60, `a positive control: only ${count} links checked`);
        const readme = path.join(root, "README.md");
        check(readme, "docs/no-such-page.md");
        check(readme, "docs/how-to/mesh.md#no-such-heading");
        assert.strictEqual(broken.length, 2, "a planted broken link was not found");
    });

    it("documents every stack output index.ts exports", () => {
        const index = fs.readFileSync(path.join(root, "index.ts"), "utf8");
        const block = index.slice(index.indexOf("const outputs = {"), index.indexOf("\n    };", index.indexOf("const outputs = {")));
        const outputs = [...block.matchAll(/^ {8}(\w+)[:,]/gm)].map((m) => m[1]);
        assert.ok(outputs.length >= 17, `a positive control: ${outputs.join(", ")}`);
        const doc = fs.readFileSync(path.join(root, "docs", "reference", "outputs.md"), "utf8");
        assert.deepStrictEqual(outputs.filter((o) => !doc.includes(`| \`${o}\` |`)), []);
    });
});
