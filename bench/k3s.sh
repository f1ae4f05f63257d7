#!/usr/bin/env bash
# Prints what kubestrap's orchestration adds per k3s node over the bare remote commands: a
# three-node cluster (one server, two agents; the k3s stand-in from tests/fixtures, installed
# air-gapped over real SSH into network namespaces) is brought up and destroyed with
# `pulumi up`/`destroy`, while the command provider records how long each remote command
# itself took (SSH connection included). The difference, per node, is the engine's and the
# program's share. Needs root (network namespaces). Leaves nothing running.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
work=$(mktemp -d)
export KUBESTRAP_STACK=bench-k3s KUBESTRAP_LOCAL_DIR=$work/cluster KUBESTRAP_ETCD_PORT=24190 KUBESTRAP_API_PORT=16843
export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=bench E2E_K3S_TOKEN=bench-token
export KUBESTRAP_COMMAND_TIMINGS=$work/timings
hosts=$work/hosts
trap 'tests/e2e/ssh-hosts.sh down "$hosts" 3 >/dev/null 2>&1 || true; scripts/cluster.sh down >/dev/null 2>&1 || true; rm -rf "$work" Pulumi.bench-k3s.yaml' EXIT

scripts/toolchain.sh check || scripts/toolchain.sh build
source bench/three-hosts.sh
three_hosts "$work"
k3s_stack_config "$work/Pulumi.bench-k3s.yaml"
p() { scripts/pulumi.sh "$@" --config-file "$work/Pulumi.bench-k3s.yaml"; }
row() { printf '%-52s %s\n' "$1" "$2"; }

# measure LABEL COMMAND...: wall time, time inside remote commands, and the difference per node.
measure() {
    local label=$1; shift
    : > "$work/timings"
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    local wall; wall=$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN {printf "%.1f", a - b}')
    local inside; inside=$(awk -F'\t' '{t += $2} END {printf "%.1f", t}' "$work/timings")
    local count; count=$(wc -l < "$work/timings")
    row "$label: wall time" "$wall s"
    row "  remote commands ($count, run time summed)" "$inside s"
    row "  orchestration added, per node" "$(awk -v w="$wall" -v i="$inside" 'BEGIN {printf "%.1f", (w - i) / 3}') s"
}

measure "pulumi up, 3 nodes (fresh)" p up --yes --skip-preview
measure "pulumi up, no changes" p up --yes --skip-preview --expect-no-changes
measure "pulumi destroy" p destroy --yes --skip-preview
echo "(summed command time overlaps where a node's steps run in parallel, so the added share is a lower bound)"
