#!/usr/bin/env bash
# `npm run test:e2e`: the end-to-end suite. Builds the offline toolchain first when it is
# missing (the first run takes a while; later runs reuse the cache).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v go >/dev/null && ! scripts/toolchain.sh check; then
    echo "The end-to-end suite needs the Pulumi toolchain and a local control plane, built from Go modules:" >&2
    echo "install Go 1.25 or newer (https://go.dev/dl or your distribution's golang package), then run npm test again." >&2
    exit 1
fi
if ! scripts/toolchain.sh check; then
    echo "[e2e] the toolchain is not built yet: building it now (cached under ~/.cache/kubestrap)" >&2
    scripts/toolchain.sh build
fi
scripts/toolchain.sh test-tools
# The real-pod node suite needs the node's binaries and images on top (tests/e2e/real-node.e2e.ts).
if ! scripts/toolchain.sh node-check; then
    echo "[e2e] building the real-pod node's tools and images (cached under ~/.cache/kubestrap)" >&2
    scripts/toolchain.sh node
fi
eval "$(scripts/toolchain.sh env)"
# Every suite's runs share one compilation of the program (scripts/pulumi.sh), as a user's do.
scripts/pulumi.sh typecheck
exec npx --no-install mocha --config tests/e2e/.mocharc.json "$@"
