#!/usr/bin/env bash
# The project's test command (`npm test`): unit tests, then the end-to-end suite against the
# real Pulumi engine, closing with one total line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
export KUBESTRAP_TEST_SUMMARY=$summary

status=0
npx --no-install tsc --noEmit -p . || { echo "type check failed"; status=1; }
npx --no-install mocha || status=1
if command -v go >/dev/null; then
    # kubestrap's command and random providers, its stand-ins for the Demon services and its language host have Go tests of their own.
    go_out=""
    for module in toolchain/providers toolchain/standins toolchain/language-host; do
        go_out+=$(cd "$module" && GOFLAGS=-mod=mod GOSUMDB=off GOTOOLCHAIN=local go test -v ./... 2>&1) || status=1
        go_out+=$'\n'
    done
    echo "$go_out" | grep -E '^(--- |ok|FAIL)' || true
    echo "$(echo "$go_out" | grep -c '^--- PASS') $(echo "$go_out" | grep -c '^--- FAIL') 0" >> "$summary"
fi
if [ -f tests/e2e/run.sh ] && [ "${KUBESTRAP_SKIP_E2E:-}" != "1" ]; then
    bash tests/e2e/run.sh || status=1
fi

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$summary")
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo
echo "${passed} passed, ${failed} failed$([ "$skipped" -gt 0 ] && echo ", ${skipped} skipped")"
exit "$status"
