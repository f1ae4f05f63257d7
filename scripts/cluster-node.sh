# Sourced by scripts/cluster.sh: the real-pod node (`kubestrap:cluster.local.nodes: real`,
# KUBESTRAP_LOCAL_NODES=real). Containers really run: containerd + runc, the CNI bridge, kubelet,
# kube-proxy (iptables), CoreDNS as the cluster DNS, kube-network-policies enforcing
# NetworkPolicies. The API server and etcd run in a network namespace of their own, like a
# control plane on another machine, so a pod reaches the API server through the Service, a
# routed hop and the egress rules, as on k3s. One real node per machine (kube-proxy owns the
# host's Service rules): `up` refuses when another cluster directory holds it.
#
# Addresses: node 10.250.0.1 (host side), API server 10.250.0.2 (its namespace), pods
# 10.244.0.0/24 on the bridge kubestrap0 (gateway 10.244.0.1), Services 10.96.0.0/16, DNS 10.96.0.10.

node_name=kubestrap-node-0
api_ns=kubestrap-api
node_ip=10.250.0.1
api_ip=10.250.0.2
bridge=kubestrap0
pod_subnet=10.244.0.0/24
dns_ip=10.96.0.10
node_dir=$dir/node
node_lock=/run/kubestrap-real-node
containerd_sock=$node_dir/containerd/containerd.sock

ctr_() { alive containerd && timeout 10 ctr --address "$containerd_sock" -n k8s.io "$@"; }
in_api_ns() { ip netns exec "$api_ns" "$@"; }

claim_node() {
    if [ -f "$node_lock" ] && [ "$(cat "$node_lock")" != "$dir" ] && [ -d "$(cat "$node_lock")" ]; then
        die "the real-pod node belongs to the cluster in $(cat "$node_lock"); stop it first (KUBESTRAP_LOCAL_DIR=$(cat "$node_lock") scripts/cluster.sh down)"
    fi
    echo "$dir" > "$node_lock"
}

node_network() {
    ip netns list | grep -qw "$api_ns" || ip netns add "$api_ns"
    if ! ip link show ks-api >/dev/null 2>&1; then
        ip link add ks-api type veth peer name eth0 netns "$api_ns"
        ip addr add "$node_ip/30" dev ks-api && ip link set ks-api up
        ip -n "$api_ns" addr add "$api_ip/30" dev eth0 && ip -n "$api_ns" link set eth0 up && ip -n "$api_ns" link set lo up
        ip -n "$api_ns" route add default via "$node_ip"
    fi
    if ! ip link show "$bridge" >/dev/null 2>&1; then
        ip link add "$bridge" type bridge && ip addr add 10.244.0.1/24 dev "$bridge" && ip link set "$bridge" up
    fi
    # Remember what the node changes on the host, to put it back on `down`.
    [ -f "$node_dir/sysctl.saved" ] || {
        mkdir -p "$node_dir"
        echo "$(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/net/bridge/bridge-nf-call-iptables)" > "$node_dir/sysctl.saved"
    }
    echo 1 > /proc/sys/net/ipv4/ip_forward
    echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables
}

node_certificates() {
    [ -f "$pki/kubelet-client.crt" ] && return 0
    (
        cd "$pki"
        openssl req -newkey rsa:2048 -nodes -keyout kubelet-client.key -out kubelet-client.csr -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" 2>/dev/null
        openssl x509 -req -in kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out kubelet-client.crt -days 3650 2>/dev/null
    )
}

write_node_config() {
    mkdir -p "$node_dir/containerd" "$node_dir/cni/net.d" "$node_dir/kubelet" "$node_dir/volumes"
    cat > "$node_dir/containerd/config.toml" <<TOML
version = 2
root = "$node_dir/containerd/root"
state = "$node_dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.opt"]
[grpc]
  address = "$containerd_sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Pods ask for negative OOM scores (-998 for sandboxes), which needs CAP_SYS_RESOURCE; where
  # root lacks it (as in our CI VM), keep scores at containerd's own instead of failing the pod.
  restrict_oom_score_adj = $( [ "$(( 0x$(awk '/^CapEff/{print $2}' /proc/self/status) >> 24 & 1 ))" = 1 ] && echo false || echo true )
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node_dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
TOML
    # No masquerading: every address is on this machine, and NetworkPolicies see pod addresses.
    cat > "$node_dir/cni/net.d/10-kubestrap.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "kubestrap", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_subnet", "gateway": "10.244.0.1"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$node_dir/cni/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
