#!/usr/bin/env bash
# A local Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler built from k8s.io/kubernetes, and one node of either kind:
#   KUBESTRAP_LOCAL_NODES=kwok (default): kwok simulates the node, on 127.0.0.1. Objects,
#     admission (Pod Security included), RBAC, controllers and scheduling are real;
#     containers do not run.
#   KUBESTRAP_LOCAL_NODES=real: a node that runs containers (scripts/cluster-node.sh).
# Volume claims bind to pre-created PersistentVolumes of class `local-path`.
#
#   scripts/cluster.sh up       start it (does nothing when it is already healthy)
#   scripts/cluster.sh down     stop every process it started and delete its data
#   scripts/cluster.sh status   exit 0 when the API server answers
#   scripts/cluster.sh kubeconfig   print the kubeconfig path
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/toolchain/versions.env"
source "$here/scripts/lock.sh"
dir=${KUBESTRAP_LOCAL_DIR:-$here/.kubestrap/local}
etcd_port=${KUBESTRAP_ETCD_PORT:-23790}
api_port=${KUBESTRAP_API_PORT:-16443}
kubeconfig=$dir/kubeconfig
pki=$dir/pki
logs=$dir/logs
pids=$dir/pids
nodes=${KUBESTRAP_LOCAL_NODES:-kwok}
case "$nodes" in kwok|real) ;; *) echo "[cluster] error: KUBESTRAP_LOCAL_NODES is \"$nodes\"; use kwok or real" >&2; exit 1 ;; esac
api_host=127.0.0.1
source "$here/scripts/cluster-node.sh"

say() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

kc() { kubectl --kubeconfig "$kubeconfig" "$@"; }
healthy() { [ -f "$kubeconfig" ] && kc get --raw /readyz >/dev/null 2>&1; }

alive() { [ -f "$pids/$1" ] && kill -0 "$(cat "$pids/$1")" 2>/dev/null; }

stop_process() {
    local name=$1 pid
    if alive "$name"; then
        pid=$(cat "$pids/$name")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pids/$name"
}

start() {
    local name=$1; shift
    alive "$name" && return 0
    # 8>&-: the cluster lock stays with this script, not with what it starts.
    setsid "$@" >"$logs/$name.log" 2>&1 < /dev/null 8>&- &
    echo $! > "$pids/$name"
}

wait_for() {
    local what=$1 check=$2 tries=${3:-120}
    for _ in $(seq "$tries"); do
        eval "$check" && return 0
        sleep 0.5
    done
    die "$what did not come up; see $logs ($(ls -t "$logs" 2>/dev/null | head -3 | tr '\n' ' '))"
}

certificates() {
    [ -f "$pki/apiserver.crt" ] && return 0
    mkdir -p "$pki"
    (
        cd "$pki"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=kubestrap-local-ca" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,IP:10.250.0.2,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' > san.ext
        openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile san.ext 2>/dev/null
        openssl genrsa -out sa.key 2048 2>/dev/null
        openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
        token=$(openssl rand -hex 24)
        printf '%s,admin,admin,"system:masters"\n' "$token" > tokens.csv
        echo "$token" > admin.token
    )
}

write_kubeconfig() {
    cat > "$kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: kubestrap-local
  cluster:
    server: https://$api_host:$api_port
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: admin
  user:
    token: $(cat "$pki/admin.token")
contexts:
- name: kubestrap-local
  context: {cluster: kubestrap-local, user: admin}
current-context: kubestrap-local
KUBECONFIG
    chmod 600 "$kubeconfig"
}

seed_objects() {
    # One simulated node (kwok), a default StorageClass, and volumes for claims to bind to.
    [ "$nodes" = kwok ] && kc apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "250"}
  capacity: {cpu: "32", memory: 256Gi, pods: "250"}
YAML
    kc apply -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Delete
YAML
    local i volumes=/tmp/kubestrap-local-pv-
    [ "$nodes" = real ] && volumes=$node_dir/volumes/local-pv-
    for i in $(seq 0 19); do
        printf 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: local-pv-%02d\n  labels: {kubestrap.io/local-volume: "true"}\nspec:\n  capacity: {storage: 50Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  storageClassName: local-path\n  hostPath: {path: %s%02d}\n---\n' "$i" "$volumes" "$i"
    done | kc apply -f - >/dev/null
}

