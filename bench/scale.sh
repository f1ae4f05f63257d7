#!/usr/bin/env bash
# How kubestrap scales with apps, against the floor the API server sets on this machine. For each
# N (default 10 50 100 200) a fresh local control plane with simulated (kwok) nodes gets the stack
# of bench/scale-stack.ts: N prod-shaped apps (ConfigMap, Secret, RWX claim, Deployment, Service,
# Ingress with TLS, HPA, PDB, its default-deny NetworkPolicy) and the Demon stack. It prints, per N:
#   resources, program evaluation under mocks, preview (of the empty stack: every create a
#   server-side dry run), up from empty (with the state saved once when `npm run up` would),
#   no-op up (once the autoscalers have scaled their apps up), preview of the deployed stack, an
#   up that changes one app's image (checked to touch only that app), destroy;
#   where a second no-op up's time went, from Pulumi's own OpenTelemetry trace
#   (`--otel-traces`, summed up by bench/trace-summary.js);
#   what the state file is made of after the up (bench/state-size.js);
#   the floor: the very same objects (rendered under mocks) applied with `kubectl apply
#   --server-side` and waited for with `kubectl wait`, then `kubectl delete --wait`;
# then the ratios to the floor and the per-resource slopes. Leaves nothing running.
#
#   bench/scale.sh [N...]
# KUBESTRAP_BENCH_PULUMI_FLAGS adds flags to every preview/up/destroy (e.g. "--parallel 8").
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 50 100 200)
source bench/scale-cluster.sh
scale_env bench-scale 24290 16943
read -r -a flags <<<"${KUBESTRAP_BENCH_PULUMI_FLAGS:-}"
p() { local cmd=$1; shift; scripts/pulumi.sh "$cmd" --config-file "$stack_file" "${flags[@]}" "$@"; }
say() { printf '[scale] %s\n' "$*" >&2; }

floor_up() {
    kc apply --server-side --field-manager=bench-floor -f "$1/namespaces.yaml"
    kc apply --server-side --field-manager=bench-floor -f "$1/objects.yaml"
    kc wait --for=condition=Available deployment --all -A --timeout=15m
    kc rollout status statefulset -n demon-system --timeout=15m
    kc wait --for=condition=Complete job --all -A --timeout=15m
    kc wait --for=jsonpath='{.status.loadBalancer.ingress[0].ip}'=127.0.0.1 ingress --all -A --timeout=15m
}

floor_down() {
    kc delete --wait=true -f "$1/objects.yaml"
    kc delete --wait=true -f "$1/namespaces.yaml"
}

# Every step of the change's update that is not "same" must be one of the changed app's resources.
only_app_changed() {
    local app=$1
    # `up --json` prints the engine's events, one JSON object a line.
    node -e '
        const events = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
        const steps = events.map((e) => e.resOutputsEvent?.metadata).filter(Boolean);
        const changed = steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => s.urn);
        const foreign = changed.filter((u) => !u.split("::").pop().startsWith(process.argv[2]));
        if (changed.length === 0 || foreign.length > 0) {
            console.error(`the change touched ${changed.length} resources, ${foreign.length} of them not ${process.argv[2]}'"'"'s: ${foreign.join(", ")}`);
            process.exit(1);
        }
        console.log(changed.length);' "$work/change.json" "$app"
}

