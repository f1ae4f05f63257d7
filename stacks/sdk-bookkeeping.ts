// Work the Node SDK does for every resource that a normal run never shows (@pulumi/pulumi 3.248;
// measured at 100 apps in docs/dev/performance.md):
// - three debug log RPCs a resource ("Registering resource", "RPC prepared", "RPC finished"), each
//   sent after the previous one is answered, which the engine shows only with `pulumi --debug`;
// - a stack trace taken for every promise it tracks (runtime/debuggable.js), which it prints only
//   in a leak report with PULUMI_DEBUG_PROMISE_LEAKS set.
// kubestrap leaves both out unless they are asked for. Both are private SDK API: where they are not
// what kubestrap expects (another SDK version), nothing changes.
import * as pulumi from "@pulumi/pulumi";

type Env = Record<string, string | undefined>;
type Debuggable = { debuggablePromise?: ((...args: unknown[]) => unknown) & { trimmed?: boolean } };
type Log = { debug?: ((...args: unknown[]) => Promise<void>) & { trimmed?: boolean } };

/** Whether a run asked to see the SDK's debug logs: scripts/pulumi.sh sets this for `--debug` or `-v`. */
export const debugLogsSwitch = "KUBESTRAP_SDK_DEBUG_LOGS";

function skipDebugLogs(): boolean {
    const log = pulumi.log as unknown as Log;
    const debug = log.debug;
    if (typeof debug !== "function" || debug.trimmed) return false;
    const skipped = Object.assign(() => Promise.resolve(), { trimmed: true });
    log.debug = skipped;
    return true;
}

function traceFreePromiseStamps(): boolean {
    let debuggable: Debuggable;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
    } catch {
        return false;
    }
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function" || original.trimmed) return false;
    // The stamp is `new Error().stack`: with no frames to capture it costs next to nothing.
    const trimmed = Object.assign(function (this: unknown, ...args: unknown[]) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original.apply(this, args);
        } finally {
            Error.stackTraceLimit = limit;
        }
    }, { trimmed: true });
    debuggable.debuggablePromise = trimmed;
    return true;
}

/** Leaves out what nobody asked for; says which of the two it left out (false: asked for, already done, or not in this SDK). */
export function trimSdkBookkeeping(env: Env = process.env): { debugLogs: boolean; promiseTraces: boolean } {
    return {
        debugLogs: ["1", "true"].includes(env[debugLogsSwitch] ?? "") ? false : skipDebugLogs(),
        promiseTraces: env.PULUMI_DEBUG_PROMISE_LEAKS ? false : traceFreePromiseStamps(),
    };
}
