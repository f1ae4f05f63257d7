// kubestrap/aws: keyless identities for CI and workloads, a workers' VPC, and EC2 worker pools that join k3s.
export { AwsIdentity, type AwsIdentityArgs, AwsNetwork, AwsWorkerPool, type AwsWorkerPoolArgs } from "../aws";
