// The name each Kubernetes provider gives its cluster (clusterIdentifier). Without one, the
// provider replaces itself, and every object it manages with it, whenever its kubeconfig's
// active cluster changes or is unknown at preview: a k3s kubeconfig read again after a token
// rotation, a new server address, k3s moved onto the mesh. The name changes only with what
// makes a new cluster, so those changes update the provider in place and replace nothing.
import { createHash } from "crypto";
import * as fs from "fs";
import { parse } from "yaml";

/** The `cluster` entry of a kubeconfig's context (the current one unless named); throws on YAML it cannot parse. */
export function activeKubeconfigCluster(kubeconfig: string, context?: string): Record<string, any> | undefined {
    const doc = parse(kubeconfig);
    const contextName = context ?? doc["current-context"];
    const clusterName = doc.contexts?.find((c: any) => c.name === contextName)?.context?.cluster;
    return doc.clusters?.find((c: any) => c.name === clusterName)?.cluster;
}

const short = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** A k3s cluster kubestrap installs: its first server, where the cluster was initialised. */
export function k3sClusterIdentifier(firstServer: string): string {
    return `kubestrap/k3s/${firstServer}`;
}

/**
 * A cluster reached by kubeconfig: its CA, the data or the file's contents (a new cluster has a
 * new one; a new address or token does not), else, with no CA, its server URL. A kubeconfig
 * with no active cluster gets a name of its own, never one derived from its credentials.
 */
export function kubeconfigClusterIdentifier(kubeconfig: string, context?: string, readFile = (p: string) => fs.readFileSync(p, "utf8")): string {
    try {
        const cluster = activeKubeconfigCluster(kubeconfig, context) ?? {};
        if (cluster["certificate-authority-data"]) return `kubestrap/kubeconfig/ca-${short(String(cluster["certificate-authority-data"]))}`;
        if (cluster["certificate-authority"]) {
            const file = String(cluster["certificate-authority"]);
            let ca: string;
            try {
                ca = Buffer.from(readFile(file)).toString("base64");
            } catch {
                ca = file;
            }
            return `kubestrap/kubeconfig/ca-${short(ca)}`;
        }
        if (cluster.server) return `kubestrap/kubeconfig/server-${short(String(cluster.server))}`;
    } catch {
        // An unparsable kubeconfig fails where the provider reads it, with its own message.
    }
    return "kubestrap/kubeconfig/no-active-cluster";
}
