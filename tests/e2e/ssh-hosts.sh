#!/usr/bin/env bash
# Test hosts for the k3s end-to-end test: real OpenSSH servers, each in a network namespace of
# its own (10.77.N.2, routed through this machine) and with private /etc/rancher,
# /var/lib/rancher, /var/lib/kubestrap, /usr/local/{bin,sbin}, /etc/systemd/system and
# /run/k3s-standin, so three "hosts" share one kernel without sharing k3s's files.
#
#   ssh-hosts.sh up DIR COUNT KUBECONFIG   start COUNT hosts; keys and state under DIR
#   ssh-hosts.sh down DIR COUNT            stop them and remove every trace
#   ssh-hosts.sh rekey DIR N               give host N a new SSH host key (a reinstall, or a man in the middle)
# SSH_HOSTS_FIRST=N numbers the hosts from N (default 1), so suites running side by side each
# have hosts of their own: hN is 10.77.N.2 in namespace ks-e2e-hN.
# The mesh test's hosts also keep Headscale's and Tailscale's files private.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
standin=$(cd "$here/../fixtures/k3s-standin" && pwd)
action=$1 dir=$2 count=$3
private_dirs=(/etc/rancher /var/lib/rancher /var/lib/kubestrap /usr/local/bin /usr/local/sbin /etc/systemd/system /etc/sysctl.d /run/k3s-standin
    /etc/headscale /var/lib/headscale /run/headscale /var/lib/tailscale /run/tailscale /etc/kubestrap)
first=${SSH_HOSTS_FIRST:-1}
hosts() { seq "$first" $((first + count - 1)); }

say() { echo "[ssh-hosts] $*" >&2; }
ns() { echo "ks-e2e-h$1"; }

