# Sourced by scripts/toolchain.sh: what the real-pod local node needs on top of the control
# plane (`kubestrap:cluster.local.nodes: real`, `scripts/toolchain.sh node`): kubelet and
# kube-proxy (built with the control plane), Debian's containerd, runc and CNI plugins, CoreDNS,
# kube-network-policies, nats-server and the nats CLI, kubestrap's stand-ins, and the images
# packed from them. Nothing here is needed by the kwok node that `npm run up` uses.

node_packages() {
    ensure_package containerd containerd "the real-pod node's container runtime"
    ensure_package runc runc "the real-pod node's OCI runtime"
    ensure_package /usr/lib/cni/bridge containernetworking-plugins "the real-pod node's pod network"
    ensure_package iptables iptables "kube-proxy's Service rules"
    ensure_package nft nftables "kube-network-policies' rules (and checking none are left)"
    ensure_package conntrack conntrack "kube-proxy's stale-connection cleanup"
    ensure_package /bin/busybox busybox-static "the shell inside the nats-box and test images"
}

# helper_module NAME DIR "MODULE VERSION"... -- PACKAGE...: a throwaway module in the cache that
# requires the given module versions and imports the main packages to build, resolved once.
helper_module() {
    local name=$1 dir=$2; shift 2
    [ -f "$dir/.resolved" ] && return 0
    go_env
    mkdir -p "$dir"
    local requires=() packages=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do requires+=("$1"); shift; done
    [ $# -gt 0 ] && shift && packages=("$@")
    { printf 'module kubestrap.local/toolchain/%s\n\ngo 1.23\n\n' "$name"; printf 'require %s\n' "${requires[@]}"; } > "$dir/go.mod"
    { printf '//go:build tools\n\npackage tools\n\nimport (\n'; printf '\t_ "%s"\n' "${packages[@]}"; printf ')\n'; } > "$dir/tools.go"
    (cd "$dir" && go mod tidy >"$build/$name-mod.log" 2>&1) || { tail -20 "$build/$name-mod.log" >&2; die "could not resolve the modules of $name"; }
    touch "$dir/.resolved"
}

build_coredns() {
    local dir=$build/coredns-$COREDNS_VERSION
    if [ ! -f "$dir/.resolved" ]; then
        mkdir -p "$dir" && cp "$here/toolchain/coredns/main.go" "$here/toolchain/coredns/go.mod" "$dir/"
        sed -i "s|coredns v[0-9.]*|coredns v$COREDNS_VERSION|" "$dir/go.mod"
        go_env
        (cd "$dir" && go mod tidy >"$build/coredns-mod.log" 2>&1) || { tail -20 "$build/coredns-mod.log" >&2; die "could not resolve CoreDNS v$COREDNS_VERSION"; }
        touch "$dir/.resolved"
    fi
    CGO_ENABLED=0 build_module coredns "$COREDNS_VERSION" "$dir" . \
        "-X github.com/coredns/coredns/coremain.GitCommit=v$COREDNS_VERSION"
}

# The kernel lacks nft_queue when its config says so and no module for it is installed.
kernel_lacks_nft_queue() {
    ls "/lib/modules/$(uname -r)/kernel/net/netfilter/"nft_queue.ko* >/dev/null 2>&1 && return 1
    local config=""
    if [ -r /proc/config.gz ]; then config=$(zcat /proc/config.gz); elif [ -r "/boot/config-$(uname -r)" ]; then config=$(cat "/boot/config-$(uname -r)"); fi
    [[ $config == *"# CONFIG_NFT_QUEUE is not set"* ]]
}

# The build kube-network-policies gets on this kernel: its version, and "-xtqueue" without nft_queue.
network_policies_build() {
    local variant=""
    kernel_lacks_nft_queue && variant=-xtqueue
    echo "$NETWORK_POLICIES_VERSION$variant"
}

build_network_policies() {
    local version=$NETWORK_POLICIES_VERSION build_id variant
    build_id=$(network_policies_build)
    variant=${build_id#"$version"}
    [ -x "$(tool_path kube-network-policies "$build_id")" ] && return 0
    local src=$build/kube-network-policies-$version$variant
    module_copy sigs.k8s.io/kube-network-policies "v$version" "$src"
    if [ -n "$variant" ] && [ ! -f "$src/pkg/networkpolicy/xt_queue.go" ]; then
        say "this kernel has no nft_queue: kube-network-policies queues packets through the xtables NFQUEUE target (toolchain/network-policies/xt_queue.go)"
        local controller=$src/pkg/networkpolicy/controller.go
        [ "$(grep -c 'queue := &expr.Queue{Num: uint16(c.config.QueueID)}' "$controller")" = 2 ] &&
            [ "$(grep -c 'queue.Flag = expr.QueueFlagBypass' "$controller")" = 2 ] ||
            die "kube-network-policies v$version's queue rules are not where kubestrap expects them; update toolchain/network-policies"
        sed -i -e 's|queue := &expr.Queue{Num: uint16(c.config.QueueID)}|queue := xtQueue(c.config.QueueID, c.config.FailOpen)|' \
            -e 's|queue.Flag = expr.QueueFlagBypass|_ = queue // bypass is part of xtQueue|' "$controller"
        cp "$here/toolchain/network-policies/xt_queue.go" "$src/pkg/networkpolicy/"
    fi
    CGO_ENABLED=0 build_module kube-network-policies "$build_id" "$src" ./cmd
}

# nats-server and the nats CLI share one module graph, so one resolve and one build cache.
build_nats() {
    local dir=$build/nats-$NATS_SERVER_VERSION-$NATSCLI_VERSION
    helper_module nats "$dir" "github.com/nats-io/nats-server/v2 v$NATS_SERVER_VERSION" "github.com/nats-io/natscli v$NATSCLI_VERSION" \
        -- github.com/nats-io/nats-server/v2 github.com/nats-io/natscli/nats
    local resolved; resolved=$(cd "$dir" && go list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2)
    [ "$resolved" = "v$NATS_SERVER_VERSION" ] || die "the nats CLI v$NATSCLI_VERSION needs nats-server $resolved, not v$NATS_SERVER_VERSION: align the versions in toolchain/versions.env"
    CGO_ENABLED=0 build_module nats-server "$NATS_SERVER_VERSION" "$dir" github.com/nats-io/nats-server/v2
    CGO_ENABLED=0 build_module nats "$NATSCLI_VERSION" "$dir" github.com/nats-io/natscli/nats
}

standins_version() {
    find "$here/toolchain/standins" -name '*.go' ! -name '*_test.go' -o -name go.mod | sort | xargs cat | sha256sum | cut -c1-10
}

build_standins() {
    local v; v=$(standins_version)
    CGO_ENABLED=0 build_module pause "$v" "$here/toolchain/standins" ./cmd/pause
    CGO_ENABLED=0 build_module demon-standin "$v" "$here/toolchain/standins" ./cmd/demon-standin
}

# The images the stacks name, packed from the binaries above (toolchain/images/build-image.py).
# Stand-ins: the Demon engine, runtime and operate-ui (no registry here has them) and
# kubestrap.local/busybox (the end-to-end suite's probe pods).
image_dir() { echo "$cache/images/$(cat "$here/toolchain/versions.env" "$here/toolchain/images/build-image.py" | sha256sum | cut -c1-10)-$(standins_version)"; }

image() { python3 "$here/toolchain/images/build-image.py" "$@" >/dev/null; }

build_images() {
    local out; out=$(image_dir)
    [ -f "$out/.complete" ] && return 0
    mkdir -p "$out"
    local busybox=() applet
    for applet in $(/bin/busybox --list | grep -vx busybox); do busybox+=(--symlink "/bin/$applet:/bin/busybox"); done
    local standin; standin=$(tool_path demon-standin "$(standins_version)")
    image --name "$PAUSE_IMAGE" --out "$out/pause.tar" --file "$(tool_path pause "$(standins_version)"):/pause:0755" \
        --entrypoint '["/pause"]' --user 65535
    image --name "registry.k8s.io/coredns/coredns:v$COREDNS_VERSION" --out "$out/coredns.tar" \
        --file "$(tool_path coredns "$COREDNS_VERSION"):/coredns:0755" --entrypoint '["/coredns"]'
    image --name "nats:$NATS_SERVER_VERSION-alpine" --out "$out/nats.tar" \
        --file "$(tool_path nats-server "$NATS_SERVER_VERSION"):/usr/local/bin/nats-server:0755" \
        --file /bin/busybox:/bin/busybox:0755 "${busybox[@]}" --entrypoint '["/usr/local/bin/nats-server"]'
    image --name "natsio/nats-box:$NATS_BOX_VERSION" --out "$out/nats-box.tar" \
        --file "$(tool_path nats "$NATSCLI_VERSION"):/usr/local/bin/nats:0755" \
        --file /bin/busybox:/bin/busybox:0755 "${busybox[@]}" --cmd '["sh"]' --env PATH=/usr/local/bin:/bin
    image --name kubestrap.local/busybox:1.35.0 --out "$out/busybox.tar" \
        --file /bin/busybox:/bin/busybox:0755 "${busybox[@]}" --cmd '["sh"]' --env PATH=/bin
    # Named kubestrap.local/... when patched (see build_network_policies): not upstream's image.
    local policies; policies=$(network_policies_build)
    local policies_ref=registry.k8s.io/networking/kube-network-policies:v$policies
    [ "$policies" != "$NETWORK_POLICIES_VERSION" ] && policies_ref=kubestrap.local/kube-network-policies:v$policies
    image --name "$policies_ref" --out "$out/network-policies.tar" \
        --file "$(tool_path kube-network-policies "$policies"):/bin/netpol:0755" --entrypoint '["/bin/netpol"]'
    echo "$policies_ref" > "$out/network-policies.ref"
    local role
    for role in engine runtime operate-ui; do
        image --name "ghcr.io/afewell-hh/demon-$role:0.1.0" --out "$out/demon-$role.tar" \
            --file "$standin:/demon-standin:0755" --entrypoint "[\"/demon-standin\", \"--role\", \"$role\"]" --user 65532
    done
    touch "$out/.complete"
    say "images packed in $out"
}

build_node() {
    node_packages
    build_control_plane kubelet kube-proxy
    build_coredns
    build_network_policies
    build_nats
    build_standins
    build_images
}

node_is_built() {
    [ -x "$(tool_path kubelet "$KUBERNETES_VERSION")" ] && [ -x "$(tool_path kube-proxy "$KUBERNETES_VERSION")" ] &&
        [ -x "$(tool_path kube-network-policies "$(network_policies_build)")" ] &&
        [ -f "$(image_dir)/.complete" ] && command -v containerd >/dev/null && command -v runc >/dev/null &&
        [ -x /usr/lib/cni/bridge ] && command -v iptables >/dev/null && command -v nft >/dev/null
}
