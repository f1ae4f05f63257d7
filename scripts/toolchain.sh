#!/usr/bin/env bash
# Builds the offline Pulumi toolchain and the local Kubernetes control plane from Go modules,
# caches every binary by version under ${XDG_CACHE_HOME:-~/.cache}/kubestrap, installs the
# resource plugins, and prints the environment to use them (`eval "$(scripts/toolchain.sh env)"`).
#
#   scripts/toolchain.sh            build what is missing (a warm cache takes seconds)
#   scripts/toolchain.sh env        print export lines for PATH, PULUMI_HOME and friends
#   scripts/toolchain.sh check      exit 0 when everything is built, 1 otherwise
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/toolchain/versions.env"
source "$here/scripts/toolchain-node.sh"
source "$here/scripts/toolchain-flux.sh"
source "$here/scripts/toolchain-oracles.sh"

cache=${KUBESTRAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubestrap}
bin=$cache/bin
pulumi_home=$cache/pulumi-home
build=$cache/build

say() { printf '[toolchain] %s\n' "$*" >&2; }
# Every error says the other way: a Pulumi CLI of your own, with Pulumi installing the plugins.
die() {
    printf '[toolchain] error: %s\n' "$*" >&2
    printf '[toolchain] (with a Pulumi CLI installed and internet for its plugins, KUBESTRAP_SYSTEM_PULUMI=1 uses it instead of building this toolchain)\n' >&2
    exit 1
}

tool_path() { echo "$bin/$1-$2/$1"; }
pulumi_bin() { tool_path pulumi "$PULUMI_VERSION"; }

go_env() {
    command -v go >/dev/null || die "Go is not installed. Install Go 1.25 or newer (https://go.dev/dl, or your distribution's golang package) and run again."
    export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOSUMDB=off
}

