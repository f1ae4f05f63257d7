#!/usr/bin/env bash
# Prints what the offline engine costs: toolchain build times (cold, as recorded when the
# cache was built, and warm), local control plane start, and for the dev stack on it:
# preview and up times, resource count, and a no-op up. Leaves nothing running.
#
#   bench/engine.sh            use the existing cache
#   bench/engine.sh --cold     also rebuild the whole toolchain in a fresh cache (30+ minutes)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
work=$(mktemp -d)
export KUBESTRAP_STACK=bench KUBESTRAP_LOCAL_DIR=$work/cluster KUBESTRAP_ETCD_PORT=23990 KUBESTRAP_API_PORT=16643
export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=bench DEMON_ADMIN_TOKEN=bench
trap 'scripts/cluster.sh down >/dev/null 2>&1 || true; rm -rf "$work" Pulumi.bench.yaml' EXIT

secs() { local s=$EPOCHREALTIME; "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; awk -v a="$EPOCHREALTIME" -v b="$s" 'BEGIN {printf "%.1f", a - b}'; }
row() { printf '%-44s %s\n' "$1" "$2"; }

cache=${KUBESTRAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubestrap}
if [ "${1:-}" = --cold ]; then
    row "toolchain build, cold (fresh cache)" "$(KUBESTRAP_CACHE=$work/cache secs scripts/toolchain.sh build) s"
elif [ -f "$cache/build-times.tsv" ]; then
    row "toolchain build, cold (recorded per binary)" "$(awk -F'\t' '{t+=$3} END {print t}' "$cache/build-times.tsv") s"
    awk -F'\t' '{printf "  %-42s %s s\n", $1" "$2, $3}' "$cache/build-times.tsv"
fi
row "toolchain build, warm (cache hit)" "$(secs scripts/toolchain.sh build) s"
row "local control plane start" "$(secs scripts/cluster.sh up) s"

sed -e "s|^    target: local|    target: kubeconfig\n    kubeconfig: $work/cluster/kubeconfig|" \
    -e 's|fromConfig: demonAdminToken|fromEnv: DEMON_ADMIN_TOKEN|' -e 's|fromConfig: helloApiKey|fromEnv: DEMON_ADMIN_TOKEN|' \
    -e '/^encryptionsalt/d' -e '/secure: /d' -e '/kubestrap:demonAdminToken:/d' -e '/kubestrap:helloApiKey:/d' Pulumi.dev.yaml > "$work/Pulumi.bench.yaml"
p() { scripts/pulumi.sh "$@" --config-file "$work/Pulumi.bench.yaml"; }
row "pulumi preview, dev stack (fresh)" "$(secs p preview) s"
row "pulumi up, dev stack (fresh)" "$(secs p up --yes --skip-preview) s"
row "resources in the stack" "$(scripts/stack-resource-count.sh)"
row "pulumi up, no changes" "$(secs p up --yes --skip-preview --expect-no-changes) s"
row "pulumi destroy" "$(secs p destroy --yes --skip-preview) s"
