#!/usr/bin/env bash
# Where the time goes for N apps (default 100) of bench/scale.sh's stack: CPU seconds of each
# process during preview, up from empty, a no-op up and destroy -- the Pulumi engine (its own CPU
# profile, `pulumi --profiling`, with its top functions), the Node program (a V8 CPU profile, bench/node-cpu-profile.js), the
# kubernetes provider and the Go language host (the rest of pulumi's children), and the control
# plane's processes (/proc) -- then what the candidate speed-ups buy: preview and no-op up with
# TypeScript type-checked on every run (Pulumi's way), transpiled only by ts-node, or type-checked and
# compiled once per change (scripts/pulumi.sh), and an up from
# empty with PULUMI_SKIP_CHECKPOINTS (the engine writes the state once at the end instead of
# after every step). Leaves nothing running.
#
#   bench/scale-profile.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
n=${1:-100}
source bench/scale-cluster.sh
scale_env bench-profile 24390 17043
tick=$(getconf CLK_TCK)
control_plane=(kube-apiserver etcd kube-controller-manager kube-scheduler kwok loopback-lb)

# CPU ticks of a control plane process and the children it waited for (loopback-lb's kubectl).
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$(cat "$work/cluster/pids/$1")/stat"; }

# Seconds of CPU in a Go CPU profile ("Total samples = 1.23s" or "850ms" or "1.5mins").
go_profile_secs() {
    go tool pprof -top "$1" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)\([a-z]*\).*/\1 \2/p' |
        awk '{v = $1; if ($2 == "ms") v /= 1000; else if ($2 == "mins") v *= 60; else if ($2 == "hrs") v *= 3600; printf "%.1f", v}'
}

# Seconds of CPU in V8 profiles: every sample that is not idle (0 for a step that runs no program).
node_profile_secs() {
    node -e '
        const fs = require("fs"); let us = 0;
        for (const f of process.argv.slice(1).filter((f) => fs.existsSync(f))) {
            const p = JSON.parse(fs.readFileSync(f, "utf8"));
            const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
            p.samples.forEach((s, i) => { if (!idle.has(s)) us += p.timeDeltas[i]; });
        }
        console.log((us / 1e6).toFixed(1));' "$@"
}

# Where a V8 profile's CPU went, by package (or the program's own directory) and by function.
node_profile_top() {
    node -e '
        const fs = require("fs");
        const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        const byId = new Map(p.nodes.map((n) => [n.id, n]));
        const where = new Map(), what = new Map();
        const add = (m, k, us) => m.set(k, (m.get(k) ?? 0) + us);
        p.samples.forEach((id, i) => {
            const { url, functionName, lineNumber } = byId.get(id).callFrame;
            if (functionName === "(idle)") return;
            const nm = url.lastIndexOf("node_modules/");
            const file = nm >= 0 ? url.slice(nm + 13) : url.replace(/^file:\/\//, "").replace(process.argv[2] + "/", "");
            const pkg = nm >= 0 ? file.split("/").slice(0, file.startsWith("@") ? 2 : 1).join("/") : file ? (file.startsWith("node:") ? "node itself" : file.split("/")[0]) : "(" + functionName + ")";
            add(where, pkg, p.timeDeltas[i]);
            add(what, `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`, p.timeDeltas[i]);
        });
        const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([k, us]) => `    ${(us / 1e6).toFixed(1).padStart(5)} s  ${k}`).join("\n");
        console.log("  by package:\n" + top(where, 12) + "\n  by function (self time):\n" + top(what, 12));' "$1" "$here"
}

