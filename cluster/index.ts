// cluster: k3s installed, joined, upgraded (a drain and an uncordon around each host) and removed
// over SSH or on this machine, its kubeconfig read back, a hardened node's kernel parameters;
// the steps on hosts the mesh and the cloud workers build on; `kubestrap:cluster.k3s`'s schema.
export { K3sCluster, type K3sClusterArgs, type K3sHost } from "./k3s-cluster";
export { K3sNode, type K3sNodeArgs } from "./k3s-node";
export { type HostConnection, HostSteps, RemoteCommand } from "./remote-command";
export { installCommands, k3sConfigYaml, type K3sNodeSettings, type Taint } from "./k3s-plan";
export { k3s as k3sSchema, type K3sConfig } from "./config";
