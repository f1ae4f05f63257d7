#!/usr/bin/env bash
# `npm run down`: pulumi destroy of the stack, then stop the local control plane if it used it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stack=${KUBESTRAP_STACK:-dev}
local_target=false
[ "$("$here/scripts/stack-target.sh" "$stack")" = local ] && local_target=true
if $local_target && ! "$here/scripts/cluster.sh" status; then
    echo "the local control plane is not running: nothing of the $stack stack is deployed on it" >&2
else
    "$here/scripts/pulumi.sh" destroy --yes "$@"
fi
if $local_target; then
    "$here/scripts/cluster.sh" down
fi