# profiled LABEL PULUMI-ARGS...: one row of wall time and CPU seconds per process.
profiled() {
    local label=$1; shift
    local dir=$work/prof/$label
    mkdir -p "$dir"
    local -A before
    local name
    for name in "${control_plane[@]}"; do before[$name]=$(ticks "$name"); done
    NODE_OPTIONS="--require $here/bench/node-cpu-profile.js" KUBESTRAP_CPU_PROFILE_DIR=$dir /usr/bin/time -f '%e %U %S' -o "$dir/time" \
        scripts/pulumi.sh "$@" --config-file "$stack_file" --profiling "$dir/engine" >"$dir/out" 2>&1 || { tail -30 "$dir/out" >&2; exit 1; }
    read -r wall user sys < "$dir/time"
    local engine program rest
    engine=$(go_profile_secs "$(ls "$dir"/engine.*.cpu | head -1)")
    program=$(node_profile_secs "$dir"/*.cpuprofile)
    rest=$(awk -v u="$user" -v s="$sys" -v e="$engine" -v p="$program" 'BEGIN {printf "%.1f", u + s - e - p}')
    local cp="" total
    total=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
    for name in "${control_plane[@]}"; do
        local secs; secs=$(awk -v a="$(ticks "$name")" -v b="${before[$name]}" -v t="$tick" 'BEGIN {printf "%.1f", (a - b) / t}')
        cp+=$(printf ' %8s' "$secs")
        total=$(awk -v a="$total" -v b="$secs" 'BEGIN {print a + b}')
    done
    printf '%-30s %6.1f %7s %8s %9s%s %7.1f %6.0f%%\n' "$label" "$wall" "$engine" "$program" "$rest" "$cp" "$total" "$(awk -v t="$total" -v w="$wall" -v c="$(nproc)" 'BEGIN {print 100 * t / (w * c)}')"
    [ "$label" != "up from empty" ] || { echo "the engine's top functions (cumulative) in up from empty:"; go tool pprof -top -cum "$(ls "$dir"/engine.*.cpu | head -1)" 2>/dev/null | sed -n '7,18p' | awk '{printf "    %s %s %s\n", $4, $5, $6}'; } >> "$work/top"
    [ "$label" != "no-op up" ] || { echo "the program's CPU in a no-op up:"; node_profile_top "$(ls -S "$dir"/*.cpuprofile | head -1)"; } >> "$work/top"
}

timed() {
    local s=$EPOCHREALTIME
    scripts/pulumi.sh "$@" --config-file "$stack_file" >"$work/out" 2>&1 || { tail -30 "$work/out" >&2; exit 1; }
    awk -v a="$EPOCHREALTIME" -v b="$s" 'BEGIN {printf "%.1f", a - b}'
}

scripts/cluster.sh up >/dev/null 2>&1
cluster_for "$n"
fresh_volumes "$n"
ts config "$n" "$kubeconfig" "$stack_file"
scripts/pulumi.sh typecheck

echo "N=$n apps on $(nproc) cores; CPU seconds per process; the last column is CPU time over wall time x cores"
printf '%-30s %6s %7s %8s %9s %8s %8s %8s %8s %8s %8s %7s %7s\n' step wall engine program providers apiserver etcd ctrl-mgr sched kwok lb total busy
profiled "preview (fresh)" preview
profiled "up from empty" up --yes --skip-preview
profiled "no-op up" up --yes --skip-preview --expect-no-changes
profiled "destroy" destroy --yes --skip-preview
cat "$work/top"

echo
echo "candidate speed-ups (wall seconds):"
fresh_volumes "$n"
printf '  %-58s %6s\n' "up from empty, type-checked on every run (Pulumi's way)" "$(KUBESTRAP_TYPECHECK=every-run timed up --yes --skip-preview)"
for step in "no-op up" preview; do
    args=(up --yes --skip-preview --expect-no-changes); [ "$step" = preview ] && args=(preview)
    printf '  %-58s %6s\n' "$step, type-checked on every run (Pulumi's way)" "$(KUBESTRAP_TYPECHECK=every-run timed "${args[@]}")"
    printf '  %-58s %6s\n' "$step, from the sources, transpiled only (ts-node)" "$(PULUMI_NODEJS_TRANSPILE_ONLY=true timed "${args[@]}")"
    printf '  %-58s %6s\n' "$step, compiled once per change (kubestrap's way)" "$(timed "${args[@]}")"
done
printf '  %-58s %6s\n' "destroy" "$(timed destroy --yes --skip-preview)"
fresh_volumes "$n"
printf '  %-58s %6s\n' "up from empty, PULUMI_SKIP_CHECKPOINTS (not kubestrap's default)" "$(PULUMI_SKIP_CHECKPOINTS=true timed up --yes --skip-preview)"
printf '  %-58s %6s\n' "destroy, PULUMI_SKIP_CHECKPOINTS" "$(PULUMI_SKIP_CHECKPOINTS=true timed destroy --yes --skip-preview)"
rm -rf .kubestrap/program
printf '  %-58s %6s\n' "type check and compilation, after an edit (once)" "$(s=$EPOCHREALTIME; scripts/pulumi.sh typecheck >/dev/null 2>&1 && awk -v a="$EPOCHREALTIME" -v b="$s" 'BEGIN {printf "%.1f", a - b}')"
