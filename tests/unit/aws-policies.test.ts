import * as assert from "assert";
import { githubDeployerProblem } from "../../aws/aws-policies";
import { identityPolicies, trustPolicies } from "../aws-policy-samples";

describe("AWS policy documents", () => {
    it("trusts GitHub Actions runs of one repository on one branch or environment, for STS only", () => {
        const [branch] = trustPolicies["GitHub deploy role, branch"].Statement as any[];
        assert.strictEqual(branch.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepStrictEqual(branch.Condition, { StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/platform:ref:refs/heads/main",
        } });
        const [environment] = trustPolicies["GitHub deploy role, environment"].Statement as any[];
        assert.strictEqual(environment.Condition.StringEquals["token.actions.githubusercontent.com:sub"], "repo:acme/platform:environment:prod");
    });

    it("lets one ServiceAccount assume its role, and EC2 the nodes' role", () => {
        const [sa] = trustPolicies["a ServiceAccount's role"].Statement as any[];
        assert.strictEqual(sa.Condition.StringEquals["oidc.example.com/cluster:sub"], "system:serviceaccount:rook-ceph:backup");
        assert.deepStrictEqual((trustPolicies["worker nodes"].Statement as any[])[0].Principal, { Service: "ec2.amazonaws.com" });
    });

    it("grants backups one prefix of one bucket and nothing wider", () => {
        const statements = identityPolicies["backups to one bucket prefix"].Statement as any[];
        assert.deepStrictEqual(statements.map((s) => s.Resource), ["arn:aws:s3:::k3s-snapshots/etcd/*", "arn:aws:s3:::k3s-snapshots"]);
        assert.deepStrictEqual(statements[1].Condition, { StringLike: { "s3:prefix": ["etcd/*"] } });
        for (const doc of [identityPolicies["backups to one bucket prefix"], ...Object.values(trustPolicies)]) {
            assert.strictEqual(doc.Version, "2012-10-17");
            assert.ok(!JSON.stringify(doc).includes('"*"'), "no wildcard action or resource");
        }
    });

    it("lets CI's deploy role manage only kubestrap's own roles, pass them to EC2 alone, reach the state's prefix, and never change itself", () => {
        const statements = identityPolicies["CI's deploy role"].Statement as any[];
        const sid = (name: string) => statements.find((s) => s.Sid === name);
        const [read, pools, roles, pass] = [sid("ReadWhatPulumiCompares"), sid("WorkerPoolsInThisAccount"), sid("KubestrapRolesOnly"), sid("PassNodeRolesToEc2")];
        assert.ok(read.Action.every((a: string) => /^(ec2|autoscaling):Describe/.test(a)), "only reads on *");
        assert.ok(pools.Action.every((a: string) => /^(ec2|autoscaling):/.test(a)), "EC2 and Auto Scaling only");
        assert.ok(pools.Resource.every((r: string) => r.includes(":123456789012:") || r === "arn:aws:ec2:*::image/*"), "this account's resources only");
        assert.ok(![...read.Action, ...pools.Action].some((a: string) => a.includes("*")), "no action wildcard");
        assert.ok(roles.Action.every((a: string) => a.startsWith("iam:")));
        assert.ok(!roles.Action.includes("iam:AttachRolePolicy"), "attaching is allowed for Session Manager's policy only");
        assert.deepStrictEqual(roles.Resource, ["arn:aws:iam::123456789012:role/kubestrap/*", "arn:aws:iam::123456789012:instance-profile/kubestrap/*"]);
        assert.deepStrictEqual([pass.Action, pass.Resource, pass.Condition], ["iam:PassRole", "arn:aws:iam::123456789012:role/kubestrap/*", { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } }]);
        assert.deepStrictEqual(sid("ReadAndWriteTheState").Resource, "arn:aws:s3:::acme-pulumi-state/kubestrap/.pulumi/*");
        assert.strictEqual(sid("NeverItsOwnRoles").Effect, "Deny");
    });

    it("refuses a repository, branch or environment that would trust the wrong runs", () => {
        assert.strictEqual(githubDeployerProblem({ repository: "acme/platform", branch: "main" }), undefined);
        assert.match(githubDeployerProblem({ repository: "platform" })!, /owner\/name/);
        assert.match(githubDeployerProblem({ repository: "acme/platform", branch: "release-*" })!, /wildcard/);
        assert.match(githubDeployerProblem({ repository: "acme/platform", branch: "main", environment: "prod" })!, /keep one/);
    });
});
