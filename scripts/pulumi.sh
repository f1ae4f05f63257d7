#!/usr/bin/env bash
# Runs the Pulumi CLI for this project, offline-ready: the toolchain built by
# scripts/toolchain.sh, the project-local file backend (unless PULUMI_BACKEND_URL is set),
# and the stack named by --stack/-s (else KUBESTRAP_STACK, else dev), created on first use with a passphrase
# secrets provider. The dev stack's passphrase is "kubestrap-dev" unless you set
# PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE.
#
#   scripts/pulumi.sh preview | up | destroy | config set ... | stack output ...
#
# An example stack (examples/<stack>/Pulumi.<stack>.yaml, when the project has no
# Pulumi.<stack>.yaml of its own) is run with that file as its config, and shares the dev
# stack's passphrase.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
source "$here/scripts/stack-args.sh"
take_stack_args "$@"
set -- "${args[@]}"
config_file=$("$here/scripts/stack-target.sh" "$stack" file)
example=; [ "$config_file" = "$here/Pulumi.$stack.yaml" ] || example=1

# Which Pulumi: KUBESTRAP_SYSTEM_PULUMI=1 the one on PATH, =0 kubestrap's offline toolchain; unset,
# the toolchain when it is built, else a pulumi already on PATH (Pulumi then installs the
# plugins the SDK packages pin, which needs internet), else the toolchain, built now.
if [ "${KUBESTRAP_SYSTEM_PULUMI:-}" != 1 ]; then
    if [ "${KUBESTRAP_SYSTEM_PULUMI:-}" != 0 ] && command -v pulumi >/dev/null && ! "$here/scripts/toolchain.sh" check; then
        echo "[kubestrap] using the pulumi on PATH ($(command -v pulumi)); KUBESTRAP_SYSTEM_PULUMI=0 builds kubestrap's offline toolchain instead" >&2
    else
        "$here/scripts/toolchain.sh" check || "$here/scripts/toolchain.sh" build
        eval "$("$here/scripts/toolchain.sh" env)"
    fi
fi
[ -d node_modules/@pulumi/pulumi ] || npm ci --ignore-scripts --no-audit --no-fund >&2

export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$here/.kubestrap/state}
state_dir=
case "$PULUMI_BACKEND_URL" in file://*)
    state_dir=${PULUMI_BACKEND_URL#file://}
    state_dir=${state_dir%%\?*}
    mkdir -p "$state_dir"
    # A file backend writes each checkpoint atomically but its `.attrs` metadata sidecar in
    # place, so a run killed at the wrong moment leaves an empty sidecar and every later command
    # fails with "failed to load checkpoint: EOF". Pulumi needs nothing from the sidecars: skip
    # them, and remove any empty one an older, killed run left.
    case "$PULUMI_BACKEND_URL" in
        *metadata=*) ;;
        *\?*) PULUMI_BACKEND_URL+="&metadata=skip" ;;
        *) PULUMI_BACKEND_URL+="?metadata=skip" ;;
    esac
    [ ! -d "$state_dir/.pulumi" ] || find "$state_dir/.pulumi" -name '*.attrs' -empty -delete
    ;;
esac
# The Kubernetes provider throttles its client to 50 requests a second, bursts of 120, unless told
# otherwise (upstream's own variables, read by the official provider too); a preview makes a dry
# run per object, so a 1,000-object stack waited on the throttle for most of its preview. 200/400
# stays within the API server's default in-flight limits (400, 200 mutating). Yours win if set.
export PULUMI_K8S_CLIENT_QPS=${PULUMI_K8S_CLIENT_QPS:-200} PULUMI_K8S_CLIENT_BURST=${PULUMI_K8S_CLIENT_BURST:-400}
# The engine runs at most four steps a core at once unless told otherwise (pulumi 3.248,
# cmd/pulumi/operations/up.go, defaultParallel: 8 on 2 cores), and a Kubernetes step mostly waits
# for the API server: at 100 apps on simulated nodes, an up from empty took 162 s at 8, 56 s at 32,
# 38 s at 64 and 36 s at 128, a preview of it about 10 s at 8 and 6.5 s at 32 or 128
# (docs/dev/performance.md). The client's rate above still bounds their requests, and kubestrap's
# own components bound their SSH sessions on one host (mesh/mesh-network.ts). PULUMI_PARALLEL or
# --parallel win if set; PULUMI_PARALLEL=8 gives back the engine's default on 2 cores.
export PULUMI_PARALLEL=${PULUMI_PARALLEL:-64}
# A field kubestrap declares is kubestrap's: after a `kubectl scale` or `kubectl edit` of it, server-side
# apply would refuse the next up with a field conflict ("conflict with kubectl"), where the user
# wants it put back (npm run drift shows such edits). Fields it does not declare (an autoscaled
# Deployment's replicas) stay with whoever set them. Set it to false to be asked instead.
export PULUMI_K8S_ENABLE_PATCH_FORCE=${PULUMI_K8S_ENABLE_PATCH_FORCE:-true}
# The program leaves out the SDK's debug log messages (three RPCs a resource, shown only with
# --debug or in -v's logs; stacks/sdk-bookkeeping.ts) unless this run may show them. Erring on the
# side of sending them (any -v level, a flag's value that looks like one) costs only speed.
for arg in "$@"; do
    [[ $arg =~ ^(--debug(=(1|t|T|true|TRUE|True))?|--verbose(=.*)?|--logtostderr(=(1|t|T|true|TRUE|True))?|-[efjQry]*[dv].*)$ ]] && export KUBESTRAP_SDK_DEBUG_LOGS=1
