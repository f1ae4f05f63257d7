package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

func remoteInputs(conn map[string]interface{}, create string) resource.PropertyMap {
	return resource.NewPropertyMapFromMap(map[string]interface{}{"connection": conn, "create": create})
}

// The fix names the key in authorized_keys form, the one form upstream's plugin (and kubestrap's config) takes as a pin.
func fixFor(key ssh.Signer) string {
	pin := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key.PublicKey())))
	return `If the host was reinstalled and ` + openSSHFingerprint(key) + ` is its genuine new key, set its hostKey in the stack config ` +
		`(kubestrap:cluster.k3s.servers[N].hostKey or agents[N].hostKey) to "` + pin + `" and run up again.`
}

func TestFirstConnectionRecordsTheHostKeyAndAChangedKeyIsRefused(t *testing.T) {
	original, reinstalled := hostKey(t, "ed25519"), hostKey(t, "ed25519")
	server := newSSHServer(t, original)
	p := &provider{}
	created, err := create(t, p, remoteURN, remoteInputs(server.connection(), "echo one"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := created["hostKey"].StringValue(); got != openSSHFingerprint(original) {
		t.Fatalf("hostKey output is %q, want the server's key as ssh-keygen -lf prints it, %q", got, openSSHFingerprint(original))
	}

	server.setKeys(reinstalled) // a reinstalled host, or a man in the middle
	ran := len(server.commands())
	news := remoteInputs(server.connection(), "echo two")
	news["delete"] = resource.NewStringProperty("echo bye")
	_, err = update(t, p, remoteURN, created, news)
	want := "host key mismatch for " + server.address() + ": the key changed since it was first trusted (was " +
		openSSHFingerprint(original) + ", now ssh-ed25519 " + openSSHFingerprint(reinstalled) + "). " + fixFor(reinstalled)
	if err == nil || err.Error() != want {
		t.Fatalf("update against a changed key:\n got %v\nwant %s", err, want)
	}
	state := created.Copy()
	state["delete"] = resource.NewStringProperty("echo bye")
	if err := remove(p, remoteURN, state); err == nil || err.Error() != want {
		t.Fatalf("delete against a changed key:\n got %v\nwant %s", err, want)
	}
	if len(server.commands()) != ran {
		t.Fatalf("a command ran on the host with the changed key: %q", server.commands()[ran:])
	}

	// The fix the message names: pin the new key.
	conn := server.connection()
	conn["hostKey"] = openSSHFingerprint(reinstalled)
	updated, err := update(t, p, remoteURN, created, remoteInputs(conn, "echo two"))
	if err != nil {
		t.Fatalf("update with the new key pinned: %v", err)
	}
	if updated["stdout"].StringValue() != "two" || updated["hostKey"].StringValue() != openSSHFingerprint(reinstalled) {
		t.Fatalf("after pinning: stdout %v, hostKey %v", updated["stdout"], updated["hostKey"])
	}
}

func TestPinnedHostKeyInEitherFormMatchesAnyOfTheHostsKeys(t *testing.T) {
	ed, ec := hostKey(t, "ed25519"), hostKey(t, "ecdsa")
	server := newSSHServer(t, ec, ed)
	p := &provider{}
	for name, pin := range map[string]string{
		"authorized_keys ed25519": strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ed.PublicKey()))) + " root@node1",
		"authorized_keys ecdsa":   strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ec.PublicKey()))),
		"fingerprint ed25519":     openSSHFingerprint(ed),
		"fingerprint ecdsa":       openSSHFingerprint(ec),
	} {
		conn := server.connection()
		conn["hostKey"] = pin
		out, err := create(t, p, remoteURN, remoteInputs(conn, "echo ok"), 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := map[bool]string{true: openSSHFingerprint(ec), false: openSSHFingerprint(ed)}[strings.Contains(name, "ecdsa")]; out["hostKey"].StringValue() != want {
			t.Fatalf("%s: hostKey output %v, want %s", name, out["hostKey"], want)
		}
	}
}

func TestWrongPinFailsBeforeAnythingRuns(t *testing.T) {
	real, other := hostKey(t, "ed25519"), hostKey(t, "ed25519")
	server := newSSHServer(t, real)
	conn := server.connection()
	conn["hostKey"] = openSSHFingerprint(other)
	_, err := create(t, &provider{}, remoteURN, remoteInputs(conn, "echo should-not-run"), 0)
	want := "host key mismatch for " + server.address() + ": expected " + openSSHFingerprint(other) +
		", the server offered ssh-ed25519 " + openSSHFingerprint(real) + ". " + fixFor(real)
	if err == nil || err.Error() != want {
		t.Fatalf("\n got %v\nwant %s", err, want)
	}

	dir := t.TempDir()
	target := filepath.Join(dir, "k3s")
	inputs := resource.NewPropertyMapFromMap(map[string]interface{}{"connection": conn, "remotePath": target})
	inputs["source"] = resource.NewAssetProperty(&resource.Asset{Text: "binary"})
	if _, err := create(t, &provider{}, copyURN, inputs, 0); err == nil || err.Error() != want {
		t.Fatalf("copy:\n got %v\nwant %s", err, want)
	}
	if len(server.commands()) != 0 {
		t.Fatalf("commands ran: %q", server.commands())
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("the file was copied to a host with the wrong key")
	}
}

