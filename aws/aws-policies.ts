// Every IAM policy document kubestrap emits, built from typed statements (never from strings):
// the trust policies of the roles it creates and the permissions they get. Pure functions, so
// each document is linted with parliament in the tests.

export type Effect = "Allow" | "Deny";
export type ConditionOperator = "StringEquals" | "StringLike" | "Bool" | "ArnEquals";

export interface Statement {
    sid: string;
    effect: Effect;
    actions: string[];
    /** Identity policies name resources; trust policies name a principal instead. */
    resources?: string[];
    principal?: { Service: string } | { Federated: string } | { AWS: "*" };
    conditions?: Partial<Record<ConditionOperator, Record<string, string | string[]>>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Record<string, unknown>[];
}

export function policyDocument(statements: Statement[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: statements.map((s) => ({
            Sid: s.sid,
            Effect: s.effect,
            ...(s.principal ? { Principal: s.principal } : {}),
            Action: s.actions.length === 1 ? s.actions[0] : s.actions,
            ...(s.resources ? { Resource: s.resources.length === 1 ? s.resources[0] : s.resources } : {}),
            ...(s.conditions ? { Condition: s.conditions } : {}),
        })),
    };
}

/** "owner/name", as GitHub spells a repository. */
export const githubRepositoryName = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

/** GitHub Actions' OIDC issuer, as IAM names it. */
export const githubOidcHost = "token.actions.githubusercontent.com";

/** A GitHub repository as its OIDC tokens name it. */
export interface GithubRepository {
    /** "owner/name" */
    repository: string;
    /**
     * The owner's and the repository's numeric ids. Repositories created (or renamed, or
     * transferred) since 15 July 2026, and those that opted in, get the immutable subject
     * `repo:owner@<ownerId>/name@<repositoryId>:...`; give both ids for those, and the role trusts
     * that form only (a name can be taken over after a rename; an id cannot).
     */
    ownerId?: number;
    repositoryId?: number;
}

/** The start of every subject GitHub issues for the repository's runs. */
export function githubSubjectPrefix(r: GithubRepository): string {
    const [owner, name] = r.repository.split("/");
    return r.ownerId !== undefined && r.repositoryId !== undefined ? `repo:${owner}@${r.ownerId}/${name}@${r.repositoryId}` : `repo:${r.repository}`;
}

/**
 * The subject of a run's token, per GitHub's documented rules: a job that names an environment
 * gets `environment:<name>` whatever its event; otherwise a pull_request event gets
 * `pull_request`, and anything else the ref it runs on (`ref:refs/heads/<branch>`).
 */
export function githubSubject(r: GithubRepository, run: { environment?: string; event: string; ref?: string }): string {
    // A ':' inside a value is sent as %3A, so a value cannot fake another field.
    const value = (v: string) => v.replace(/:/g, "%3A");
    const context = run.environment ? `environment:${value(run.environment)}` : run.event === "pull_request" ? "pull_request" : `ref:${value(run.ref ?? "refs/heads/main")}`;
    return `${githubSubjectPrefix(r)}:${context}`;
}

export interface GithubDeployer extends GithubRepository {
    /** The identity provider's ARN (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com). */
    providerArn: string;
    /** Runs on this branch may assume the role... */
    branch?: string;
    /** ...or runs in this GitHub environment (its protection rules then guard the role). */
    environment?: string;
}

/** Tokens from GitHub Actions with exactly these subjects, for STS. */
function githubTrust(sid: string, providerArn: string, subjects: string[]): PolicyDocument {
    return policyDocument([{
        sid,
        effect: "Allow",
        principal: { Federated: providerArn },
        actions: ["sts:AssumeRoleWithWebIdentity"],
        conditions: { StringEquals: { [`${githubOidcHost}:aud`]: "sts.amazonaws.com", [`${githubOidcHost}:sub`]: subjects.length === 1 ? subjects[0] : subjects } },
    }]);
}

/** Who may assume the deploy role: GitHub Actions runs of one repository, in one environment (or on one branch). */
export function githubDeployTrustPolicy(d: GithubDeployer): PolicyDocument {
    const run = d.environment ? { environment: d.environment, event: "push" } : { event: "push", ref: `refs/heads/${d.branch ?? "main"}` };
    return githubTrust("GithubActionsOfThisRepository", d.providerArn, [githubSubject(d, run)]);
}

/**
 * Who may assume the preview role: the repository's pull_request runs (a job with no
 * environment). GitHub gives no OIDC token to a pull request from a fork (its id-token
 * permission is read at most), and the role can only read.
 */
export function githubPreviewTrustPolicy(d: GithubRepository & { providerArn: string }): PolicyDocument {
    return githubTrust("PullRequestsOfThisRepository", d.providerArn, [
        githubSubject(d, { event: "pull_request" }),
        // The scheduled drift check (.github/workflows/drift.yml) runs in this environment: a
        // branch subject would also open the role to pull_request_target runs.
        githubSubject(d, { environment: driftEnvironment, event: "schedule" }),
    ]);
}

