// The stack program caps the call stack the SDK records per resource (stacks/stack-traces.ts): the
// frames that say where a resource was declared stay, the SDK runtime's below them go.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { capStackTraces, keptFrames } from "../../stacks/stack-traces";

type Frame = { uri: string; line: number; column: number } | undefined;
const sdk = pulumi.Resource as unknown as { stackTrace(skip: number): Frame[]; callsites: unknown };

/** A resource-like call chain deeper than the cap: ten nested functions, then the SDK's capture. */
function nested(depth: number): Frame[] {
    return depth === 0 ? sdk.stackTrace(0) : nested(depth - 1);
}

describe("stack traces recorded per resource", () => {
    it("keeps the declaring frames and drops the rest, with the source position unchanged", () => {
        const before = nested(10);
        assert.ok(before.length > keptFrames + 5, `a positive control: the SDK recorded ${before.length} frames`);
        const original = sdk.callsites;
        try {
            assert.strictEqual(capStackTraces(), true, "the SDK's callsites are not where kubestrap expects them");
            assert.strictEqual(capStackTraces(), false, "capped twice");
            const after = nested(10);
            // stackTrace(0) skips one frame (its own) where a resource's skips five: compare like with like.
            assert.strictEqual(after.length, keptFrames + 4);
            assert.deepStrictEqual(after.map((f) => f && `${f.uri}:${f.line}`), before.slice(0, after.length).map((f) => f && `${f.uri}:${f.line}`));
        } finally {
            sdk.callsites = original;
        }
    });
});
