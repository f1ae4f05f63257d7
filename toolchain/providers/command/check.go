package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

var validLogging = map[string]bool{"stdout": true, "stderr": true, "stdoutAndStderr": true, "none": true}

// Check reports inputs that cannot work, naming the property; values not known yet pass.
func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	full, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	news := reveal(full)
	var failures []*pulumirpc.CheckFailure
	fail := func(property, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: property, Reason: reason})
	}
	kind := resourceType(req.GetUrn())
	switch kind {
	case localCommand, remoteCommand:
		if v, ok := news["logging"]; ok && v.IsString() && !validLogging[v.StringValue()] {
			fail("logging", "must be one of stdout, stderr, stdoutAndStderr, none")
		}
		for _, problem := range environmentProblems(news) {
			fail("environment", problem)
		}
	case copyToRemote:
		if _, ok := news["remotePath"]; !ok {
			fail("remotePath", "is required")
		}
	default:
		return nil, fmt.Errorf("kubestrap's command provider does not implement %s", kind)
	}
	if conn, ok := news["connection"]; ok && conn.IsObject() && kind != localCommand {
		if v, ok := conn.ObjectValue()["hostKey"]; ok && v.IsString() {
			if _, _, err := parseHostKey(v.StringValue()); err != nil && strings.TrimSpace(v.StringValue()) != "" {
				fail("connection.hostKey", err.Error())
			}
		} else if ok && !v.IsComputed() {
			fail("connection.hostKey", "must be a string")
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func environmentProblems(news resource.PropertyMap) []string {
	v, ok := news["environment"]
	if !ok || !v.IsObject() {
		return nil
	}
	var problems []string
	for k, val := range v.ObjectValue() {
		if val.IsComputed() {
			continue
		}
		if problem := envProblem(string(k), val); problem != "" {
			problems = append(problems, problem)
		}
	}
	sort.Strings(problems)
	return problems
}