/** The GitHub environment of the scheduled drift check, admitted by the read-only preview role. */
export const driftEnvironment = "drift";

/** The worker nodes' role: assumed by EC2 only. */
export function ec2TrustPolicy(): PolicyDocument {
    return policyDocument([{ sid: "Ec2Instances", effect: "Allow", principal: { Service: "ec2.amazonaws.com" }, actions: ["sts:AssumeRole"] }]);
}

export interface ServiceAccountRole {
    /** The cluster's service-account issuer published as an IAM OIDC provider. */
    providerArn: string;
    /** The issuer's host and path, as IAM keys its conditions (no https://). */
    issuer: string;
    namespace: string;
    serviceAccount: string;
}

/** A role one Kubernetes ServiceAccount assumes with its projected token, and nothing else. */
export function serviceAccountTrustPolicy(r: ServiceAccountRole): PolicyDocument {
    return policyDocument([{
        sid: "OneServiceAccount",
        effect: "Allow",
        principal: { Federated: r.providerArn },
        actions: ["sts:AssumeRoleWithWebIdentity"],
        conditions: { StringEquals: { [`${r.issuer}:aud`]: "sts.amazonaws.com", [`${r.issuer}:sub`]: `system:serviceaccount:${r.namespace}:${r.serviceAccount}` } },
    }]);
}

/** Backups to one prefix of one bucket (etcd snapshots, Ceph's): write, read back, prune, list that prefix. */
export function bucketPrefixPolicy(bucket: string, prefix: string): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const folder = prefix.replace(/^\/+|\/+$/g, "");
    return policyDocument([
        { sid: "ObjectsUnderThePrefix", effect: "Allow", actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], resources: [`${bucketArn}/${folder}/*`] },
        { sid: "ListThePrefix", effect: "Allow", actions: ["s3:ListBucket"], resources: [bucketArn], conditions: { StringLike: { "s3:prefix": [`${folder}/*`] } } },
    ]);
}

/** The IAM path of every role and instance profile kubestrap makes: the deploy role may manage those only. */
export const kubestrapIamPath = "/kubestrap/";

/** The one managed policy kubestrap attaches to its roles (the nodes', with `ssm: true`). */
export const ssmManagedPolicy = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/** The S3 bucket (and key prefix) of Pulumi's self-managed backend: PULUMI_BACKEND_URL=s3://<bucket>/<prefix>. */
export interface StateBucket {
    bucket: string;
    prefix?: string;
}

/** What Pulumi compares on a preview of the worker pools: reads only. */
const describeActions = [
    "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInternetGateways", "ec2:DescribeRouteTables",
    "ec2:DescribeAddresses", "ec2:DescribeNatGateways", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeImages", "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:DescribeAccountAttributes",
    "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeLifecycleHooks", "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags", "autoscaling:DescribeInstanceRefreshes",
];
const iamReadActions = ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:GetRolePolicy", "iam:ListInstanceProfilesForRole", "iam:GetInstanceProfile"];
/** Everything that changes a role: what the deploy role may never do to itself or to the preview role. */
const roleChangeActions = [
    "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:UpdateRole", "iam:UpdateRoleDescription",
    "iam:DeleteRole", "iam:TagRole", "iam:UntagRole",
];

