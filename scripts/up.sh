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

# The engine saves the whole state after every step, so an up costs more per resource the larger
# the stack (docs/dev/performance.md). An up that runs without asking (--yes) and whose plan
# changes only Kubernetes objects (no Helm release, command, random value or cloud resource)
# saves it once, at the end (PULUMI_SKIP_CHECKPOINTS): if it is killed, the next up applies those
# objects again and the provider adopts what the killed run made (server-side apply), so nothing
# is lost. The plan is read from a preview, and the up then skips its own. KUBESTRAP_CHECKPOINTS=
# always keeps every save; any flag outside those preview shares also keeps Pulumi's own flow.
shares_flags_with_preview() {
    args_within "--yes -y --refresh --diff --expect-no-changes --suppress-outputs --show-sames --show-reads --non-interactive" \
        "--config-file --target --replace --parallel -p --message -m"
}
if [ "${KUBESTRAP_CHECKPOINTS:-auto}" = auto ] && [ -z "${PULUMI_SKIP_CHECKPOINTS:-}" ] &&
    [[ " ${args[*]} " == *" --yes "* || " ${args[*]} " == *" -y "* ]] && shares_flags_with_preview; then
    preview_args=()
    for a in "${args[@]}"; do [ "$a" = --yes ] || [ "$a" = -y ] || preview_args+=("$a"); done
    # The preview's progress (a first toolchain build, the compile) shows as it happens; a preview
    # that fails is left to the up below, which says why (with --json, preview puts it in the JSON).
    if plan=$("$here/scripts/pulumi.sh" preview --json "${preview_args[@]}"); then
        save_once_if_redoable plan "this up changes only Kubernetes objects: the state is saved once, at the end (a killed run's objects are adopted by the next up; KUBESTRAP_CHECKPOINTS=always saves after every step)" <<<"$plan"
        exec "$here/scripts/pulumi.sh" up --skip-preview "${args[@]}"
    fi
fi
exec "$here/scripts/pulumi.sh" up "${args[@]}"
