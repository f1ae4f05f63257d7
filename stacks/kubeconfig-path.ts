// Where a stack's kubeconfig file is, for the program and for `npm run status` (which should not
// load the whole composition to learn it).
import * as os from "os";
import * as path from "path";
import type { ResolvedCluster } from "../config";
import { projectDir } from "../core/project-dir";

/** Where `npm run cluster:up` writes the local control plane's kubeconfig. */
export const localKubeconfigPath = path.resolve(process.env.KUBESTRAP_LOCAL_DIR ?? path.join(projectDir, ".kubestrap", "local"), "kubeconfig");

/**
 * A stack's kubeconfig file: the local control plane's, the one config names, or, for target
 * "kubeconfig" without a file, where kubectl looks: KUBECONFIG's first file, else ~/.kube/config.
 */
export function kubeconfigPath(cluster: Pick<ResolvedCluster, "target" | "kubeconfig">, env: Record<string, string | undefined> = process.env): string {
    if (cluster.target === "local") {
        return localKubeconfigPath;
    }
    const given = cluster.kubeconfig || env.KUBECONFIG?.split(path.delimiter).find((f) => f.length > 0) || "~/.kube/config";
    return path.resolve(given.replace(/^~(?=\/)/, os.homedir()));
}
