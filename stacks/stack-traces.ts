// Pulumi's Node SDK records every resource's whole call stack (it lifts Error.stackTraceLimit to
// Infinity), about twenty frames, most of them its own runtime's, and the engine keeps them in
// the state. The file backend rewrites the whole state after every step, so those frames, a
// sixth of its bytes, are paid for again at each of a run's steps (docs/dev/performance.md).
// kubestrap keeps the frames that say where in the program a resource was declared: the SDK's
// own first frames are skipped as before, the source position is unchanged.
import * as pulumi from "@pulumi/pulumi";

/** Frames Resource.stackTrace skips (the SDK's and the resource class's constructors), and ours to keep. */
const skipped = 5;
export const keptFrames = 4;

/**
 * Caps the frames the SDK records per resource. Private SDK API: if it is not there (another SDK
 * version), nothing changes and the full traces are recorded as before.
 */
export function capStackTraces(frames = keptFrames): boolean {
    const resource = pulumi.Resource as unknown as { callsites?: (...args: unknown[]) => unknown[] };
    const callsites = resource.callsites;
    if (typeof callsites !== "function" || (callsites as { capped?: boolean }).capped) return false;
    const capped = function (this: unknown, ...args: unknown[]) {
        const sites = callsites.apply(this, args);
        sites.splice(1, 1); // this wrapper's own frame, so the SDK skips what it always skipped
        return sites.slice(0, skipped + frames);
    };
    capped.capped = true;
    resource.callsites = capped;
    return true;
}
