// The GitHub Actions workflows (.github/workflows) checked by actionlint 1.7.12 (built from its
// Go module by scripts/toolchain.sh test-tools), and read for what the team setup promises:
// pinned actions, OIDC for AWS with no stored AWS keys, one `up` per stack at a time, prod
// behind its environment's reviewers, the preview gate with the policy pack.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse } from "yaml";
import { root } from "./harness";

const run = promisify(execFile);
const dir = path.join(root, ".github", "workflows");
const workflows = () => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, parse(fs.readFileSync(path.join(dir, f), "utf8"))]));

async function actionlint(...args: string[]): Promise<{ code: number; output: string }> {
    const bin = (await run("bash", [path.join(root, "scripts", "toolchain.sh"), "actionlint"])).stdout.trim();
    try {
        const { stdout, stderr } = await run(bin, ["-color=false", ...args], { cwd: root });
        return { code: 0, output: stdout + stderr };
    } catch (e: any) {
        return { code: e.code, output: String(e.stdout) + String(e.stderr) };
    }
}

describe("the GitHub workflows, linted by actionlint", function () {
    this.timeout(60 * 1000);

    it("are clean", async () => {
        const { code, output } = await actionlint();
        assert.deepStrictEqual([code, output], [0, ""]);
    });

    it("are checked for real: actionlint fails a broken workflow", async () => {
        const broken = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-actionlint-"));
        try {
            const file = path.join(broken, "broken.yml");
            fs.writeFileSync(file, "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.name }}\n");
            const { code, output } = await actionlint(file);
            assert.strictEqual(code, 1);
            assert.match(output, /evnt/);
        } finally {
            fs.rmSync(broken, { recursive: true, force: true });
        }
    });

    it("pin every action to a release, and reach AWS only through the deploy role", () => {
        for (const [file, w] of Object.entries<any>(workflows())) {
            for (const job of Object.values<any>(w.jobs)) {
                for (const step of job.steps ?? []) {
                    if (step.uses) assert.match(step.uses, /@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/, `${file}: ${step.uses} is not pinned`);
                }
            }
            assert.ok(!fs.readFileSync(path.join(dir, file), "utf8").includes("AWS_ACCESS_KEY_ID"), `${file} passes stored AWS keys`);
        }
        for (const file of ["preview.yml", "deploy.yml", "drift.yml"]) {
            const w = workflows()[file];
            assert.strictEqual(w.permissions["id-token"], "write", `${file} cannot use OIDC`);
            const steps = Object.values<any>(w.jobs).flatMap((j) => j.steps);
            assert.ok(steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") && s.with["role-to-assume"]), `${file} assumes no role`);
        }
    });

    it("preview each deployed stack with the policy pack on pull requests, and up one stack at a time, each behind its environment", () => {
        const w = workflows();
        assert.ok(w["preview.yml"].on.pull_request !== undefined);
        assert.deepStrictEqual(w["preview.yml"].jobs.preview.strategy.matrix.stack, ["prod"]);
        assert.ok(w["preview.yml"].jobs.preview.steps.some((s: any) => /npm run --silent preview/.test(s.run ?? "")));
        assert.ok(w["preview.yml"].jobs.preview.steps.some((s: any) => /gh pr comment/.test(s.run ?? "")), "the diff is not posted");
        const up = w["deploy.yml"].jobs.up;
        assert.deepStrictEqual(w["deploy.yml"].on.push.branches, ["main"]);
        assert.strictEqual(up.environment, "${{ matrix.stack }}", "prod is not behind its environment");
        assert.strictEqual(up.concurrency.group, "pulumi-up-${{ matrix.stack }}");
        assert.strictEqual(up.concurrency["cancel-in-progress"], false, "a second up would cancel the first midway");
        assert.strictEqual(up.strategy["max-parallel"], 1, "two stacks would deploy at once");
        assert.ok(w["checks.yml"].jobs.test.steps.some((s: any) => /npm test/.test(s.run ?? "")), "the checks do not run the README's test command");
    });

    it("check each deployed stack for drift on a schedule, in the drift environment the preview role admits", () => {
        const w = workflows()["drift.yml"];
        assert.ok(w.on.schedule?.[0]?.cron && w.on.workflow_dispatch !== undefined);
        assert.deepStrictEqual(w.jobs.drift.strategy.matrix.stack, workflows()["preview.yml"].jobs.preview.strategy.matrix.stack, "a previewed stack is not checked for drift");
        assert.strictEqual(w.jobs.drift.environment, "drift");
        assert.ok(w.jobs.drift.steps.some((s: any) => /npm run --silent drift/.test(s.run ?? "") && /GITHUB_STEP_SUMMARY/.test(s.run)));
        assert.ok(w.jobs.drift.steps.some((s: any) => s.with?.["role-to-assume"] === "${{ vars.AWS_PREVIEW_ROLE_ARN }}"), "drift reads AWS through the read-only role");
    });
});
