// The last drift check (`npm run drift`, scripts/drift-report.js) as the status report shows it.
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../core/project-dir";
import { age } from "./age";

export interface DriftChange { op: string; type: string; name: string; fields: string[] }
export interface DriftStatus { checkedAt: string; changes: DriftChange[] }

export const driftFile = (stack: string) => path.join(process.env.KUBESTRAP_DRIFT_DIR ?? path.join(projectDir, ".kubestrap", "drift"), `${stack}.json`);

/** The stack's last drift report, or undefined when `npm run drift` has not run here. */
export function readDrift(stack: string): DriftStatus | undefined {
    const file = driftFile(stack);
    if (!fs.existsSync(file)) return undefined;
    const { checkedAt, changes } = JSON.parse(fs.readFileSync(file, "utf8"));
    return { checkedAt, changes };
}

/** One problem line per drifted resource, saying when it was seen and what puts it back. */
export function driftProblems(drift: DriftStatus | undefined, now: Date): string[] {
    if (!drift) return [];
    const seen = `${age(Math.max(0, Math.round((now.getTime() - Date.parse(drift.checkedAt)) / 1000)))} ago`;
    return drift.changes.map((c) => `${c.type} ${c.name} changed outside Pulumi (${c.op}${c.fields.length ? `: ${c.fields.join(", ")}` : ""}; seen by npm run drift ${seen}): npm run up -- --refresh puts it back`);
}
