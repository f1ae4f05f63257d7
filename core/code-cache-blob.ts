// The file core/code-cache.ts keeps V8's compiled code in: a count, then per module (key length,
// key, data length, data), the key `<file>\0<stamp of its source>`.
import * as fs from "fs";
import { threadId } from "worker_threads";

/** Each module's compiled code, by file name, with the stamp of the source it was compiled from. */
export type CompiledModules = Map<string, { stamp: string; data: Buffer }>;

export function readBlob(file: string): CompiledModules {
    const entries: CompiledModules = new Map();
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
            if (at + 4 + length > buf.length) throw new RangeError("truncated");
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

export function writeBlob(file: string, entries: CompiledModules): void {
    const u32 = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n);
        return b;
    };
    const parts: Buffer[] = [u32(entries.size)];
    for (const [name, { stamp, data }] of entries) {
        const key = Buffer.from(`${name}\0${stamp}`, "utf8");
        parts.push(u32(key.length), key, u32(data.length), data);
    }
    // Other processes (or threads) may be writing too: each writes a file of its own and renames it into place.
    const tmp = `${file}.${process.pid}.${threadId}`;
    try {
        fs.writeFileSync(tmp, Buffer.concat(parts));
        fs.renameSync(tmp, file);
    } finally {
        fs.rmSync(tmp, { force: true });
    }
}
