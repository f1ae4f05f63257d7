// kubestrap/aws: keyless identities for CI and workloads, a workers' VPC, and EC2 worker pools that join k3s.
export { AwsIdentity, type AwsIdentityArgs } from "../components/aws-identity";
export { AwsNetwork } from "../components/aws-network";
export { AwsWorkerPool, type AwsWorkerPoolArgs } from "../components/aws-worker-pool";
