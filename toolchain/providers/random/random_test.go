package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"

	"kubestrap.local/toolchain/providers/pluginrpc"
)

const passwordURN = "urn:pulumi:dev::kubestrap::random:index/randomPassword:RandomPassword::grafana"
const bytesURN = "urn:pulumi:dev::kubestrap::random:index/randomBytes:RandomBytes::tunnel"

func props(t *testing.T, m resource.PropertyMap) *pulumirpc.CheckRequest {
	t.Helper()
	s, err := pluginrpc.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.CheckRequest{News: s}
}

func TestPasswordHonoursEveryClassAndMinimum(t *testing.T) {
	spec := passwordSpec{length: 12, lower: true, upper: true, numeric: true, special: true, minUpper: 3, minNumeric: 3, minSpecial: 2,
		overrideSpecial: "_-", hasOverrideSpecial: true}
	for i := 0; i < 200; i++ {
		p, err := password(spec)
		if err != nil {
			t.Fatal(err)
		}
		count := func(chars string) int {
			return len(p) - len(strings.Map(func(r rune) rune {
				if strings.ContainsRune(chars, r) {
					return -1
				}
				return r
			}, p))
		}
		if len(p) != 12 || count(upperChars) < 3 || count(numericChars) < 3 || count("_-") < 2 {
			t.Fatalf("%q breaks the spec", p)
		}
		if count(lowerChars)+count(upperChars)+count(numericChars)+count("_-") != 12 {
			t.Fatalf("%q has a character outside the enabled classes", p)
		}
	}
	only, _ := password(passwordSpec{length: 40, numeric: true})
	if strings.Trim(only, numericChars) != "" {
		t.Fatalf("numeric-only password %q", only)
	}
}

func TestImpossiblePasswordsNameTheInput(t *testing.T) {
	cases := map[string]passwordSpec{
		"length":  {length: 4, lower: true, minLower: 3, minNumeric: 2, numeric: true},
		"special": {length: 8},
	}
	for key, spec := range cases {
		if _, ok := spec.problems()[key]; !ok {
			t.Errorf("%+v: want a problem on %s, got %v", spec, key, spec.problems())
		}
	}
	p := &provider{}
	resp, err := p.Check(context.Background(), withURN(props(t, resource.PropertyMap{"length": resource.NewNumberProperty(0)}), passwordURN))
	if err != nil || len(resp.Failures) != 1 || resp.Failures[0].Property != "length" {
		t.Fatalf("length 0: %v %v", resp, err)
	}
}

func withURN(req *pulumirpc.CheckRequest, urn string) *pulumirpc.CheckRequest {
	req.Urn = urn
	return req
}

func TestCheckRecordsUpstreamDefaults(t *testing.T) {
	p := &provider{}
	resp, err := p.Check(context.Background(), withURN(props(t, resource.PropertyMap{
		"length": resource.NewNumberProperty(16), "special": resource.NewBoolProperty(false), "number": resource.NewBoolProperty(false),
	}), passwordURN))
	if err != nil || len(resp.Failures) != 0 {
		t.Fatalf("%v %v", resp, err)
	}
	got, _ := pluginrpc.Unmarshal(resp.Inputs)
	if !got["lower"].BoolValue() || got["special"].BoolValue() || got["numeric"].BoolValue() || got["number"].BoolValue() || got["minUpper"].NumberValue() != 0 {
		t.Fatalf("defaults: %v", got)
	}
}

func TestAValueIsMadeOnceSecretAndReplacedOnlyWhenAnInputChanges(t *testing.T) {
	p := &provider{}
	ctx := context.Background()
	inputs := resource.PropertyMap{"length": resource.NewNumberProperty(32), "keepers": resource.NewObjectProperty(resource.PropertyMap{"node": resource.NewStringProperty("s1")})}
	checked, _ := p.Check(ctx, withURN(props(t, inputs), passwordURN))
	created, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: passwordURN, Properties: checked.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	outs, _ := pluginrpc.Unmarshal(created.Properties)
	if !outs["result"].IsSecret() || !outs["bcryptHash"].IsSecret() {
		t.Fatalf("result and bcryptHash must be secret: %v", outs)
	}
	value := outs["result"].SecretValue().Element.StringValue()
	if len(value) != 32 || bcrypt.CompareHashAndPassword([]byte(outs["bcryptHash"].SecretValue().Element.StringValue()), []byte(value)) != nil {
		t.Fatalf("value %q and its hash do not match", value)
	}
	same, _ := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: passwordURN, Olds: created.Properties, OldInputs: checked.Inputs, News: checked.Inputs})
	if same.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("unchanged inputs: %v", same)
	}
	inputs["keepers"] = resource.NewObjectProperty(resource.PropertyMap{"node": resource.NewStringProperty("s2")})
	changed, _ := p.Check(ctx, withURN(props(t, inputs), passwordURN))
	diff, _ := p.Diff(ctx, &pulumirpc.DiffRequest{Urn: passwordURN, Olds: created.Properties, OldInputs: checked.Inputs, News: changed.Inputs})
	if diff.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(diff.Replaces, ",") != "keepers" {
		t.Fatalf("a keeper change must replace: %v", diff)
	}
	read, _ := p.Read(ctx, &pulumirpc.ReadRequest{Urn: passwordURN, Id: created.Id, Properties: created.Properties, Inputs: checked.Inputs})
	back, _ := pluginrpc.Unmarshal(read.Properties)
	if back["result"].SecretValue().Element.StringValue() != value {
		t.Fatal("refresh changed the value")
	}
}

func TestPreviewLeavesTheValueUnknown(t *testing.T) {
	p := &provider{}
	checked, _ := p.Check(context.Background(), withURN(props(t, resource.PropertyMap{"length": resource.NewNumberProperty(32)}), bytesURN))
	created, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: bytesURN, Properties: checked.Inputs, Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	outs, _ := pluginrpc.Unmarshal(created.Properties)
	if !outs["base64"].IsComputed() || !outs["hex"].IsComputed() {
		t.Fatalf("preview outputs: %v", outs)
	}
	real, _ := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: bytesURN, Properties: checked.Inputs})
	outs, _ = pluginrpc.Unmarshal(real.Properties)
	if len(outs["hex"].SecretValue().Element.StringValue()) != 64 || len(outs["base64"].SecretValue().Element.StringValue()) != 44 {
		t.Fatalf("32 bytes: %v", outs)
	}
}

func TestUnservedTypesAreRefusedByName(t *testing.T) {
	_, err := (&provider{}).Check(context.Background(), withURN(props(t, resource.PropertyMap{}), "urn:pulumi:dev::kubestrap::random:index/randomUuid:RandomUuid::x"))
	if err == nil || !strings.Contains(err.Error(), "randomUuid") {
		t.Fatalf("%v", err)
	}
}
