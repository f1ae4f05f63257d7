// For kubestrap's command-line tools, which run components under Pulumi's mocks, and the compiled
// program (core/program-preload.ts): parts of the SDK they never use, loaded by the SDK's index on
// start anyway, load on first use instead.
// - The closure serialiser (runtime/closure), and with it TypeScript and npm's arborist: about
//   two thirds of the SDK's load time (@pulumi/pulumi 3.248: 370 of 490 ms). runtime/index.js
//   gets functions of the same names that load the real module on their first call; a module
//   whose exports are not all such functions (a later SDK) is loaded as it is.
// - The Automation API (pulumi.automation, about 30 ms): a stand-in that loads it on the first
//   access to anything but `__esModule`, which the SDK's index reads when it imports it.
// Imported first, before anything that imports the SDK.
import * as fs from "fs";
import Module = require("module");
import * as path from "path";

const moduleLoader = Module as unknown as { _load: (request: string, parent: NodeModule | undefined, isMain: boolean) => unknown; _resolveFilename: (request: string, parent: NodeModule | undefined, isMain: boolean) => string };

function deferredExports(file: string, load: () => any): Record<string, unknown> | undefined {
    const source = fs.readFileSync(file, "utf8");
    const names = [...source.matchAll(/^exports\.(\w+) = (\w+);$/gm)].map((m) => m[1]);
    const functions = [...source.matchAll(/^(?:async )?function (\w+)\(/gm)].map((m) => m[1]);
    if (names.length === 0 || !names.every((n) => functions.includes(n))) return undefined;
    let real: any;
    const exports: Record<string, unknown> = { __esModule: true };
    for (const name of names) exports[name] = (...args: unknown[]) => (real ??= load())[name](...args);
    return exports;
}

/** Loads the real module on the first use of anything but `__esModule`. */
function lazyModule(load: () => any): object {
    let real: any;
    const get = () => (real ??= load());
    return new Proxy({}, {
        get: (_, key) => (key === "__esModule" ? true : get()[key]),
        has: (_, key) => key in get(),
        ownKeys: () => Reflect.ownKeys(get()),
        getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(get(), key),
    });
}

function deferUnusedSdkModules(): void {
    let sdkIndex: string;
    try {
        sdkIndex = require.resolve("@pulumi/pulumi");
    } catch {
        return;
    }
    const sdk = path.dirname(sdkIndex);
    const runtimeIndex = path.join(sdk, "runtime", "index.js");
    const automation = path.join(sdk, "automation", "index.js");
    const closure = new Set([path.join(sdk, "runtime", "closure", "serializeClosure.js"), path.join(sdk, "runtime", "closure", "codePaths.js")]);
    const load = moduleLoader._load;
    moduleLoader._load = function (request, parent, isMain) {
        if (parent?.filename === runtimeIndex || parent?.filename === sdkIndex) {
            const file = moduleLoader._resolveFilename(request, parent, isMain);
            const real = () => load.call(this, request, parent, isMain);
            if (parent.filename === runtimeIndex && closure.has(file)) {
                const exports = deferredExports(file, real);
                if (exports) return exports;
            }
            if (parent.filename === sdkIndex && file === automation) return lazyModule(real);
        }
        return load.call(this, request, parent, isMain);
    };
}

deferUnusedSdkModules();
