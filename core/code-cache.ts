// Keeps V8's compiled code of the CommonJS modules a process loads, so a later run skips compiling
// them again (the command-line tools load about 400 modules, 4 MB of JavaScript, most of it the
// Pulumi SDK: a fifth of a `translate` call without this). Installed by code-cache-preload.ts
// (the tools) and program-preload.ts (the Pulumi program). Node 22.8+ does this itself
// (module.enableCompileCache) and is asked to; on older Node (20 here) the loader's compile step
// is wrapped to hand V8 the cached data. Anything going wrong here only costs the cache: the
// module is then compiled as Node would.
import * as path from "path";
import * as vm from "vm";
import { crc32 } from "zlib";
import { readBlob, writeBlob } from "./code-cache-blob";

interface LoadingModule {
    id: string;
    exports: unknown;
    require(id: string): unknown;
    _compile(content: string, filename: string, format?: string): unknown;
}
interface ModuleStatics {
    prototype: LoadingModule;
    wrap(content: string): string;
    _resolveFilename(request: string, parent: LoadingModule, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: LoadingModule): string[] | null;
    _extensions: unknown;
    _cache: unknown;
    enableCompileCache?: (dir: string) => unknown;
}

export interface CodeCacheStats {
    /** "node": Node's own (22.8+); "blob": this file's, on older Node; "off": neither could be had. */
    kind: "node" | "blob" | "off";
    /** Modules compiled from cached data, and compiled anew (then cached at exit), so far ("blob" only). */
    hits: number;
    fresh: number;
}

/** The source's length and checksum, as Node's own cache keys it: V8 itself checks only the length. */
function stampOf(content: string): string {
    return `${content.length}:${crc32(content)}`;
}

// Node 20 loses a script's import() callback when V8 takes cached data for it (tested): a module that
// may call import() is compiled by Node itself, every time.
const mayImport = /\bimport\s*\(/;

/**
 * Installs the cache, kept in `file` (Node's own in a directory beside it). `dependenciesOnly` leaves
 * modules outside node_modules to Node: with source maps on, Node reads a module's map only when it
 * compiles the module itself (the Pulumi program maps its own frames to TypeScript lines with them).
 */
export function installCodeCache(file: string, { dependenciesOnly = false } = {}): CodeCacheStats {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require("module") as ModuleStatics;
    if (typeof Module.enableCompileCache === "function") {
        Module.enableCompileCache(path.join(path.dirname(file), "node-compile-cache"));
        return { kind: "node", hits: 0, fresh: 0 };
    }
    const mainContextLoader = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (!mainContextLoader) return { kind: "off", hits: 0, fresh: 0 }; // without it, a module's import() would fail under vm.Script
    const stats: CodeCacheStats = { kind: "blob", hits: 0, fresh: 0 };
    const cached = readBlob(file);
    const fresh = new Map<string, { stamp: string; script: vm.Script }>();
    const compile = Module.prototype._compile;
    Module.prototype._compile = function (this: LoadingModule, content: string, filename: string, format?: string) {
        // Left to Node: the main module (whose compile sets up the loader's state for the whole run),
        // an ES module required from CommonJS, and what is not ours to cache.
        const leftToNode = this.id === "." || (format !== undefined && format !== "commonjs") ||
            (dependenciesOnly && !filename.includes(`${path.sep}node_modules${path.sep}`)) || mayImport.test(content);
        // eslint-disable-next-line prefer-rest-params
        if (leftToNode) return compile.apply(this, arguments as unknown as [string, string, string?]);
        const stamp = stampOf(content);
        // V8 takes a hashbang only at the very start of a script; the wrapper moves it, so blank it.
        const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
        const hit = cached.get(filename);
        const cachedData = hit?.stamp === stamp ? hit.data : undefined;
        let script: vm.Script;
        try {
            script = new vm.Script(Module.wrap(source), {
                filename, cachedData, importModuleDynamically: mainContextLoader as unknown as vm.ScriptOptions["importModuleDynamically"],
            });
        } catch {
            // eslint-disable-next-line prefer-rest-params
            return compile.apply(this, arguments as unknown as [string, string, string?]); // a syntax error: reported by Node, as without the cache
        }
        if (!cachedData || script.cachedDataRejected) fresh.set(filename, { stamp, script });
        else stats.hits++;
        stats.fresh = fresh.size;
        const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
        const mod = this;
        const moduleRequire = Object.assign((id: string) => mod.require(id), {
            resolve: Object.assign((request: string, options?: unknown) => Module._resolveFilename(request, mod, false, options), {
                paths: (request: string) => Module._resolveLookupPaths(request, mod),
            }),
            // Node's own require.main is the main module when the require is made; preloaded, this
            // file ran before there was one, so it is read when a module is compiled, as Node would.
            main: process.mainModule, extensions: Module._extensions, cache: Module._cache,
        });
        return wrapper.call(mod.exports, mod.exports, moduleRequire, mod, filename, path.dirname(filename));
    };
    process.on("exit", () => {
        if (fresh.size === 0) return;
        try {
            // Made at exit, the data holds the functions that ran, not just the modules' top level.
            for (const [name, { stamp, script }] of fresh) cached.set(name, { stamp, data: script.createCachedData() });
            writeBlob(file, cached);
        } catch {
            // no cache this time; the next call makes one
        }
    });
    return stats;
}
