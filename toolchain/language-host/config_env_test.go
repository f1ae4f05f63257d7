package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// node, started the way Run starts it, sees the config in PULUMI_CONFIG however large it is.
func nodeSees(t *testing.T, cfg string) (seen string, leftovers []string) {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	vars, nodeArgs, cleanup, err := configEnv(cfg, `["kubestrap:secret"]`)
	if err != nil {
		t.Fatal(err)
	}
	script := `process.stdout.write(JSON.stringify([process.env.PULUMI_CONFIG, process.env.PULUMI_CONFIG_SECRET_KEYS, process.env.KUBESTRAP_PULUMI_CONFIG_FILE ?? null, require("fs").readdirSync(process.env.TMPDIR)]))`
	cmd := exec.Command("node", append(nodeArgs, "-e", script)...)
	cmd.Env = append(os.Environ(), vars...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	cleanup()
	left, _ := filepath.Glob(filepath.Join(tmp, "*"))
	return string(out), left
}

func TestSmallConfigGoesThroughTheEnvironment(t *testing.T) {
	seen, left := nodeSees(t, `{"kubestrap:apps":"[]"}`)
	if want := `["{\"kubestrap:apps\":\"[]\"}","[\"kubestrap:secret\"]",null,[]]`; seen != want {
		t.Fatalf("node saw %s, want %s", seen, want)
	}
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// 300 KiB: more than Linux lets one environment string be (128 KiB), which exec refuses.
func TestLargeConfigGoesThroughAFileGoneBeforeTheProgramRuns(t *testing.T) {
	big := `{"kubestrap:apps":"` + strings.Repeat(`x\"é`, 100*1024) + `"}`
	direct := exec.Command("node", "-e", "")
	direct.Env = append(os.Environ(), "PULUMI_CONFIG="+big)
	if err := direct.Run(); err == nil || !strings.Contains(err.Error(), "argument list too long") {
		t.Fatalf("expected the kernel to refuse the config in one variable, got %v", err)
	}
	seen, left := nodeSees(t, big)
	if !strings.HasPrefix(seen, `["{\"kubestrap:apps\":\"x\\\"é`) || !strings.HasSuffix(seen, `\"}","[\"kubestrap:secret\"]",null,[]]`) || len(seen) < len(big) {
		t.Fatalf("node did not see the whole config: %d bytes, starting %.80s, ending %s", len(seen), seen, seen[len(seen)-60:])
	}
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
