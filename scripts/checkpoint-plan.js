#!/usr/bin/env node
// Reads `pulumi preview --json` (or, with --destroy, `pulumi stack export`) on stdin and says
// whether the plan may skip the engine's
// per-step checkpoints (PULUMI_SKIP_CHECKPOINTS): only when every step that changes something
// is a Kubernetes object the provider applies server-side (it adopts an object a killed run
// made), a component or the stack itself. A Helm release, a command, a random value or a cloud
// resource a killed run made would be lost from the state, so any of them keeps the checkpoints.
// Prints "skip" or "keep: <the first steps that need them>", then a line saying what the plan
// does ("plan: 3 to create, 1 to update"); exit 0 either way.
"use strict";

const changes = new Set(["create", "update", "replace", "create-replacement", "delete-replaced", "delete", "discard", "import", "import-replacement"]);

/** Whether losing this step's record to a killed run is harmless: the next up does it again. */
function redoable(type) {
    if (type === "kubernetes:helm.sh/v3:Release" || type === "kubernetes:helm.sh/v4:Chart") return false;
    return type.startsWith("kubernetes:") || type.startsWith("pulumi:providers:") || type === "pulumi:pulumi:Stack" || type.startsWith("kubestrap:");
}

function decide(preview) {
    const steps = (preview.steps ?? []).filter((s) => changes.has(s.op));
    const blocking = steps.filter((s) => !redoable(s.urn.split("::")[2].split("$").pop()));
    if (steps.length === 0 || blocking.length === 0) return "skip";
    return `keep: ${blocking.slice(0, 3).map((s) => `${s.op} ${s.urn.split("::").slice(2).join("::").split("$").pop()}`).join(", ")}${blocking.length > 3 ? ` and ${blocking.length - 3} more` : ""}`;
}

/** The plan in one line, by operation, as the engine counts them. */
function summary(preview) {
    const counts = new Map();
    for (const s of preview.steps ?? []) if (changes.has(s.op)) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
    return counts.size === 0 ? "plan: no changes" : `plan: ${[...counts].map(([op, n]) => `${n} to ${op}`).join(", ")}`;
}

/** A destroy's plan, from the stack's state (`pulumi stack export`): every resource in it is deleted. */
function destroyPlan(state) {
    return { steps: (state.deployment?.resources ?? []).map((r) => ({ op: "delete", urn: r.urn })) };
}

if (require.main === module) {
    // --destroy: stdin is `pulumi stack export` of the stack a destroy is about to take down.
    const destroy = process.argv.includes("--destroy");
    let text = "";
    process.stdin.on("data", (d) => { text += d; });
    process.stdin.on("end", () => {
        try {
            const plan = destroy ? destroyPlan(JSON.parse(text)) : JSON.parse(text);
            process.stdout.write(`${decide(plan)}\n${summary(plan)}\n`);
        } catch (e) {
            process.stdout.write(`keep: the ${destroy ? "state" : "preview"}'s JSON could not be read (${e.message})\nplan: unknown\n`);
        }
    });
}

module.exports = { decide, destroyPlan, redoable, summary };
