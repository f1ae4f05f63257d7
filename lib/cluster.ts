// kubestrap/cluster: k3s over SSH (servers, agents, HA, air gap, upgrades) and the Headscale mesh.
export { K3sCluster, type K3sClusterArgs } from "../components/k3s-cluster";
export { K3sNode, type K3sNodeArgs } from "../components/k3s-node";
export { MeshNetwork, type MeshNetworkArgs } from "../components/mesh-network";
