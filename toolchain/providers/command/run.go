package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// operation is one create, update or delete the engine asked for.
type operation struct {
	kind, urn string
	inputs    resource.PropertyMap // the resource's inputs (state when deleting), secrets unwrapped
	previous  resource.PropertyMap // the recorded outputs when updating or deleting, else nil
	secret    bool                 // the command, its environment or its stdin holds a secret
	// secretValues are the secret values when only the environment or stdin holds them (the
	// command itself, and the output it was given, hold none): a failure then shows the lines
	// of output that contain none of them. Empty when output stays hidden whole.
	secretValues []string
	timeout      time.Duration
	engine       *engine
}

type result struct{ stdout, stderr, hostKey string }

func str(m resource.PropertyMap, key string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func num(m resource.PropertyMap, key string, fallback int) int {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return fallback
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// environment is the resource's own variables, plus the previous output when updating or
// deleting (PULUMI_COMMAND_STDOUT/STDERR), as pulumi-command does unless told not to.
func environment(inputs, previous resource.PropertyMap) (map[string]string, error) {
	env := map[string]string{}
	if v, ok := inputs["environment"]; ok && v.IsObject() {
		for k, val := range v.ObjectValue() {
			if problem := envProblem(string(k), val); problem != "" {
				return nil, errors.New(problem)
			}
			env[string(k)] = val.StringValue()
		}
	}
	if previous != nil && addPreviousOutput(inputs) {
		env["PULUMI_COMMAND_STDOUT"] = str(previous, "stdout")
		env["PULUMI_COMMAND_STDERR"] = str(previous, "stderr")
	}
	return env, nil
}

func addPreviousOutput(inputs resource.PropertyMap) bool {
	v, ok := inputs["addPreviousOutputInEnv"]
	return !ok || !v.IsBool() || v.BoolValue()
}

// envProblem says what is wrong with one environment entry ("" when nothing is).
func envProblem(key string, val resource.PropertyValue) string {
	switch {
	case !envName.MatchString(key):
		return fmt.Sprintf("environment: %q is not a variable name (letters, digits and _, not starting with a digit)", key)
	case !val.IsString():
		return fmt.Sprintf("environment.%s must be a string", key)
	case strings.ContainsRune(val.StringValue(), 0):
		return fmt.Sprintf("environment.%s holds a NUL byte, which no process environment can hold", key)
	}
	return ""
}

// recordTiming appends how long one remote or local operation took and on which host ("local"
// for a local command), for bench/k3s.sh, when KUBESTRAP_COMMAND_TIMINGS names a file.
func recordTiming(op *operation, what string, start time.Time) {
	file := os.Getenv("KUBESTRAP_COMMAND_TIMINGS")
	if file == "" {
		return
	}
	host := "local"
	if conn, ok := op.inputs["connection"]; ok && conn.IsObject() {
		if h := str(conn.ObjectValue(), "host"); h != "" {
			host = h
		}
	}
	if f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintf(f, "%s\t%.3f\t%s\n", what, time.Since(start).Seconds(), host)
		f.Close()
	}
}

func runCommand(ctx context.Context, op *operation, which string) (result, error) {
	script := str(op.inputs, which)
	if script == "" {
		return result{}, nil
	}
	defer recordTiming(op, op.kind+" "+which, time.Now())
	env, err := environment(op.inputs, op.previous)
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, op.timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	outW, errW := io.Writer(&stdout), io.Writer(&stderr)
	if client := op.engine.logClient(); client != nil && (op.shows("stdout") || op.shows("stderr")) {
		log := newOutputLog(client, op.urn)
		if op.shows("stdout") {
			outW = io.MultiWriter(&stdout, log.writer())
		}
		if op.shows("stderr") {
			errW = io.MultiWriter(&stderr, log.writer())
		}
		defer log.close()
	}
	var hostKey string
	if op.kind == localCommand {
		err = runLocal(ctx, op.inputs, script, env, outW, errW)
	} else {
		hostKey, err = runRemote(ctx, op, script, env, outW, errW)
	}
	r := result{stdout: strings.TrimSuffix(stdout.String(), "\n"), stderr: strings.TrimSuffix(stderr.String(), "\n"), hostKey: hostKey}
	if err != nil {
		return r, op.failure(ctx, which, script, r, err)
	}
	return r, nil
}

// shows says whether a stream may reach the engine (streamed, or in an error): as the
// logging input allows, and never when the command's inputs hold a secret.
func (op *operation) shows(stream string) bool {
	return !op.secret && op.logs(stream)
}

// logs: the logging input allows the stream (stdoutAndStderr when unset, as upstream).
func (op *operation) logs(stream string) bool {
	logging := str(op.inputs, "logging")
	if logging == "" {
		logging = "stdoutAndStderr"
	}
	return logging == stream || logging == "stdoutAndStderr"
}

// showsRedacted says whether a failure may show a stream's lines that hold no secret value: as
// logging allows, when the secrets are values the command was handed (not its own text) and the
// command opted in (KUBESTRAP_FAILURE_OUTPUT=without-secrets in its environment).
func (op *operation) showsRedacted(stream string) bool {
	return op.secret && len(op.secretValues) > 0 && op.logs(stream)
}

// holdsSecret: the line contains a secret value, as it is or base64-encoded.
func (op *operation) holdsSecret(line string) bool {
	for _, v := range op.secretValues {
		if strings.Contains(line, v) || strings.Contains(line, base64.StdEncoding.EncodeToString([]byte(v))) ||
			strings.Contains(line, strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(v)), "=")) {
			return true
		}
	}
	return false
}

