// Where a stack's kubeconfig file is, for the program and for `npm run status` (which should not
// load the whole composition to learn it).
import * as os from "os";
import * as path from "path";
import type { ResolvedCluster } from "../config";
import { projectDir } from "../config/project-dir";

/** Where `npm run cluster:up` writes the local control plane's kubeconfig. */
export const localKubeconfigPath = path.resolve(process.env.KUBESTRAP_LOCAL_DIR ?? path.join(projectDir, ".kubestrap", "local"), "kubeconfig");

export function kubeconfigPath(cluster: Pick<ResolvedCluster, "target" | "kubeconfig">): string {
    if (cluster.target === "local") {
        return localKubeconfigPath;
    }
    return path.resolve(cluster.kubeconfig!.replace(/^~(?=\/)/, os.homedir()));
}
