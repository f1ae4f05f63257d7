# Sourced by scripts/toolchain.sh: the upstream judges of the end-to-end suite (issue 35).
# - promtool and amtool, built from the pinned Prometheus and Alertmanager modules;
# - the CRDs the pinned add-on releases ship, read from their Go modules as served.

prom_tools_dir() { echo "$cache/test-tools/prom-tools-$PROMETHEUS_MODULE_VERSION-$ALERTMANAGER_VERSION"; }

# One module graph, one go build. promtool's service-discovery plugins (AWS, Azure, GCE, ...) are
# left out of its copy: rule and config checks use none, and they are most of its build.
build_prom_tools() {
    local out; out=$(prom_tools_dir)
    [ -x "$out/promtool" ] && [ -x "$out/amtool" ] && return 0
    go_env
    local src=$build/prom-tools start=$SECONDS log=$build/prom-tools.log
    say "building promtool (Prometheus module $PROMETHEUS_MODULE_VERSION) and amtool $ALERTMANAGER_VERSION (first run only)"
    rm -rf "$src" && mkdir -p "$src"
    module_copy github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" "$src/prometheus"
    printf '// kubestrap: promtool without the service-discovery plugins.\npackage plugins\n' > "$src/prometheus/plugins/plugins.go"
    printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "github.com/prometheus/alertmanager/cmd/amtool"\n\t_ "github.com/prometheus/prometheus/cmd/promtool"\n)\n' > "$src/tools.go"
    if ! (cd "$src" && go mod init kubestrap.local/prom-tools &&
        go mod edit -replace github.com/prometheus/prometheus=./prometheus &&
        go get "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION" "github.com/prometheus/alertmanager@v$ALERTMANAGER_VERSION" &&
        go mod tidy && mkdir -p "$out.partial" &&
        go build -trimpath -ldflags "-s -w" -o "$out.partial/" github.com/prometheus/prometheus/cmd/promtool github.com/prometheus/alertmanager/cmd/amtool) >"$log" 2>&1; then
        tail -40 "$log" >&2
        die "building promtool and amtool failed; the whole Go output is in $log"
    fi
    rm -rf "$out" && mv "$out.partial" "$out"
    say "built promtool and amtool in $((SECONDS - start))s"
    printf '%s\t%s\t%s\n' prom-tools "$PROMETHEUS_MODULE_VERSION-$ALERTMANAGER_VERSION" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}

# upstream_crds: "set<TAB>file" for every CRD file the pinned releases ship, downloading their
# modules on first use. cert-manager's files are its Helm templates (labels and a keep annotation
# templated in); the suite drops those two fields before use.
upstream_crds() {
    go_env
    local dir
    dir=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION") || return 1
    printf 'prometheus-operator\t%s\n' "$dir"/example/prometheus-operator-crd/*.yaml
    dir=$(module_dir github.com/cert-manager/cert-manager "$CERT_MANAGER_VERSION") || return 1
    printf 'cert-manager\t%s\n' "$dir"/deploy/crds/crd-*.yaml
    dir=$(module_dir github.com/rook/rook "$ROOK_VERSION") || return 1
    printf 'rook-ceph\t%s\n' "$dir/deploy/examples/crds.yaml"
    dir=$(module_dir go.universe.tf/metallb "$METALLB_VERSION") || return 1
    printf 'metallb\t%s\n' "$dir"/config/crd/bases/*.yaml
}

# upstream_sources: "name<TAB>module dir" of the sources the suite reads facts from: each exporter
# whose metric names dashboards and alerts use, and the kubelet's kernel parameter constants.
upstream_sources() {
    go_env
    local k8s dir
    k8s=$(module_dir k8s.io/kubernetes "v$KUBERNETES_VERSION") || return 1
    printf 'kubelet\t%s\n' "$k8s"
    dir=$(module_dir k8s.io/component-helpers "v0.${KUBERNETES_VERSION#1.}") || return 1
    printf 'component-helpers\t%s\n' "$dir"
    # cAdvisor at the version the kubelet is built with.
    dir=$(module_dir github.com/google/cadvisor "$(sed -n 's|^[[:space:]]*github.com/google/cadvisor \(v[^ ]*\)$|\1|p' "$k8s/go.mod")") || return 1
    printf 'cadvisor\t%s\n' "$dir"
    dir=$(module_dir github.com/cert-manager/cert-manager "$CERT_MANAGER_VERSION") || return 1
    printf 'cert-manager\t%s\n' "$dir"
    dir=$(module_dir k8s.io/kube-state-metrics/v2 "$KUBE_STATE_METRICS_MODULE_VERSION") || return 1
    printf 'kube-state-metrics\t%s\n' "$dir"
    dir=$(module_dir github.com/traefik/traefik/v3 "$TRAEFIK_MODULE_VERSION") || return 1
    printf 'traefik\t%s\n' "$dir"
}