/** Pulumi's state under the bucket's prefix: read (previews), or read and write (updates; the lock files too). */
function stateBucketStatements(state: StateBucket, write: boolean): Statement[] {
    const prefix = (state.prefix ?? "").replace(/^\/+|\/+$/g, "");
    const folder = prefix ? `${prefix}/.pulumi` : ".pulumi";
    return [
        { sid: "ListTheState", effect: "Allow", actions: ["s3:ListBucket"], resources: [`arn:aws:s3:::${state.bucket}`], conditions: { StringLike: { "s3:prefix": [`${folder}/*`] } } },
        { sid: write ? "ReadAndWriteTheState" : "ReadTheState", effect: "Allow", actions: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"], resources: [`arn:aws:s3:::${state.bucket}/${folder}/*`] },
    ];
}

export interface DeployerScope {
    accountId: string;
    /** The roles the deploy role must never change: itself and the preview role (their ARNs). */
    ownRoles: string[];
    state?: StateBucket;
    /** The service-account issuer's bucket: the deploy role keeps its two documents current. */
    issuerBucket?: string;
}

/**
 * What CI's deploy role may do: run `pulumi up` of the worker pools (EC2, Auto Scaling, the
 * AMI lookup), read and write Pulumi's state in its bucket, and manage only kubestrap's own roles
 * and instance profiles (under its IAM path), passing them to EC2 alone and attaching no managed
 * policy but Session Manager's. It can change neither itself nor the preview role: an explicit
 * deny, which no allow overrides, so a pull request merged into the stack cannot widen them.
 */
/** The ARNs of every role and instance profile kubestrap makes in the account (its IAM path). */
const kubestrapIamArns = (accountId: string) => ({
    roles: `arn:aws:iam::${accountId}:role${kubestrapIamPath}*`,
    profiles: `arn:aws:iam::${accountId}:instance-profile${kubestrapIamPath}*`,
});

export function deployerPolicy(scope: DeployerScope): PolicyDocument {
    const { accountId } = scope;
    const { roles, profiles } = kubestrapIamArns(accountId);
    return policyDocument([
        { sid: "ReadWhatPulumiCompares", effect: "Allow", actions: describeActions, resources: ["*"] },
        {
            sid: "WorkerPoolsInThisAccount",
            effect: "Allow",
            actions: [
                "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:DescribeVpcAttribute", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet",
                "ec2:ModifySubnetAttribute", "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway",
                "ec2:DetachInternetGateway", "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute",
                "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:CreateNatGateway",
                "ec2:DeleteNatGateway", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
                "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplate", "ec2:ModifyLaunchTemplate",
                "ec2:RunInstances", "ec2:CreateTags", "ec2:DeleteTags",
                "autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup",
                "autoscaling:DeleteAutoScalingGroup", "autoscaling:PutLifecycleHook", "autoscaling:DeleteLifecycleHook",
                "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags", "autoscaling:StartInstanceRefresh",
            ],
            // This account's EC2 resources and Auto Scaling groups, and the public images instances start from.
            resources: [`arn:aws:ec2:*:${accountId}:*`, "arn:aws:ec2:*::image/*", `arn:aws:autoscaling:*:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`],
        },
        {
            sid: "KubestrapRolesOnly",
            effect: "Allow",
            actions: [
                ...iamReadActions, "iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy",
                "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile",
                "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
            ],
            resources: [roles, profiles],
        },
        {
            sid: "AttachSessionManagerOnly",
            effect: "Allow",
            actions: ["iam:AttachRolePolicy"],
            resources: [roles],
            conditions: { ArnEquals: { "iam:PolicyARN": ssmManagedPolicy } },
        },
        {
            sid: "PassNodeRolesToEc2",
            effect: "Allow",
            actions: ["iam:PassRole"],
            resources: [roles],
            conditions: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
        ...(scope.state ? stateBucketStatements(scope.state, true) : []),
        ...(scope.issuerBucket ? [{
            sid: "TheIssuerDocuments", effect: "Allow" as const, actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging"],
            resources: issuerDocumentArns(scope.issuerBucket),
        }] : []),
        { sid: "NeverItsOwnRoles", effect: "Deny", actions: roleChangeActions, resources: scope.ownRoles },
    ]);
}

/** What the preview role of pull requests may do: read what a preview compares, and read the state. */
export function previewerPolicy(scope: { accountId: string; state?: StateBucket }): PolicyDocument {
    return policyDocument([
        { sid: "ReadWhatPulumiCompares", effect: "Allow", actions: describeActions, resources: ["*"] },
        { sid: "ReadKubestrapRoles", effect: "Allow", actions: iamReadActions, resources: Object.values(kubestrapIamArns(scope.accountId)) },
        ...(scope.state ? stateBucketStatements(scope.state, false) : []),
    ]);
}

/** Why a GitHub repository or branch would make the trust policy admit the wrong runs, or undefined. */
export function githubDeployerProblem(d: Pick<GithubDeployer, "repository" | "branch" | "environment">): string | undefined {
    if (!githubRepositoryName.test(d.repository)) {
        return `"${d.repository}" is not a GitHub repository; write it as owner/name`;
    }
    if ([d.branch, d.environment].some((v) => v !== undefined && /[*?]/.test(v))) {
        return "a wildcard in the branch or environment lets other runs assume the deploy role; name one exactly";
    }
    if (d.branch && d.environment) {
        return "the deploy role trusts runs of one branch or of one environment: keep one";
    }
    return undefined;
}

/** The cluster's service-account issuer as kubestrap publishes it: an S3 bucket's https name. */
export const serviceAccountIssuerUrl = (bucket: string, region: string) => `https://${bucket}.s3.${region}.amazonaws.com`;

/** The OIDC discovery document AWS reads at <issuer>/.well-known/openid-configuration (as kube-apiserver serves its own). */
export function oidcDiscoveryDocument(issuer: string): Record<string, unknown> {
    return {
        issuer,
        jwks_uri: `${issuer}/openid/v1/jwks`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
    };
}

/** The paths of the issuer's bucket that anyone may read (AWS fetches them anonymously), and nothing else. */
export const issuerDocumentKeys = [".well-known/openid-configuration", "openid/v1/jwks"];
const issuerDocumentArns = (bucket: string) => issuerDocumentKeys.map((k) => `arn:aws:s3:::${bucket}/${k}`);

export function issuerReadPolicy(bucket: string): PolicyDocument {
    return policyDocument([{
        sid: "AnyoneReadsTheIssuerDocuments",
        effect: "Allow",
        principal: { AWS: "*" },
        actions: ["s3:GetObject"],
        resources: issuerDocumentArns(bucket),
    }]);
}