up() {
    local kubeconfig=$4
    [ "$(id -u)" = 0 ] || { say "the k3s end-to-end test makes network namespaces and needs root; run the suite as root"; exit 1; }
    mkdir -p "$dir" /run/sshd
    [ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -f "$dir/id_ed25519" -C kubestrap-e2e
    cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
    # Mount points must exist on the host; remember which ones this script made.
    for d in "${private_dirs[@]}"; do
        if [ ! -d "$d" ]; then mkdir -p "$d"; echo "$d" >> "$dir/made-dirs"; fi
    done
    cat /proc/sys/net/ipv4/ip_forward > "$dir/ip_forward"
    echo 1 > /proc/sys/net/ipv4/ip_forward
    local api; api=$(sed -n 's#.*server: https://\(.*\)#\1#p' "$kubeconfig" | head -1)
    setsid /usr/bin/python3 "$here/api-bridge.py" "$dir/api.sock" "${api%:*}" "${api##*:}" > "$dir/api-bridge.log" 2>&1 < /dev/null &
    echo $! > "$dir/api-bridge.pid"
    for i in $(hosts); do
        local h=$dir/h$i netns; netns=$(ns "$i")
        mkdir -p "$h"
        for d in "${private_dirs[@]}"; do mkdir -p "$h/root$d"; done
        install -m 755 "$standin/standin.py" "$h/root/usr/local/sbin/systemctl"
        install -m 755 "$standin/standin.py" "$h/root/usr/local/sbin/sysctl"
        # The host's kernel parameters, as the stand-in's sysctl keeps them (the hosts share one kernel).
        echo '{}' > "$h/kernel.json"
        ln -sf "$h/kernel.json" "$h/root/run/k3s-standin/kernel"
        echo "h$i" > "$h/root/run/k3s-standin/host"
        cp "$kubeconfig" "$h/root/run/k3s-standin/cluster-kubeconfig"
        ln -sf "$dir/api.sock" "$h/root/run/k3s-standin/api.sock"
        ln -sf "$dir/events" "$h/root/run/k3s-standin/events"
        mkdir -p "$h/logs" && ln -sfn "$h/logs" "$h/root/run/k3s-standin/logs"
        # k3s's flags, which the stand-in holds config.yaml and install flags to.
        rm -rf "$h/root/run/k3s-standin/flags" && cp -r "$here/../../cluster/k3s-flags" "$h/root/run/k3s-standin/flags"
        [ -f "$h/host_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$h/host_key"
        cat > "$h/sshd_config" <<CFG
ListenAddress 10.77.$i.2
Port 22
HostKey $h/host_key
PidFile $h/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
CFG
        ip netns add "$netns"
        ip link add "ks-h$i" type veth peer name eth0 netns "$netns"
        ip addr add "10.77.$i.1/24" dev "ks-h$i" && ip link set "ks-h$i" up
        ip -n "$netns" addr add "10.77.$i.2/24" dev eth0
        ip -n "$netns" link set eth0 up && ip -n "$netns" link set lo up
        ip -n "$netns" route add default via "10.77.$i.1"
        local mounts=""
        for d in "${private_dirs[@]}"; do mounts="$mounts mount --bind '$h/root$d' '$d' &&"; done
        setsid ip netns exec "$netns" unshare --mount --propagation private \
            sh -c "$mounts exec /usr/sbin/sshd -D -e -f '$h/sshd_config'" > "$h/sshd.log" 2>&1 < /dev/null &
        echo $! > "$h/sshd.launcher.pid"
    done
    for i in $(hosts); do
        for _ in $(seq 60); do
            ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 \
                -i "$dir/id_ed25519" "root@10.77.$i.2" true 2>/dev/null && continue 2
            sleep 0.5
        done
        say "host h$i (10.77.$i.2) did not come up; see $dir/h$i/sshd.log"; cat "$dir/h$i/sshd.log" >&2; exit 1
    done
    say "$count hosts up: 10.77.$first.2 .. 10.77.$((first + count - 1)).2, key $dir/id_ed25519"
}

down() {
    for i in $(hosts); do
        local h=$dir/h$i netns; netns=$(ns "$i")
        if [ -d "/run/netns" ] && [ -e "/run/netns/$netns" ]; then
            # Everything started inside the namespace (sshd, the stand-in's API forwarder).
            for pid in $(ip netns pids "$netns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
            ip netns del "$netns" 2>/dev/null || true
        fi
        ip link del "ks-h$i" 2>/dev/null || true
    done
    [ -f "$dir/api-bridge.pid" ] && kill "$(cat "$dir/api-bridge.pid")" 2>/dev/null || true
    [ -f "$dir/ip_forward" ] && cat "$dir/ip_forward" > /proc/sys/net/ipv4/ip_forward
    # Another suite's hosts may still have these mount points bound: leave them to the last one.
    if [ -f "$dir/made-dirs" ] && ! ls /run/netns 2>/dev/null | grep -q '^ks-e2e-h'; then
        tac "$dir/made-dirs" | while read -r d; do rmdir "$d" 2>/dev/null || true; done
    fi
    rm -rf "$dir"
}

rekey() {
    local i=$3 h=$dir/h$3
    rm -f "$h/host_key" "$h/host_key.pub"
    ssh-keygen -q -t ed25519 -N "" -f "$h/host_key"
    local old; old=$(cat "$h/sshd.pid")
    kill -HUP "$old"   # sshd re-executes itself and reads its host keys again
    for _ in $(seq 60); do
        ssh-keyscan -T 2 -t ed25519 "10.77.$i.2" 2>/dev/null | grep -qF "$(cut -d' ' -f2 "$h/host_key.pub")" && { say "h$i has a new host key"; return; }
        sleep 0.5
    done
    say "h$i did not come back with its new host key; see $h/sshd.log"; exit 1
}

case "$action" in
    up) up "$@" ;;
    rekey) rekey "$@" ;;
    down) down ;;
    *) echo "usage: ssh-hosts.sh up DIR COUNT KUBECONFIG | down DIR COUNT | rekey DIR N" >&2; exit 2 ;;
esac
