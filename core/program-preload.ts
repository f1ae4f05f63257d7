// Loaded first (`node --require`) by the compiled Pulumi program's Node, before the SDK's runner:
// kubestrap's language host adds it when scripts/pulumi.sh names it (KUBESTRAP_PROGRAM_PRELOAD).
// - The SDK's closure serialiser (TypeScript, npm's arborist) and Automation API, which the program
//   never uses, load on first use instead of on start (core/lazy-sdk.ts).
// - V8's compiled code of the SDK and the other packages is kept in $KUBESTRAP_CODE_CACHE
//   (core/code-cache.ts). The program's own modules are left to Node, which reads their source
//   maps only when it compiles them itself (their stack frames are mapped to TypeScript lines).
import "./lazy-sdk";
import * as v8 from "v8";
import { isMainThread } from "worker_threads";
import { installCodeCache } from "./code-cache";

// The runner turns this V8 flag on before it runs the program (@pulumi/pulumi 3.248,
// runtime/closure/v8Hooks.js). V8 refuses cached code made under other flags than the process has
// when it compiles, so a flag turned on mid-run would have every module loaded before it compiled
// anew on every run. Turned on here first, the flags stay the same throughout.
v8.setFlagsFromString("--allow-natives-syntax");
const file = process.env.KUBESTRAP_CODE_CACHE;
if (file && file !== "off" && isMainThread) installCodeCache(file, { dependenciesOnly: true });
