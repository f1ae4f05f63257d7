// Every policy document components/aws-policies.ts builds, with sample inputs: the unit suite
// checks their content, the end-to-end suite lints them with parliament.
import {
    bucketPrefixPolicy, deployerPolicy, ec2TrustPolicy, githubDeployTrustPolicy, PolicyDocument, serviceAccountTrustPolicy,
} from "../components/aws-policies";

const account = "123456789012";

export const trustPolicies: Record<string, PolicyDocument> = {
    "GitHub deploy role, branch": githubDeployTrustPolicy({ providerArn: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`, repository: "acme/platform", branch: "main" }),
    "GitHub deploy role, environment": githubDeployTrustPolicy({ providerArn: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`, repository: "acme/platform", environment: "prod" }),
    "worker nodes": ec2TrustPolicy(),
    "a ServiceAccount's role": serviceAccountTrustPolicy({ providerArn: `arn:aws:iam::${account}:oidc-provider/oidc.example.com/cluster`, issuer: "oidc.example.com/cluster", namespace: "rook-ceph", serviceAccount: "backup" }),
};

export const identityPolicies: Record<string, PolicyDocument> = {
    "backups to one bucket prefix": bucketPrefixPolicy("k3s-snapshots", "/etcd/"),
    "CI's deploy role": deployerPolicy(account),
};
