package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// fakeEngine records the Log calls a provider makes, as the Pulumi engine receives them.
type fakeEngine struct {
	pulumirpc.UnimplementedEngineServer
	mu   sync.Mutex
	logs []*pulumirpc.LogRequest
}

func (e *fakeEngine) Log(_ context.Context, req *pulumirpc.LogRequest) (*emptypb.Empty, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logs = append(e.logs, req)
	return &emptypb.Empty{}, nil
}

func (e *fakeEngine) messages() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, l := range e.logs {
		out = append(out, l.Message)
	}
	return out
}

// providerWithEngine starts a fake engine and a provider told its address by Handshake.
func providerWithEngine(t *testing.T) (*provider, *fakeEngine) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	fake := &fakeEngine{}
	pulumirpc.RegisterEngineServer(srv, fake)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	p := newProvider("")
	if _, err := p.Handshake(context.Background(), &pulumirpc.ProviderHandshakeRequest{EngineAddress: l.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	return p, fake
}

func TestOutputLinesStreamToTheEngineAsTheyArrive(t *testing.T) {
	p, engine := providerWithEngine(t)
	gate := filepath.Join(t.TempDir(), "gate")
	script := "echo first\nwhile [ ! -f " + gate + " ]; do sleep 0.05; done\necho second >&2\nprintf 'no newline'"
	done := make(chan error, 1)
	go func() {
		_, err := create(t, p, urn, resource.NewPropertyMapFromMap(map[string]interface{}{"create": script}), 10)
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(engine.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := engine.messages(); len(got) != 1 || got[0] != "first" {
		t.Fatalf("while the command waits, the engine should have its first line only, got %q", got)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(engine.messages(), "|"); got != "first|second|no newline" {
		t.Fatalf("streamed %q", got)
	}
	engine.mu.Lock()
	defer engine.mu.Unlock()
	for _, l := range engine.logs {
		if l.Urn != urn || !l.Ephemeral || l.Severity != pulumirpc.LogSeverity_INFO {
			t.Fatalf("want ephemeral INFO lines for %s (as upstream's InfoStatus), got %v", urn, l)
		}
	}
}

func TestLoggingChoosesWhatStreams(t *testing.T) {
	for logging, want := range map[string]string{"stdout": "out", "stderr": "err", "stdoutAndStderr": "out|err", "none": ""} {
		p, engine := providerWithEngine(t)
		inputs := resource.NewPropertyMapFromMap(map[string]interface{}{"create": "echo out; sleep 0.1; echo err >&2", "logging": logging})
		out, err := create(t, p, urn, inputs, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(engine.messages(), "|"); got != want {
			t.Fatalf("logging %s streamed %q, want %q", logging, got, want)
		}
		if out["stdout"].StringValue() != "out" || out["stderr"].StringValue() != "err" {
			t.Fatalf("logging %s changed the outputs: %v", logging, out)
		}
	}
}

func TestSecretInputsStreamNothing(t *testing.T) {
	server := newSSHServer(t, hostKey(t, "ed25519"))
	p, engine := providerWithEngine(t)
	for _, inputs := range []resource.PropertyMap{
		{"create": resource.NewStringProperty("cat; echo; echo on-stderr >&2"), "stdin": resource.MakeSecret(resource.NewStringProperty("the-token"))},
		{"create": resource.MakeSecret(resource.NewStringProperty("echo the-token"))},
		{"create": resource.NewStringProperty(`echo "$T"`), "environment": resource.NewObjectProperty(resource.PropertyMap{
			"T": resource.MakeSecret(resource.NewStringProperty("the-token"))})},
	} {
		out, err := create(t, p, urn, inputs, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out["stdout"].StringValue(), "the-token") {
			t.Fatalf("the command did not run as asked: %v", out)
		}
		inputs["connection"] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(server.connection()))
		if _, err := create(t, p, remoteURN, inputs, 10); err != nil {
			t.Fatal(err)
		}
	}
	if got := engine.messages(); len(got) != 0 {
		t.Fatalf("commands with secret inputs streamed %q", got)
	}
	failing := resource.PropertyMap{"create": resource.NewStringProperty("cat; exit 2"), "stdin": resource.MakeSecret(resource.NewStringProperty("the-token"))}
	if _, err := create(t, p, urn, failing, 10); err == nil || strings.Contains(err.Error(), "the-token") {
		t.Fatalf("want a failure without the secret, got %v", err)
	}
	// The same remote command without a secret streams.
	if _, err := create(t, p, remoteURN, remoteInputs(server.connection(), "echo visible"), 10); err != nil {
		t.Fatal(err)
	}
	if got := engine.messages(); len(got) != 1 || got[0] != "visible" {
		t.Fatalf("a remote command without secrets streamed %q", got)
	}
}
