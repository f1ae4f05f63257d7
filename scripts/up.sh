#!/usr/bin/env bash
# `npm run up`: pulumi up of the stack KUBESTRAP_STACK (default dev), starting the local
# control plane first when the stack targets it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stack=${KUBESTRAP_STACK:-dev}
export KUBESTRAP_LOCAL_NODES=${KUBESTRAP_LOCAL_NODES:-$("$here/scripts/stack-target.sh" "$stack" nodes)}
if [ "$("$here/scripts/stack-target.sh" "$stack")" = local ] && ! "$here/scripts/cluster.sh" status; then
    "$here/scripts/cluster.sh" up
    # A new control plane holds none of what an earlier run left in the stack's state.
    if [ "$("$here/scripts/stack-resource-count.sh")" -gt 0 ]; then
        "$here/scripts/pulumi.sh" refresh --yes --skip-preview
    fi
fi
exec "$here/scripts/pulumi.sh" up --yes "$@"
