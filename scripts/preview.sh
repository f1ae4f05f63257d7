#!/usr/bin/env bash
# `npm run preview`: pulumi preview of the stack KUBESTRAP_STACK (default dev) with kubestrap's
# policy pack (policy/), configured for the stack's environment. A mandatory violation fails it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stack=${KUBESTRAP_STACK:-dev}
file=$("$here/scripts/stack-target.sh" "$stack" file)
# A --config-file given here is the stack's config for this run.
args=("$@")
for i in "${!args[@]}"; do
    [ "${args[$i]}" != --config-file ] || file=${args[$((i + 1))]:-$file}
done
environment=$( [ -f "$file" ] && sed -n 's/^  kubestrap:environment: *\([a-z]*\).*/\1/p' "$file" | head -1 || true)
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf '{"protect-data-in-prod": {"environment": "%s"}}\n' "${environment:-dev}" > "$config"
"$here/scripts/pulumi.sh" preview --policy-pack "$here/policy" --policy-pack-config "$config" "$@"
