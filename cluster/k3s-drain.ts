// Draining a node before its k3s is upgraded: skipped where no other node could take its pods,
// bounded by a timeout, and on failure the node is uncordoned and the pods that held it named.
import { shellQuote as q } from "../core/shell";
import { kubectl } from "./k3s-plan";

/** kubectl's --timeout form: 300 -> "300s". */
export const drainTimeoutFlag = (seconds: number) => `${seconds}s`;

/** `beforeDrain`: shell lines that run once the node is known to exist, before anything moves (a quorum check). */
export function drainScript(nodeName: string, sudo: string, timeoutSeconds: number, beforeDrain?: string): string {
    const k = kubectl(sudo);
    const node = q(nodeName);
    const readyNodes = `'{range .items[*]}{.metadata.name}{"|"}{.spec.unschedulable}{"|"}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`;
    const podsOnNode = `'{range .items[*]}{.metadata.namespace}/{.metadata.name}{" "}{.metadata.ownerReferences[0].kind}{"\\n"}{end}'`;
    return [
        "set -u",
        `${k} get node ${node} >/dev/null 2>&1 || exit 0`,
        ...(beforeDrain ? [beforeDrain] : []),
        `others=$(${k} get nodes -o jsonpath=${readyNodes} | awk -F'|' -v self=${node} '$1 != self && $2 != "true" && $3 == "True"' | wc -l)`,
        "if [ \"$others\" -eq 0 ]; then",
        `  echo "not draining ${nodeName}: no other ready, schedulable node could take its pods (a one-node cluster); they restart with k3s" >&2`,
        "  exit 0",
        "fi",
        `if ${k} drain ${node} --ignore-daemonsets --delete-emptydir-data --timeout=${drainTimeoutFlag(timeoutSeconds)} >&2; then exit 0; fi`,
        `held=$(${k} get pods -A --field-selector spec.nodeName=${node} -o jsonpath=${podsOnNode} | awk '$2 != "DaemonSet" {print $1}' | tr '\\n' ' ')`,
        `${k} uncordon ${node} >/dev/null 2>&1 || true`,
        `echo "draining ${nodeName} did not finish within ${timeoutSeconds}s; these pods did not leave: \${held:-none found}. ` +
            "A PodDisruptionBudget that allows no disruption, or a pod without a controller, holds a drain. " +
            `Nothing was upgraded on ${nodeName} and it takes pods again; fix what holds them, or raise kubestrap:cluster.k3s.drainTimeout" >&2`,
        "exit 1",
    ].join("\n");
}
