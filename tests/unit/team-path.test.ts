// The path from a pull request to prod, checked against GitHub's and AWS's rules rather than
// against itself: each job's OIDC subject is derived from the workflow files (tests/github-oidc.ts),
// and the trust and permission policies kubestrap emits are evaluated for it (tests/iam-evaluator.ts).
import * as assert from "assert";
import * as path from "path";
import {
    deployerPolicy, githubDeployTrustPolicy, githubPreviewTrustPolicy, githubOidcHost, previewerPolicy, ssmManagedPolicy,
} from "../../aws/aws-policies";
import { stateBucketOf } from "../../aws/aws-identity";
import { ConfigError, parseConfig } from "../../config";
import { loadFixture, stackFile } from "../config-fixtures";
import { JobToken, workflowTokens } from "../github-oidc";
import { allows } from "../iam-evaluator";
import { readFileSync } from "fs";

const root = path.resolve(__dirname, "..", "..");
const workflows = path.join(root, ".github", "workflows");
const provider = `arn:aws:iam::123456789012:oidc-provider/${githubOidcHost}`;
const roles = { deploy: "arn:aws:iam::123456789012:role/kubestrap/aws-identity-deploy-1a2b3c4", preview: "arn:aws:iam::123456789012:role/kubestrap/aws-identity-preview-5d6e7f8" };
const prodGithub = () => {
    const fixture = loadFixture(stackFile("prod"));
    return JSON.parse(fixture.values["kubestrap:cluster"]).aws.github as { repository: string; environment?: string; branch?: string };
};
const trust = (g = prodGithub()) => ({
    deploy: githubDeployTrustPolicy({ ...g, providerArn: provider }),
    preview: githubPreviewTrustPolicy({ ...g, providerArn: provider }),
});
const assumes = (doc: ReturnType<typeof githubDeployTrustPolicy>, sub: string, aud = "sts.amazonaws.com") =>
    allows(doc, { action: "sts:AssumeRoleWithWebIdentity", federated: provider, context: { [`${githubOidcHost}:sub`]: sub, [`${githubOidcHost}:aud`]: aud } });
/** Which of the two roles admit a token. */
const admittedBy = (sub: string, t = trust()) => (Object.keys(t) as (keyof typeof t)[]).filter((k) => assumes(t[k], sub));

