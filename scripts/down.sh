#!/usr/bin/env bash
# `npm run down [-- --stack S] [pulumi destroy flags]`: pulumi destroy of the stack, then stop the
# local control plane if it used it. Pulumi asks for confirmation unless the stack is on the
# local control plane, CI=true, or you pass --yes: for a k3s stack, destroy uninstalls k3s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/scripts/stack-args.sh"
take_stack_args "$@"
target=$("$here/scripts/stack-target.sh" "$stack")
if [ "$target" = local ] && ! "$here/scripts/cluster.sh" status; then
    echo "the local control plane is not running: nothing of the $stack stack is deployed on it" >&2
else
    ! auto_confirm "$target" || args=(--yes "${args[@]}")
    "$here/scripts/pulumi.sh" destroy "${args[@]}"
fi
if [ "$target" = local ]; then
    "$here/scripts/cluster.sh" down
fi
