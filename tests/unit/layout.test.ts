// The floors of docs/dev/layout.md, enforced on the program's own import graph (every .ts file
// outside tests/, type-only imports included): a file imports only from its own floor or a lower
// one, a domain only from core/ and the domains it builds on, and no file imports itself back
// through any chain of imports.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const root = path.resolve(__dirname, "..", "..");

/** Lowest first. The domains share a floor; which of them may use which is `domainUses`. */
const floorOf: Record<string, number> = {
    core: 0,
    cluster: 1, mesh: 1, aws: 1, cloudflare: 1, demon: 1, apps: 1, compose: 1, addons: 1,
    config: 2,
    lib: 3,
    stacks: 4,
    "index.ts": 5,
    // Tools beside the program: they may use any floor, and nothing in the program uses them.
    status: 6, scripts: 6, policy: 6, bench: 6,
};

/** The other domains each domain builds on (besides core/). */
const domainUses: Record<string, string[]> = {
    cluster: [], mesh: ["cluster"], aws: ["cluster", "mesh"], cloudflare: [], demon: [], apps: [], compose: ["apps"], addons: [],
};

const outside = new Set(["node_modules", "tests", "toolchain", "dist", "bin"]);

/** Every program .ts file, relative to the root. */
function programFiles(dir = root): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.name.startsWith(".") || (dir === root && outside.has(e.name))) return [];
        if (e.isDirectory()) return programFiles(full);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.relative(root, full)] : [];
    });
}

/** The program files a file imports (import, export ... from, import(), require()), or the specifier it could not resolve. */
function importsOf(file: string): { resolved: string[]; unresolved: string[] } {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName).filter((s) => s.startsWith("."));
    const resolved: string[] = [];
    const unresolved: string[] = [];
    for (const spec of specs) {
        const target = path.resolve(path.dirname(path.join(root, file)), spec);
        const found = [`${target}.ts`, path.join(target, "index.ts"), target].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
        if (!found) unresolved.push(spec);
        else if (found.endsWith(".ts")) resolved.push(path.relative(root, found));
    }
    return { resolved, unresolved };
}

const placeOf = (file: string) => (file.includes(path.sep) ? file.split(path.sep)[0] : file);

/** What is wrong with one import, by the floors; undefined when it is allowed. */
function floorProblem(from: string, to: string): string | undefined {
    const [a, b] = [placeOf(from), placeOf(to)];
    if (a === b) return undefined;
    if (floorOf[b] > floorOf[a]) return `${from} imports ${to}, on a higher floor (${b} over ${a})`;
    if (floorOf[a] === 1 && floorOf[b] === 1 && !domainUses[a].includes(b)) {
        return `${from} imports ${to}: the ${a} domain does not build on ${b} (domainUses)`;
    }
    if (floorOf[a] === 6 && floorOf[b] === 6) return `${from} imports ${to}: the tools do not use each other`;
    return undefined;
}

/** Each import cycle among the files, as a chain that ends where it starts. */
function cycles(graph: Map<string, string[]>): string[][] {
    const found: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
        state.set(file, "open");
        stack.push(file);
        for (const next of graph.get(file) ?? []) {
            if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
            else if (!state.has(next)) visit(next);
        }
        stack.pop();
        state.set(file, "done");
    };
    [...graph.keys()].sort().forEach((f) => state.has(f) || visit(f));
    return found;
}

describe("the layout's floors (docs/dev/layout.md)", () => {
    const files = programFiles();
    const graph = new Map(files.map((f) => [f, importsOf(f)] as const));

    it("places every program file on a floor, and resolves every relative import", () => {
        assert.ok(files.length > 100 && files.includes(path.join("apps", "web-app.ts")), `a positive control: ${files.length} files`);
        assert.deepStrictEqual(files.filter((f) => floorOf[placeOf(f)] === undefined), [], "files on no floor: add their folder to floorOf");
        assert.deepStrictEqual([...graph].flatMap(([f, i]) => i.unresolved.map((s) => `${f}: ${s}`)), []);
        assert.deepStrictEqual(Object.keys(domainUses).sort(), Object.keys(floorOf).filter((k) => floorOf[k] === 1).sort());
    });

    it("has no import from a higher floor, nor from a domain another does not build on", () => {
        const problems = [...graph].flatMap(([from, { resolved }]) => resolved.map((to) => floorProblem(from, to)).filter((p): p is string => !!p));
        assert.deepStrictEqual(problems, []);
    });

    it("has no import cycle", () => {
        const found = cycles(new Map([...graph].map(([f, i]) => [f, i.resolved] as const)));
        assert.deepStrictEqual(found.map((c) => c.join(" -> ")), []);
    });

    it("the domains build on each other without a cycle", () => {
        const found = cycles(new Map(Object.entries(domainUses)));
        assert.deepStrictEqual(found, []);
    });
});
