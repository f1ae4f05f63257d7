// The project's directory, the one with Pulumi.yaml, found up from this file: the program runs
// from its sources here, or compiled into .kubestrap/program/<hash>/ (scripts/pulumi.sh), and
// the files it reads beside its sources (k3s flag lists, the Compose schema) stay in the sources.
import * as fs from "fs";
import * as path from "path";

function findProjectDir(from: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`kubestrap: no Pulumi.yaml in ${from} or above it; run the program from its project`);
    }
}

export const projectDir = findProjectDir(__dirname);
