# Sourced by the benchmarks that install on SSH test hosts: brings up the local control plane
# and three hosts (numbered from SSH_HOSTS_FIRST, default 1) and writes the stack config of a
# one-server, two-agent cluster on them, air-gapped with the k3s stand-in.
#   three_hosts WORK           -> $hosts, $first
#   k3s_stack_config FILE      writes the config; append more cluster keys after it
three_hosts() {
    local work=$1
    hosts=$work/hosts first=${SSH_HOSTS_FIRST:-1}
    scripts/cluster.sh up >/dev/null 2>&1
    tests/e2e/ssh-hosts.sh up "$hosts" 3 "$work/cluster/kubeconfig" 2>/dev/null
}

k3s_stack_config() {
    local standin; standin=$(pwd)/tests/fixtures/k3s-standin
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
      agents: [{ name: a1, host: 10.77.$((first + 1)).2 }, { name: a2, host: 10.77.$((first + 2)).2 }]
      airGap: { binary: $standin/k3s, installScript: $standin/install.sh }
YAML
}
