// Preloaded into the Pulumi program's Node by scripts/pulumi.sh (NODE_OPTIONS=-r, with the program
// compiled), before the SDK's runner loads the SDK; it acts only in that runner, not in any other
// Node the engine or a command starts with the same environment:
// - the SDK's closure serialiser (TypeScript, npm's arborist) and Automation API, which the program
//   never uses, load on first use instead of on start (core/lazy-sdk.ts);
// - V8's compiled code of the SDK and the other packages is kept in $KUBESTRAP_CODE_CACHE
//   (core/code-cache.ts). The program's own modules are left to Node, which reads their source
//   maps only when it compiles them itself (their stack frames are mapped to TypeScript lines).
import * as path from "path";
import * as v8 from "v8";

const runner = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run(?:[\\/]index\.js)?$/;
if (runner.test(path.resolve(process.argv[1] ?? ""))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("./lazy-sdk"); // compiled beside this file: tsconfig.program.json names it
    // The runner turns this V8 flag on before it runs the program (@pulumi/pulumi 3.248,
    // runtime/closure/v8Hooks.js). V8 refuses cached code made under other flags than the process
    // has when it compiles, so a flag turned on mid-run would have every module loaded before it
    // compiled anew on every run. Turned on here first, the flags stay the same throughout.
    v8.setFlagsFromString("--allow-natives-syntax");
    const file = process.env.KUBESTRAP_CODE_CACHE;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (file) (require("./code-cache") as typeof import("./code-cache")).installCodeCache(file, { dependenciesOnly: true });
}
