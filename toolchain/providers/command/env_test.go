package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Every byte a Pulumi string can hold but NUL, and shell syntax that must stay data.
func awkwardValue() string {
	var b strings.Builder
	b.WriteString("tok-3f9a it's \"quoted\" $HOME `id` $(id) \\ back\\slash\n\nsecond line\r\n")
	for c := 1; c < 128; c++ {
		b.WriteByte(byte(c))
	}
	b.WriteString("\n'\n'' ü € 🙂 export X=1; '\"$__kubestrap_nl\"'\n")
	return b.String()
}

func TestRemoteEnvironmentStaysOutOfArgvAndStdinStaysIntact(t *testing.T) {
	server := newSSHServer(t, hostKey(t, "ed25519"))
	value := awkwardValue()
	stdin := "first line\nsecond 'line' $HOME\n\n\tlast line without newline"
	inputs := remoteInputs(server.connection(), `printf '%s|%s|' "$TOKEN" "$OTHER"; cat`)
	inputs["environment"] = resource.NewObjectProperty(resource.PropertyMap{
		"TOKEN": resource.MakeSecret(resource.NewStringProperty(value)),
		"OTHER": resource.NewStringProperty("plain"),
	})
	inputs["stdin"] = resource.NewStringProperty(stdin)
	out, err := create(t, &provider{}, remoteURN, inputs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out["stdout"].StringValue(), value+"|plain|"+stdin; got != want {
		t.Fatalf("the command saw\n%q\nwant\n%q", got, want)
	}
	for _, argv := range server.commands() {
		if strings.Contains(argv, "tok-3f9a") || strings.Contains(argv, "plain") {
			t.Fatalf("an environment value is in the remote command line: %q", argv)
		}
	}
	if !out["environment"].ContainsSecrets() {
		t.Fatal("the secret environment value is no longer secret in the outputs")
	}

	// Updates see the previous output the same way.
	news := remoteInputs(server.connection(), "true")
	news["update"] = resource.NewStringProperty(`printf '%s' "$PULUMI_COMMAND_STDOUT" | head -c 8`)
	updated, err := update(t, &provider{}, remoteURN, out, news)
	if err != nil {
		t.Fatal(err)
	}
	if got := updated["stdout"].StringValue(); got != "tok-3f9a" {
		t.Fatalf("PULUMI_COMMAND_STDOUT started with %q", got)
	}
}

func TestRemoteCommandKeepsItsExitStatusAndStderr(t *testing.T) {
	server := newSSHServer(t, hostKey(t, "ed25519"))
	_, err := create(t, &provider{}, remoteURN, remoteInputs(server.connection(), "set -eu\necho to-stderr >&2\nexit 7"), 0)
	if err == nil || !strings.Contains(err.Error(), "exited with status 7") || !strings.Contains(err.Error(), "to-stderr") {
		t.Fatalf("want the exit status and stderr, got %v", err)
	}
}

func TestCheckRefusesEnvironmentNamesAShellWouldRun(t *testing.T) {
	news, _ := marshal(resource.NewPropertyMapFromMap(map[string]interface{}{
		"create": "true", "environment": map[string]interface{}{"OK_1": "x", "X;rm -rf /": "y"},
	}))
	resp, err := (&provider{}).Check(context.Background(), &pulumirpc.CheckRequest{Urn: remoteURN, News: news})
	if err != nil {
		t.Fatal(err)
	}
	if f := resp.GetFailures(); len(f) != 1 || f[0].Property != "environment" || !strings.Contains(f[0].Reason, `"X;rm -rf /"`) {
		t.Fatalf("want one failure naming the bad variable, got %v", f)
	}
}
