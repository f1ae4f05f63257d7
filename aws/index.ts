// aws: keyless identities for CI and workloads (AwsIdentity), the workers' VPC (AwsNetwork), and
// EC2 worker pools that join k3s, over the mesh or not (AwsWorkerPool); `kubestrap:cluster.aws`'s schema.
export { AwsIdentity, type AwsIdentityArgs, type ServiceAccountRoleArgs } from "./aws-identity";
export { AwsNetwork, type AwsNetworkArgs } from "./aws-network";
export { AwsWorkerPool, type AwsWorkerPoolArgs, ec2Arch } from "./aws-worker-pool";
export { serviceAccountIssuerUrl } from "./aws-policies";
export { type WorkerSettings } from "./aws-user-data";
export { aws as awsSchema, type AwsConfig, unreachableFromCloud, vpcOverlapProblems } from "./config";