describe("the team's path: OIDC subjects of the shipped workflows against the roles' trust", () => {
    const tokens = () => workflowTokens(workflows, { repository: prodGithub().repository });
    const awsJobs = () => tokens().filter((t) => t.role !== undefined);

    it("derives a subject for every job that asks AWS for credentials, and each of those jobs may request a token", () => {
        assert.ok(awsJobs().length >= 2, `a positive control: ${tokens().map((t) => `${t.workflow}/${t.job}`).join(", ")}`);
        for (const t of awsJobs()) assert.ok(t.idToken, `${t.workflow}/${t.job} asks for AWS credentials without id-token: write`);
    });

    it("each job's token is admitted by exactly the role it names, and by no other", () => {
        for (const t of awsJobs()) {
            const expected = t.role === "${{ vars.AWS_DEPLOY_ROLE_ARN }}" ? ["deploy"] : t.role === "${{ vars.AWS_PREVIEW_ROLE_ARN }}" ? ["preview"] : [];
            assert.deepStrictEqual(admittedBy(t.subject), expected, `${t.workflow}/${t.job} (${t.event}, ${JSON.stringify(t.matrix)}): ${t.subject} asks for ${t.role}`);
        }
    });

    it("previews run on pull_request (no token for forks), never pull_request_target, and only the preview role takes them", () => {
        const previews = awsJobs().filter((t) => t.event.startsWith("pull_request"));
        assert.ok(previews.length > 0);
        for (const t of previews) {
            assert.strictEqual(t.event, "pull_request", `${t.workflow} runs on ${t.event}: it would give forks' code a token`);
            assert.strictEqual(t.subject, "repo:acme/platform:pull_request");
        }
        // What a pull_request_target job would get (it runs from the default branch) opens neither role.
        assert.deepStrictEqual(admittedBy("repo:acme/platform:ref:refs/heads/main"), []);
    });

    it("the scheduled drift check takes the read-only preview role by its environment, and nothing else does", () => {
        const drift = awsJobs().filter((t) => t.workflow === "drift.yml");
        // One token per event that starts it (schedule, workflow_dispatch), the same for both.
        assert.deepStrictEqual(drift.map((t) => t.event).sort(), ["schedule", "workflow_dispatch"]);
        for (const t of drift) assert.deepStrictEqual([t.subject, t.role], ["repo:acme/platform:environment:drift", "${{ vars.AWS_PREVIEW_ROLE_ARN }}"]);
        assert.deepStrictEqual(admittedBy("repo:acme/platform:environment:drift"), ["preview"]);
        assert.deepStrictEqual(admittedBy("repo:acme/platform:environment:drift-x"), []);
    });

    it("deploys take prod's role only in the prod environment: not another environment, branch, repository or audience", () => {
        const deploys = awsJobs().filter((t) => t.workflow === "deploy.yml");
        assert.deepStrictEqual(deploys.map((t) => t.subject), ["repo:acme/platform:environment:prod"]);
        for (const sub of ["repo:acme/platform:environment:dev", "repo:acme/platform:environment:prod-copy", "repo:acme/platform-fork:environment:prod",
            "repo:evil/platform:environment:prod", "repo:acme/platform:ref:refs/heads/main", "repo:acme/platform:environment:prod:x"]) {
            assert.deepStrictEqual(admittedBy(sub), [], sub);
        }
        assert.strictEqual(assumes(trust().deploy, "repo:acme/platform:environment:prod", "another-audience"), false);
    });

    it("a repository with immutable subjects (owner@id/name@id) is trusted in that form only", () => {
        const t = trust({ ...prodGithub(), ownerId: 1234567, repositoryId: 89012345 } as any);
        const ids = workflowTokens(workflows, { repository: "acme/platform", ownerId: 1234567, repositoryId: 89012345 }).filter((x) => x.role);
        for (const job of ids) assert.match(job.subject, /^repo:acme@1234567\/platform@89012345:/);
        assert.deepStrictEqual(admittedBy("repo:acme@1234567/platform@89012345:environment:prod", t), ["deploy"]);
        assert.deepStrictEqual(admittedBy("repo:acme@1234567/platform@89012345:pull_request", t), ["preview"]);
        assert.deepStrictEqual(admittedBy("repo:acme/platform:environment:prod", t), [], "the name form, which a new repository could take over after a rename");
        assert.deepStrictEqual(admittedBy("repo:acme@1234567/platform@1:environment:prod", t), []);
    });

    it("the config takes the ids, both or neither", () => {
        const fixture = loadFixture(stackFile("prod"));
        const cluster = JSON.parse(fixture.values["kubestrap:cluster"]);
        cluster.aws.github = { ...cluster.aws.github, ownerId: 1234567 };
        fixture.values["kubestrap:cluster"] = JSON.stringify(cluster);
        assert.throws(() => parseConfig(fixture.values, { ...fixture.sources, env: { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k" } }),
            /aws\.github\.repositoryId: give both ownerId and repositoryId/);
    });
});

describe("the deploy and preview roles' permissions", () => {
    const deployer = deployerPolicy({ accountId: "123456789012", ownRoles: [roles.deploy, roles.preview], state: stateBucketOf("s3://acme-pulumi-state/kubestrap") });
    const previewer = previewerPolicy({ accountId: "123456789012", state: stateBucketOf("s3://acme-pulumi-state/kubestrap") });
    const may = (doc: typeof deployer, action: string, resource: string, context: Record<string, string> = {}) => allows(doc, { action, resource, context });
    const nodeRole = "arn:aws:iam::123456789012:role/kubestrap/aws-burst-node-9f8e7d6";

    it("the deploy role cannot change its own policies, trust or boundary, nor the preview role's", () => {
        for (const action of ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:DeleteRole", "iam:DetachRolePolicy"]) {
            for (const own of [roles.deploy, roles.preview]) {
                assert.strictEqual(may(deployer, action, own, { "iam:PolicyARN": ssmManagedPolicy }), false, `${action} on ${own}`);
            }
        }
    });

    it("it still manages the nodes' roles, attaching no managed policy but Session Manager's", () => {
        assert.strictEqual(may(deployer, "iam:PutRolePolicy", nodeRole), true);
        assert.strictEqual(may(deployer, "iam:AttachRolePolicy", nodeRole, { "iam:PolicyARN": ssmManagedPolicy }), true);
        assert.strictEqual(may(deployer, "iam:AttachRolePolicy", nodeRole, { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }), false);
        assert.strictEqual(may(deployer, "iam:PassRole", nodeRole, { "iam:PassedToService": "ec2.amazonaws.com" }), true);
        assert.strictEqual(may(deployer, "iam:PassRole", nodeRole, { "iam:PassedToService": "lambda.amazonaws.com" }), false);
        assert.strictEqual(may(deployer, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/admins/ops"), false, "a role outside kubestrap's path");
    });

    it("the deploy role reads and writes Pulumi's state (the README's promise); the preview role only reads it", () => {
        const stack = "arn:aws:s3:::acme-pulumi-state/kubestrap/.pulumi/stacks/kubestrap/prod.json";
        const lock = "arn:aws:s3:::acme-pulumi-state/kubestrap/.pulumi/locks/organization/kubestrap/prod/1.json";
        for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
            assert.strictEqual(may(deployer, action, stack), true, action);
            assert.strictEqual(may(deployer, action, lock), true, action);
        }
        assert.strictEqual(may(deployer, "s3:ListBucket", "arn:aws:s3:::acme-pulumi-state", { "s3:prefix": "kubestrap/.pulumi/stacks/kubestrap/prod.json" }), true);
        assert.strictEqual(may(deployer, "s3:GetObject", "arn:aws:s3:::acme-pulumi-state/other-team/secret.json"), false, "the rest of the bucket");
        assert.strictEqual(may(previewer, "s3:GetObject", stack), true);
        assert.strictEqual(may(previewer, "s3:ListBucket", "arn:aws:s3:::acme-pulumi-state", { "s3:prefix": "kubestrap/.pulumi/stacks/kubestrap/prod.json" }), true);
        for (const action of ["s3:PutObject", "s3:DeleteObject"]) assert.strictEqual(may(previewer, action, stack), false, action);
    });

    it("the preview role changes nothing in AWS", () => {
        for (const s of previewer.Statement as any[]) {
            for (const action of [s.Action].flat()) assert.match(action, /^(ec2:Describe|autoscaling:Describe|iam:(Get|List)|s3:(GetObject|ListBucket)$)/, action);
        }
        assert.strictEqual(may(previewer, "ec2:RunInstances", "arn:aws:ec2:eu-west-1:123456789012:instance/*"), false);
    });
});

describe("what each deploying job is given", () => {
    const jobs = () => workflowTokens(workflows, { repository: "acme/platform" }).filter((t) => t.role !== undefined);
    const checkWith = (t: JobToken, names: string[]) => {
        const fixture = loadFixture(stackFile(t.matrix.stack));
        const env = Object.fromEntries(names.map((n) => [n, `dummy-${n}`]));
        try {
            parseConfig(fixture.values, { ...fixture.sources, env });
            return [];
        } catch (e) {
            if (e instanceof ConfigError) return e.problems;
            throw e;
        }
    };

    it("every secret and variable the stack's config reads, by name: its config check passes with just those", () => {
        for (const t of jobs()) {
            assert.ok(t.matrix.stack, `${t.workflow}/${t.job} has no stack`);
            assert.deepStrictEqual(checkWith(t, t.env), [], `${t.workflow}/${t.job} for ${t.matrix.stack}`);
            const without = t.env.filter((n) => n !== "KUBESTRAP_SSH_KEY");
            assert.ok(checkWith(t, without).some((p) => p.includes("KUBESTRAP_SSH_KEY")), "a positive control: a missing name is a problem");
        }
    });

    it("the Cloudflare token where the stack has a tunnel, and a role where it has AWS resources", () => {
        for (const t of jobs()) {
            const fixture = loadFixture(stackFile(t.matrix.stack));
            if (fixture.values["kubestrap:cloudflare"]) assert.ok(t.env.includes("CLOUDFLARE_API_TOKEN"), `${t.workflow}: ${t.matrix.stack} has a tunnel`);
            if (JSON.parse(fixture.values["kubestrap:cluster"] ?? "{}").aws) assert.ok(t.role, `${t.workflow}: ${t.matrix.stack} has AWS resources`);
        }
    });

    it("the official Pulumi CLI at the toolchain's version, with Pulumi installing the plugins the SDK packages pin", () => {
        const pinned = /PULUMI_VERSION=(\S+)/.exec(readFileSync(path.join(root, "toolchain", "versions.env"), "utf8"))![1];
        for (const t of jobs()) {
            const install = t.steps.find((s) => String(s.uses ?? "").startsWith("pulumi/actions@"));
            assert.strictEqual(install?.with?.["pulumi-version"], pinned, `${t.workflow} installs no pinned Pulumi CLI`);
            assert.ok(t.env.includes("KUBESTRAP_SYSTEM_PULUMI"), `${t.workflow} builds the offline toolchain on every run`);
            assert.ok(!t.env.includes("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"), `${t.workflow} forbids Pulumi to install the aws and cloudflare plugins`);
            assert.ok(!t.steps.some((s) => String(s.uses ?? "").startsWith("actions/setup-go@")), `${t.workflow} still builds Go`);
        }
    });

    it("a stack whose hosts are on a private network runs where it can reach them (vars.KUBESTRAP_RUNS_ON)", () => {
        for (const t of jobs()) {
            const cluster = JSON.parse(loadFixture(stackFile(t.matrix.stack)).values["kubestrap:cluster"] ?? "{}");
            const hosts = [...(cluster.k3s?.servers ?? []), ...(cluster.k3s?.agents ?? [])].map((h: any) => h.host);
            if (hosts.some((h: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h))) {
                assert.match(String(t.runsOn), /vars\.KUBESTRAP_RUNS_ON/, `${t.workflow} runs ${t.matrix.stack} on a GitHub-hosted runner, which cannot reach ${hosts.join(", ")}`);
            }
        }
    });
});