# build_module NAME VERSION MODULE_DIR PACKAGE [LDFLAGS]: go build PACKAGE inside MODULE_DIR.
build_module() {
    local name=$1 version=$2 dir=$3 pkg=$4 ldflags=${5:-}
    local out; out=$(tool_path "$name" "$version")
    [ -x "$out" ] && return 0
    go_env
    say "building $name $version (first run only; cached in $(dirname "$out"))"
    local start=$SECONDS
    mkdir -p "$(dirname "$out")"
    local log=$build/$name-$version.log
    if ! (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.partial" "$pkg") >"$log" 2>&1; then
        tail -40 "$log" >&2
        die "building $name failed; the whole Go output is in $log"
    fi
    mv "$out.partial" "$out"
    say "built $name in $((SECONDS - start))s"
    printf '%s\t%s\t%s\n' "$name" "$version" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}

# module_dir MODULE VERSION: the module's directory in the Go module cache, downloaded if need
# be; empty when the proxy does not serve it.
module_dir() {
    (cd "$build" && go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

# A writable copy of a module from the Go module cache, for builds that must add generated files.
module_copy() {
    local module=$1 version=$2 dest=$3
    [ -f "$dest/.complete" ] && return 0
    go_env
    local dir
    dir=$(module_dir "$module" "$version")
    [ -n "$dir" ] || die "could not download $module@$version from the Go module proxy"
    rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && cp -r "$dir" "$dest" && chmod -R u+w "$dest"
    touch "$dest/.complete"
}

build_pulumi() {
    build_module pulumi "$PULUMI_VERSION" "$here/toolchain/pulumi-cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
    # Language hosts are "bundled": pulumi looks for them beside its own binary.
    local host; host=$(dirname "$(pulumi_bin)")/pulumi-language-nodejs
    # kubestrap's own host: rebuilt when its source changes, not only per Pulumi version.
    if [ ! -x "$host" ] || [ "$(cat "$host.source" 2>/dev/null)" != "$(language_host_source)" ]; then
        rm -f "$host"
        build_module pulumi-language-nodejs "$PULUMI_VERSION" "$here/toolchain/language-host" . "-X main.version=v$PULUMI_VERSION"
        mv "$(tool_path pulumi-language-nodejs "$PULUMI_VERSION")" "$host"
        rmdir "$(dirname "$(tool_path pulumi-language-nodejs "$PULUMI_VERSION")")"
        language_host_source > "$host.source"
    fi
}

language_host_source() { cat "$here"/toolchain/language-host/*.go "$here/toolchain/language-host/go.mod" | sha256sum | cut -c1-10; }

build_kubernetes_provider() {
    local out; out=$(tool_path pulumi-resource-kubernetes "$KUBERNETES_PROVIDER_VERSION")
    [ -x "$out" ] && return 0
    local src=$build/pulumi-kubernetes-provider-$KUBERNETES_PROVIDER_VERSION
    module_copy github.com/pulumi/pulumi-kubernetes/provider/v4 "$KUBERNETES_PROVIDER_MODULE_VERSION" "$src"
    # The provider's main embeds two generated files; upstream makes them with `go generate`.
    (cd "$src/cmd/pulumi-resource-kubernetes" &&
        node -e 'const fs=require("fs");const s=JSON.parse(fs.readFileSync("schema.json"));s.version=process.argv[1];fs.writeFileSync("schema-embed.json",JSON.stringify(s));fs.writeFileSync("terraform-mapping-embed.json",JSON.stringify(JSON.parse(fs.readFileSync("terraform-mapping.json"))))' "$KUBERNETES_PROVIDER_VERSION")
    (cd "$src" && go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4)
    build_module pulumi-resource-kubernetes "$KUBERNETES_PROVIDER_VERSION" "$src" ./cmd/pulumi-resource-kubernetes \
        "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION"
}

# The control plane, and with `node` the real-pod node's kubelet and kube-proxy: one module
# graph, resolved once, so the node binaries reuse the control plane's compiled packages.
kubernetes_components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

build_control_plane() {
    local dir=$build/kubernetes-$KUBERNETES_VERSION
    if ! grep -qs kube-proxy "$dir/tools.go"; then
        go_env
        mkdir -p "$dir"
        # k8s.io/kubernetes refers to its ~30 staging modules as v0.0.0 with local replaces;
        # point each at its published twin of the same release.
        local mod
        mod=$(cd "$build" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
        [ -n "$mod" ] || die "could not download k8s.io/kubernetes@v$KUBERNETES_VERSION"
        local staging_version=v0.${KUBERNETES_VERSION#1.}
        {
            echo "module kubestrap.local/toolchain/kubernetes"
            echo
            echo "go $(sed -n 's/^go //p' "$mod")"
            echo
            echo "require k8s.io/kubernetes v$KUBERNETES_VERSION"
            echo
            grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging' "$mod" | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
        } > "$dir/go.mod"
        { printf '//go:build tools\n\npackage main\n\nimport (\n'; printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "${kubernetes_components[@]}"; printf ')\n'; } > "$dir/tools.go"
        say "resolving k8s.io/kubernetes v$KUBERNETES_VERSION modules"
        (cd "$dir" && go mod tidy >"$build/kubernetes-mod.log" 2>&1) || {
            tail -20 "$build/kubernetes-mod.log" >&2
            die "could not resolve k8s.io/kubernetes v$KUBERNETES_VERSION's modules (a staging module missing from the proxy?); try another KUBERNETES_VERSION in toolchain/versions.env"
        }
    fi
    local flags="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
    local components=("${@:-kube-apiserver}"); [ $# -eq 0 ] && components=(kube-apiserver kube-controller-manager kube-scheduler)
    for component in "${components[@]}"; do
        build_module "$component" "$KUBERNETES_VERSION" "$dir" "k8s.io/kubernetes/cmd/$component" "$flags"
    done
}

build_kwok() {
    local dir=$build/kwok-$KWOK_VERSION
    if [ ! -x "$(tool_path kwok "$KWOK_VERSION")" ]; then
        go_env
        mkdir -p "$dir"
        printf 'module kubestrap.local/toolchain/kwok\n\ngo 1.24\n\nrequire sigs.k8s.io/kwok v%s\n' "$KWOK_VERSION" > "$dir/go.mod"
        printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' > "$dir/tools.go"
        (cd "$dir" && go mod tidy >"$build/kwok-mod.log" 2>&1) || { tail -20 "$build/kwok-mod.log" >&2; die "could not resolve sigs.k8s.io/kwok v$KWOK_VERSION"; }
    fi
    build_module kwok "$KWOK_VERSION" "$dir" sigs.k8s.io/kwok/cmd/kwok
    # kwok simulates nothing without Stage objects; take the release's own "fast" stages
    # (node ready with heartbeats; pods ready, Job pods completed, deletions finished).
    local stages; stages=$(dirname "$(tool_path kwok "$KWOK_VERSION")")/stages.yaml
    if [ ! -s "$stages" ]; then
        go_env
        local src
        src=$(cd "$dir" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
        for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
                 pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
            echo "---"; cat "$src/kustomize/stage/$f"
        done > "$stages.partial" && mv "$stages.partial" "$stages"
    fi
}

# ensure_package COMMAND PACKAGE WHY: install a Debian package when COMMAND is missing.
ensure_package() {
    local cmd=$1 package=$2 why=$3
    if ! command -v "$cmd" >/dev/null && [ ! -x "$cmd" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing $package from Debian ($why)"
            (apt-get install -y -qq "$package" >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq "$package" >/dev/null; }) ||
                die "could not install $package; install it with your package manager"
        else
            die "$cmd is not installed; install Debian's $package package ($why) and run again"
        fi
    fi
}

# kubestrap's own command- and random-compatible providers (toolchain/providers): the upstream
# modules cannot be built from the Go proxy. One module, one go build for both; cached under a
# hash of the sources, installed as the versions @pulumi/command and @pulumi/random expect.
providers_build() {
    local sources; sources=$(cd "$here/toolchain/providers" && find . -name '*.go' ! -name '*_test.go' | sort)
    # shellcheck disable=SC2086
    echo "$COMMAND_PROVIDER_VERSION-$RANDOM_PROVIDER_VERSION-$(cd "$here/toolchain/providers" && cat $sources go.mod | sha256sum | cut -c1-10)"
}
providers_dir() { echo "$bin/providers-$(providers_build)"; }

build_providers() {
    local out; out=$(providers_dir)
    [ -x "$out/pulumi-resource-command" ] && [ -x "$out/pulumi-resource-random" ] && return 0
    go_env
    say "building kubestrap's command and random plugins (first run only; cached in $out)"
    local start=$SECONDS log=$build/providers.log
    rm -rf "$out.partial" && mkdir -p "$out.partial"
    if ! (cd "$here/toolchain/providers" && go build -trimpath -ldflags "-s -w" -o "$out.partial/" ./command ./random) >"$log" 2>&1; then
        tail -40 "$log" >&2
        die "building the providers failed; the whole Go output is in $log"
    fi
    mv "$out.partial/command" "$out.partial/pulumi-resource-command"
    mv "$out.partial/random" "$out.partial/pulumi-resource-random"
    rm -rf "$out" && mv "$out.partial" "$out"
    say "built the command and random plugins in $((SECONDS - start))s"
    printf '%s\t%s\t%s\n' providers "$(providers_build)" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}

# provider_installed NAME VERSION: the plugin cache holds kubestrap's build of NAME as VERSION.
provider_installed() {
    cmp -s "$(providers_dir)/pulumi-resource-$1" "$pulumi_home/plugins/resource-$1-v$2/pulumi-resource-$1"
}

install_plugins() {
    local pulumi; pulumi=$(pulumi_bin)
    export PULUMI_HOME=$pulumi_home PULUMI_SKIP_UPDATE_CHECK=true
    if [ ! -x "$pulumi_home/plugins/resource-kubernetes-v$KUBERNETES_PROVIDER_VERSION/pulumi-resource-kubernetes" ]; then
        say "installing the kubernetes plugin $KUBERNETES_PROVIDER_VERSION into $pulumi_home"
        "$pulumi" plugin install resource kubernetes "$KUBERNETES_PROVIDER_VERSION" \
            --file "$(tool_path pulumi-resource-kubernetes "$KUBERNETES_PROVIDER_VERSION")" >/dev/null
    fi
    local name version
    for name in command random; do
        version=$COMMAND_PROVIDER_VERSION
        [ "$name" = random ] && version=$RANDOM_PROVIDER_VERSION
        provider_installed "$name" "$version" && continue
        say "installing kubestrap's $name plugin as $name $version into $pulumi_home"
        "$pulumi" plugin install resource "$name" "$version" --file "$(providers_dir)/pulumi-resource-$name" --reinstall >/dev/null
    done
}

mesh_tools_dir() { echo "$cache/test-tools/mesh-headscale-$HEADSCALE_VERSION-tailscale-$TAILSCALE_VERSION"; }

# headscale, tailscale and tailscaled in one go build inside Headscale's module, which pins the
# Tailscale release it speaks to: one module graph, one download, one compile of what they share.
build_mesh_tools() {
    local out; out=$(mesh_tools_dir)
    [ -x "$out/headscale" ] && [ -x "$out/tailscale" ] && [ -x "$out/tailscaled" ] && return 0
    go_env
    local src=$build/headscale-$HEADSCALE_VERSION
    module_copy github.com/juanfont/headscale "v$HEADSCALE_VERSION" "$src"
    grep -q "tailscale.com v$TAILSCALE_VERSION\b" "$src/go.mod" ||
        die "Headscale $HEADSCALE_VERSION does not pin tailscale.com v$TAILSCALE_VERSION (see its go.mod); set TAILSCALE_VERSION to match"
    say "building headscale $HEADSCALE_VERSION and tailscale $TAILSCALE_VERSION (first run only; cached in $out)"
    local start=$SECONDS log=$build/mesh-tools.log
    mkdir -p "$out.partial"
    if ! (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out.partial/" ./cmd/headscale tailscale.com/cmd/tailscale tailscale.com/cmd/tailscaled) >"$log" 2>&1; then
        tail -40 "$log" >&2
        die "building the mesh tools failed; the whole Go output is in $log"
    fi
    rm -rf "$out" && mv "$out.partial" "$out"
    say "built the mesh tools in $((SECONDS - start))s"
    printf '%s\t%s\t%s\n' mesh-tools "$HEADSCALE_VERSION-$TAILSCALE_VERSION" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}

# build_test_tool NAME VERSION MODULE PACKAGE [LDFLAGS]: a Go program built in a copy of its own
# module into $cache/test-tools/NAME-VERSION/NAME, once per version.
build_test_tool() {
    local name=$1 version=$2 module=$3 pkg=$4 ldflags=${5:-}
    local out=$cache/test-tools/$name-$version
    [ -x "$out/$name" ] && return 0
    go_env
    local src=$build/$name-$version start=$SECONDS log=$build/$name.log
    module_copy "$module" "v$version" "$src"
    say "building $name $version (first run only; cached in $out)"
    mkdir -p "$out.partial"
    if ! (cd "$src" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.partial/$name" "$pkg") >"$log" 2>&1; then
        tail -40 "$log" >&2
        die "building $name failed; the whole Go output is in $log"
    fi
    rm -rf "$out" && mv "$out.partial" "$out"
    say "built $name in $((SECONDS - start))s"
    printf '%s\t%s\t%s\n' "$name" "$version" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}

kompose_dir() { echo "$cache/test-tools/kompose-$KOMPOSE_VERSION"; }
actionlint_dir() { echo "$cache/test-tools/actionlint-$ACTIONLINT_VERSION"; }
kube_score_dir() { echo "$cache/test-tools/kube-score-$KUBE_SCORE_VERSION"; }
versitygw_dir() { echo "$cache/test-tools/versitygw-$VERSITYGW_VERSION"; }

nginx_dir() { echo "$cache/test-tools/nginx-debian-$(apt-cache policy nginx 2>/dev/null | sed -n 's/^ *Candidate: //p')"; }

# Debian's nginx, unpacked rather than installed (installing would start a server on port 80):
# the static-site suite serves StaticSite's generated nginx.conf with it.
unpack_nginx() {
    local out; out=$(nginx_dir)
    [ -x "$out/usr/sbin/nginx" ] && return 0
    command -v apt-get >/dev/null || die "the static-site test needs Debian's nginx package (apt-get download nginx nginx-common)"
    say "unpacking Debian's nginx into $out"
    local debs=$build/nginx-debs
    rm -rf "$debs" "$out.partial" && mkdir -p "$debs" "$out.partial"
    (cd "$debs" && { apt-get download nginx nginx-common >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download nginx nginx-common >/dev/null 2>&1; }; }) ||
        die "could not download Debian's nginx packages"
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$out.partial"; done
    rm -rf "$out" && mv "$out.partial" "$out"
}

parliament_dir() { echo "$cache/test-tools/parliament-$PARLIAMENT_VERSION"; }

# parliament, the IAM policy linter, in a virtualenv of its own (PyPI); complete once marked.
install_parliament() {
    local out; out=$(parliament_dir)
    [ -f "$out/.complete" ] && return 0
    command -v python3 >/dev/null || die "python3 is required for the IAM policy linter (parliament)"
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
        [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "python3's venv module is missing; install Debian's python3-venv package"
        say "installing python3-venv from Debian (the IAM policy linter's virtualenv)"
        apt-get install -y -qq python3-venv >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq python3-venv >/dev/null; } ||
            die "could not install python3-venv; install it with your package manager"
    fi
    say "installing parliament $PARLIAMENT_VERSION (first run only; cached in $out)"
    rm -rf "$out"
    { python3 -m venv "$out" && "$out/bin/pip" install -q --disable-pip-version-check "parliament==$PARLIAMENT_VERSION"; } >"$build/parliament.log" 2>&1 ||
        { tail -20 "$build/parliament.log" >&2; die "installing parliament failed; see $build/parliament.log"; }
    touch "$out/.complete"
}

print_env() {
    local path_dirs=""
    # Plugins are found in PULUMI_HOME; only the CLI and the control plane go on PATH.
    for d in "$bin"/*/; do
        case "$d" in */pulumi-resource-*) continue ;; esac
        path_dirs="$path_dirs:${d%/}"
    done
    echo "export PATH=\"${path_dirs#:}:\$PATH\""
    echo "export PULUMI_HOME=\"$pulumi_home\""
    echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
    echo "export PULUMI_DISABLE_REGISTRY_RESOLVE=true"
    echo "export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true"
}

is_built() {
    [ -x "$(pulumi_bin)" ] && [ -x "$(dirname "$(pulumi_bin)")/pulumi-language-nodejs" ] &&
        [ "$(cat "$(dirname "$(pulumi_bin)")/pulumi-language-nodejs.source" 2>/dev/null)" = "$(language_host_source)" ] &&
        [ -x "$(tool_path pulumi-resource-kubernetes "$KUBERNETES_PROVIDER_VERSION")" ] &&
        [ -x "$(tool_path kube-apiserver "$KUBERNETES_VERSION")" ] &&
        [ -x "$(tool_path kube-controller-manager "$KUBERNETES_VERSION")" ] &&
        [ -x "$(tool_path kube-scheduler "$KUBERNETES_VERSION")" ] &&
        [ -x "$(tool_path kwok "$KWOK_VERSION")" ] && [ -s "$(dirname "$(tool_path kwok "$KWOK_VERSION")")/stages.yaml" ] && command -v etcd >/dev/null &&
        [ -x "$pulumi_home/plugins/resource-kubernetes-v$KUBERNETES_PROVIDER_VERSION/pulumi-resource-kubernetes" ] &&
        provider_installed command "$COMMAND_PROVIDER_VERSION" && provider_installed random "$RANDOM_PROVIDER_VERSION"
}

# One build at a time per cache: a second run (another `npm test`, `npm run up` or suite)
# waits for the first instead of racing it on the same files.
source "$(dirname "${BASH_SOURCE[0]}")/lock.sh"
lock_cache() { take_lock "$cache/.lock" 9 "building in $cache"; }

case "${1:-build}" in
    env) print_env ;;
    check) is_built ;;
    node) lock_cache; build_node ;;
    node-check) node_is_built ;;
    node-images) image_dir ;;
    # The SSH test hosts alone (bench/k3s.sh): OpenSSH's server, from Debian.
    ssh-server) ensure_package /usr/sbin/sshd openssh-server "the SSH test hosts" ;;
    # What only the end-to-end suite needs on top: real SSH servers for the k3s tests.
    test-tools)
        ensure_package /usr/sbin/sshd openssh-server "the SSH hosts of the k3s end-to-end test"
        ensure_package cloud-init cloud-init "cloud-init schema, which checks the EC2 workers' user data"
        lock_cache
        mkdir -p "$build"
        build_mesh_tools
        # kompose: the standing compose-to-Kubernetes translator, compared with kubestrap's on the same files.
        build_test_tool kompose "$KOMPOSE_VERSION" github.com/kubernetes/kompose .
        build_flux
        build_flux_image_crds
        # promtool and amtool judge the alert rules and Alertmanager's routing; the pinned releases' CRDs.
        build_prom_tools
        upstream_crds >/dev/null || die "the pinned add-ons' modules (their CRDs) could not be downloaded"
        upstream_sources >/dev/null || die "the exporters' and the kubelet's modules could not be downloaded"
        # actionlint checks .github/workflows.
        build_test_tool actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint ./cmd/actionlint "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
        # kube-score holds what the stacks render to a security bar (tests/e2e/kube-score.e2e.ts).
        build_test_tool kube-score "$KUBE_SCORE_VERSION" github.com/zegl/kube-score ./cmd/kube-score
        # An S3 server: the shared state backend's bucket (tests/e2e/backend.e2e.ts).
        build_test_tool versitygw "$VERSITYGW_VERSION" github.com/versity/versitygw ./cmd/versitygw
        unpack_nginx
        install_parliament
        ;;
    mesh-tools) mesh_tools_dir ;;
    kompose) echo "$(kompose_dir)/kompose" ;;
    # The Flux add-on's controllers, rendered offline; prints where they are.
    flux) lock_cache; mkdir -p "$build"; build_flux; flux_dir ;;
    flux-image-crds) flux_image_crds ;;
    prom-tools) prom_tools_dir ;;
    upstream-crds) upstream_crds ;;
    upstream-sources) upstream_sources ;;
    actionlint) echo "$(actionlint_dir)/actionlint" ;;
    kube-score) echo "$(kube_score_dir)/kube-score" ;;
    versitygw) echo "$(versitygw_dir)/versitygw" ;;
    nginx) nginx_dir ;;
    parliament) echo "$(parliament_dir)/bin/parliament" ;;
    build)
        lock_cache
        mkdir -p "$bin" "$build"
        start=$SECONDS
        command -v node >/dev/null || die "Node.js is not installed; install Node.js 20 or newer"
        ensure_package etcd etcd-server "the local control plane's store"
        build_pulumi
        build_kubernetes_provider
        build_providers
        install_plugins
        build_control_plane
        build_kwok
        say "toolchain ready in $((SECONDS - start))s (cache: $cache)"
        ;;
    *) die "usage: scripts/toolchain.sh [build|env|check|ssh-server|test-tools|mesh-tools|kompose|flux|flux-image-crds|prom-tools|upstream-crds|upstream-sources|actionlint|kube-score|versitygw|nginx|parliament|node|node-check|node-images]" ;;
esac
