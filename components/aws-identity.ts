// Keyless AWS access: GitHub Actions' OIDC identity provider and a deploy role only this
// repository's runs (one branch or one environment) may assume, so CI runs `pulumi up` with web
// identity; and, optionally, the cluster's service-account issuer as an identity provider, so
// pods assume roles with their projected tokens (Ceph's or etcd's backups to S3, for example).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deployerPolicy, githubDeployTrustPolicy, githubOidcHost, kubestrapIamPath } from "./aws-policies";

export interface AwsIdentityArgs {
    github?: { repository: string; branch?: string; environment?: string; existingProviderArn?: string };
    serviceAccountIssuer?: { url: string; thumbprint?: string };
}

export class AwsIdentity extends pulumi.ComponentResource {
    readonly deployRoleArn?: pulumi.Output<string>;
    readonly serviceAccountProviderArn?: pulumi.Output<string>;

    constructor(name: string, args: AwsIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:aws:AwsIdentity", name, {}, opts);
        const child = { parent: this };
        const account = aws.getCallerIdentityOutput({}, child).accountId;
        if (args.github) {
            const g = args.github;
            const providerArn = g.existingProviderArn ? pulumi.output(g.existingProviderArn)
                : new aws.iam.OpenIdConnectProvider(`${name}-github`, { url: `https://${githubOidcHost}`, clientIdLists: ["sts.amazonaws.com"] }, child).arn;
            const role = new aws.iam.Role(`${name}-deploy`, {
                path: kubestrapIamPath,
                description: `kubestrap: pulumi up from GitHub Actions of ${g.repository}`,
                assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(githubDeployTrustPolicy({ providerArn: arn, repository: g.repository, branch: g.branch, environment: g.environment }))),
                maxSessionDuration: 3600,
            }, child);
            new aws.iam.RolePolicy(`${name}-deploy`, { role: role.name, policy: account.apply((id) => JSON.stringify(deployerPolicy(id))) }, child);
            this.deployRoleArn = role.arn;
        }
        if (args.serviceAccountIssuer) {
            this.serviceAccountProviderArn = new aws.iam.OpenIdConnectProvider(`${name}-service-accounts`, {
                url: args.serviceAccountIssuer.url, clientIdLists: ["sts.amazonaws.com"],
                ...(args.serviceAccountIssuer.thumbprint ? { thumbprintLists: [args.serviceAccountIssuer.thumbprint] } : {}),
            }, child).arn;
        }
        this.registerOutputs({ deployRoleArn: this.deployRoleArn, serviceAccountProviderArn: this.serviceAccountProviderArn });
    }
}
