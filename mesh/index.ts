// mesh: a Headscale tailnet the k3s nodes join before k3s runs over it (MeshNetwork), its plan
// (paths, names, the ACL policy), each node's join, and `kubestrap:cluster.mesh`'s schema and checks.
export { MeshNetwork, type MeshNetworkArgs, type MeshHost } from "./mesh-network";
export { meshInterface, meshPaths, type MeshGroup } from "./mesh-plan";
export { tailscaleJoinScript } from "./mesh-join";
export { mesh as meshSchema, type MeshConfig } from "./config";
export { k3sRanges, meshProblems } from "./config-checks";
