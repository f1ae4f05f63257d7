// The CLI behind scripts/stack-target.sh: `<stack> [target|nodes|environment|file] [--file F]`.
import { projectDir } from "../core/project-dir";
import { readStackSettings, stackConfigFile } from "../stacks/stack-file";

const [stack, what = "target", ...rest] = process.argv.slice(2);
const at = rest.indexOf("--file");
const file = at >= 0 && rest[at + 1] ? rest[at + 1] : stackConfigFile(projectDir, stack);
try {
    if (what === "file") {
        console.log(file);
    } else if (what === "target" || what === "nodes" || what === "environment") {
        console.log(readStackSettings(file)[what]);
    } else {
        console.error(`usage: scripts/stack-target.sh <stack> [target|nodes|environment|file] [--file F]; "${what}" is none of those`);
        process.exit(2);
    }
} catch (e) {
    console.error(`[kubestrap] ${(e as Error).message}`);
    process.exit(1);
}
