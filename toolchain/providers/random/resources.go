package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"kubestrap.local/toolchain/providers/pluginrpc"
)

// The inputs of each resource; every one of them replaces the resource when it changes.
var inputKeys = map[string][]string{
	randomPassword: {"keepers", "length", "lower", "upper", "numeric", "number", "special",
		"minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial"},
	randomBytes: {"keepers", "length"},
}

var passwordDefaults = resource.PropertyMap{
	"lower": resource.NewBoolProperty(true), "upper": resource.NewBoolProperty(true),
	"numeric": resource.NewBoolProperty(true), "special": resource.NewBoolProperty(true),
	"minLower": resource.NewNumberProperty(0), "minUpper": resource.NewNumberProperty(0),
	"minNumeric": resource.NewNumberProperty(0), "minSpecial": resource.NewNumberProperty(0),
}

// withDefaults fills what the user left out, as upstream records it in the state. `number` is
// upstream's deprecated name for `numeric`; both are recorded, equal.
func withDefaults(kind string, news resource.PropertyMap) resource.PropertyMap {
	out := news.Copy()
	if kind != randomPassword {
		return out
	}
	if n, ok := out["number"]; ok && !out.HasValue("numeric") {
		out["numeric"] = n
	}
	for k, v := range passwordDefaults {
		if !out.HasValue(k) {
			out[k] = v
		}
	}
	out["number"] = out["numeric"]
	return out
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	kind := pluginrpc.ResourceType(req.GetUrn())
	if _, ok := inputKeys[kind]; !ok {
		return nil, fmt.Errorf("kubestrap's random provider does not implement %s (it serves RandomPassword and RandomBytes)", kind)
	}
	news, err := pluginrpc.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	news = withDefaults(kind, news)
	var failures []*pulumirpc.CheckFailure
	problems := checkProblems(kind, pluginrpc.Reveal(news))
	for _, key := range sortedKeys(problems) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: key, Reason: problems[key]})
	}
	inputs, err := pluginrpc.Marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// checkProblems checks known values only: a value computed by another resource is checked at create.
func checkProblems(kind string, news resource.PropertyMap) map[string]string {
	if news.ContainsUnknowns() {
		return nil
	}
	length, ok := news["length"]
	if !ok || !length.IsNumber() {
		return map[string]string{"length": "is required (a number)"}
	}
	if kind == randomBytes {
		if length.NumberValue() < 1 {
			return map[string]string{"length": fmt.Sprintf("must be at least 1, got %v", length.NumberValue())}
		}
		return nil
	}
	return specOf(news).problems()
}

func specOf(m resource.PropertyMap) passwordSpec {
	num := func(k resource.PropertyKey) int {
		if v, ok := m[k]; ok && v.IsNumber() {
			return int(v.NumberValue())
		}
		return 0
	}
	flag := func(k resource.PropertyKey) bool { return m[k].IsBool() && m[k].BoolValue() }
	s := passwordSpec{
		length: num("length"), lower: flag("lower"), upper: flag("upper"), numeric: flag("numeric"), special: flag("special"),
		minLower: num("minLower"), minUpper: num("minUpper"), minNumeric: num("minNumeric"), minSpecial: num("minSpecial"),
	}
	if v, ok := m["overrideSpecial"]; ok && v.IsString() {
		s.overrideSpecial, s.hasOverrideSpecial = v.StringValue(), true
	}
	return s
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := pluginrpc.DiffInputs(req)
	if err != nil {
		return nil, err
	}
	changed := pluginrpc.ChangedKeys(inputKeys[pluginrpc.ResourceType(req.GetUrn())], olds, news)
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, key := range changed {
		detailed[key] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE_REPLACE, InputDiff: true}
	}
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}, nil
	}
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: changed,
		DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	kind := pluginrpc.ResourceType(req.GetUrn())
	inputs, err := pluginrpc.Unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	outputs := inputs.Copy()
	if req.GetPreview() {
		for _, key := range generatedKeys(kind) {
			outputs[key] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	} else if err := generate(kind, pluginrpc.Reveal(inputs), outputs); err != nil {
		return nil, err
	}
	props, err := pluginrpc.Marshal(outputs)
	if err != nil {
		return nil, err
	}
	id := "none" // upstream's id for a password: the value itself must not be the id
	if kind == randomBytes {
		id = pluginrpc.NewID()
	}
	if req.GetPreview() {
		id = ""
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func generatedKeys(kind string) []resource.PropertyKey {
	if kind == randomBytes {
		return []resource.PropertyKey{"base64", "hex"}
	}
	return []resource.PropertyKey{"result", "bcryptHash"}
}

// generate writes the new value into outputs, marked secret.
func generate(kind string, inputs, outputs resource.PropertyMap) error {
	if problems := checkProblems(kind, inputs); len(problems) > 0 {
		key := sortedKeys(problems)[0]
		return fmt.Errorf("%s %s", key, problems[key])
	}
	secret := func(s string) resource.PropertyValue { return resource.MakeSecret(resource.NewStringProperty(s)) }
	if kind == randomBytes {
		b64, hx, err := randomBytesOf(int(inputs["length"].NumberValue()))
		if err != nil {
			return err
		}
		outputs["base64"], outputs["hex"] = secret(b64), secret(hx)
		return nil
	}
	value, err := password(specOf(inputs))
	if err != nil {
		return err
	}
	hash, err := bcryptHash(value)
	if err != nil {
		return err
	}
	outputs["result"], outputs["bcryptHash"] = secret(value), secret(hash)
	return nil
}

// Read keeps what the state holds: a random value has nothing outside the state to compare with.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if len(req.GetProperties().GetFields()) == 0 {
		return nil, fmt.Errorf("importing %s is not implemented by kubestrap's random provider", pluginrpc.ResourceType(req.GetUrn()))
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Update is never asked for (every input replaces); it keeps the value if it is.
func (p *provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := pluginrpc.Unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := pluginrpc.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	for _, key := range generatedKeys(pluginrpc.ResourceType(req.GetUrn())) {
		news[key] = olds[key]
	}
	props, err := pluginrpc.Marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
