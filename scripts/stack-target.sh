#!/usr/bin/env bash
# Prints the cluster target of stack $1 ("local" unless its config says otherwise).
file="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Pulumi.$1.yaml"
target=$( [ -f "$file" ] && sed -n '/^  kubestrap:cluster:/,/^  [^ ]/p' "$file" | sed -n 's/^ *target: *\([a-z0-9]*\).*/\1/p' | head -1)
echo "${target:-local}"
