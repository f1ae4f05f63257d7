package main

import (
	"context"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// defaultTimeout bounds every command that has no customTimeouts for its operation. Upstream
// pulumi-command runs a command until it ends (pulumi/pulumi-command#199, #201: hangs).
const defaultTimeout = 20 * time.Minute

func timeoutOf(seconds float64) time.Duration {
	if seconds <= 0 {
		return defaultTimeout
	}
	return time.Duration(seconds * float64(time.Second))
}

// operation collects what one request runs with. full and previousFull keep secrets marked.
func (p *provider) operation(urn string, full, previousFull resource.PropertyMap, timeout float64) *operation {
	op := &operation{kind: resourceType(urn), urn: urn, inputs: reveal(full), timeout: timeoutOf(timeout), engine: &p.engine}
	if previousFull != nil {
		op.previous = reveal(previousFull)
	}
	commandSecret := false
	for _, key := range []resource.PropertyKey{"create", "update", "delete"} {
		commandSecret = commandSecret || full[key].ContainsSecrets()
	}
	if previousFull != nil && addPreviousOutput(op.inputs) {
		commandSecret = commandSecret || previousFull["stdout"].ContainsSecrets() || previousFull["stderr"].ContainsSecrets()
	}
	op.secret = commandSecret || full["environment"].ContainsSecrets() || full["stdin"].ContainsSecrets()
	// A malformed environment fails later, where the command would run; here it is no opt-in.
	env, _ := environment(op.inputs, nil)
	if op.secret && !commandSecret && env[failureOutputOptIn] == "without-secrets" {
		op.secretValues = secretStrings(full["environment"], nil)
		op.secretValues = secretStrings(full["stdin"], op.secretValues)
		for _, v := range op.secretValues {
			// A value this short would hide ordinary words; such a command's output stays hidden whole.
			if len(strings.TrimSpace(v)) < 8 {
				op.secretValues = nil
				break
			}
		}
	}
	return op
}

func isRemote(kind string) bool { return kind == remoteCommand || kind == copyToRemote }

// hostKeyOutput is the key the server offered this time, else the one recorded before, else
// "" (nothing recorded yet). Always present, so a preview reads it as known, not as computed.
func hostKeyOutput(outputs, olds resource.PropertyMap, offered string) {
	if offered != "" {
		outputs["hostKey"] = resource.NewStringProperty(offered)
	} else if v, ok := olds["hostKey"]; ok {
		outputs["hostKey"] = v
	} else {
		outputs["hostKey"] = resource.NewStringProperty("")
	}
}

// unknownOutput marks outputs known only after a command runs (previews).
func unknownOutput(outputs resource.PropertyMap, keys ...resource.PropertyKey) {
	for _, key := range keys {
		outputs[key] = resource.MakeComputed(resource.NewStringProperty(""))
	}
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	full, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	op := p.operation(req.GetUrn(), full, nil, req.GetTimeout())
	outputs := full.Copy()
	switch {
	case req.GetPreview() && op.kind == localCommand:
		unknownOutput(outputs, "stdout", "stderr")
	case req.GetPreview() && op.kind == copyToRemote:
		unknownOutput(outputs, "hostKey")
	case req.GetPreview():
		unknownOutput(outputs, "stdout", "stderr", "hostKey")
	case op.kind == copyToRemote:
		hostKey, err := copyFile(p.context(ctx), op)
		if err != nil {
			return nil, err
		}
		hostKeyOutput(outputs, nil, hostKey)
	default:
		result, err := runCommand(p.context(ctx), op, "create")
		if err != nil {
			return nil, err
		}
		result.into(op.kind, outputs, nil)
	}
	props, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: newID(), Properties: props}, nil
}

func (r result) into(kind string, outputs, olds resource.PropertyMap) {
	outputs["stdout"] = resource.NewStringProperty(r.stdout)
	outputs["stderr"] = resource.NewStringProperty(r.stderr)
	if isRemote(kind) {
		hostKeyOutput(outputs, olds, r.hostKey)
	}
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
	op := p.operation(req.GetUrn(), news, olds, req.GetTimeout())
	outputs := news.Copy()
	rerun := false
	for _, key := range changedKeys(op.kind, op.previous, op.inputs) {
		rerun = rerun || commandKeys[key]
	}
	if isRemote(op.kind) {
		hostKeyOutput(outputs, olds, "")
	}
	if op.kind != copyToRemote {
		outputs["stdout"], outputs["stderr"] = olds["stdout"], olds["stderr"]
		if rerun && req.GetPreview() {
			unknownOutput(outputs, "stdout", "stderr")
		} else if rerun {
			which := "update"
			if _, ok := news["update"]; !ok {
				which = "create"
			}
			result, err := runCommand(p.context(ctx), op, which)
			if err != nil {
				return nil, err
			}
			result.into(op.kind, outputs, olds)
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
	op := p.operation(req.GetUrn(), state, state, req.GetTimeout())
	if op.kind != copyToRemote {
		if _, ok := state["delete"]; ok {
			if _, err := runCommand(p.context(ctx), op, "delete"); err != nil {
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

// secretStrings adds the strings inside v's secrets, and each line of a multi-line one.
func secretStrings(v resource.PropertyValue, into []string) []string {
	var walk func(v resource.PropertyValue, secret bool)
	walk = func(v resource.PropertyValue, secret bool) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true)
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret)
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret)
			}
		case v.IsString() && secret && v.StringValue() != "":
			into = append(into, v.StringValue(), strings.TrimSpace(v.StringValue()))
			if lines := strings.Split(strings.TrimSpace(v.StringValue()), "\n"); len(lines) > 1 {
				for _, line := range lines {
					into = append(into, strings.TrimSpace(line))
				}
			}
		}
	}
	walk(v, false)
	return into
}

// failureOutputOptIn, set to "without-secrets" in a command's environment, lets a failure of a
// command whose environment or stdin holds secrets show its output without the lines that hold
// one (upstream shows it whole). Without it such output stays hidden whole.
const failureOutputOptIn = "KUBESTRAP_FAILURE_OUTPUT"
