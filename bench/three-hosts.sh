# Sourced by the benchmarks that install on SSH test hosts: brings up the local control plane
# and test hosts (numbered from SSH_HOSTS_FIRST, default 1) and writes the stack config of a
# one-server cluster with the rest as agents, air-gapped with the k3s stand-in.
#   three_hosts WORK [COUNT]          -> $hosts, $first; COUNT hosts (default 3)
#   k3s_stack_config FILE [COUNT]     writes the config for COUNT hosts (default 3); append more cluster keys after it
three_hosts() {
    local work=$1 count=${2:-3}
    hosts=$work/hosts first=${SSH_HOSTS_FIRST:-1}
    scripts/cluster.sh up >/dev/null 2>&1
    tests/e2e/ssh-hosts.sh up "$hosts" "$count" "$work/cluster/kubeconfig" 2>/dev/null
}

k3s_stack_config() {
    local count=${2:-3} standin agents="" i
    standin=$(pwd)/tests/fixtures/k3s-standin
    for i in $(seq 1 $((count - 1))); do
        agents+="${agents:+, }{ name: a$i, host: 10.77.$((first + i)).2 }"
    done
    cat > "$1" <<YAML
config:
  kubestrap:environment: dev
  kubestrap:demon: { enabled: false }
  kubestrap:cluster:
    target: k3s
    k3s:
      version: v1.31.4+k3s1
      token: { fromEnv: E2E_K3S_TOKEN }
      ssh: { user: root, privateKey: { fromFile: $hosts/id_ed25519 }, sudo: false }
      servers: [{ name: s1, host: 10.77.$first.2 }]
      agents: [$agents]
      airGap: { binary: $standin/k3s, installScript: $standin/install.sh }
YAML
}
