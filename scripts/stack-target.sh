#!/usr/bin/env bash
# Prints the cluster target of stack $1 ("local" unless its config says otherwise), or with
# `nodes` as $2 the local control plane's node kind ("kwok" unless cluster.local.nodes says).
file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Pulumi.$1.yaml"
cluster=$( [ -f "$file" ] && sed -n '/^  kubestrap:cluster:/,/^  [^ ]/p' "$file")
if [ "${2:-}" = nodes ]; then
    nodes=$(echo "$cluster" | sed -n '/^    local:/,/^    [^ ]/p' | sed -n 's/^ *nodes: *\([a-z]*\).*/\1/p' | head -1)
    echo "${nodes:-kwok}"
    exit 0
fi
target=$(echo "$cluster" | sed -n 's/^ *target: *\([a-z0-9]*\).*/\1/p' | head -1)
echo "${target:-local}"
