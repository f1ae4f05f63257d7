// Preloaded by scripts/cli.sh (`node -r`): keeps V8's compiled code of every CommonJS module the
// command-line tools load, so a call after the first skips compiling them again (about 500 modules
// and 4 MB of JavaScript, most of it the Pulumi SDK; a fifth of a `translate` call without this).
// Node 22.1+ does this itself (module.enableCompileCache), and is asked to; on older Node (20 here)
// the loader's compile step is wrapped to hand V8 the cached data. Anything going wrong here only
// costs the cache: the module is then compiled as Node would.
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";

interface NodeModule {
    exports: unknown;
    require(id: string): unknown;
    _compile(content: string, filename: string): unknown;
}
interface ModuleStatics {
    prototype: NodeModule;
    wrap(content: string): string;
    _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
    _extensions: unknown;
    _cache: unknown;
    enableCompileCache?: (dir: string) => unknown;
}

/** A file's size, change time and inode: an edited file is compiled anew. */
function stampOf(filename: string): string | undefined {
    try {
        const st = fs.statSync(filename);
        return `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
        return undefined;
    }
}

const mayImport = /\bimport\s*\(/;

type Entries = Map<string, { stamp: string; data: Buffer }>; // by file name

/** The blob: a count, then (key length, key, data length, data) per module, the key `<file>\0<stamp>`. */
function readBlob(file: string): Entries {
    const entries: Entries = new Map();
    let buf: Buffer;
    try {
        buf = fs.readFileSync(file);
    } catch {
        return entries;
    }
    try {
        let at = 4;
        const read = (): Buffer => {
            const length = buf.readUInt32LE(at);
            const part = buf.subarray(at + 4, at + 4 + length);
            at += 4 + length;
            return part;
        };
        for (let n = buf.readUInt32LE(0); n > 0; n--) {
            const [name, stamp] = read().toString("utf8").split("\0");
            entries.set(name, { stamp, data: read() });
        }
    } catch {
        entries.clear(); // a truncated or foreign file: start again
    }
    return entries;
}

function writeBlob(file: string, entries: Entries): void {
    const u32 = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n);
        return b;
    };
    const parts: Buffer[] = [u32(entries.size)];
    for (const [name, { stamp, data }] of entries) {
        const k = Buffer.from(`${name}\0${stamp}`, "utf8");
        parts.push(u32(k.length), k, u32(data.length), data);
    }
    // Another call may be writing too: each writes its own file and renames it into place.
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.concat(parts));
    fs.renameSync(tmp, file);
}

export interface CodeCache {
    /** "node": Node's own (22.1+); "blob": this file's, on older Node; "off": neither could be had. */
    kind: "node" | "blob" | "off";
    /** Modules compiled from cached data, and compiled anew (then cached at exit), so far ("blob" only). */
    hits: number;
    fresh: number;
}

/**
 * Installs the cache, kept in `file` (Node's own in a directory beside it). `dependenciesOnly` leaves
 * modules outside node_modules to Node: with --enable-source-maps, Node reads a module's source map
 * only when it compiles the module itself, and the Pulumi program maps its own frames through them.
 */
export function installCodeCache(file: string, { dependenciesOnly = false } = {}): CodeCache {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require("module") as ModuleStatics;
    if (typeof Module.enableCompileCache === "function") {
        Module.enableCompileCache(path.join(path.dirname(file), "node-compile-cache"));
        return { kind: "node", hits: 0, fresh: 0 };
    }
    const dynamicImport = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (!dynamicImport) return { kind: "off", hits: 0, fresh: 0 }; // without it, a module's import() would fail under vm.Script
    const stats: CodeCache = { kind: "blob", hits: 0, fresh: 0 };
    const cached = readBlob(file);
    const fresh = new Map<string, { stamp: string; script: vm.Script }>();
    const compile = Module.prototype._compile;
    Module.prototype._compile = function (this: NodeModule, content: string, filename: string) {
        // Node 20 loses a script's import() callback when V8 takes cached data for it (tested): a module
        // that may call import() is compiled by Node itself, every time.
        const ours = dependenciesOnly && !filename.includes(`${path.sep}node_modules${path.sep}`);
        const stamp = ours || mayImport.test(content) ? undefined : stampOf(filename);
        if (stamp === undefined) return compile.call(this, content, filename);
        // V8 takes a hashbang only at the very start of a script; the wrapper moves it, so blank it.
        const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
        const hit = cached.get(filename);
        const cachedData = hit?.stamp === stamp ? hit.data : undefined;
        let script: vm.Script;
        try {
            script = new vm.Script(Module.wrap(source), {
                filename, cachedData, importModuleDynamically: dynamicImport as unknown as vm.ScriptOptions["importModuleDynamically"],
            });
        } catch {
            return compile.call(this, content, filename); // a syntax error: reported by Node, as without the cache
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
            extensions: Module._extensions, cache: Module._cache,
        });
        // Node's own require.main is the main module when the require is made; preloaded, this file
        // ran before there was one, so it is read when a module is compiled, as Node would.
        Object.assign(moduleRequire, { main: process.mainModule });
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
