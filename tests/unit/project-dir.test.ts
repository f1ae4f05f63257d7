import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { projectDir } from "../../core/project-dir";

describe("the project directory", () => {
    it("is the one with Pulumi.yaml, from the sources", () => {
        assert.strictEqual(projectDir, path.resolve(__dirname, "..", ".."));
    });

    it("is the same from the compiled program under .kubestrap/program/<hash>/", () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-project-dir-"));
        try {
            fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: kubestrap\n");
            const compiled = path.join(project, ".kubestrap", "program", "0123abcd", "core", "project-dir.js");
            fs.mkdirSync(path.dirname(compiled), { recursive: true });
            const source = fs.readFileSync(path.join(projectDir, "core", "project-dir.ts"), "utf8");
            fs.writeFileSync(compiled, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText);
            assert.strictEqual(require(compiled).projectDir, project);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});
