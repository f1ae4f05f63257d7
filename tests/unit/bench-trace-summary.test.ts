// bench/trace-summary.js reads what `pulumi --otel-traces file://` writes; its "open" column is the
// figure the README sets against wall time, so overlapping spans must count once.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
const { spansOf, summarize, union } = require("../../bench/trace-summary.js");

const ms = (n: number) => String(BigInt(1_700_000_000_000) * 1_000_000n + BigInt(n) * 1_000_000n);
const span = (name: string, start: number, end: number) => ({ traceId: "t", spanId: name + start, name, startTimeUnixNano: ms(start), endTimeUnixNano: ms(end) });
const batch = (service: string, spans: object[]) => JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: "s" }, spans }] }],
});

describe("bench/trace-summary.js", () => {
    it("counts overlapping spans' wall time once and gaps not at all", () => {
        assert.strictEqual(union([{ start: 0, end: 5 }, { start: 3, end: 8 }, { start: 10, end: 12 }, { start: 4, end: 6 }]), 10);
        assert.strictEqual(union([]), 0);
    });

    it("summarizes a trace file of several export batches, busiest span first", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-trace-"));
        try {
            const file = path.join(dir, "trace.json");
            fs.writeFileSync(file, [
                batch("pulumi", [span("/pulumirpc.ResourceMonitor/RegisterResource", 1000, 3000), span("/pulumirpc.ResourceMonitor/RegisterResource", 2000, 4000)]),
                batch("pulumi", [span("pulumi-plugin", 0, 500)]),
                "",
            ].join("\n"));
            const spans = spansOf(file);
            assert.strictEqual(spans.length, 3);
            const lines = summarize(spans, 10).split("\n");
            assert.strictEqual(lines[0], "3 spans over 4.00 s");
            assert.match(lines[2], /^pulumi \/pulumirpc\.ResourceMonitor\/RegisterResource\s+2\s+4\.00\s+3\.00\s+1\.00\s+4\.00$/);
            assert.match(lines[3], /^pulumi pulumi-plugin\s+1\s+0\.50\s+0\.50\s+0\.00\s+0\.50$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("says what is wrong with a run traced to nowhere", () => {
        assert.throws(() => summarize([], 5), /no spans: was the run given --otel-traces/);
    });
});
