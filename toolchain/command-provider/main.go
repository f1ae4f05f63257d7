// Command pulumi-resource-command is kubestrap's stand-in for the pulumi-command provider.
//
// The upstream provider (github.com/pulumi/pulumi-command/provider) has no module versions on
// the Go proxy, so it cannot be built offline. This plugin speaks the same resource protocol
// for the part of @pulumi/command 1.2.1 that kubestrap uses: command:local:Command,
// command:remote:Command (over SSH) and command:remote:CopyToRemote (file assets), with the
// same inputs, outputs and lifecycle: create on create, update (or create again) when command
// inputs change, delete on delete, replace when triggers change, nothing re-run otherwise.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

var version = "1.2.1"

const (
	localCommand  = "command:local:Command"
	remoteCommand = "command:remote:Command"
	copyToRemote  = "command:remote:CopyToRemote"
)

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func main() {
	flag.String("tracing", "", "ignored")
	flag.Parse()
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the command provider: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "command provider stopped: %v\n", err)
		os.Exit(1)
	}
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true})
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, version)}, nil
}

func (p *provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: false, AcceptResources: false}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: false, SupportsPreview: true}, nil
}

func (p *provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	switch resourceType(req.GetUrn()) {
	case localCommand, remoteCommand:
		if v, ok := news["logging"]; ok && v.IsString() && !validLogging[v.StringValue()] {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "logging", Reason: "must be one of stdout, stderr, stdoutAndStderr, none"})
		}
	case copyToRemote:
		if _, ok := news["remotePath"]; !ok {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "remotePath", Reason: "is required"})
		}
	default:
		return nil, fmt.Errorf("kubestrap's command provider does not implement %s", resourceType(req.GetUrn()))
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

var validLogging = map[string]bool{"stdout": true, "stderr": true, "stdoutAndStderr": true, "none": true}

func resourceType(urn string) string {
	u, err := resource.ParseURN(urn)
	if err != nil {
		return ""
	}
	return string(u.Type())
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