# A claim released by a deleted PVC keeps its PV in "Released"; make it available again (on
# the real node, emptied first, as a provisioner's Delete would leave a fresh volume).
recycle_volumes() {
    local pv
    for pv in $(kc get pv -l kubestrap.io/local-volume=true -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{" "}{end}' 2>/dev/null); do
        [ "$nodes" = real ] && find "$node_dir/volumes/$pv" -mindepth 1 -delete 2>/dev/null
        kc patch pv "$pv" --type=json -p='[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null 2>&1 || true
    done
}

# One `up` at a time per cluster directory: a second one (two `npm run up`s) waits for the
# first and then finds the cluster running, instead of starting a second etcd beside it.
lock_cluster() { take_lock "$dir.lock" 8 "starting or stopping this cluster"; }

up() {
    lock_cluster
    "$here/scripts/toolchain.sh" check || "$here/scripts/toolchain.sh" build
    if [ "$nodes" = real ]; then
        "$here/scripts/toolchain.sh" node-check || "$here/scripts/toolchain.sh" node
    fi
    eval "$("$here/scripts/toolchain.sh" env)"
    local node_process=kwok
    [ "$nodes" = real ] && node_process=kubelet
    if healthy && alive "$node_process" && alive kube-controller-manager && alive kube-scheduler && alive loopback-lb; then
        say "already running: $kubeconfig"
        return 0
    fi
    mkdir -p "$dir" "$logs" "$pids"
    local start_s=$SECONDS in_ns=()
    if [ "$nodes" = real ]; then
        [ "$(id -u)" = 0 ] || die "the real-pod node needs root (network namespaces, containerd, iptables)"
        api_host=$api_ip
        in_ns=(ip netns exec "$api_ns")
        up_real_node
    fi
    certificates
    [ "$nodes" = real ] && node_certificates
    write_kubeconfig
    start etcd "${in_ns[@]}" etcd --name local --data-dir "$dir/etcd" \
        --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$((etcd_port + 10))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 10))" \
        --initial-cluster "local=http://127.0.0.1:$((etcd_port + 10))" --quota-backend-bytes 4294967296
    wait_for etcd "${in_ns[*]} curl -sf http://127.0.0.1:$etcd_port/health >/dev/null"
    # WatchList=false: with it on, the apiserver turns every watch from resourceVersion 0 into a
    # streaming watch-list, which Debian's etcd 3.4.23 cannot serve (no RequestWatchProgress).
    # Those watches fail at once, so kwok only saw new pods at its next relist, 30-60 s late.
    # The API server publishes its address in the `kubernetes` EndpointSlice, which kubestrap
    # reads for the Demon's egress policy. Endpoints may not be loopback, so beside kwok it
    # advertises 10.0.0.1, on the simulated node network (the kwok node is 10.0.0.10; nothing
    # routes there); the real node's pods reach it at its own address.
    local advertise=10.0.0.1 node_flags=()
    if [ "$nodes" = real ]; then
        advertise=$api_host
        node_flags=(--kubelet-client-certificate "$pki/kubelet-client.crt" --kubelet-client-key "$pki/kubelet-client.key"
            --kubelet-preferred-address-types InternalIP)
    fi
    # KUBESTRAP_SERVICE_ACCOUNT_ARGS: the service-account flags as k3s's kube-apiserver-arg lines
    # (key=value, space-separated), e.g. what a public issuer makes kubestrap write for k3s.
    local sa_flags=(--service-account-issuer https://kubernetes.default.svc.cluster.local) arg
    if [ -n "${KUBESTRAP_SERVICE_ACCOUNT_ARGS:-}" ]; then
        sa_flags=()
        for arg in $KUBESTRAP_SERVICE_ACCOUNT_ARGS; do sa_flags+=("--$arg"); done
    fi
    start kube-apiserver "${in_ns[@]}" kube-apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
        --bind-address "$api_host" --advertise-address "$advertise" --secure-port "$api_port" \
        --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
        --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC --allow-privileged=true \
        "${sa_flags[@]}" \
        --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
        --service-cluster-ip-range 10.96.0.0/16 "${node_flags[@]}" \
        --feature-gates WatchList=false
    wait_for kube-apiserver healthy 360  # up to 3 minutes: a busy machine (a Go build beside it) slows its start a lot
    # Each controller's client is held to 20 requests a second by default: the ReplicaSet controller
    # then makes a few pods a second, and a first up of 200 apps waited on it for a minute
    # (docs/dev/performance.md). On k3s: --kube-controller-manager-arg=kube-api-qps=200 (and burst).
    start kube-controller-manager kube-controller-manager --kubeconfig "$kubeconfig" --leader-elect=false \
        --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
        --use-service-account-credentials=false --bind-address 127.0.0.1 --secure-port 0 \
        --kube-api-qps 200 --kube-api-burst 400 \
        --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller'
    start kube-scheduler kube-scheduler --kubeconfig "$kubeconfig" --leader-elect=false --bind-address 127.0.0.1 --secure-port 0
    if [ "$nodes" = kwok ]; then
        start kwok kwok --kubeconfig "$kubeconfig" --config "$(dirname "$(command -v kwok)")/stages.yaml" --manage-all-nodes=false \
            --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --cidr 10.244.0.0/16 --node-ip 10.0.0.10 \
            --server-address 127.0.0.1:0
    fi
    start loopback-lb "$here/scripts/cluster.sh" loopback-lb
    wait_for "the default namespace" "kc get namespace default >/dev/null 2>&1"
    seed_objects
    if [ "$nodes" = kwok ]; then
        wait_for "the simulated node" "[ \"\$(kc get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' 2>/dev/null)\" = True ]"
    else
        start_node
        node_addons
    fi
    recycle_volumes
    say "control plane ready in $((SECONDS - start_s))s ($nodes node); kubeconfig: $kubeconfig"
}

