// Package pluginrpc holds what kubestrap's provider plugins share: the flags the engine starts
// a plugin with, serving the resource protocol, and property maps that keep secrets marked.
package pluginrpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
)

// EngineFlags accepts the flags the engine starts plugins with (`<plugin> [flags] <engine
// address>`). Some are already defined by packages linked in (glog's logtostderr and v):
// defining a flag twice panics, so only the missing ones are added.
func EngineFlags(fs *flag.FlagSet) {
	for _, name := range []string{"logtostderr", "logflow"} {
		if fs.Lookup(name) == nil {
			fs.Bool(name, false, "ignored")
		}
	}
	if fs.Lookup("tracing") == nil {
		fs.String("tracing", "", "ignored")
	}
	if fs.Lookup("v") == nil {
		fs.Int("v", 0, "ignored")
	}
}

// EngineAddress parses the command line and returns the engine's address (may be empty).
func EngineAddress() string {
	EngineFlags(flag.CommandLine)
	flag.Parse()
	return flag.Arg(0)
}

// Serve serves p, prints the port for the engine, and exits when the engine stops the plugin.
func Serve(name string, p pulumirpc.ResourceProviderServer) {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the %s provider: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "%s provider stopped: %v\n", name, err)
		os.Exit(1)
	}
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true, KeepSecrets: true}

// Unmarshal reads properties with secrets and unknowns kept as they are.
func Unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

// Marshal writes properties with secrets and unknowns kept as they are.
func Marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
}

// Reveal is m with every secret replaced by its value.
func Reveal(m resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		out[k] = RevealValue(v)
	}
	return out
}

// RevealValue is v with every secret in it replaced by its value.
func RevealValue(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return RevealValue(v.SecretValue().Element)
	case v.IsObject():
		return resource.NewObjectProperty(Reveal(v.ObjectValue()))
	case v.IsArray():
		items := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, item := range v.ArrayValue() {
			items[i] = RevealValue(item)
		}
		return resource.NewArrayProperty(items)
	}
	return v
}

// ResourceType is the type token of a resource's URN ("" when it does not parse).
func ResourceType(urn string) string {
	u, err := resource.ParseURN(urn)
	if err != nil {
		return ""
	}
	return string(u.Type())
}

// NewID is a random resource id.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NoConfig answers the provider-configuration calls of a provider that takes no configuration
// (kubestrap's plugins take none): any config is accepted, nothing in it diffs, secrets and
// previews are supported; every call it does not answer is Unimplemented. Embed it in a provider.
type NoConfig struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func (NoConfig) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (NoConfig) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (NoConfig) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// DiffInputs reads a Diff request's old inputs (its old outputs where the engine sent none)
// and its new inputs, with secrets revealed for comparison.
func DiffInputs(req *pulumirpc.DiffRequest) (olds, news resource.PropertyMap, err error) {
	if olds, err = Unmarshal(req.GetOldInputs()); err != nil {
		return nil, nil, err
	}
	if len(olds) == 0 {
		if olds, err = Unmarshal(req.GetOlds()); err != nil {
			return nil, nil, err
		}
	}
	if news, err = Unmarshal(req.GetNews()); err != nil {
		return nil, nil, err
	}
	return Reveal(olds), Reveal(news), nil
}

// ChangedKeys lists, sorted, the keys whose value was added, removed, changed or is not known yet.
func ChangedKeys(keys []string, olds, news resource.PropertyMap) []string {
	var changed []string
	for _, key := range keys {
		k := resource.PropertyKey(key)
		o, hasOld := olds[k]
		n, hasNew := news[k]
		if hasOld != hasNew || (hasNew && (n.ContainsUnknowns() || !o.DeepEquals(n))) {
			changed = append(changed, key)
		}
	}
	sort.Strings(changed)
	return changed
}
