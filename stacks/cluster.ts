// The cluster the platform runs on, and the Kubernetes provider every in-cluster component uses.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedCluster, ResolvedK3s } from "../config";
import { ApiServerEndpoint, endpointsFromSlice } from "../components/demon-specs";
import { K3sCluster, K3sClusterArgs } from "../components/k3s-cluster";
import { EnvironmentProfile } from "./environments";

/** Where `npm run cluster:up` writes the local control plane's kubeconfig. */
export const localKubeconfigPath = path.resolve(process.env.KUBESTRAP_LOCAL_DIR ?? path.join(__dirname, "..", ".kubestrap", "local"), "kubeconfig");

export function kubeconfigPath(cluster: ResolvedCluster): string {
    if (cluster.target === "local") {
        return localKubeconfigPath;
    }
    return path.resolve(cluster.kubeconfig!.replace(/^~(?=\/)/, os.homedir()));
}

/** Reads the kubeconfig for a local or kubeconfig target, or explains how to get one. */
export function readKubeconfig(cluster: ResolvedCluster, readFile = (p: string) => fs.readFileSync(p, "utf8")): string {
    const file = kubeconfigPath(cluster);
    try {
        return readFile(file);
    } catch {
        const fix = cluster.target === "local"
            ? "start the local control plane with `npm run cluster:up` (or use `npm run up`, which does)"
            : "fix kubestrap:cluster.kubeconfig, or point it at the file your cluster's admin kubeconfig was saved to";
        throw new pulumi.RunError(`kubestrap:cluster: cannot read kubeconfig ${file}; ${fix}`);
    }
}

export function k3sClusterArgs(k3s: ResolvedK3s, profile: EnvironmentProfile): K3sClusterArgs {
    return {
        version: k3s.version,
        token: k3s.token,
        ha: k3s.ha,
        hardened: k3s.hardened ?? profile.hardenK3s,
        ssh: k3s.ssh && { user: k3s.ssh.user, port: k3s.ssh.port, privateKey: k3s.ssh.privateKey, sudo: k3s.ssh.sudo },
        servers: k3s.servers,
        agents: k3s.agents,
        disable: k3s.disable,
        flannelIface: k3s.flannel.iface,
        flannelBackend: k3s.flannel.backend,
        tlsSans: k3s.tlsSans,
        extraServerArgs: k3s.extraServerArgs,
        extraAgentArgs: k3s.extraAgentArgs,
        dataDir: k3s.dataDir,
        registries: k3s.registries,
        etcdSnapshots: k3s.etcdSnapshots && {
            schedule: k3s.etcdSnapshots.schedule,
            retention: k3s.etcdSnapshots.retention,
            s3: k3s.etcdSnapshots.s3 && {
                endpoint: k3s.etcdSnapshots.s3.endpoint, bucket: k3s.etcdSnapshots.s3.bucket,
                folder: k3s.etcdSnapshots.s3.folder, region: k3s.etcdSnapshots.s3.region,
            },
        },
        etcdS3Credentials: k3s.etcdSnapshots?.s3 && { accessKey: k3s.etcdSnapshots.s3.accessKey, secretKey: k3s.etcdSnapshots.s3.secretKey },
        airGap: k3s.airGap,
        restoreSnapshot: k3s.restoreSnapshot,
    };
}

export interface ConnectedCluster {
    provider: k8s.Provider;
    /** The admin kubeconfig, when kubestrap installed the cluster (a secret). */
    kubeconfig?: pulumi.Output<string>;
    k3s?: K3sCluster;
}

/** Installs k3s when the stack says so, and returns the provider for everything in the cluster. */
export function connectCluster(cluster: ResolvedCluster, profile: EnvironmentProfile): ConnectedCluster {
    if (cluster.target === "k3s") {
        const k3s = new K3sCluster("k3s", k3sClusterArgs(cluster.k3s!, profile));
        return {
            k3s,
            kubeconfig: k3s.kubeconfig,
            provider: new k8s.Provider("cluster", { kubeconfig: k3s.kubeconfig }, { dependsOn: [k3s] }),
        };
    }
    return {
        provider: new k8s.Provider("cluster", {
            kubeconfig: pulumi.secret(readKubeconfig(cluster)),
            ...(cluster.context ? { context: cluster.context } : {}),
        }),
    };
}

/**
 * The API server's real endpoints, as the cluster publishes them in the `kubernetes`
 * EndpointSlice (read through the engine, so a change shows in the diff of what uses them).
 */
export function apiServerEndpoints(provider: k8s.Provider): pulumi.Output<ApiServerEndpoint[]> {
    const slice = k8s.discovery.v1.EndpointSlice.get("kubernetes-api-endpoints", "default/kubernetes", { provider });
    return pulumi.all([slice.endpoints, slice.ports]).apply(([endpoints, ports]) => endpointsFromSlice({ endpoints, ports }));
}
