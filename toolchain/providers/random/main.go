// Command pulumi-resource-random is kubestrap's stand-in for the pulumi-random provider.
//
// The upstream provider (github.com/pulumi/pulumi-random/provider/v4) cannot be built offline:
// its go.mod replaces a nested shim module that the Go proxy does not serve. This plugin speaks
// the same resource protocol for the part of @pulumi/random 4.21.2 that kubestrap uses,
// random:index/randomPassword:RandomPassword and random:index/randomBytes:RandomBytes, with
// upstream's inputs, defaults, outputs and lifecycle: a value is made once, at create, kept in
// the state (as a secret) from then on, and made anew only when an input (keepers included)
// changes, which replaces the resource. Refresh keeps the value. Import is not implemented.
package main

import (
	"context"
	"fmt"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"kubestrap.local/toolchain/providers/pluginrpc"
)

var version = "4.21.2"

const (
	randomPassword = "random:index/randomPassword:RandomPassword"
	randomBytes    = "random:index/randomBytes:RandomBytes"
)

type provider struct {
	pluginrpc.NoConfig
}

func main() {
	_ = pluginrpc.EngineAddress()
	pluginrpc.Serve("random", &provider{})
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"random","version":%q}`, version)}, nil
}

func (p *provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: false}, nil
}

func (p *provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
