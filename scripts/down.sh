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
    # As `npm run up` does (scripts/up.sh): a confirmed destroy of a stack that holds only
    # Kubernetes objects (with components and providers) saves the state once, at the end, instead
    # of after every delete (at 200 apps, 800 s against a kubectl floor of 383). If it is killed,
    # the state is as before it; the next destroy deletes those objects again, and the provider
    # takes an object already gone as deleted (pulumi-kubernetes 4.25, pkg/await/await.go
    # Deletion). A stack holding anything else (a command's uninstall, a Helm release, a cloud
    # resource) keeps a save per step, as do KUBESTRAP_CHECKPOINTS=always and other flags (--target).
    if [ "${KUBESTRAP_CHECKPOINTS:-auto}" = auto ] && [ -z "${PULUMI_SKIP_CHECKPOINTS:-}" ] &&
        [[ " ${args[*]} " == *" --yes "* || " ${args[*]} " == *" -y "* ]] &&
        args_within "--yes -y --skip-preview --non-interactive --suppress-outputs" "--config-file" &&
        state=$("$here/scripts/pulumi.sh" stack export); then
        save_once_if_redoable destroy "this destroy deletes only Kubernetes objects: the state is saved once, at the end (a killed destroy's objects are deleted again by the next; KUBESTRAP_CHECKPOINTS=always saves after every step)" --destroy <<<"$state"
    fi
    "$here/scripts/pulumi.sh" destroy "${args[@]}"
fi
if [ "$target" = local ]; then
    "$here/scripts/cluster.sh" down
fi
