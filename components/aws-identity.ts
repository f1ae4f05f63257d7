// Keyless AWS access: GitHub Actions' OIDC identity provider and a deploy role only this
// repository's runs (one branch or one environment) may assume, so CI runs `pulumi up` with web
// identity; and, optionally, the cluster's service-account issuer as an identity provider, so
// pods assume roles with their projected tokens (Ceph's or etcd's backups to S3, for example).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketPrefixPolicy, deployerPolicy, githubDeployTrustPolicy, githubOidcHost, kubestrapIamPath, serviceAccountTrustPolicy } from "./aws-policies";

export interface ServiceAccountRoleArgs {
    name: string;
    namespace: string;
    serviceAccount: string;
    backups: { bucket: string; prefix: string };
}

export interface AwsIdentityArgs {
    github?: { repository: string; branch?: string; environment?: string; existingProviderArn?: string };
    serviceAccountIssuer?: { url: string; thumbprint?: string; roles?: ServiceAccountRoleArgs[] };
}

export class AwsIdentity extends pulumi.ComponentResource {
    readonly deployRoleArn?: pulumi.Output<string>;
    readonly serviceAccountProviderArn?: pulumi.Output<string>;
    /** Role name -> ARN, for the ServiceAccounts that assume them (AWS_ROLE_ARN in their pods). */
    readonly serviceAccountRoleArns: Record<string, pulumi.Output<string>> = {};

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
            const issuer = args.serviceAccountIssuer;
            const providerArn = new aws.iam.OpenIdConnectProvider(`${name}-service-accounts`, {
                url: issuer.url, clientIdLists: ["sts.amazonaws.com"],
                ...(issuer.thumbprint ? { thumbprintLists: [issuer.thumbprint] } : {}),
            }, child).arn;
            this.serviceAccountProviderArn = providerArn;
            // IAM keys the token's claims by the issuer's host and path.
            const issuerKey = issuer.url.replace(/^https:\/\//, "").replace(/\/+$/, "");
            for (const r of issuer.roles ?? []) {
                const role = new aws.iam.Role(`${name}-sa-${r.name}`, {
                    path: kubestrapIamPath,
                    description: `kubestrap: ServiceAccount ${r.namespace}/${r.serviceAccount}, backups to s3://${r.backups.bucket}/${r.backups.prefix}`,
                    assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(serviceAccountTrustPolicy({ providerArn: arn, issuer: issuerKey, namespace: r.namespace, serviceAccount: r.serviceAccount }))),
                    maxSessionDuration: 3600,
                }, child);
                new aws.iam.RolePolicy(`${name}-sa-${r.name}`, { role: role.name, policy: JSON.stringify(bucketPrefixPolicy(r.backups.bucket, r.backups.prefix)) }, child);
                this.serviceAccountRoleArns[r.name] = role.arn;
            }
        }
        this.registerOutputs({ deployRoleArn: this.deployRoleArn, serviceAccountProviderArn: this.serviceAccountProviderArn, serviceAccountRoleArns: this.serviceAccountRoleArns });
    }
}
