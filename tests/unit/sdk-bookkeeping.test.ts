// The stack program leaves out the SDK's per-resource debug log RPCs and promise stack traces unless
// they are asked for (stacks/sdk-bookkeeping.ts). Each case runs in a fresh Node whose SDK talks
// to a real gRPC engine server in the test, which records every log message it is sent.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

// What the child prints: the messages the engine received, a promise stamp's trace, and what was trimmed.
const child = `
const grpc = require("@grpc/grpc-js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const { LogSeverity } = require("@pulumi/pulumi/proto/engine_pb");
const severity = (n) => Object.keys(LogSeverity).find((k) => LogSeverity[k] === n);
const received = [];
const server = new grpc.Server();
server.addService(engrpc.EngineService, {
    log: (call, done) => { received.push(severity(call.request.getSeverity()) + ": " + call.request.getMessage()); done(null, new Empty()); },
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), async (err, port) => {
    if (err) throw err;
    process.env.PULUMI_NODEJS_ENGINE = "127.0.0.1:" + port;
    const pulumi = require("@pulumi/pulumi");
    const debuggable = require("@pulumi/pulumi/runtime/debuggable");
    const { debuggablePromise } = debuggable;
    const trim = process.argv[1] === "trim" ? require(${JSON.stringify(path.join(root, "stacks", "sdk-bookkeeping"))}) : undefined;
    const limitBefore = Error.stackTraceLimit;
    const trimmed = trim ? [trim.trimSdkBookkeeping(), trim.trimSdkBookkeeping()] : [];
    await pulumi.log.debug("a debug message");
    await pulumi.log.info("an info message");
    const stamped = Promise.resolve();
    await debuggable.debuggablePromise(stamped, "ctx");
    const stamp = stamped._debugStackTrace;
    // A stamp that throws (a frozen promise) leaves the limit as it was; a rejection passes through.
    let threw = false;
    try { debuggable.debuggablePromise(Object.freeze(Promise.resolve()), "frozen"); } catch { threw = true; }
    const rejection = await debuggable.debuggablePromise(Promise.reject(new Error("no")), "rejects").catch((e) => e.message);
    console.log(JSON.stringify({ received, trimmed, stampFrames: stamp.split("\\n").filter((l) => l.trim().startsWith("at ")).length,
        limitKept: Error.stackTraceLimit === limitBefore, threw, rejection, sameLog: pulumi.log === require("@pulumi/pulumi/log"),
        sameAsBefore: debuggablePromise === debuggable.debuggablePromise }));
    server.forceShutdown();
    process.exit(0);
});
`;

type Result = {
    received: string[]; trimmed: object[]; stampFrames: number; limitKept: boolean; threw: boolean; rejection: string; sameLog: boolean; sameAsBefore: boolean;
};

function run(mode: "trim" | "as-is", env: Record<string, string> = {}): Result {
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", child, mode], {
        cwd: root,
        env: { ...process.env, KUBESTRAP_SDK_DEBUG_LOGS: "", PULUMI_DEBUG_PROMISE_LEAKS: "", ...env },
    }).toString();
    return JSON.parse(out.trim().split("\n").pop()!);
}

describe("the SDK's per-resource bookkeeping in the stack program", function () {
    this.timeout(60000);

    it("as the SDK ships it: debug messages go to the engine and every promise is stamped with its stack", () => {
        const r = run("as-is");
        assert.deepStrictEqual(r.received, ["DEBUG: a debug message", "INFO: an info message"]);
        assert.ok(r.stampFrames > 0, `${r.stampFrames} frames in a promise stamp`);
    });

    it("trimmed: only the info message reaches the engine, the stamp has no frames, and Error.stackTraceLimit is as it was", () => {
        const r = run("trim");
        assert.deepStrictEqual(r.received, ["INFO: an info message"]);
        assert.strictEqual(r.stampFrames, 0);
        assert.deepStrictEqual([r.limitKept, r.threw, r.rejection], [true, true, "no"], "Error.stackTraceLimit after a stamp that threw, and a rejection");
        assert.strictEqual(r.sameLog, true, "the SDK's runtime reaches its log module where pulumi.log does");
        assert.deepStrictEqual(r.trimmed, [{ debugLogs: true, promiseTraces: true }, { debugLogs: false, promiseTraces: false }], "trimmed twice");
        assert.strictEqual(r.sameAsBefore, false, "callers that look the stamp up on the module get the trimmed one");
    });

    it("with KUBESTRAP_SDK_DEBUG_LOGS (scripts/pulumi.sh --debug) and PULUMI_DEBUG_PROMISE_LEAKS, both stay", () => {
        assert.deepStrictEqual(run("trim", { KUBESTRAP_SDK_DEBUG_LOGS: "true" }).received, ["DEBUG: a debug message", "INFO: an info message"]);
        const r = run("trim", { KUBESTRAP_SDK_DEBUG_LOGS: "1", PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        assert.deepStrictEqual(r.received, ["DEBUG: a debug message", "INFO: an info message"]);
        assert.ok(r.stampFrames > 0);
        assert.deepStrictEqual(r.trimmed[0], { debugLogs: false, promiseTraces: false });
    });
});
