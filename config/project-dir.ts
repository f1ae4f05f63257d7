// kubestrap's own directory, the one with its package.json, found up from this file: the program
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
        if (isKubestrap(dir)) return dir;
        if (path.dirname(dir) === dir) throw new Error(`kubestrap: no kubestrap package.json in ${from} or above it; run it from its project, or install the package`);
    }
}

export const projectDir = findProjectDir(__dirname);
