// Every policy document aws/aws-policies.ts builds, with sample inputs: the unit suite
// checks their content, the end-to-end suite lints them with parliament.
import {
    bucketPrefixPolicy, deployerPolicy, ec2TrustPolicy, githubDeployTrustPolicy, githubPreviewTrustPolicy, PolicyDocument, previewerPolicy,
    serviceAccountTrustPolicy,
} from "../aws/aws-policies";

const account = "123456789012";
const githubProvider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
export const sampleRoles = { deploy: `arn:aws:iam::${account}:role/kubestrap/aws-identity-deploy-1a2b3c4`, preview: `arn:aws:iam::${account}:role/kubestrap/aws-identity-preview-5d6e7f8` };

export const trustPolicies: Record<string, PolicyDocument> = {
    "GitHub deploy role, branch": githubDeployTrustPolicy({ providerArn: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`, repository: "acme/platform", branch: "main" }),
    "GitHub deploy role, environment": githubDeployTrustPolicy({ providerArn: githubProvider, repository: "acme/platform", environment: "prod" }),
    "GitHub deploy role, immutable subject": githubDeployTrustPolicy({ providerArn: githubProvider, repository: "acme/platform", ownerId: 1234567, repositoryId: 89012345, environment: "prod" }),
    "GitHub preview role": githubPreviewTrustPolicy({ providerArn: githubProvider, repository: "acme/platform" }),
    "worker nodes": ec2TrustPolicy(),
    "a ServiceAccount's role": serviceAccountTrustPolicy({ providerArn: `arn:aws:iam::${account}:oidc-provider/oidc.example.com/cluster`, issuer: "oidc.example.com/cluster", namespace: "rook-ceph", serviceAccount: "backup" }),
};

export const identityPolicies: Record<string, PolicyDocument> = {
    "backups to one bucket prefix": bucketPrefixPolicy("k3s-snapshots", "/etcd/"),
    "CI's deploy role": deployerPolicy({ accountId: account, ownRoles: [sampleRoles.deploy, sampleRoles.preview], state: { bucket: "acme-pulumi-state", prefix: "kubestrap" } }),
    "pull requests' preview role": previewerPolicy({ accountId: account, state: { bucket: "acme-pulumi-state", prefix: "kubestrap" } }),
};
