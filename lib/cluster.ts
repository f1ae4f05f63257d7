// kubestrap/cluster: k3s over SSH (servers, agents, HA, air gap, upgrades) and the Headscale mesh.
export { K3sCluster, type K3sClusterArgs, K3sNode, type K3sNodeArgs } from "../cluster";
export { MeshNetwork, type MeshNetworkArgs } from "../mesh";
