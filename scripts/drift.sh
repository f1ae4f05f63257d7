#!/usr/bin/env bash
# `npm run drift [-- --stack S]`: what changed outside Pulumi since the last `up`. A preview that
# first refreshes every resource from the cluster (and any cloud) and lists each step it would
# take to put things back, by resource and field; nothing is written to the state. The report
# goes to .kubestrap/drift/<stack>.json, which `npm run status` shows. Exit 0: no drift; 3: drift;
# anything else: the preview itself failed (its output above).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/scripts/stack-args.sh"
take_stack_args "$@"
report=${KUBESTRAP_DRIFT_DIR:-$here/.kubestrap/drift}/$stack.json
mkdir -p "$(dirname "$report")"
json=$(mktemp)
trap 'rm -f "$json"' EXIT
if ! "$here/scripts/pulumi.sh" preview --refresh --json --diff "${args[@]}" > "$json"; then
    # With --json, the preview's errors are in its JSON: say them as a person reads them.
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8") || "{}");
        for (const d of j.diagnostics ?? []) if (d.severity === "error") console.error(`${d.urn ? d.urn.split("::").pop() + ": " : ""}${d.message.trim()}`);' "$json" >&2 || cat "$json" >&2
    echo "[kubestrap] the drift check could not preview the stack (above); nothing was reported" >&2
    exit 1
fi
exec node "$here/scripts/drift-report.js" "$json" "$stack" "$report"
