# Sourced by bench/scale.sh, bench/scale-profile.sh and bench/registration.sh: their environment,
# helpers, and what the scale stacks need of the local control plane beyond its seed.

# scale_env STACK ETCD_PORT API_PORT: a work directory, the stack on its own control plane and
# file backend, the toolchain on PATH, all removed on exit -> $work, $kubeconfig, $stack_file, kc.
scale_env() {
    local stack=$1
    work=$(mktemp -d)
    export KUBESTRAP_STACK=$stack KUBESTRAP_LOCAL_DIR=$work/cluster KUBESTRAP_ETCD_PORT=$2 KUBESTRAP_API_PORT=$3
    export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=bench DEMON_ADMIN_TOKEN=bench BENCH_APP_API_KEY=bench-api-key
    kubeconfig=$work/cluster/kubeconfig
    stack_file=$work/Pulumi.$stack.yaml
    # shellcheck disable=SC2064
    trap "scripts/cluster.sh down >/dev/null 2>&1 || true; rm -rf '$work' Pulumi.$stack.yaml" EXIT
    scripts/toolchain.sh check || scripts/toolchain.sh build
    eval "$(scripts/toolchain.sh env)"
}
kc() { kubectl --kubeconfig "$kubeconfig" "$@"; }
# The scale stack's config and its objects rendered under mocks (bench/scale-stack.ts).
ts() { npx --no-install ts-node --transpile-only bench/scale-stack.ts "$@"; }
# Runs a command, its output kept in $work/out and $work/err, and prints its wall seconds.
secs() { local s=$EPOCHREALTIME; "$@" >"$work/out" 2>"$work/err" || { tail -n 40 "$work/out" "$work/err" >&2; exit 1; }; awk -v a="$EPOCHREALTIME" -v b="$s" 'BEGIN {printf "%.1f", a - b}'; }

# kwok nodes for every pod (two replicas per app, 250 pods a node) and a ReadWriteMany class.
cluster_for() {
    local apps=$1 i
    for i in $(seq 1 $(((2 * apps + 30) / 200))); do
        printf 'apiVersion: v1\nkind: Node\nmetadata:\n  name: kwok-node-%s\n  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}\n  labels: {kubernetes.io/hostname: kwok-node-%s, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}\nstatus:\n  allocatable: {cpu: "32", memory: 256Gi, pods: "250"}\n  capacity: {cpu: "32", memory: 256Gi, pods: "250"}\n---\n' "$i" "$i"
    done > "$work/nodes.yaml"
    [ ! -s "$work/nodes.yaml" ] || kc apply -f "$work/nodes.yaml" >/dev/null
    kc apply -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: bench-rwx}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
YAML
}

# A fresh ReadWriteMany volume per app (a delete leaves the old ones Released), and the seed's
# local volumes made available again.
fresh_volumes() {
    local apps=$1
    kc delete pv -l kubestrap.io/bench-volume=true --wait=true >/dev/null 2>&1 || true
    for i in $(seq 0 $((apps - 1))); do
        printf 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: bench-rwx-%03d\n  labels: {kubestrap.io/bench-volume: "true"}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteMany]\n  persistentVolumeReclaimPolicy: Retain\n  storageClassName: bench-rwx\n  hostPath: {path: /tmp/kubestrap-bench-rwx-%03d}\n---\n' "$i" "$i"
    done | kc apply -f - >/dev/null
    scripts/cluster.sh recycle-volumes >/dev/null
}
