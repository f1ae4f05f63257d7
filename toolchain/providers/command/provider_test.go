package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const urn = "urn:pulumi:dev::kubestrap::kubestrap:cluster:K3sNode$command:local:Command::n1-config"

func props(t *testing.T, m map[string]interface{}) resource.PropertyMap {
	t.Helper()
	return resource.NewPropertyMapFromMap(m)
}

func diff(t *testing.T, olds, news map[string]interface{}) *pulumirpc.DiffResponse {
	t.Helper()
	return diffAt(t, urn, olds, news)
}

func diffAt(t *testing.T, urn string, olds, news map[string]interface{}) *pulumirpc.DiffResponse {
	t.Helper()
	o, err := marshal(props(t, olds))
	if err != nil {
		t.Fatal(err)
	}
	n, err := marshal(props(t, news))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&provider{}).Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn, Olds: o, OldInputs: o, News: n})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestUnchangedInputsAreNoChange(t *testing.T) {
	in := map[string]interface{}{"create": "echo hi", "triggers": []interface{}{"v1"}}
	if got := diff(t, in, in); got.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("same inputs gave %v", got.Changes)
	}
}

func TestTriggersReplaceAndCommandsUpdate(t *testing.T) {
	got := diff(t, map[string]interface{}{"create": "a", "triggers": []interface{}{"v1"}}, map[string]interface{}{"create": "b", "triggers": []interface{}{"v2"}})
	if got.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(got.Replaces, ",") != "triggers" {
		t.Fatalf("want a replace on triggers only, got %v %v", got.Changes, got.Replaces)
	}
	if got.DetailedDiff["create"].Kind != pulumirpc.PropertyDiff_UPDATE {
		t.Fatalf("a changed create should update in place, got %v", got.DetailedDiff["create"].Kind)
	}
}

func TestUpdateRunsNothingWhenOnlyTheConnectionChanged(t *testing.T) {
	olds := props(t, map[string]interface{}{"create": "exit 1", "logging": "none", "stdout": "old"})
	news := props(t, map[string]interface{}{"create": "exit 1", "logging": "stderr"})
	o, _ := marshal(olds)
	n, _ := marshal(news)
	resp, err := (&provider{}).Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn, Olds: o, News: n})
	if err != nil {
		t.Fatalf("the command ran (and failed) although only logging changed: %v", err)
	}
	out, _ := unmarshal(resp.GetProperties())
	if out["stdout"].StringValue() != "old" {
		t.Fatalf("the previous output was not kept: %v", out["stdout"])
	}
}

func TestUpdateRunsUpdateWithThePreviousOutput(t *testing.T) {
	olds := props(t, map[string]interface{}{"create": "echo one", "stdout": "one"})
	news := props(t, map[string]interface{}{"create": "echo two", "update": "echo \"was $PULUMI_COMMAND_STDOUT\""})
	o, _ := marshal(olds)
	n, _ := marshal(news)
	resp, err := (&provider{}).Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn, Olds: o, News: n})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := unmarshal(resp.GetProperties())
	if got := out["stdout"].StringValue(); got != "was one" {
		t.Fatalf("update ran with the wrong environment: %q", got)
	}
}

func TestFailuresHideOutputWhenLoggingIsNone(t *testing.T) {
	in := props(t, map[string]interface{}{"create": "echo the-secret; exit 3", "logging": "none"})
	_, err := create(t, &provider{}, urn, in, 0)
	if err == nil || strings.Contains(err.Error(), "the-secret") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("want an exit status without the output, got %v", err)
	}
	in["logging"] = resource.NewStringProperty("stdoutAndStderr")
	_, err = create(t, &provider{}, urn, in, 0)
	if err == nil || !strings.Contains(err.Error(), "the-secret") {
		t.Fatalf("want the output when logging allows it, got %v", err)
	}
}

func TestUnreachableHostNamesTheAddress(t *testing.T) {
	in := props(t, map[string]interface{}{"create": "true", "connection": map[string]interface{}{
		"host": "127.0.0.1", "port": 1, "user": "ops", "password": "x", "dialErrorLimit": 1, "perDialTimeout": 1,
	}})
	_, err := create(t, &provider{}, remoteURN, in, 0)
	if err == nil || !strings.Contains(err.Error(), "cannot reach ops@127.0.0.1:1 over SSH") {
		t.Fatalf("got %v", err)
	}
}

func TestFailuresShowTheLinesThatHoldNoSecretValue(t *testing.T) {
	token := "cf-token-0123456789"
	in := resource.PropertyMap{
		"create": resource.NewStringProperty(`echo "removed 2 records"; echo "left: A web.example.com (403)" >&2; echo "token $T" >&2; echo "$T" | base64 >&2; printf 'x%sx\n' "$N" >&2; exit 1`),
		"environment": resource.NewObjectProperty(resource.PropertyMap{
			"T": resource.MakeSecret(resource.NewStringProperty(token)),
			// A secret ending in a newline, as a file read into config is: its trimmed text is looked for too.
			"N":                        resource.MakeSecret(resource.NewStringProperty("second-secret-value\n")),
			"KUBESTRAP_FAILURE_OUTPUT": resource.NewStringProperty("without-secrets"),
		}),
	}
	_, err := create(t, &provider{}, urn, in, 10)
	if err == nil {
		t.Fatal("want a failure")
	}
	msg := err.Error()
	for _, want := range []string{"removed 2 records", "left: A web.example.com (403)", "(a line holding a secret value: hidden)", "lines holding a secret value of this command's environment or stdin are hidden"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("want %q in %q", want, msg)
		}
	}
	if strings.Contains(msg, token) || strings.Contains(msg, "Y2YtdG9rZW4") || strings.Contains(msg, "second-secret-value") {
		t.Fatalf("the secret reached the error: %q", msg)
	}
	optIn := resource.PropertyMap{"KUBESTRAP_FAILURE_OUTPUT": resource.NewStringProperty("without-secrets")}
	// Without the opt-in, a secret in the command's own text, or a value too short to look for, the output is hidden whole.
	for _, hidden := range []resource.PropertyMap{
		{"create": resource.NewStringProperty("echo visible; exit 1"), "stdin": resource.MakeSecret(resource.NewStringProperty("a-long-enough-secret"))},
		{"create": resource.MakeSecret(resource.NewStringProperty("echo visible; exit 1")), "environment": resource.NewObjectProperty(optIn)},
		{"create": resource.NewStringProperty("echo visible; exit 1"), "stdin": resource.MakeSecret(resource.NewStringProperty("short")), "environment": resource.NewObjectProperty(optIn)},
	} {
		_, err := create(t, &provider{}, urn, hidden, 10)
		if err == nil || strings.Contains(err.Error(), "visible") || !strings.Contains(err.Error(), "(output hidden: this command's inputs hold secrets)") {
			t.Fatalf("want the output hidden, got %v", err)
		}
	}
}
