#!/usr/bin/env bash
# Prints the cluster target of stack $1 ("local" unless its config says otherwise); with
# `nodes` as $2 the local control plane's node kind ("kwok" unless cluster.local.nodes says);
# with `file` as $2 the stack's config file: Pulumi.<stack>.yaml, or an example's
# examples/<stack>/Pulumi.<stack>.yaml when the project has none of that name.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="$root/Pulumi.$1.yaml"
[ -f "$file" ] || [ ! -f "$root/examples/$1/Pulumi.$1.yaml" ] || file="$root/examples/$1/Pulumi.$1.yaml"
if [ "${2:-}" = file ]; then
    echo "$file"
    exit 0
fi
cluster=$( [ -f "$file" ] && sed -n '/^  kubestrap:cluster:/,/^  [^ ]/p' "$file")
if [ "${2:-}" = nodes ]; then
    nodes=$(echo "$cluster" | sed -n '/^    local:/,/^    [^ ]/p' | sed -n 's/^ *nodes: *\([a-z]*\).*/\1/p' | head -1)
    echo "${nodes:-kwok}"
    exit 0
fi
target=$(echo "$cluster" | sed -n 's/^ *target: *\([a-z0-9]*\).*/\1/p' | head -1)
echo "${target:-local}"