// failure says what failed with the output tail shows allows, so output that may hold
// secrets never reaches the engine's log.
func (op *operation) failure(ctx context.Context, which, script string, r result, err error) error {
	var mismatch *hostKeyMismatch
	if errors.As(err, &mismatch) {
		return mismatch
	}
	msg := fmt.Sprintf("the %s command failed: %v", which, err)
	if ctx.Err() != nil {
		msg = op.stopped(ctx, script)
	}
	redacted := false
	tail := func(stream, text string) {
		lines := strings.Split(strings.TrimSpace(text), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		if strings.TrimSpace(text) == "" {
			return
		}
		if op.shows(stream) {
			msg += fmt.Sprintf("\n%s:\n%s", stream, strings.Join(lines, "\n"))
		} else if op.showsRedacted(stream) {
			for i, line := range lines {
				if op.holdsSecret(line) {
					lines[i], redacted = "(a line holding a secret value: hidden)", true
				}
			}
			msg += fmt.Sprintf("\n%s:\n%s", stream, strings.Join(lines, "\n"))
		}
	}
	tail("stdout", r.stdout)
	tail("stderr", r.stderr)
	if op.secret && len(op.secretValues) > 0 && (op.logs("stdout") || op.logs("stderr")) {
		if redacted {
			msg += "\n(lines holding a secret value of this command's environment or stdin are hidden)"
		}
	} else if op.secret {
		msg += "\n(output hidden: this command's inputs hold secrets)"
	} else if str(op.inputs, "logging") == "none" {
		msg += "\n(output hidden: this command's logging is none)"
	}
	return errors.New(msg)
}

// stopped says why a command was stopped before it finished: its timeout, or the engine.
func (op *operation) stopped(ctx context.Context, script string) string {
	line := "(secret)"
	if !op.secret {
		line = firstLine(script)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("command timed out after %s: %s; raise it with the customTimeouts resource option", op.timeout, line)
	}
	return fmt.Sprintf("command cancelled: %s", line)
}

// firstLine names a script by its first line that does something (not `set -eu` or a comment).
func firstLine(script string) string {
	lines := strings.Split(strings.TrimSpace(script), "\n")
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "set -") {
			return line
		}
	}
	return strings.TrimSpace(lines[0])
}

// stopGrace is how long a stopped command has to exit before its pipes are closed.
const stopGrace = 5 * time.Second

func runLocal(ctx context.Context, inputs resource.PropertyMap, script string, env map[string]string, stdout, stderr io.Writer) error {
	interpreter := []string{"/bin/sh", "-c"}
	if v, ok := inputs["interpreter"]; ok && v.IsArray() && len(v.ArrayValue()) > 0 {
		interpreter = nil
		for _, part := range v.ArrayValue() {
			interpreter = append(interpreter, part.StringValue())
		}
	}
	cmd := exec.CommandContext(ctx, interpreter[0], append(interpreter[1:], script)...)
	cmd.Dir = str(inputs, "dir")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(str(inputs, "stdin"))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Its own process group, so that stopping it stops what it started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	return cmd.Run()
}
