#!/usr/bin/env bash
# `npm run up [-- --stack S] [pulumi up flags]`: pulumi up of the stack (--stack, else
# KUBESTRAP_STACK, else dev), starting the local control plane first when the stack targets it.
# Pulumi asks for confirmation unless the stack is on the local control plane, CI=true, or you
# pass --yes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/scripts/stack-args.sh"
take_stack_args "$@"
target=$("$here/scripts/stack-target.sh" "$stack")
export KUBESTRAP_LOCAL_NODES=${KUBESTRAP_LOCAL_NODES:-$("$here/scripts/stack-target.sh" "$stack" nodes)}
if [ "$target" = local ] && ! "$here/scripts/cluster.sh" status; then
    "$here/scripts/cluster.sh" up
    # A new control plane holds none of what an earlier run left in the stack's state.
    if [ "$("$here/scripts/stack-resource-count.sh")" -gt 0 ]; then
        "$here/scripts/pulumi.sh" refresh --yes --skip-preview
    fi
fi
! auto_confirm "$target" || args=(--yes "${args[@]}")
exec "$here/scripts/pulumi.sh" up "${args[@]}"