done
# Reading a stack (npm run status) makes nothing: no stack is created, and without --show-secrets
# no passphrase is needed.
read_only=
case "${1:-} ${2:-}" in "stack export"* | "stack output"*) [[ " $* " == *" --show-secrets "* ]] || read_only=1 ;; esac
if [ -z "$read_only" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    [ "$stack" = dev ] || [ -n "$example" ] || { echo "set PULUMI_CONFIG_PASSPHRASE (or _FILE) for the $stack stack" >&2; exit 1; }
    export PULUMI_CONFIG_PASSPHRASE=kubestrap-dev
fi

# Type-check and compile the program once per change of its sources, into
# .kubestrap/program/<hash>/, and have the language host run that JavaScript
# (KUBESTRAP_COMPILED_PROGRAM; toolchain/language-host). Pulumi's TypeScript runtime type-checks
# on every run (with @pulumi/aws's and @pulumi/cloudflare's declarations loaded, about 10 s a run
# on 2 cores) and has ts-node compile every source on every run (about 3 s), though a config edit
# or a second run changes neither. A type error still stops the run before anything is touched.
# KUBESTRAP_TYPECHECK=every-run, or PULUMI_NODEJS_TRANSPILE_ONLY set by the caller, runs the
# sources through ts-node instead, Pulumi's way.
source "$here/scripts/compile.sh"
compile_program() {
    compile_once program tsconfig.program.json scripts/compiled-main.js
    export KUBESTRAP_COMPILED_PROGRAM=$compiled/main.js
    # kubestrap's language host has the program's Node load core/program-preload.ts first: the
    # SDK's closure serialiser, which the program never uses, loads on first use, and V8's compiled
    # code of the SDK and the other packages is kept beside the compilation (about a second of a
    # 100-app no-op; docs/dev/performance.md). KUBESTRAP_CODE_CACHE=off leaves both out.
    if [ "${KUBESTRAP_CODE_CACHE:-}" = off ]; then
        unset KUBESTRAP_PROGRAM_PRELOAD
    else
        export KUBESTRAP_PROGRAM_PRELOAD=$compiled/core/program-preload.js KUBESTRAP_CODE_CACHE=$here/$compiled/code-cache.bin
    fi
}
# `destroy` and `refresh` do not run the program. `scripts/pulumi.sh typecheck` compiles ahead.
case "${1:-}" in
    typecheck) compile_program; exit 0 ;;
    preview | up | update)
        [ -n "${PULUMI_NODEJS_TRANSPILE_ONLY:-}" ] || [ "${KUBESTRAP_TYPECHECK:-}" = every-run ] || compile_program ;;
esac

# The stack is named on each command rather than selected: a selection is shared by every
# shell on this project, and the end-to-end suites run side by side.
# A stack is new only when nothing of it exists. In a file backend that is its checkpoint files
# (a run killed mid-write can leave one that `stack ls` skips, and `stack init` on that stack
# would then fail on its lock); elsewhere, a listing that worked and lacks it.
stack_exists() {
    case "$PULUMI_BACKEND_URL" in
        file://*) compgen -G "$state_dir/.pulumi/stacks/*/$stack.json*" >/dev/null ;;
        *) ! stacks=$(pulumi stack ls --json 2>/dev/null) || grep -q "\"name\": \"$stack\"" <<<"$stacks" ;;
    esac
}
if ! stack_exists; then
    [ -z "$read_only" ] || { echo "[kubestrap] there is no stack $stack in $PULUMI_BACKEND_URL yet (npm run up makes it)" >&2; exit 1; }
    pulumi stack init --no-select --secrets-provider passphrase "$stack" >/dev/null
    # stack init writes a Pulumi.<stack>.yaml with a new salt; an example keeps its own in its file.
    [ -z "$example" ] || rm -f "$here/Pulumi.$stack.yaml"
fi
# An example's config file, unless the caller names one.
with_config=()
if [ -n "$example" ] && [[ " $* " != *" --config-file "* ]]; then
    with_config=(--config-file "$config_file")
fi
# Each start of the Kubernetes provider writes the cluster's kubeconfig, credentials and all, to
# a new $TMPDIR/kubeconfig* file for Helm, and never removes it (pulumi-kubernetes 4.25,
# writeKubeconfigToFile). So every run gets a private TMPDIR, removed when pulumi exits; pulumi
# is still exec'd, so signals and the terminal reach it as before.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubestrap-run.XXXXXX")
(
    trap '' INT TERM HUP
    exec </dev/null >/dev/null 2>&1
    # Wait for pulumi (this shell's pid, after the exec) to exit: GNU tail's --pid, or a loop where tail has none.
    tail --pid=$$ -f /dev/null 2>/dev/null || while kill -0 $$ 2>/dev/null; do sleep 1; done
    rm -rf "$run_tmp"
) &
export TMPDIR=$run_tmp
# A run started in the background by a script (`npm run up &`, a benchmark) inherits SIGINT
# ignored, and so do pulumi's plugins, Go programs that then never exit on it. The CLI stops each
# plugin with SIGINT and waits 5 s before killing it: 5 s more a run (`pulumi about`: 0.4 s, 5.2 s
# with SIGINT ignored). Bash cannot undo an ignore it inherited; GNU env can, and still execs.
default_sigint=()
! env --default-signal=INT true 2>/dev/null || default_sigint=(env --default-signal=INT)
case "${1:-} ${2:-}" in
    "stack ls"* | "stack init"* | "stack select"* | "stack rm"*) exec "${default_sigint[@]}" pulumi "$@" ;;
    preview* | up* | update* | destroy* | refresh* | config* | import*) exec "${default_sigint[@]}" pulumi "$@" --stack "$stack" "${with_config[@]}" ;;
    cancel* | state* | stack*) exec "${default_sigint[@]}" pulumi "$@" --stack "$stack" ;;
    *) exec "${default_sigint[@]}" pulumi "$@" ;;
esac
