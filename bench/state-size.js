#!/usr/bin/env node
// What a stack's state file is made of: the file the DIY backend rewrites whole after every step,
// so its size per resource is the constant of `up`'s quadratic term. Prints the file's size, the
// bytes per resource, and each part's share: stack traces, inputs, component inputs, outputs (of
// which the provider's copy of the inputs, managedFields and status), dependencies.
//
//   node bench/state-size.js STATE.json
"use strict";
const fs = require("fs");

const file = process.argv[2];
const text = fs.readFileSync(file, "utf8");
const state = JSON.parse(text);
const resources = state.checkpoint.latest?.resources ?? [];
// A part's share is what the file would lose without it, written as this backend writes it:
// compact, one line (indented output, where a backend writes it so, scales the same way).
const written = () => JSON.stringify(state).length;
const whole = written();
function without(strip) {
    const saved = resources.map((r) => JSON.stringify(r));
    resources.forEach(strip);
    const bytes = whole - written();
    saved.forEach((s, i) => { resources[i] = JSON.parse(s); });
    state.checkpoint.latest.resources = resources;
    return bytes;
}
const parts = {
    "stack traces": without((r) => delete r.stackTrace),
    "inputs (custom resources)": without((r) => r.custom && delete r.inputs),
    "inputs (components)": without((r) => !r.custom && delete r.inputs),
    outputs: without((r) => delete r.outputs),
    "of which the provider's __inputs": without((r) => r.outputs && delete r.outputs.__inputs),
    "of which managedFields": without((r) => r.outputs?.metadata && delete r.outputs.metadata.managedFields),
    "of which status": without((r) => r.outputs && delete r.outputs.status),
    "dependencies and property dependencies": without((r) => { delete r.dependencies; delete r.propertyDependencies; }),
};
const total = text.length;
const per = (b) => (resources.length ? Math.round(b / resources.length) : 0);
console.log(`${resources.length} resources, ${(total / 1024).toFixed(0)} KiB on disk (${(whole / 1024).toFixed(0)} KiB as measured), ${per(total)} bytes per resource`);
for (const [part, bytes] of Object.entries(parts)) {
    console.log(`  ${part.padEnd(40)} ${String(per(bytes)).padStart(6)} B/resource ${(100 * bytes / whole).toFixed(1).padStart(5)}%`);
}
const frames = resources.reduce((n, r) => n + (r.stackTrace?.length ?? 0), 0);
console.log(`  stack frames per resource: ${(frames / Math.max(1, resources.length)).toFixed(1)}`);
