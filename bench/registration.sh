#!/usr/bin/env bash
# How much of a no-op is the Node SDK registering resources one by one? For N apps (default 100)
# of bench/scale.sh's stack, the very objects kubestrap's program makes (rendered under mocks, as
# for scale.sh's floor) are stood up by a bare Pulumi program of two `kubernetes:yaml/v2:ConfigGroup`
# resources: the Kubernetes provider, in Go, parses them and registers every object with the engine
# itself, so the Node program registers two resources instead of about a thousand. Same engine,
# provider, file backend and control plane as scale.sh. Prints the no-op up and the preview of the
# deployed stack, to set beside scale.sh's row for the same N, and the up from empty (not waited
# for, so not comparable to scale.sh's). No destroy: without the components' ordering it would
# delete claims before the pods that hold them; the control plane goes, and the state with it.
# Leaves nothing running.
#
#   bench/registration.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
n=${1:-100}
source bench/scale-cluster.sh
scale_env bench-registration 24490 17143
say() { printf '[registration] %s\n' "$*" >&2; }

# .kubestrap/ is not committed; the program uses the project's node_modules.
project=$here/.kubestrap/bench-registration
rm -rf "$project"; mkdir -p "$project"
ln -s "$here/node_modules" "$project/node_modules"
trap 'scripts/cluster.sh down >/dev/null 2>&1 || true; rm -rf "$work" "$project"' EXIT
cat > "$project/Pulumi.yaml" <<'YAML'
name: bench-registration
runtime: nodejs
main: index.js
YAML
cat > "$project/index.js" <<'JS'
const fs = require("fs");
const k8s = require("@pulumi/kubernetes");
const dir = process.env.BENCH_RENDERED;
const provider = new k8s.Provider("cluster", { kubeconfig: fs.readFileSync(process.env.BENCH_KUBECONFIG, "utf8") });
const namespaces = new k8s.yaml.v2.ConfigGroup("namespaces", { files: [`${dir}/namespaces.yaml`] }, { provider });
new k8s.yaml.v2.ConfigGroup("objects", { files: [`${dir}/objects.yaml`] }, { provider, dependsOn: [namespaces] });
JS
export BENCH_RENDERED=$work/rendered BENCH_KUBECONFIG=$kubeconfig
default_sigint=(); ! env --default-signal=INT true 2>/dev/null || default_sigint=(env --default-signal=INT)
p() { (cd "$project" && exec "${default_sigint[@]}" pulumi "$@" --stack bench-registration); }

say "N=$n: control plane"
scripts/cluster.sh up >/dev/null 2>&1
cluster_for "$n"
fresh_volumes "$n"
ts config "$n" "$kubeconfig" "$work/Pulumi.config.yaml"
read -r _ _ < <(ts render "$work/Pulumi.config.yaml" "$work/rendered")
# Not waited for (pulumi.com/skipAwait): the readiness the program orders (a claim before its
# Deployment, ...) a flat ConfigGroup does not, and the figures wanted are the no-op's.
node -e '
    const fs = require("fs"); const YAML = require("yaml");
    const docs = YAML.parseAllDocuments(fs.readFileSync(process.argv[1], "utf8")).map((d) => d.toJS());
    for (const o of docs) o.metadata.annotations = { ...o.metadata.annotations, "pulumi.com/skipAwait": "true" };
    fs.writeFileSync(process.argv[1], docs.map((o) => YAML.stringify(o)).join("---\n"));' "$work/rendered/objects.yaml"
objects=$(grep -c '^kind:' "$work/rendered/objects.yaml" "$work/rendered/namespaces.yaml" | awk -F: '{t += $2} END {print t}')
mkdir -p "$work/state"
(cd "$project" && pulumi stack init --no-select --secrets-provider passphrase bench-registration >/dev/null)

say "N=$n: $objects objects through two ConfigGroups"
up=$(secs p up --yes --skip-preview)
say "N=$n: up $up s"
resources=$(cd "$project" && pulumi stack export --stack bench-registration | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).deployment.resources.length))')
noop=$(secs p up --yes --skip-preview --expect-no-changes)
deployed_preview=$(secs p preview --expect-no-changes)
say "N=$n: no-op up $noop s, preview of the deployed stack $deployed_preview s"
printf '%5s %9s %7s %14s %7s %8s\n' apps resources objects "up (no waits)" no-op "pv(dep)"
printf '%5d %9d %7d %14.1f %7.1f %8.1f\n' "$n" "$resources" "$objects" "$up" "$noop" "$deployed_preview"
