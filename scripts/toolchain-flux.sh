# Sourced by scripts/toolchain.sh: what `flux install --export` renders, made offline from
# flux2's Go module for the components whose manifests the proxy serves. The Flux add-on reads
# install.yaml from here (addons/flux-config.ts, defaultFluxManifests).

flux_dir() { echo "$cache/flux/flux-$FLUX_VERSION"; }

# flux_controllers SRC: "name version" of each controller base, from its release-asset URLs.
flux_controllers() {
    sed -n 's|^- https://github.com/fluxcd/\([^/]*\)/releases/download/\(v[^/]*\)/.*\.crds\.yaml$|\1 \2|p' \
        "$1"/manifests/bases/*/kustomization.yaml
}

# flux_base SRC NAME VERSION: point the base at the controller's CRDs and Deployment, made from
# its Go module the way its release makes them; fails when the proxy does not serve the module.
flux_base() {
    local src=$1 c=$2 v=$3 module=github.com/fluxcd/$2 major=${3%%.*} dir
    [ "${major#v}" -ge 2 ] && module=$module/$major
    dir=$(module_dir "$module" "$v" 2>/dev/null)
    [ -n "$dir" ] || return 1
    local base=$src/manifests/bases/$c
    kubectl kustomize "$dir/config/crd" > "$base/$c.crds.yaml" &&
        kubectl kustomize "$dir/config/manager" > "$base/$c.deployment.yaml" &&
        sed -i "s|^- https://github.com/fluxcd/$c/releases/download/$v/|- |" "$base/kustomization.yaml"
}

build_flux() {
    local out; out=$(flux_dir)
    [ -s "$out/install.yaml" ] && return 0
    go_env
    command -v kubectl >/dev/null || die "kubectl is needed to build Flux's manifests (its built-in kustomize)"
    local start=$SECONDS log=$build/flux.log src=$build/flux2-$FLUX_VERSION c v
    rm -rf "$src" # its bases are rewritten below: start from the module each time
    module_copy github.com/fluxcd/flux2/v2 "v$FLUX_VERSION" "$src"
    say "rendering flux $FLUX_VERSION's install manifests (first run only; cached in $out)"
    rm -rf "$out.partial" && mkdir -p "$out.partial" && : > "$log"
    while read -r c v; do
        flux_base "$src" "$c" "$v" 2>>"$log" && continue
        say "$c $v: no Go module on the proxy, so no manifests; left out of install.yaml"
        echo "$c" >> "$out.partial/unavailable.txt"
        rm -rf "$src/manifests/bases/$c"
    done < <(flux_controllers "$src")
    local manifests=$src/cmd/flux/manifests dir
    mkdir -p "$manifests"
    for dir in "$src"/manifests/bases/*/ "$src/manifests/rbac/" "$src/manifests/policies/"; do
        kubectl kustomize "$dir" > "$manifests/$(basename "$dir").yaml" 2>>"$log" ||
            { tail -20 "$log" >&2; die "kustomize build of $dir failed; see $log"; }
    done
    # Not the flux CLI: toolchain/flux-render runs the code of `flux install --export` alone, built
    # inside flux2's module (its go.mod and go.sum): 37 s cold, where the CLI took minutes.
    mkdir -p "$src/cmd/flux-render" && cp "$here/toolchain/flux-render/main.go" "$src/cmd/flux-render/"
    if ! (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$build/flux-render-$FLUX_VERSION" ./cmd/flux-render) >>"$log" 2>&1; then
        tail -40 "$log" >&2
        die "building flux-render failed; the whole Go output is in $log"
    fi
    # The default components minus those with no manifests; network policies stay on (the default).
    local components=""
    for c in source-controller kustomize-controller helm-controller notification-controller; do
        [ -d "$src/manifests/bases/$c" ] && components+=${components:+,}$c
    done
    "$build/flux-render-$FLUX_VERSION" "$manifests" "v$FLUX_VERSION" "$components" > "$out.partial/install.yaml" 2>>"$log" ||
        { tail -20 "$log" >&2; die "rendering Flux's manifests failed; see $log"; }
    while read -r c v; do
        grep -q "image: .*/$c:$v\$" "$out.partial/install.yaml" || die "$out.partial/install.yaml does not run $c $v"
    done < <(flux_controllers "$src")
    rm -rf "$out" && mv "$out.partial" "$out"
    say "rendered flux in $((SECONDS - start))s (install.yaml: $components)"
    printf '%s\t%s\t%s\n' flux "$FLUX_VERSION" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}

# The image automation CRDs, for the e2e suite: their controllers' modules are not served, so
# install.yaml cannot hold them, but their api modules are, and these CRDs are generated from
# those Go types with the controller-gen release the controllers' own Makefiles pin.
flux_image_crds() { echo "$(flux_dir)/image-crds.yaml"; }

build_flux_image_crds() {
    local out; out=$(flux_image_crds)
    [ -s "$out" ] && return 0
    go_env
    local gen=$build/controller-gen-$CONTROLLER_GEN_VERSION log=$build/flux-image-crds.log start=$SECONDS c v src
    # The module as published: build_flux's copy has the unavailable bases removed.
    src=$(module_dir github.com/fluxcd/flux2/v2 "v$FLUX_VERSION")
    say "generating Flux's image automation CRDs with controller-gen $CONTROLLER_GEN_VERSION (first run only)"
    if [ ! -x "$gen/controller-gen" ]; then
        rm -rf "$gen" && mkdir -p "$gen" && : > "$log"
        (cd "$gen" && go mod init kubestrap.local/controller-gen && go get "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_GEN_VERSION" &&
            go build -trimpath -ldflags "-s -w" -o controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen) >>"$log" 2>&1 ||
            { tail -30 "$log" >&2; die "building controller-gen failed; see $log"; }
    fi
    rm -f "$out.partial"
    while read -r c v; do
        case "$c" in image-*) ;; *) continue ;; esac
        local api=$build/$c-api-$v
        module_copy "github.com/fluxcd/$c/api" "$v" "$api"
        rm -rf "$api/crds" && (cd "$api" && "$gen/controller-gen" crd:crdVersions=v1 paths=./... output:crd:dir=./crds) >>"$log" 2>&1 ||
            { tail -30 "$log" >&2; die "controller-gen failed on $c $v; see $log"; }
        for f in "$api"/crds/*.yaml; do { echo "---"; cat "$f"; } >> "$out.partial"; done
    done < <(flux_controllers "$src")
    mv "$out.partial" "$out"
    say "generated the image automation CRDs in $((SECONDS - start))s"
    printf '%s\t%s\t%s\n' flux-image-crds "$CONTROLLER_GEN_VERSION" "$((SECONDS - start))" >> "$cache/build-times.tsv"
}
