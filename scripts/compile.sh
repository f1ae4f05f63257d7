# Sourced by scripts/pulumi.sh and scripts/cli.sh (with $here, the project directory, set).
# compile_once KIND TSCONFIG [MAIN]: type-check and compile the sources TSCONFIG names into
# .kubestrap/KIND/<hash of every .ts source, the tsconfigs, the lockfile and MAIN>/, once per
# change of them (MAIN, if given, is copied in as main.js), and set $compiled to that directory.
# A type error stops here, before anything runs. Concurrent runs may compile the same sources:
# either copy will do. The three newest compilations are kept (a run may still read an older one).
compile_once() {
    local kind=$1 config=$2 main=${3:-} sum tmp
    sum=$(cd "$here" && find . \( -path ./node_modules -o -path ./.git -o -path ./.kubestrap \) -prune -o -name '*.ts' -print0 |
        sort -z | xargs -0 cat tsconfig.json "$config" package-lock.json ${main:+"$main"} | sha256sum | cut -c1-16)
    compiled=.kubestrap/$kind/$sum
    [ -f "$here/$compiled/.complete" ] && return 0
    echo "[kubestrap] type-checking and compiling the $kind (once per change of its sources)" >&2
    mkdir -p "$here/.kubestrap/$kind"
    tmp=$(mktemp -d "$here/.kubestrap/$kind/.compiling.XXXXXX")
    (cd "$here" && npx --no-install tsc -p "$config" --outDir "$tmp" --noEmitOnError --sourceMap) >&2 ||
        { rm -rf "$tmp"; echo "[kubestrap] the $kind has type errors (above); nothing was run" >&2; exit 1; }
    [ -z "$main" ] || cp "$here/$main" "$tmp/main.js"
    touch "$tmp/.complete"
    mv -T "$tmp" "$here/$compiled" 2>/dev/null || rm -rf "$tmp"
    (cd "$here/.kubestrap/$kind" && ls -1dt -- */ | tail -n +4 | xargs -r rm -rf)
}
