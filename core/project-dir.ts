// kubestrap's own directory (its package.json, or the project's Pulumi.yaml), found up from this file: the program
// runs from its sources here, compiled into .kubestrap/<kind>/<hash>/ (scripts/compile.sh), or
// from the package's dist/ in another project's node_modules; the files read beside the sources
// (k3s flag lists, the Compose schema) stay beside them. In this repository it is also the
// project: its stack files, .kubestrap/ and scripts/.
import * as fs from "fs";
import * as path from "path";

function isKubestrap(dir: string): boolean {
    try {
        return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name === "kubestrap";
    } catch {
        return false;
    }
}

function findProjectDir(from: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        // Installed as a package, its own package.json comes before the consuming project's Pulumi.yaml.
        if (isKubestrap(dir) || fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`kubestrap: no Pulumi.yaml or kubestrap package.json in ${from} or above it; run it from its project, or install the package`);
    }
}

export const projectDir = findProjectDir(__dirname);
