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
    principal?: { Service: string } | { Federated: string };
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

/** GitHub Actions' OIDC issuer, as IAM names it. */
export const githubOidcHost = "token.actions.githubusercontent.com";

export interface GithubDeployer {
    /** The identity provider's ARN (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com). */
    providerArn: string;
    /** "owner/name" */
    repository: string;
    /** Runs on this branch may assume the role... */
    branch?: string;
    /** ...or runs in this GitHub environment (its protection rules then guard the role). */
    environment?: string;
}

/** Who may assume the deploy role: GitHub Actions runs of one repository, on one branch or environment. */
export function githubDeployTrustPolicy(d: GithubDeployer): PolicyDocument {
    const subject = d.environment ? `repo:${d.repository}:environment:${d.environment}` : `repo:${d.repository}:ref:refs/heads/${d.branch ?? "main"}`;
    return policyDocument([{
        sid: "GithubActionsOfThisRepository",
        effect: "Allow",
        principal: { Federated: d.providerArn },
        actions: ["sts:AssumeRoleWithWebIdentity"],
        conditions: { StringEquals: { [`${githubOidcHost}:aud`]: "sts.amazonaws.com", [`${githubOidcHost}:sub`]: subject } },
    }]);
}

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

/**
 * What CI's deploy role may do: run `pulumi up` of the worker pools (EC2, Auto Scaling, the
 * AMI lookup) and manage only kubestrap's own roles and instance profiles (under its IAM path),
 * passing them to EC2 alone.
 */
export function deployerPolicy(accountId: string): PolicyDocument {
    const roles = `arn:aws:iam::${accountId}:role${kubestrapIamPath}*`;
    const profiles = `arn:aws:iam::${accountId}:instance-profile${kubestrapIamPath}*`;
    return policyDocument([
        {
            sid: "ReadWhatPulumiCompares",
            effect: "Allow",
            actions: [
                "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInternetGateways", "ec2:DescribeRouteTables",
                "ec2:DescribeAddresses", "ec2:DescribeNatGateways", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
                "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeImages", "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:DescribeAccountAttributes",
                "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeLifecycleHooks", "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags", "autoscaling:DescribeInstanceRefreshes",
            ],
            resources: ["*"],
        },
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
                "iam:GetRole", "iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                "iam:GetRolePolicy", "iam:ListInstanceProfilesForRole",
                "iam:GetInstanceProfile", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile",
                "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
            ],
            resources: [roles, profiles],
        },
        {
            sid: "PassNodeRolesToEc2",
            effect: "Allow",
            actions: ["iam:PassRole"],
            resources: [roles],
            conditions: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
    ]);
}

/** Why a GitHub repository or branch would make the trust policy admit the wrong runs, or undefined. */
export function githubDeployerProblem(d: Pick<GithubDeployer, "repository" | "branch" | "environment">): string | undefined {
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(d.repository)) {
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
