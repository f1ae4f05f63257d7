// `node -r` this to keep the compiled code of what the process loads in $KUBESTRAP_CODE_CACHE (a file
// name; each main script keeps its own file beside it). scripts/cli.sh does, for the command-line
// tools; the Pulumi program has its own preload (program-preload.ts). See code-cache.ts.
import { createHash } from "crypto";
import { installCodeCache } from "./code-cache";

const file = process.env.KUBESTRAP_CODE_CACHE;
if (file) installCodeCache(`${file}.${createHash("sha256").update(process.argv[1] ?? "").digest("hex").slice(0, 12)}`);
