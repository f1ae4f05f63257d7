package main

import (
	"context"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
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
	var changed []string
	for _, key := range inputKeys[kind] {
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

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
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

// unknownOutput marks stdout and stderr as known only after the command runs (previews).
func unknownOutput(outputs resource.PropertyMap) {
	outputs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
	outputs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	kind := resourceType(req.GetUrn())
	outputs := inputs.Copy()
	switch {
	case req.GetPreview():
		if kind != copyToRemote {
			unknownOutput(outputs)
		}
	case kind == copyToRemote:
		if err := copyFile(ctx, inputs); err != nil {
			return nil, err
		}
	default:
		result, err := runCommand(ctx, kind, inputs, "create", nil)
		if err != nil {
			return nil, err
		}
		result.into(outputs)
	}
	props, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: newID(), Properties: props}, nil
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	kind := resourceType(req.GetUrn())
	outputs := news.Copy()
	rerun := false
	for _, key := range changedKeys(kind, olds, news) {
		rerun = rerun || commandKeys[key]
	}
	if kind != copyToRemote {
		outputs["stdout"], outputs["stderr"] = olds["stdout"], olds["stderr"]
		if rerun && req.GetPreview() {
			unknownOutput(outputs)
		} else if rerun {
			which := "update"
			if _, ok := news["update"]; !ok {
				which = "create"
			}
			result, err := runCommand(ctx, kind, news, which, olds)
			if err != nil {
				return nil, err
			}
			result.into(outputs)
		}
	}
	props, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	kind := resourceType(req.GetUrn())
	if kind != copyToRemote {
		if _, ok := state["delete"]; ok {
			if _, err := runCommand(ctx, kind, state, "delete", state); err != nil {
				return nil, err
			}
		}
	}
	return &emptypb.Empty{}, nil
}

// Read keeps what is recorded: a refresh never runs a command.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}
