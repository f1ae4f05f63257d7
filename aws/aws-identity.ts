// Keyless AWS access: GitHub Actions' OIDC identity provider, a deploy role only this
// repository's runs in one environment (or on one branch) may assume, so CI runs `pulumi up` with
// web identity, and a read-only preview role for its pull requests; and, optionally, the cluster's service-account issuer as an identity provider, so
// pods assume roles with their projected tokens (Ceph's or etcd's backups to S3, for example).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    bucketPrefixPolicy, deployerPolicy, githubDeployTrustPolicy, githubOidcHost, githubPreviewTrustPolicy, issuerDocumentKeys, issuerReadPolicy,
    kubestrapIamPath, oidcDiscoveryDocument, previewerPolicy, serviceAccountIssuerUrl, serviceAccountTrustPolicy, StateBucket,
} from "./aws-policies";

export interface ServiceAccountRoleArgs {
    name: string;
    namespace: string;
    serviceAccount: string;
    backups: { bucket: string; prefix: string };
}

export interface AwsIdentityArgs {
    github?: {
        repository: string; ownerId?: number; repositoryId?: number; branch?: string; environment?: string; existingProviderArn?: string;
        /** A read-only role for pull requests' previews (default true). */
        previews?: boolean;
        /** s3://bucket[/prefix]: Pulumi's state, which the roles may reach. */
        stateBucket?: string;
    };
    /**
     * The cluster's service-account issuer, published from the S3 bucket `bucket` (made here) in
     * `region`: k3s must be told the same issuer (K3sClusterArgs.serviceAccountIssuer), and `jwks`
     * is the cluster's own key set (K3sCluster.serviceAccountJwks).
     */
    serviceAccountIssuer?: { bucket: string; region: string; jwks: pulumi.Input<string>; roles?: ServiceAccountRoleArgs[] };
}

export class AwsIdentity extends pulumi.ComponentResource {
    readonly deployRoleArn?: pulumi.Output<string>;
    readonly previewRoleArn?: pulumi.Output<string>;
    readonly serviceAccountProviderArn?: pulumi.Output<string>;
    /** The issuer k3s signs service-account tokens as, published for AWS. */
    readonly serviceAccountIssuerUrl?: string;
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
            const state = g.stateBucket ? stateBucketOf(g.stateBucket) : undefined;
            const role = new aws.iam.Role(`${name}-deploy`, {
                path: kubestrapIamPath,
                description: `kubestrap: pulumi up from GitHub Actions of ${g.repository}`,
                assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(githubDeployTrustPolicy({ ...g, providerArn: arn }))),
                maxSessionDuration: 3600,
            }, child);
            const preview = g.previews === false ? undefined : new aws.iam.Role(`${name}-preview`, {
                path: kubestrapIamPath,
                description: `kubestrap: pulumi preview of pull requests of ${g.repository} (read-only)`,
                assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(githubPreviewTrustPolicy({ ...g, providerArn: arn }))),
                maxSessionDuration: 3600,
            }, child);
            const ownRoles = pulumi.all([role.arn, preview?.arn]).apply(([a, b]) => [a, ...(b ? [b] : [])]);
            new aws.iam.RolePolicy(`${name}-deploy`, {
                role: role.name,
                policy: pulumi.all([account, ownRoles]).apply(([accountId, own]) => JSON.stringify(deployerPolicy({ accountId, ownRoles: own, state, issuerBucket: args.serviceAccountIssuer?.bucket }))),
            }, child);
            if (preview) {
                new aws.iam.RolePolicy(`${name}-preview`, { role: preview.name, policy: account.apply((accountId) => JSON.stringify(previewerPolicy({ accountId, state }))) }, child);
                this.previewRoleArn = preview.arn;
            }
            this.deployRoleArn = role.arn;
        }
        if (args.serviceAccountIssuer) {
            const issuer = args.serviceAccountIssuer;
            const url = serviceAccountIssuerUrl(issuer.bucket, issuer.region);
            const published = this.publishIssuer(name, issuer.bucket, url, issuer.jwks);
            const providerArn = new aws.iam.OpenIdConnectProvider(`${name}-service-accounts`, {
                url, clientIdLists: ["sts.amazonaws.com"],
            }, { ...child, dependsOn: published }).arn;
            this.serviceAccountProviderArn = providerArn;
            this.serviceAccountIssuerUrl = url;
            // IAM keys the token's claims by the issuer's host and path.
            const issuerKey = url.replace(/^https:\/\//, "");
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
        this.registerOutputs({ serviceAccountIssuerUrl: this.serviceAccountIssuerUrl, deployRoleArn: this.deployRoleArn, previewRoleArn: this.previewRoleArn, serviceAccountProviderArn: this.serviceAccountProviderArn, serviceAccountRoleArns: this.serviceAccountRoleArns });
    }

    /** The discovery document and the JWKS, readable by anyone (AWS fetches them anonymously), nothing else in the bucket. */
    private publishIssuer(name: string, bucketName: string, url: string, jwks: pulumi.Input<string>): pulumi.Resource[] {
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(`${name}-issuer`, { bucket: bucketName, forceDestroy: true }, child);
        const access = new aws.s3.BucketPublicAccessBlock(`${name}-issuer`, {
            bucket: bucket.id, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false,
        }, child);
        const policy = new aws.s3.BucketPolicy(`${name}-issuer`, { bucket: bucket.id, policy: JSON.stringify(issuerReadPolicy(bucketName)) }, { ...child, dependsOn: [access] });
        const [discoveryKey, jwksKey] = issuerDocumentKeys;
        const document = (id: string, key: string, content: pulumi.Input<string>) =>
            new aws.s3.BucketObjectv2(`${name}-issuer-${id}`, { bucket: bucket.id, key, content, contentType: "application/json" }, child);
        return [policy, document("discovery", discoveryKey, JSON.stringify(oidcDiscoveryDocument(url))), document("jwks", jwksKey, jwks)];
    }
}

/** s3://bucket/prefix as the bucket and the prefix Pulumi's backend writes under. */
export function stateBucketOf(url: string): StateBucket {
    const [bucket, ...rest] = url.replace(/^s3:\/\//, "").split("/");
    const prefix = rest.join("/").replace(/\/+$/, "");
    return prefix ? { bucket, prefix } : { bucket };
}
