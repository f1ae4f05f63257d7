#!/usr/bin/env node
// Where a Pulumi run's time went, from the OpenTelemetry trace `pulumi --otel-traces file://F`
// writes (OTLP JSON, one export batch a line). For each span name (by the process that emitted
// it) it prints how many there were, their summed time, the wall time at least one of them was
// open (parallel RPCs overlap, so this is the figure to set against the run's wall time), and
// when the first began and the last ended, in seconds from the trace's start.
//
//   node bench/trace-summary.js TRACE.json [TOP]
"use strict";
const fs = require("fs");

function spansOf(file) {
    const spans = [];
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        for (const rs of JSON.parse(line).resourceSpans ?? []) {
            const service = (rs.resource?.attributes ?? []).find((a) => a.key === "service.name")?.value?.stringValue ?? "?";
            for (const ss of rs.scopeSpans ?? []) {
                for (const s of ss.spans ?? []) {
                    spans.push({ key: `${service} ${s.name}`, start: Number(BigInt(s.startTimeUnixNano) / 1000n), end: Number(BigInt(s.endTimeUnixNano) / 1000n) });
                }
            }
        }
    }
    return spans;
}

/** Microseconds covered by at least one of the intervals. */
function union(intervals) {
    const sorted = [...intervals].sort((a, b) => a.start - b.start);
    let covered = 0, from = 0, to = -Infinity;
    for (const { start, end } of sorted) {
        if (start > to) {
            if (to > -Infinity) covered += to - from;
            from = start; to = end;
        } else if (end > to) to = end;
    }
    return to > -Infinity ? covered + to - from : 0;
}

function summarize(spans, top) {
    if (spans.length === 0) throw new Error("the trace has no spans: was the run given --otel-traces file://...?");
    const t0 = spans.reduce((t, s) => Math.min(t, s.start), Infinity);
    const wall = spans.reduce((t, s) => Math.max(t, s.end), -Infinity) - t0;
    const groups = new Map();
    for (const s of spans) (groups.get(s.key) ?? groups.set(s.key, []).get(s.key)).push(s);
    const rows = [...groups].map(([key, list]) => ({
        key, count: list.length,
        summed: list.reduce((t, s) => t + s.end - s.start, 0),
        covered: union(list),
        first: list.reduce((t, s) => Math.min(t, s.start), Infinity) - t0,
        last: list.reduce((t, s) => Math.max(t, s.end), -Infinity) - t0,
    })).sort((a, b) => b.covered - a.covered).slice(0, top);
    const sec = (us) => (us / 1e6).toFixed(2);
    const lines = [`${spans.length} spans over ${sec(wall)} s`,
        `${"span (process name)".padEnd(64)} ${"count".padStart(6)} ${"summed s".padStart(9)} ${"open s".padStart(7)} ${"first".padStart(6)} ${"last".padStart(6)}`];
    for (const r of rows) {
        lines.push(`${r.key.slice(0, 64).padEnd(64)} ${String(r.count).padStart(6)} ${sec(r.summed).padStart(9)} ${sec(r.covered).padStart(7)} ${sec(r.first).padStart(6)} ${sec(r.last).padStart(6)}`);
    }
    return lines.join("\n");
}

module.exports = { spansOf, union, summarize };

if (require.main === module) {
    const [file, top] = process.argv.slice(2);
    if (!file) { console.error("usage: node bench/trace-summary.js TRACE.json [TOP]"); process.exit(2); }
    console.log(summarize(spansOf(file), Number(top ?? 15)));
}
