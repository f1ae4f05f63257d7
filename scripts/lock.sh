# Sourced by the scripts that share state on this machine (the toolchain cache, a local
# cluster): `take_lock FILE FD WHAT` holds FILE's lock on FD for the rest of the script. A
# second run waits for the first instead of racing it, and says who holds the lock.
take_lock() {
    local file=$1 fd=$2 what=$3
    mkdir -p "$(dirname "$file")"
    eval "exec $fd>>\"\$file\""
    if ! flock -n "$fd"; then
        printf '[lock] waiting for %s, which is %s\n' "$(cat "$file.owner" 2>/dev/null || echo "another run")" "$what" >&2
        flock "$fd"
    fi
    echo "pid $$ ($(ps -o args= -p $$), since $(date -u +%H:%M:%SZ))" > "$file.owner"
}
