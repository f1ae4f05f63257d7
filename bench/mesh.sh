#!/usr/bin/env bash
# Prints how long a mesh takes to come up: from the start of `pulumi up` until each node
# answers `tailscale ping` from the first server, per node, then the whole up (k3s over the
# tailnet included) and a no-op up. Real Headscale and tailscaled (built by the toolchain's
# test tools) on three OpenSSH hosts in network namespaces; k3s is the stand-in. Needs root.
# Leaves nothing running.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
work=$(mktemp -d)
export KUBESTRAP_STACK=bench-mesh KUBESTRAP_LOCAL_DIR=$work/cluster KUBESTRAP_ETCD_PORT=24210 KUBESTRAP_API_PORT=16844
export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=bench E2E_K3S_TOKEN=bench-token SSH_HOSTS_FIRST=7
hosts=$work/hosts
cleanup() {
    ip route del 100.64.0.0/10 2>/dev/null || true
    tests/e2e/ssh-hosts.sh down "$hosts" 3 >/dev/null 2>&1 || true
    scripts/cluster.sh down >/dev/null 2>&1 || true
    rm -rf "$work" Pulumi.bench-mesh.yaml
}
trap cleanup EXIT

scripts/toolchain.sh check || scripts/toolchain.sh build
scripts/toolchain.sh test-tools
tools=$(scripts/toolchain.sh mesh-tools)
eval "$(scripts/toolchain.sh env)"
source bench/three-hosts.sh
three_hosts "$work"
# This machine reaches the first server's tailnet address (the kubeconfig's) through its host.
ip route replace 100.64.0.0/10 via 10.77.7.2
k3s_stack_config "$work/Pulumi.bench-mesh.yaml"
cat >> "$work/Pulumi.bench-mesh.yaml" <<YAML
    mesh:
      headscale: { airGap: { binary: $tools/headscale } }
      tailscale: { airGap: { tailscale: $tools/tailscale, tailscaled: $tools/tailscaled } }
YAML
p() { scripts/pulumi.sh "$@" --config-file "$work/Pulumi.bench-mesh.yaml"; }
on_s1() { ssh -q -i "$hosts/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@10.77.7.2 "$@"; }
row() { printf '%-52s %s\n' "$1" "$2"; }
since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }

start=$EPOCHREALTIME
p up --yes --skip-preview >"$work/up.log" 2>&1 &
up=$!
declare -A answered=()
while [ ${#answered[@]} -lt 3 ] && kill -0 "$up" 2>/dev/null; do
    # Each node's name and tailnet IPv4, once Headscale knows it.
    for pair in $(on_s1 "headscale nodes list -o json-line 2>/dev/null" 2>/dev/null |
        grep -o '"ip_addresses":\["[0-9.]*"[^]]*\],"name":"[a-z0-9-]*"' | sed 's/.*\["\([0-9.]*\)".*"name":"\(.*\)"/\2=\1/'); do
        name=${pair%=*} ip=${pair#*=}
        [ -n "${answered[$name]:-}" ] && continue
        # s1 pings from itself: it counts once its own tailscaled holds its address.
        probe="tailscale --socket=/run/tailscale/tailscaled.sock ping -c 1 --timeout 2s $ip"
        [ "$name" = s1 ] && probe="tailscale --socket=/run/tailscale/tailscaled.sock ip -4 | grep -qx $ip"
        if on_s1 "$probe" >/dev/null 2>&1; then
            answered[$name]=$(since "$start")
            row "node $name answers tailscale ping, since up started" "${answered[$name]} s"
        fi
    done
    sleep 0.2
done
wait "$up" || { tail -30 "$work/up.log" >&2; exit 1; }
row "pulumi up, mesh and k3s over it (3 nodes)" "$(since "$start") s"
start=$EPOCHREALTIME
p up --yes --skip-preview --expect-no-changes >/dev/null
row "pulumi up, no changes" "$(since "$start") s"
start=$EPOCHREALTIME
p destroy --yes --skip-preview >/dev/null
row "pulumi destroy" "$(since "$start") s"
