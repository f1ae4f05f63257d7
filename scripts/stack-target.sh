#!/usr/bin/env bash
# Prints a setting of stack $1 as the program would read it (stacks/stack-file.ts, with the
# `yaml` package): `target` (default; "local" unless kubestrap:cluster.target says otherwise),
# `nodes` (the local control plane's node kind, "kwok" unless cluster.local.nodes says),
# `environment` (kubestrap:environment, "dev" unless it says) or `file`: Pulumi.<stack>.yaml, or
# an example's examples/<stack>/Pulumi.<stack>.yaml when the project has none of that name.
# `--file F` reads F instead of the stack's own file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -d "$root/node_modules/yaml" ] || (cd "$root" && npm ci --ignore-scripts --no-audit --no-fund >&2)
DISABLE_V8_COMPILE_CACHE=1 exec node "$root/node_modules/ts-node/dist/bin.js" --transpile-only --project "$root/tsconfig.json" "$root/scripts/stack-target.ts" "$@"
