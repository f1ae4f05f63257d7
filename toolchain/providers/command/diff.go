package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"kubestrap.local/toolchain/providers/pluginrpc"
)

// The inputs of each resource type; outputs are these plus stdout and stderr for commands.
var inputKeys = map[string][]string{
	localCommand:  {"create", "update", "delete", "dir", "environment", "stdin", "triggers", "interpreter", "logging", "addPreviousOutputInEnv", "assetPaths", "archivePaths"},
	remoteCommand: {"connection", "create", "update", "delete", "environment", "stdin", "triggers", "logging", "addPreviousOutputInEnv"},
	copyToRemote:  {"connection", "source", "remotePath", "triggers"},
}

// Changing these replaces the resource; the SDK also asks for it with replaceOnChanges.
var replaceKeys = map[string]bool{"triggers": true, "source": true, "remotePath": true}

// What a command runs depends on these; a change to anything else (the connection, logging)
// is recorded without running anything.
var commandKeys = map[string]bool{"create": true, "update": true, "environment": true, "stdin": true, "dir": true, "interpreter": true}

func changedKeys(kind string, olds, news resource.PropertyMap) []string {
	return pluginrpc.ChangedKeys(inputKeys[kind], olds, news)
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := pluginrpc.DiffInputs(req)
	if err != nil {
		return nil, err
	}
	changed := changedKeys(resourceType(req.GetUrn()), olds, news)
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}, nil
	}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	var replaces []string
	for _, key := range changed {
		kind := pulumirpc.PropertyDiff_UPDATE
		if replaceKeys[key] {
			kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
			replaces = append(replaces, key)
		}
		detailed[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}
