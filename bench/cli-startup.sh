#!/usr/bin/env bash
# `npm run bench:cli`: how long kubestrap's command-line tools take from the shell, per call,
# once compiled (scripts/cli.sh compiles them once per change of the sources): `translate` of
# each compose file in the corpus, printing manifests and with --warnings-only, beside the
# ts-node start-up they replaced, and without V8's code cache (core/code-cache.ts). Prints the
# median and the slowest, in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
summary() { sort -n | awk -v what="$1" '{ a[NR] = $1 } END { printf "%-44s median %5d ms   max %5d ms   (%d calls)\n", what, a[int((NR + 1) / 2)], a[NR], NR }'; }
files=$(ls tests/fixtures/compose/*/compose.yaml)
# Compile once, and fill the code cache once, outside the figures.
warmup=$(bash scripts/cli.sh compose/cli "$(echo "$files" | head -1)" 2>&1 >/dev/null) || { echo "$warmup" >&2; exit 1; }
for f in $files; do ms bash scripts/cli.sh compose/cli "$f"; done | summary "translate (manifests, through Pulumi's mocks)"
for f in $files; do ms bash scripts/cli.sh compose/cli "$f" --warnings-only; done | summary "translate --warnings-only"
for f in $files; do KUBESTRAP_CODE_CACHE=off ms bash scripts/cli.sh compose/cli "$f"; done | summary "translate without the code cache"
for f in $(echo "$files" | head -5); do ms npx --no-install ts-node --transpile-only compose/cli.ts "$f"; done | summary "translate through ts-node (before)"
for f in $(echo "$files" | head -5); do ms npm run -s translate -- "$f" --warnings-only; done | summary "npm run translate --warnings-only (npm's start-up too)"