func TestCopyToRemoteRecordsTheHostKey(t *testing.T) {
	key := hostKey(t, "ed25519")
	server := newSSHServer(t, key)
	target := filepath.Join(t.TempDir(), "staging", "install.sh")
	inputs := resource.NewPropertyMapFromMap(map[string]interface{}{"connection": server.connection(), "remotePath": target})
	inputs["source"] = resource.NewAssetProperty(&resource.Asset{Text: "#!/bin/sh\necho hi\n"})
	out, err := create(t, &provider{}, copyURN, inputs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "#!/bin/sh\necho hi\n" {
		t.Fatalf("copied %q", got)
	}
	if out["hostKey"].StringValue() != openSSHFingerprint(key) {
		t.Fatalf("hostKey output %v", out["hostKey"])
	}
	// Updates of a copy never connect; they keep what was recorded.
	news := inputs.Copy()
	news["connection"] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]interface{}{"host": "127.0.0.1", "port": 1, "password": "x"}))
	updated, err := update(t, &provider{}, copyURN, out, news)
	if err != nil || updated["hostKey"].StringValue() != openSSHFingerprint(key) {
		t.Fatalf("update: %v, hostKey %v", err, updated["hostKey"])
	}
}

func TestCheckNamesAnUnparsableHostKey(t *testing.T) {
	check := func(hostKey string) []*pulumirpc.CheckFailure {
		conn := map[string]interface{}{"host": "10.0.0.5", "user": "ops", "password": "x", "hostKey": hostKey}
		news, _ := marshal(resource.NewPropertyMapFromMap(map[string]interface{}{"connection": conn, "create": "true"}))
		resp, err := (&provider{}).Check(context.Background(), &pulumirpc.CheckRequest{Urn: remoteURN, News: news})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetFailures()
	}
	for _, bad := range []string{"ssh-ed25519 not-base64!", "SHA256:tooshort", "MD5:aa:bb"} {
		failures := check(bad)
		if len(failures) != 1 || failures[0].Property != "connection.hostKey" {
			t.Fatalf("%q: want one failure on connection.hostKey, got %v", bad, failures)
		}
	}
	if failures := check(openSSHFingerprint(hostKey(t, "ed25519"))); len(failures) != 0 {
		t.Fatalf("a fingerprint was refused: %v", failures)
	}
}

func TestOnlyAHostKeyChangeRunsNothingAndKeepsTheRecord(t *testing.T) {
	unreachable := map[string]interface{}{"host": "127.0.0.1", "port": 1, "password": "x", "dialErrorLimit": 1}
	olds := remoteInputs(unreachable, "exit 1")
	olds["stdout"], olds["hostKey"] = resource.NewStringProperty("old"), resource.NewStringProperty("SHA256:recorded")
	pinned := map[string]interface{}{}
	for k, v := range unreachable {
		pinned[k] = v
	}
	pinned["hostKey"] = openSSHFingerprint(hostKey(t, "ed25519"))
	news := remoteInputs(pinned, "exit 1")

	got := diffAt(t, remoteURN, olds.Mappable(), news.Mappable())
	if len(got.Replaces) != 0 || strings.Join(got.Diffs, ",") != "connection" {
		t.Fatalf("a hostKey change should update connection in place, got diffs %v replaces %v", got.Diffs, got.Replaces)
	}
	out, err := update(t, &provider{}, remoteURN, olds, news)
	if err != nil {
		t.Fatalf("the command ran although only the hostKey changed: %v", err)
	}
	if out["stdout"].StringValue() != "old" || out["hostKey"].StringValue() != "SHA256:recorded" {
		t.Fatalf("outputs not kept: %v", out)
	}
}

func TestPreviewNeverConnects(t *testing.T) {
	unreachable := map[string]interface{}{"host": "127.0.0.1", "port": 1, "password": "x"}
	props, _ := marshal(remoteInputs(unreachable, "echo hi"))
	resp, err := (&provider{}).Create(context.Background(), &pulumirpc.CreateRequest{Urn: remoteURN, Properties: props, Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := unmarshal(resp.GetProperties())
	if !out["hostKey"].IsComputed() || !out["stdout"].IsComputed() {
		t.Fatalf("preview outputs should be unknown: %v", out)
	}
}
