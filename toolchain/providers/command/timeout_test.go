package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// A command that outlives its timeout fails naming the timeout and the command, and what it
// started in the background is stopped with it.
func checkTimesOut(t *testing.T, urn string, inputs resource.PropertyMap, pidFile string) {
	t.Helper()
	start := time.Now()
	_, err := create(t, &provider{}, urn, inputs, 1) // customTimeouts: { create: "1s" }
	want := "command timed out after 1s: sleep 30 & echo $! > " + pidFile + "; wait; raise it with the customTimeouts resource option"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the timeout took %s to stop the command", took)
	}
	raw, readErr := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	if readErr != nil || pid == 0 {
		t.Fatalf("the command never started: %v", readErr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		t.Fatalf("the command's child %d still runs after the timeout", pid)
	}
}

func TestLocalCommandStopsAtItsTimeout(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	inputs := resource.NewPropertyMapFromMap(map[string]interface{}{"create": "set -eu\nsleep 30 & echo $! > " + pidFile + "; wait"})
	checkTimesOut(t, urn, inputs, pidFile)
}

func TestRemoteCommandStopsAtItsTimeout(t *testing.T) {
	server := newSSHServer(t, hostKey(t, "ed25519"))
	pidFile := filepath.Join(t.TempDir(), "pid")
	checkTimesOut(t, remoteURN, remoteInputs(server.connection(), "sleep 30 & echo $! > "+pidFile+"; wait"), pidFile)
}

func TestTimeoutMessageHidesASecretCommand(t *testing.T) {
	inputs := resource.PropertyMap{"create": resource.MakeSecret(resource.NewStringProperty("sleep 30 # password=hunter2"))}
	_, err := create(t, &provider{}, urn, inputs, 1)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "command timed out after 1s") {
		t.Fatalf("got %v", err)
	}
}
