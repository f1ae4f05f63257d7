// For kubestrap's command-line tools, which run components under Pulumi's mocks and never
// serialise a closure: the SDK's index loads its closure serialiser on start anyway, and with
// it TypeScript and npm's arborist, about two thirds of the SDK's load time (@pulumi/pulumi
// 3.248: 370 of 490 ms). Imported first by a tool, this defers those two modules of the SDK's
// runtime until a function of theirs is called: each becomes functions of the same names that
// load the real module on their first call. A module whose exports are not all such functions
// (a later SDK) is loaded as it is.
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

function deferClosureSerializer(): void {
    let runtimeIndex: string;
    try {
        runtimeIndex = require.resolve("@pulumi/pulumi/runtime/index.js");
    } catch {
        return;
    }
    const closure = path.join(path.dirname(runtimeIndex), "closure");
    const deferred = new Set([path.join(closure, "serializeClosure.js"), path.join(closure, "codePaths.js")]);
    const load = moduleLoader._load;
    moduleLoader._load = function (request, parent, isMain) {
        if (parent?.filename === runtimeIndex) {
            const file = moduleLoader._resolveFilename(request, parent, isMain);
            if (deferred.has(file)) {
                const exports = deferredExports(file, () => load.call(this, request, parent, isMain));
                if (exports) return exports;
            }
        }
        return load.call(this, request, parent, isMain);
    };
}

deferClosureSerializer();
