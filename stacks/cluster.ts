// The Kubernetes provider every in-cluster component is created through.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config";

/** Where `npm run cluster:up` writes the local control plane's kubeconfig. */
export const localKubeconfigPath = path.resolve(__dirname, "..", ".kubestrap", "local", "kubeconfig");

export function kubeconfigPath(cluster: ClusterConfig): string {
    if (cluster.target === "local") {
        return localKubeconfigPath;
    }
    return path.resolve(cluster.kubeconfig!.replace(/^~(?=\/)/, os.homedir()));
}

/** Reads the kubeconfig for `cluster`, or explains how to get one. */
export function readKubeconfig(cluster: ClusterConfig, readFile = (p: string) => fs.readFileSync(p, "utf8")): string {
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

export function clusterProvider(cluster: ClusterConfig, kubeconfig: string): k8s.Provider {
    return new k8s.Provider("cluster", {
        kubeconfig: pulumi.secret(kubeconfig),
        ...(cluster.context ? { context: cluster.context } : {}),
    });
}