# What an ingress controller or load balancer would do: give every Ingress and LoadBalancer
# Service an address, here the loopback one, so that readiness checks see what they expect.
# Watches, not a poll: a kubectl run a second per kind kept a fifth of a core busy per cluster,
# idle, and the suites run four clusters side by side.
loopback_lb() {
    give_loopback_addresses ingress &
    give_loopback_addresses service &
    if [ "$nodes" = real ]; then
        # The real node empties and frees released volumes, as a provisioner's Delete would.
        while kc get --raw /readyz >/dev/null 2>&1; do recycle_volumes; sleep 2; done
    fi
    wait
}

# give_loopback_addresses KIND: 127.0.0.1 for each object of KIND (Ingress, or Service of type
# LoadBalancer) without an address, as each appears or changes, for as long as the API server
# answers. A watch lists what is there, then reports each change; it ends with the API server
# or at the server's watch timeout, and is then started again.
give_loopback_addresses() {
    local kind=$1 ns name type ip
    while kc get --raw /readyz >/dev/null 2>&1; do
        kc get "$kind" -A --watch -o jsonpath='{.metadata.namespace}{" "}{.metadata.name}{" "}{.spec.type}{" "}{.status.loadBalancer.ingress[0].ip}{"\n"}' 2>/dev/null |
        while read -r ns name type ip; do
            [ "$kind" = service ] && [ "$type" != LoadBalancer ] && continue
            [ "$kind" = ingress ] && ip=$type
            [ -n "$ip" ] && continue
            # No next poll retries a patch that failed, so it is tried again here (a deleted object fails each time).
            for _ in 1 2 3; do
                kc patch "$kind" "$name" -n "$ns" --subresource=status --type=merge \
                    -p '{"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}}' >/dev/null 2>&1 && break
                sleep 1
            done
        done
        sleep 1
    done
}

down() {
    lock_cluster
    [ -d "$dir/node" ] && { eval "$("$here/scripts/toolchain.sh" env)"; down_real_node; }
    local name
    for name in loopback-lb kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
        stop_process "$name"
    done
    rm -rf "$dir" "$dir.lock" "$dir.lock.owner"
    say "stopped; removed $dir"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) healthy ;;
    recycle-volumes) recycle_volumes ;;
    loopback-lb) loopback_lb ;;
    kubeconfig) echo "$kubeconfig" ;;
    leftovers) node_leftovers ;;
    *) die "usage: scripts/cluster.sh up|down|status|kubeconfig" ;;
esac
