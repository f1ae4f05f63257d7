#!/usr/bin/env node
// Reads a `pulumi preview --refresh --json` and reports drift (scripts/drift.sh): every step but
// "same" is something that changed outside Pulumi: an update puts fields back, a create makes
// again what was deleted, a delete removes what the program no longer declares.
//
//   node scripts/drift-report.js PREVIEW.json STACK REPORT.json
"use strict";
const fs = require("fs");

const [previewFile, stack, reportFile] = process.argv.slice(2);
const preview = JSON.parse(fs.readFileSync(previewFile, "utf8"));
// The refresh's own steps ("refresh", one per resource) only read; what differs shows in the steps after them.
const quiet = new Set(["same", "read", "refresh"]);
const steps = (preview.steps ?? []).filter((s) => !quiet.has(s.op) && !s.urn.includes("::pulumi:pulumi:Stack::"));
const what = (s) => {
    const [, , type, name] = s.urn.split("::");
    const fields = Object.keys(s.detailedDiff ?? {}).length > 0 ? Object.keys(s.detailedDiff) : (s.diffReasons ?? []);
    return { op: s.op, type: type.split("$").pop(), name, fields };
};
const changes = steps.map(what);
const neverDeployed = changes.length > 0 && changes.every((c) => c.op === "create") && !(preview.steps ?? []).some((s) => s.op === "same" || s.op === "refresh");
const report = { stack, checkedAt: new Date().toISOString(), neverDeployed, changes: neverDeployed ? [] : changes };
fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + "\n");
if (neverDeployed) {
    console.log(`${stack}: nothing deployed yet (${changes.length} resources to create); no drift to report`);
    process.exit(0);
}
if (changes.length === 0) {
    console.log(`${stack}: no drift: the cluster matches the last up`);
    process.exit(0);
}
const verbs = { update: "changed", create: "deleted outside Pulumi", delete: "no longer declared", replace: "changed (needs a replace)", "create-replacement": "changed (needs a replace)" };
console.log(`${stack}: ${changes.length} resource${changes.length === 1 ? "" : "s"} drifted from the last up:`);
for (const c of changes) {
    console.log(`  ${c.type} ${c.name}: ${verbs[c.op] ?? c.op}${c.fields.length ? ` (${c.fields.join(", ")})` : ""}`);
}
console.log("`npm run up -- --refresh` puts them back; `pulumi refresh` takes the live values into the state instead.");
process.exit(3);
