#!/usr/bin/env bash
# `npm run translate | status | logs | validate`: kubestrap's command-line tools, type-checked
# and compiled once per change of the sources (scripts/compile.sh), then run as JavaScript:
# a call starts in a tenth of a second or so, where ts-node took about 2 s on every call to
# load TypeScript and compile the sources again (bench/cli-startup.sh prints the figures).
# Usage: scripts/cli.sh compose/cli | status/cli | scripts/validate [ARGS...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/scripts/compile.sh"
entry=${1:?"usage: scripts/cli.sh compose/cli | status/cli | scripts/validate [ARGS...]"}
shift
compile_once cli tsconfig.cli.json
# Node's source maps cost about a quarter of a call's time (it reads the maps of every module it
# loads, the SDK's included); the tools' messages need none. KUBESTRAP_SOURCE_MAPS=1 turns them on,
# for a stack trace in TypeScript's lines.
maps=(); [ "${KUBESTRAP_SOURCE_MAPS:-}" != 1 ] || maps=(--enable-source-maps)
# V8's compiled code of the modules a tool loads is kept beside the compilation (core/code-cache.ts),
# so a call after the first skips compiling them; KUBESTRAP_CODE_CACHE=off compiles them every time.
cache=(-r "$here/$compiled/core/code-cache-preload.js")
if [ "${KUBESTRAP_CODE_CACHE:-}" = off ]; then cache=(); unset KUBESTRAP_CODE_CACHE
else export KUBESTRAP_CODE_CACHE="$here/$compiled/code-cache.bin"; fi
exec node ${maps[@]+"${maps[@]}"} ${cache[@]+"${cache[@]}"} "$here/$compiled/$entry.js" "$@"
