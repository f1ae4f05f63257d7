// flux-render prints Flux's install manifests as `flux install --export` does, with the same
// code: flux2's manifestgen/install package and the CLI's defaults, over the manifests the CLI
// would embed. Building this instead of the whole flux CLI (which links cloud SDKs, git and OCI
// clients that an export never calls) takes a fraction of the time.
//
//	flux-render MANIFESTS_DIR VERSION COMPONENTS
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxcd/flux2/v2/pkg/manifestgen/install"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: flux-render MANIFESTS_DIR VERSION COMPONENTS (e.g. v2.9.5 source-controller,kustomize-controller)")
		os.Exit(2)
	}
	if err := render(os.Args[1], os.Args[2], strings.Split(os.Args[3], ",")); err != nil {
		fmt.Fprintln(os.Stderr, "flux-render:", err)
		os.Exit(1)
	}
}

func render(manifests, version string, components []string) error {
	// Generate writes its kustomization beside the manifests: give it a copy, as the CLI does.
	base, err := os.MkdirTemp("", "flux-render")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	files, err := filepath.Glob(filepath.Join(manifests, "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no manifests in %s", manifests)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(base, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	// The CLI's defaults (cmd/flux/install.go: install.MakeDefaultOptions and its flags), with
	// the embedded version and the chosen components.
	opts := install.MakeDefaultOptions()
	opts.Version = version
	opts.Components = components
	opts.ManifestFile = opts.Namespace + ".yaml"
	manifest, err := install.Generate(opts, base)
	if err != nil {
		return err
	}
	_, err = os.Stdout.WriteString(manifest.Content)
	return err
}