JSON
    cat > "$node_dir/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
containerRuntimeEndpoint: unix://$containerd_sock
cgroupDriver: cgroupfs
cgroupRoot: /kubestrap
failSwapOn: false
clusterDNS: [$dns_ip]
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
YAML
}

start_containerd() {
    start containerd containerd --config "$node_dir/containerd/config.toml"
    wait_for containerd "ctr_ version >/dev/null 2>&1"
    local tar images; images=$("$here/scripts/toolchain.sh" node-images)
    for tar in "$images"/*.tar; do
        ctr_ images import --no-unpack=false "$tar" >/dev/null || die "could not import $tar into containerd"
    done
}

start_node() {
    start kubelet kubelet --config "$node_dir/kubelet/config.yaml" --kubeconfig "$kubeconfig" \
        --hostname-override "$node_name" --node-ip "$node_ip" --root-dir "$node_dir/kubelet" \
        --cert-dir "$node_dir/kubelet/pki" --node-labels kubestrap.io/node=real
    start kube-proxy kube-proxy --kubeconfig "$kubeconfig" --hostname-override "$node_name" --proxy-mode iptables \
        --cluster-cidr 10.244.0.0/16 --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 \
        --conntrack-tcp-timeout-close-wait 0 --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256
    wait_for "the real node" "alive kubelet && alive kube-proxy && [ \"\$(kc get node $node_name -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' 2>/dev/null)\" = True ]" 240
}

# CoreDNS and kube-network-policies run as pods, as on a real cluster (the policy agent as a
# host-network DaemonSet, as kind runs it).
node_addons() {
    local policies_image; policies_image=$(cat "$("$here/scripts/toolchain.sh" node-images)/network-policies.ref")
    sed -e "s|@COREDNS_IMAGE@|registry.k8s.io/coredns/coredns:v$COREDNS_VERSION|" -e "s|@DNS_IP@|$dns_ip|" \
        -e "s|@POLICIES_IMAGE@|$policies_image|" -e "s|@NODE_NAME@|$node_name|" \
        "$here/scripts/node-addons.yaml" | kc apply -f - >/dev/null
    wait_for "CoreDNS" "kc -n kube-system rollout status deployment/coredns --timeout 2s >/dev/null 2>&1" 240
    wait_for "kube-network-policies" "kc -n kube-system rollout status daemonset/kube-network-policies --timeout 2s >/dev/null 2>&1" 240
}

node_volumes() {
    local i volume
    for i in $(seq 0 19); do
        volume=$node_dir/volumes/local-pv-$(printf %02d "$i")
        mkdir -p "$volume" && chmod 0777 "$volume"
    done
}

# The kubelet puts every pod under this cgroup, in each (v1) hierarchy; `down` removes it.
node_cgroups() {
    local h
    for h in /sys/fs/cgroup/*/; do
        [ -f "$h/cgroup.procs" ] && mkdir -p "$h/kubestrap"
    done
    # A new v1 cpuset starts with no CPUs and no memory nodes, and nothing can run in it (runc's
    # init dies with "can't get final child's PID from pipe"); give it its parent's.
    local f
    for f in cpuset.cpus cpuset.mems; do
        [ -f "/sys/fs/cgroup/cpuset/$f" ] && cat "/sys/fs/cgroup/cpuset/$f" > "/sys/fs/cgroup/cpuset/kubestrap/$f"
    done
    return 0
}

up_real_node() {
    claim_node
    node_cgroups
    node_network
    write_node_config
    node_volumes
    start_containerd
}

