// Command pulumi-resource-command is kubestrap's stand-in for the pulumi-command provider.
//
// The upstream provider (github.com/pulumi/pulumi-command/provider) has no module versions on
// the Go proxy, so it cannot be built offline. This plugin speaks the same resource protocol
// for the part of @pulumi/command 1.2.1 that kubestrap uses: command:local:Command,
// command:remote:Command (over SSH) and command:remote:CopyToRemote (file assets), with the
// same inputs, outputs and lifecycle: create on create, update (or create again) when command
// inputs change, delete on delete, replace when triggers change, nothing re-run otherwise.
// Output lines stream to the engine as upstream's do (as `logging` allows).
//
// Where it differs from upstream, on purpose:
//   - Host keys are verified. connection.hostKey pins a key ("ssh-ed25519 AAAA...", as upstream
//     takes it) or a fingerprint ("SHA256:...", as ssh-keygen -lf prints it). Without a pin the
//     first key a resource sees is recorded in its hostKey output and any other key refuses
//     later operations (upstream ignores host keys unless pinned). See hostkey.go.
//   - Remote environment values never appear in an argument list: they reach the remote shell
//     on stdin ahead of the resource's stdin (upstream uses SSH env requests, which sshd
//     refuses unless AcceptEnv allows them). See remote.go.
//   - Every command has a timeout: the operation's customTimeouts, else 20 minutes; a command
//     that outlives it is stopped with its process group (upstream waits forever).
//   - Output is not streamed, nor shown in errors, when the command, environment or stdin
//     holds a secret (upstream streams it as `logging` says). A command whose environment sets
//     KUBESTRAP_FAILURE_OUTPUT=without-secrets, and whose secrets are values it was handed
//     (environment, stdin), shows a failure's output without the lines that hold one.
package main

import (
	"context"
	"fmt"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"kubestrap.local/toolchain/providers/pluginrpc"
)

var version = "1.2.1"

const (
	localCommand  = "command:local:Command"
	remoteCommand = "command:remote:Command"
	copyToRemote  = "command:remote:CopyToRemote"
)

type provider struct {
	pluginrpc.NoConfig
	engine engine
	// stop ends every running command when the engine cancels (nil: never).
	stop    context.Context
	stopAll context.CancelFunc
}

func newProvider(engineAddress string) *provider {
	p := &provider{}
	p.stop, p.stopAll = context.WithCancel(context.Background())
	p.engine.connect(engineAddress)
	return p
}

func main() {
	pluginrpc.Serve("command", newProvider(pluginrpc.EngineAddress()))
}

// Secrets are kept marked: outputs must stay secret where inputs were, and a command whose
// inputs hold one streams nothing. reveal gives the values commands run with.
var (
	unmarshal   = pluginrpc.Unmarshal
	marshal     = pluginrpc.Marshal
	reveal      = pluginrpc.Reveal
	revealValue = pluginrpc.RevealValue
)

// context is ctx, also ended when the engine cancels.
func (p *provider) context(ctx context.Context) context.Context {
	if p.stop == nil {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	unregister := context.AfterFunc(p.stop, cancel)
	context.AfterFunc(ctx, func() { unregister() })
	return ctx
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, version)}, nil
}

func (p *provider) Handshake(_ context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	p.engine.connect(req.GetEngineAddress())
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: false}, nil
}

func (p *provider) Attach(_ context.Context, req *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	p.engine.connect(req.GetAddress())
	return &emptypb.Empty{}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	if p.stopAll != nil {
		p.stopAll()
	}
	return &emptypb.Empty{}, nil
}

var (
	resourceType = pluginrpc.ResourceType
	newID        = pluginrpc.NewID
)
