package main

import (
	"os"
	"path/filepath"
	"testing"
)

// programFile takes only a regular file under the program's directory, named relative to it.
func TestProgramFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".kubestrap", "program", "abc", "core"), 0o755); err != nil {
		t.Fatal(err)
	}
	preload := filepath.Join(".kubestrap", "program", "abc", "core", "program-preload.js")
	if err := os.WriteFile(filepath.Join(dir, preload), []byte("// preload\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ value, want string }{
		{preload, preload},
		{"", ""},
		{filepath.Join(dir, preload), ""}, // absolute
		{filepath.Join(".kubestrap", "program", "abc", "core"), ""}, // a directory
		{filepath.Join(".kubestrap", "program", "gone.js"), ""},     // pruned, or never compiled
	} {
		t.Setenv("KUBESTRAP_PROGRAM_PRELOAD", c.value)
		if got := programFile(dir, "KUBESTRAP_PROGRAM_PRELOAD"); got != c.want {
			t.Errorf("KUBESTRAP_PROGRAM_PRELOAD=%q: got %q, want %q", c.value, got, c.want)
		}
	}
}