# An app with an autoscaler starts at one replica (the HPA owns the count), and the HPA raises it to
# its minimum at its first sync, every 15 s, after `up` has returned: the control plane then starts
# another pod per app, two cores' worth for seconds at 100 apps. The no-op is timed once that is
# done (at most two minutes), so it measures Pulumi's no-op, not that scale-up.
autoscaled_settled() {
    kc get hpa,deployment -A -o json | node -e '
        const items = JSON.parse(require("fs").readFileSync(0, "utf8")).items;
        const deployments = new Map(items.filter((i) => i.kind === "Deployment").map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
        const waiting = items.filter((i) => i.kind === "HorizontalPodAutoscaler").filter((h) => {
            const d = deployments.get(`${h.metadata.namespace}/${h.spec.scaleTargetRef.name}`);
            return d && !((d.spec.replicas ?? 1) >= (h.spec.minReplicas ?? 1) && (d.status.readyReplicas ?? 0) >= d.spec.replicas);
        });
        process.exit(waiting.length === 0 ? 0 : 1);'
}
wait_for_autoscalers() {
    local deadline=$((SECONDS + 120))
    until autoscaled_settled; do
        [ $SECONDS -lt $deadline ] || { say "the autoscalers had not scaled every app up 2 minutes after the up: the no-op shares the machine with them"; return; }
        sleep 1
    done
}

# The program is type-checked and compiled once per change of its sources (scripts/pulumi.sh); do
# it ahead, so the figures are those of every run but the first after an edit.
rm -rf .kubestrap/program
typecheck=$(secs scripts/pulumi.sh typecheck)
results=$work/results.tsv
for n in "${sizes[@]}"; do
    say "N=$n: control plane"
    scripts/cluster.sh down >/dev/null 2>&1 || true
    rm -rf "$work/cluster" "$work/state"
    scripts/cluster.sh up >/dev/null 2>&1
    cluster_for "$n"
    fresh_volumes "$n"
    ts config "$n" "$kubeconfig" "$stack_file"
    read -r program_resources eval_ms < <(ts render "$stack_file" "$work/rendered")
    objects=$(grep -c '^kind:' "$work/rendered/objects.yaml" "$work/rendered/namespaces.yaml" | awk -F: '{t += $2} END {print t}')

    say "N=$n: the kubectl floor ($objects objects)"
    floor_apply=$(secs floor_up "$work/rendered")
    say "N=$n: floor apply $floor_apply s"
    floor_delete=$(secs floor_down "$work/rendered")
    say "N=$n: floor delete $floor_delete s"
    fresh_volumes "$n"

    say "N=$n: pulumi"
    # As `npm run up --yes` does (scripts/up.sh): the preview's plan decides whether the up saves
    # the state after every step or once, at the end; KUBESTRAP_CHECKPOINTS=always keeps every save.
    preview=$(secs p preview --json)
    decision=$(node scripts/checkpoint-plan.js < "$work/out" | head -1)
    once=; [ "$decision" != skip ] || [ "${KUBESTRAP_CHECKPOINTS:-auto}" != auto ] || once=true
    say "N=$n: preview $preview s (checkpoints: $decision)"
    up=$([ -z "$once" ] || export PULUMI_SKIP_CHECKPOINTS=true; secs p up --yes --skip-preview)
    say "N=$n: up $up s"
    settled_from=$EPOCHREALTIME
    wait_for_autoscalers
    say "N=$n: the autoscalers' first scale-up done $(awk -v a="$EPOCHREALTIME" -v b="$settled_from" 'BEGIN {printf "%.1f", a - b}') s after the up"
    resources=$(scripts/stack-resource-count.sh)
    node bench/state-size.js "$work/state/.pulumi/stacks/kubestrap/$KUBESTRAP_STACK.json" > "$work/state-size-$n.txt"
    noop=$(secs p up --yes --skip-preview --expect-no-changes)
    deployed_preview=$(secs p preview --expect-no-changes)
    say "N=$n: no-op up $noop s, preview of the deployed stack $deployed_preview s"
    # Traced apart from the measured no-op, so the tracing's own cost stays out of the table.
    secs p up --yes --skip-preview --expect-no-changes --otel-traces "file://$work/noop-trace-$n.json" >/dev/null
    node bench/trace-summary.js "$work/noop-trace-$n.json" 14 > "$work/noop-trace-$n.txt"
    changed_app=$((n / 2))
    ts config "$n" "$kubeconfig" "$stack_file" "$changed_app"
    change=$(secs p up --yes --skip-preview --json)
    cp "$work/out" "$work/change.json"
    # The app's resources are named after its component, "<namespace>-<app>".
    touched=$(only_app_changed "$(printf 'team-%02d-app-%03d' $((changed_app / 10)) "$changed_app")")
    # As `npm run down --yes` does (scripts/down.sh): saved once when the stack holds only Kubernetes
    # objects, and no flag but the confirmation is given (KUBESTRAP_BENCH_PULUMI_FLAGS keeps every save).
    decision=$(scripts/pulumi.sh stack export | node scripts/checkpoint-plan.js --destroy | head -1)
    once=; [ "$decision" != skip ] || [ "${KUBESTRAP_CHECKPOINTS:-auto}" != auto ] || [ ${#flags[@]} -gt 0 ] || once=true
    destroy=$([ -z "$once" ] || export PULUMI_SKIP_CHECKPOINTS=true; secs p destroy --yes --skip-preview)
    say "N=$n: destroy $destroy s (checkpoints: $decision)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$resources" "$objects" "$eval_ms" "$preview" "$up" "$noop" "$change" "$touched" "$destroy" "$floor_apply" "$floor_delete" "$deployed_preview" >> "$results"
    say "N=$n: $(tail -1 "$results")"
done

echo
printf 'kubestrap at scale on this machine (%s cores); times in seconds, pulumi flags: %s, steps at once: %s\n' "$(nproc)" "${KUBESTRAP_BENCH_PULUMI_FLAGS:-none}" "$([[ " ${flags[*]} " == *" --parallel"* || " ${flags[*]} " == *" -p"* ]] && echo "as the flags say" || echo "${PULUMI_PARALLEL:-64 (scripts/pulumi.sh)}")"
printf 'the type check and compilation after an edit of the program (once, not per run): %s s\n' "$typecheck"
awk -F'\t' 'BEGIN {
        printf "%5s %9s %7s %8s %8s %7s %7s %8s %7s %8s %11s %8s %8s %8s %9s %7s\n", "apps", "resources", "objects", "eval ms", "preview", "up", "floor", "up/floor", "no-op", "pv(dep)", "change(n)", "chg/noop", "destroy", "floor", "dst/floor", "ms/res"
    }
    {
        printf "%5d %9d %7d %8d %8.1f %7.1f %7.1f %8.2f %7.1f %8.1f %7.1f(%d) %8.2f %8.1f %8.1f %9.2f %7.2f\n", $1, $2, $3, $4, $5, $6, $11, $6 / $11, $7, $13, $8, $9, $8 / $7, $10, $12, $10 / $12, $4 / $2
    }' "$results"
awk -F'\t' 'NR == 1 {n0 = $1; r0 = $2; u0 = $6; f0 = $11; d0 = $10; g0 = $12; p0 = $5; o0 = $7; q0 = $13} {n1 = $1; r1 = $2; u1 = $6; f1 = $11; d1 = $10; g1 = $12; p1 = $5; o1 = $7; q1 = $13}
    END {
        if (NR < 2) exit
        dr = r1 - r0
        printf "\nper resource, N=%d to N=%d (slope): up %.0f ms, floor apply %.0f ms; destroy %.0f ms, floor delete %.0f ms; preview %.0f ms, no-op %.0f ms\n", n0, n1, 1000 * (u1 - u0) / dr, 1000 * (f1 - f0) / dr, 1000 * (d1 - d0) / dr, 1000 * (g1 - g0) / dr, 1000 * (p1 - p0) / dr, 1000 * (o1 - o0) / dr
        printf "no-op growth N=%d to N=%d: %.1fx for %.1fx the resources; preview %.1fx, of the deployed stack %.1fx\n", n0, n1, o1 / o0, r1 / r0, p1 / p0, q1 / q0
    }' "$results"
awk -F'\t' '$1 == 100 {
        printf "\ntargets at N=100: up/floor %.2f (<= 2) %s; destroy/floor %.2f (<= 1.5) %s; no-op %.1f s (<= 10) %s; preview %.1f s, of the deployed stack %.1f s (<= 10) %s; change/no-op %.2f (<= 1.5) %s\n",
            $6 / $11, ($6 / $11 <= 2 ? "met" : "MISSED"), $10 / $12, ($10 / $12 <= 1.5 ? "met" : "MISSED"), $7, ($7 <= 10 ? "met" : "MISSED"), $5, $13, ($5 <= 10 && $13 <= 10 ? "met" : "MISSED"), $8 / $7, ($8 / $7 <= 1.5 ? "met" : "MISSED")
    }' "$results"
awk -F'\t' '$1 == 200 {
        printf "targets at N=200: up/floor %.2f (<= 2.5) %s; destroy/floor %.2f (<= 1.5) %s\n", $6 / $11, ($6 / $11 <= 2.5 ? "met" : "MISSED"), $10 / $12, ($10 / $12 <= 1.5 ? "met" : "MISSED")
    }
    $1 == 50 { c50 = 1000 * $6 / $2 } $1 == 200 { c200 = 1000 * $6 / $2 }
    END {
        if (c50 && c200) printf "up per resource: %.0f ms at 50 apps, %.0f ms at 200 (%+.0f%%; target: within 25%%) %s\n", c50, c200, 100 * (c200 - c50) / c50, ((c200 - c50) / c50 < 0.25 && (c50 - c200) / c50 < 0.25 ? "met" : "MISSED")
    }' "$results"
for n in "${sizes[@]}"; do
    printf '\nthe state after up at N=%s (bench/state-size.js: what every save rewrites):\n' "$n"
    cat "$work/state-size-$n.txt"
done
for n in "${sizes[@]}"; do
    printf '\nwhere a no-op up went at N=%s, from its OpenTelemetry trace:\n' "$n"
    cat "$work/noop-trace-$n.txt"
done
