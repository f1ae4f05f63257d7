// `node -r` this to keep the compiled code of what the process loads in $KUBESTRAP_CODE_CACHE (a file
// name; each main script keeps its own file beside it). scripts/cli.sh does, for the command-line
// tools. See code-cache.ts.
import { createHash } from "crypto";
import { isMainThread } from "worker_threads";
import { installCodeCache } from "./code-cache";

const file = process.env.KUBESTRAP_CODE_CACHE;
if (file && file !== "off" && isMainThread) {
    const main = createHash("sha256").update(process.argv[1] ?? "").digest("hex").slice(0, 12);
    // With source maps on (KUBESTRAP_SOURCE_MAPS=1), the tools' own modules are left to Node, which
    // reads a module's map only when it compiles the module itself.
    installCodeCache(`${file}.${main}`, { dependenciesOnly: process.sourceMapsEnabled });
}
