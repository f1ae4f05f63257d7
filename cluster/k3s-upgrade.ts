// Upgrades and restores that keep etcd's quorum on embedded etcd: a snapshot before any host
// moves; before each server goes down and after it comes back, every etcd member Ready and a
// voting member (the EtcdIsVoter condition k3s's etcd controller keeps on each server's node);
// after a restore, the other servers rejoin the restored etcd.
import { shellQuote as q } from "../core/shell";
import { kubectl } from "./k3s-plan";

/** The name kubestrap gives the snapshot it takes before an upgrade to `version` (k3s adds the node and a timestamp). */
export const preUpgradeSnapshotName = (version: string) => `kubestrap-pre-upgrade-${version.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

/** How long after a server's upgrade its etcd member may take to be healthy again. */
export const etcdRecoverySeconds = 300;

/**
 * On the first server, before an upgrade drains any host: an on-demand etcd snapshot, kept by
 * k3s beside its scheduled ones (and uploaded with them when etcdSnapshots.s3 is set). Nothing
 * runs on a fresh install or when k3s already runs `version`. A failed snapshot stops the
 * upgrade with nothing drained.
 */
export function preUpgradeSnapshotScript(version: string, nodeName: string, sudo: string): string {
    return [
        "set -u",
        `running=$(${sudo}k3s --version 2>/dev/null | awk 'NR == 1 {print $3}')`,
        `{ ${sudo}systemctl is-active --quiet k3s && [ -n "$running" ] && [ "$running" != ${q(version)} ]; } || exit 0`,
        `if ! ${sudo}k3s etcd-snapshot save --name ${q(preUpgradeSnapshotName(version))} >&2; then`,
        `  echo "not upgrading from $running to ${version}: the etcd snapshot taken before an upgrade failed (above), so nothing was drained or upgraded. ` +
            `Find why with k3s etcd-snapshot save on ${nodeName}, then run up again" >&2`,
        "  exit 1",
        "fi",
        `echo "etcd snapshot ${preUpgradeSnapshotName(version)} taken on ${nodeName} before the upgrade from $running" >&2`,
    ].join("\n");
}

/**
 * Waits until at least `members` etcd members are listed and every one is Ready and a voter, or
 * fails with `failure` and the members that are not. Ends its loop with `break`, so the script
 * it is part of goes on.
 */
export function etcdHealthyScript(sudo: string, members: number, timeoutSeconds: number, failure: string): string {
    const fields = `'{range .items[*]}{.metadata.name}{"|"}{.status.conditions[?(@.type=="Ready")].status}{"|"}` +
        `{.status.conditions[?(@.type=="EtcdIsVoter")].status}{"|"}{.status.conditions[?(@.type=="EtcdIsVoter")].message}{"\\n"}{end}'`;
    const unhealthy = `awk -F'|' 'NF >= 3 && ($2 != "True" || $3 != "True") {printf "%s (Ready=%s, EtcdIsVoter=%s%s) ", $1, ($2 == "" ? "unknown" : $2), ($3 == "" ? "unknown" : $3), ($4 == "" ? "" : ": " $4)}'`;
    return [
        `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
        "while :; do",
        `  listed=$(${kubectl(sudo)} get nodes -l node-role.kubernetes.io/etcd=true -o jsonpath=${fields} 2>/dev/null || true)`,
        `  unhealthy=$(printf '%s\\n' "$listed" | ${unhealthy})`,
        `  count=$(printf '%s\\n' "$listed" | awk -F'|' 'NF >= 3' | wc -l)`,
        `  if [ -z "$unhealthy" ] && [ "$count" -ge ${members} ]; then break; fi`,
        `  if [ "$(date +%s)" -ge "$deadline" ]; then`,
        `    echo "${failure} etcd members not healthy after ${timeoutSeconds}s: \${unhealthy:-only $count of ${members} listed}" >&2`,
        "    exit 1",
        "  fi",
        "  sleep 2",
        "done",
    ].join("\n");
}

/** Before a server of an HA cluster is drained for an upgrade: every member healthy, or stop with nothing touched. */
export function etcdPreUpgradeCheck(nodeName: string, sudo: string, members: number, timeoutSeconds = 60): string {
    return etcdHealthyScript(sudo, members, timeoutSeconds, `not upgrading ${nodeName}: taking it down now could cost etcd its quorum, so nothing was drained or upgraded. ` +
        "Find why on each host named (journalctl -u k3s), then run up again.");
}

/** After a server of an HA cluster is back: every member healthy before the next host moves. */
export function etcdPostUpgradeWait(nodeName: string, version: string, sudo: string, members: number): string {
    return etcdHealthyScript(sudo, members, etcdRecoverySeconds, `${nodeName} runs ${version} again, but the upgrade stopped there, before the next host, with quorum kept: ` +
        "find why on each host named (journalctl -u k3s), then run up again to go on.");
}

/**
 * On a server other than the first, once the first has restored `snapshot`: leave the old etcd
 * and join the restored one, as k3s documents (stop k3s, take its etcd data away, start k3s).
 * The data is kept beside, not deleted, until someone removes it.
 */
export function rejoinAfterRestoreScript(snapshot: string, nodeName: string, sudo: string, dataDir = "/var/lib/rancher/k3s"): string {
    const db = `${dataDir}/server/db`;
    return [
        "set -eu",
        `${sudo}systemctl stop k3s`,
        `if [ -d ${q(db)} ]; then ${sudo}mv ${q(db)} ${q(db)}.before-restore-$(date +%Y%m%d%H%M%S); fi`,
        `${sudo}systemctl start k3s`,
        `echo "${nodeName} rejoined etcd restored from ${snapshot}; its old etcd data is kept in ${db}.before-restore-*" >&2`,
    ].join("\n");
}
