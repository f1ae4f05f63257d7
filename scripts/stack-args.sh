# Sourced by the npm scripts (up, down, preview) and scripts/pulumi.sh: `take_stack_args "$@"`
# takes the stack the caller named (--stack X, --stack=X, -s X, -sX; else KUBESTRAP_STACK; else
# dev) out of the arguments, so the wrapper names it to Pulumi once, and leaves the rest in
# `args`. `confirmed` is set when the caller passed --yes (or -y) itself.
take_stack_args() {
    stack=${KUBESTRAP_STACK:-dev}
    args=()
    confirmed=
    while [ $# -gt 0 ]; do
        case $1 in
            --stack | -s)
                [ $# -ge 2 ] && [ -n "$2" ] || { echo "[kubestrap] $1 needs a stack name, e.g. $1 prod" >&2; exit 2; }
                stack=$2
                shift 2
                continue
                ;;
            --stack=*) stack=${1#--stack=} ;;
            -s?*) stack=${1#-s} ;;
            --yes | -y | --yes=true) confirmed=1; args+=("$1") ;;
            --) args+=("$@"); break ;;
            *) args+=("$1") ;;
        esac
        shift
    done
    [[ $stack =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "[kubestrap] \"$stack\" is not a stack name: letters, digits, '-', '_' and '.' only" >&2; exit 2; }
    export KUBESTRAP_STACK=$stack
}

# Whether to add --yes for the caller: a stack on the local control plane (nothing outside this
# machine), or CI (no one to answer); any other stack keeps Pulumi's confirmation.
auto_confirm() {
    [ -z "$confirmed" ] || return 1
    [ "${CI:-}" = true ] || [ "$1" = local ]
}

# save_once_if_redoable LABEL MESSAGE [--destroy] <<<JSON: scripts/checkpoint-plan.js's decision on a
# plan (or, with --destroy, on a stack's state). Prints the plan's summary under LABEL and, when every
# step is one a later run redoes, says MESSAGE and exports PULUMI_SKIP_CHECKPOINTS=true for the run.
save_once_if_redoable() {
    local label=$1 message=$2 decision summary
    shift 2
    { read -r decision && read -r summary; } < <(node "$here/scripts/checkpoint-plan.js" "$@") ||
        { decision="keep: checkpoint-plan.js gave no decision"; summary="plan: unknown"; }
    echo "[kubestrap] ${summary/plan:/$label:}" >&2
    if [ "$decision" = skip ]; then
        echo "[kubestrap] $message" >&2
        export PULUMI_SKIP_CHECKPOINTS=true
    fi
}

# args_within "FLAG..." "VALUED_FLAG...": whether every argument in args is one of the FLAGs, or a
# VALUED_FLAG with its value (the next argument; for a --long one also --long=value).
args_within() {
    local flags=" $1 " valued=" $2 " i=0 a
    while [ $i -lt ${#args[@]} ]; do
        a=${args[$i]}
        if [[ $flags == *" $a "* ]]; then :
        elif [[ $valued == *" $a "* ]]; then i=$((i + 1))
        elif [[ $a == --*=* && $valued == *" ${a%%=*} "* ]]; then :
        else return 1
        fi
        i=$((i + 1))
    done
}
