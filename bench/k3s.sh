#!/usr/bin/env bash
# Prints what kubestrap's orchestration adds over the bare remote commands as k3s hosts grow:
# for 3, 10 and 25 hosts (or the counts given), one server and the rest agents (the k3s
# stand-in from tests/fixtures, installed air-gapped over real SSH into network namespaces) are
# brought up and destroyed with `pulumi up`/`destroy`, while the command provider records how
# long each remote command itself took (SSH connection included) and on which host. The
# critical path is the server's commands plus the slowest agent's (agents join once the server
# is up); wall time minus that path is the engine's and the program's share, which should stay
# flat per node as hosts grow. Needs root (network namespaces). Leaves nothing running.
#
#   bench/k3s.sh [COUNT...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(3 10 25)
work=$(mktemp -d)
export KUBESTRAP_STACK=bench-k3s KUBESTRAP_LOCAL_DIR=$work/cluster KUBESTRAP_ETCD_PORT=24190 KUBESTRAP_API_PORT=16843
export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=bench E2E_K3S_TOKEN=bench-token
export KUBESTRAP_COMMAND_TIMINGS=$work/timings
count=0
trap '[ "$count" = 0 ] || tests/e2e/ssh-hosts.sh down "$hosts" "$count" >/dev/null 2>&1 || true; scripts/cluster.sh down >/dev/null 2>&1 || true; rm -rf "$work" Pulumi.bench-k3s.yaml' EXIT

scripts/toolchain.sh check || scripts/toolchain.sh build
scripts/toolchain.sh ssh-server
source bench/three-hosts.sh
p() { scripts/pulumi.sh "$@" --config-file "$work/Pulumi.bench-k3s.yaml"; }

# measure HOSTS STEP COMMAND...: one row of wall time, summed and critical-path command time, and overhead.
measure() {
    local n=$1 step=$2; shift 2
    : > "$work/timings"
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    local wall; wall=$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN {printf "%.1f", a - b}')
    awk -F'\t' -v n="$n" -v step="$step" -v wall="$wall" -v server="10.77.$first.2" '
        { sum += $2; per[$3] += $2; count++ }
        END {
            agent = 0
            for (h in per) if (h != server && h != "local" && per[h] > agent) agent = per[h]
            path = per[server] + per["local"] + agent
            printf "%5d  %-8s %8.1f %9d %10.1f %9.1f %10.1f %9.2f\n", n, step, wall, count, sum, path, wall - path, (wall - path) / n
        }' "$work/timings"
}

printf '%5s  %-8s %8s %9s %10s %9s %10s %9s\n' hosts step "wall s" commands "summed s" "path s" "overhead" "per node"
for n in "${counts[@]}"; do
    count=$n
    rm -rf "$work/state"
    three_hosts "$work" "$n"
    k3s_stack_config "$work/Pulumi.bench-k3s.yaml" "$n"
    measure "$n" up p up --yes --skip-preview
    measure "$n" no-op p up --yes --skip-preview --expect-no-changes
    measure "$n" destroy p destroy --yes --skip-preview
    tests/e2e/ssh-hosts.sh down "$hosts" "$n" >/dev/null 2>&1
    scripts/cluster.sh down >/dev/null 2>&1
    count=0
done
echo "(path: the server's commands, local ones and the slowest agent's, run one after another; overhead = wall - path)"
