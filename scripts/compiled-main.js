// The entry point scripts/pulumi.sh puts beside the compiled program (.kubestrap/program/<hash>/
// main.js): the language host starts it with Node's own source maps on (--enable-source-maps).
// The SDK records a stack trace for every promise it tracks and every resource it registers,
// tens of thousands a run. source-map-support (which @pulumi/pulumi's runner installs) and Node's
// own formatting both look up and map every frame, the SDK's included: in a 100-app run that was
// more than half of the program's CPU while it composed its resources (README, "Performance").
// So traces are formatted here, and only the program's own frames are mapped (through the maps
// Node loaded) to their TypeScript lines; the SDK's keep their JavaScript positions.
const path = require("path");
const { findSourceMap } = require("module");
const { fileURLToPath } = require("url");

const programDir = __dirname + path.sep;
const sourceMaps = new Map();

/** The TypeScript position of a compiled program line, or undefined. */
function mapped(file, line, column) {
    let map = sourceMaps.get(file);
    if (map === undefined) {
        map = findSourceMap(file) ?? null;
        sourceMaps.set(file, map);
    }
    const entry = map?.findEntry(line - 1, column - 1);
    if (!entry || entry.originalSource === undefined) return undefined;
    const source = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : entry.originalSource;
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

function frame(site) {
    const text = site.toString();
    const file = site.getFileName();
    if (!file || !file.startsWith(programDir)) return text;
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    const position = mapped(file, line, column);
    return position ? text.replace(`${file}:${line}:${column}`, position) : text;
}

function header(error) {
    try {
        return String(error);
    } catch {
        return "Error";
    }
}

// The SDK also stamps every promise it tracks with a trace (runtime/debuggable.js), which it shows
// only in a leak report with PULUMI_DEBUG_PROMISE_LEAKS set. The program takes those stamps without
// frames (stacks/sdk-bookkeeping.ts); should that find another SDK's shape, they are still not
// formatted here (formatting them was most of a second of a 100-app run's CPU).
const promiseTraces = !!process.env.PULUMI_DEBUG_PROMISE_LEAKS;
const debuggable = `${path.sep}runtime${path.sep}debuggable.js`;
function promiseStamp(sites) {
    return !promiseTraces && sites.length > 0 && sites[0].getFunctionName() === "debuggablePromise" && (sites[0].getFileName() ?? "").endsWith(debuggable);
}

Error.prepareStackTrace = (error, sites) =>
    promiseStamp(sites) ? header(error) : `${header(error)}${sites.map((s) => `\n    at ${frame(s)}`).join("")}`;
module.exports = require("./index.js");
