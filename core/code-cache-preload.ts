// `node -r` this to keep the compiled code of what the process loads in $KUBESTRAP_CODE_CACHE (a file);
// scripts/cli.sh does, for the command-line tools. See code-cache.ts.
import { installCodeCache } from "./code-cache";

if (process.env.KUBESTRAP_CODE_CACHE) installCodeCache(process.env.KUBESTRAP_CODE_CACHE);