# Teardown, in the order that lets each layer clean up after itself: the workloads (so the
# kubelet stops their sandboxes and CNI removes their interfaces), then the node's processes,
# then whatever is left on the host: rules, mounts, links, cgroups, the API namespace.
down_real_node() {
    if healthy && alive kubelet && alive containerd; then
        kc delete deployments,statefulsets,daemonsets,replicasets,jobs --all -A --wait=false >/dev/null 2>&1 || true
        kc delete pods --all -A --grace-period 1 --wait=false >/dev/null 2>&1 || true
        for _ in $(seq 60); do
            [ -z "$(ctr_ tasks ls -q 2>/dev/null)" ] && [ -z "$(kc get pods -A -o name 2>/dev/null)" ] && break
            sleep 1
        done
    fi
    stop_process kube-proxy
    stop_process kubelet
    local id
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s KILL "$id" >/dev/null 2>&1 || true; done
    stop_process containerd
    pkill -f "containerd-shim-runc-v2 -namespace k8s.io -address $containerd_sock" 2>/dev/null || true
    command -v kube-proxy >/dev/null && kube-proxy --cleanup >/dev/null 2>&1 || true
    node_rules_cleanup
    { findmnt -rn -o TARGET | grep -F "$node_dir" || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    # Whatever still runs in the node's cgroups (containers whose shim died) is the node's too.
    local c pid
    for c in /sys/fs/cgroup/*/kubestrap; do
        [ -d "$c" ] || continue
        for pid in $(find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    sleep 0.5
    # Pod network namespaces of this node: empty now, with an address on its pod subnet.
    for id in $(ip netns list | awk '/^cni-/{print $1}' || true); do
        ip netns pids "$id" 2>/dev/null | grep -q . && continue
        ip -n "$id" -4 -o addr show 2>/dev/null | grep -q " inet ${pod_subnet%.0/24}\." && { ip netns del "$id" 2>/dev/null || true; }
    done
    ip link del "$bridge" 2>/dev/null || true
    ip link del ks-api 2>/dev/null || true
    ip netns del "$api_ns" 2>/dev/null || true
    for c in /sys/fs/cgroup/*/kubestrap; do
        [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    if [ -f "$node_dir/sysctl.saved" ]; then
        read -r forward bridged < "$node_dir/sysctl.saved"
        echo "$forward" > /proc/sys/net/ipv4/ip_forward
        echo "$bridged" > /proc/sys/net/bridge/bridge-nf-call-iptables
    fi
    [ "$(cat "$node_lock" 2>/dev/null)" = "$dir" ] && rm -f "$node_lock"
    return 0
}

# kube-proxy --cleanup removes its own chains; the kubelet's canary chains and
# kube-network-policies' table stay unless removed.
node_rules_cleanup() {
    local cmd table chain
    for cmd in iptables ip6tables; do
        command -v $cmd >/dev/null || continue
        for table in filter nat mangle; do
            for chain in $($cmd -t $table -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
                $cmd -t $table -F "$chain" 2>/dev/null || true
            done
            $cmd -t $table -S 2>/dev/null | awk '/^-A .* -j KUBE-/' | sed 's/^-A/-D/' | while read -r rule; do
                eval "$cmd -t $table $rule" 2>/dev/null || true
            done
            for chain in $($cmd -t $table -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
                $cmd -t $table -X "$chain" 2>/dev/null || true
            done
        done
    done
    nft delete table inet kube-network-policies 2>/dev/null || true
}

# What a real node may leave on the host; empty when `down` cleaned up.
node_leftovers() {
    {
        ip link show "$bridge" 2>/dev/null | head -1 || true
        ip -o link show type veth 2>/dev/null | grep -E 'veth|ks-api' | grep -v 'ks-h' || true
        ip netns list | grep -E "^($api_ns|cni-)" || true
        findmnt -rn -o TARGET | grep -F "$node_dir" || true
        iptables-save 2>/dev/null | grep -E '^:KUBE-|-j KUBE-' || true
        nft list tables 2>/dev/null | grep kube-network-policies || true
        pgrep -af "containerd-shim|$node_dir" || true
        ls -d /sys/fs/cgroup/*/kubestrap 2>/dev/null || true
    } | sed '/^$/d'
}
