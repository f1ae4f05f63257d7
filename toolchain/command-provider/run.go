package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

type result struct{ stdout, stderr string }

func (r result) into(outputs resource.PropertyMap) {
	outputs["stdout"] = resource.NewStringProperty(r.stdout)
	outputs["stderr"] = resource.NewStringProperty(r.stderr)
}

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

// environment is the resource's own variables, plus the previous output when updating or
// deleting (PULUMI_COMMAND_STDOUT/STDERR), as pulumi-command does unless told not to.
func environment(inputs, previous resource.PropertyMap) map[string]string {
	env := map[string]string{}
	if v, ok := inputs["environment"]; ok && v.IsObject() {
		for k, val := range v.ObjectValue() {
			if val.IsString() {
				env[string(k)] = val.StringValue()
			}
		}
	}
	addPrevious := true
	if v, ok := inputs["addPreviousOutputInEnv"]; ok && v.IsBool() {
		addPrevious = v.BoolValue()
	}
	if previous != nil && addPrevious {
		env["PULUMI_COMMAND_STDOUT"] = str(previous, "stdout")
		env["PULUMI_COMMAND_STDERR"] = str(previous, "stderr")
	}
	return env
}

// recordTiming appends how long one remote or local operation took, for bench/k3s.sh, when
// KUBESTRAP_COMMAND_TIMINGS names a file.
func recordTiming(what string, start time.Time) {
	file := os.Getenv("KUBESTRAP_COMMAND_TIMINGS")
	if file == "" {
		return
	}
	if f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintf(f, "%s\t%.3f\n", what, time.Since(start).Seconds())
		f.Close()
	}
}

func runCommand(ctx context.Context, kind string, inputs resource.PropertyMap, which string, previous resource.PropertyMap) (result, error) {
	script := str(inputs, which)
	if script == "" {
		return result{}, nil
	}
	defer recordTiming(kind+" "+which, time.Now())
	env := environment(inputs, previous)
	var stdout, stderr bytes.Buffer
	var err error
	if kind == localCommand {
		err = runLocal(ctx, inputs, script, env, &stdout, &stderr)
	} else {
		err = runRemote(inputs, script, env, &stdout, &stderr)
	}
	r := result{stdout: strings.TrimSuffix(stdout.String(), "\n"), stderr: strings.TrimSuffix(stderr.String(), "\n")}
	if err != nil {
		return r, commandError(which, inputs, r, err)
	}
	return r, nil
}

// commandError says what failed with the output tail the resource's logging setting allows,
// so output that may hold secrets (logging: none) never reaches the engine's log.
func commandError(which string, inputs resource.PropertyMap, r result, err error) error {
	logging := str(inputs, "logging")
	if logging == "" {
		logging = "stdoutAndStderr"
	}
	msg := fmt.Sprintf("the %s command failed: %v", which, err)
	tail := func(label, text string) {
		lines := strings.Split(strings.TrimSpace(text), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		if strings.TrimSpace(text) != "" {
			msg += fmt.Sprintf("\n%s:\n%s", label, strings.Join(lines, "\n"))
		}
	}
	if logging == "stdout" || logging == "stdoutAndStderr" {
		tail("stdout", r.stdout)
	}
	if logging == "stderr" || logging == "stdoutAndStderr" {
		tail("stderr", r.stderr)
	}
	if logging == "none" {
		msg += "\n(output hidden: this command's logging is none)"
	}
	return errors.New(msg)
}

func runLocal(ctx context.Context, inputs resource.PropertyMap, script string, env map[string]string, stdout, stderr *bytes.Buffer) error {
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
	return cmd.Run()
}

// exports prefixes a remote script with its variables: sshd refuses most SetEnv requests.
func exports(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`))
	}
	return b.String()
}

// withSession runs use on a fresh SSH session to the resource's host, closing both after.
func withSession(inputs resource.PropertyMap, use func(*ssh.Session) error) error {
	client, err := dial(inputs)
	if err != nil {
		return err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("opening an SSH session: %w", err)
	}
	defer session.Close()
	return use(session)
}

func runRemote(inputs resource.PropertyMap, script string, env map[string]string, stdout, stderr *bytes.Buffer) error {
	return withSession(inputs, func(session *ssh.Session) error {
		session.Stdin = strings.NewReader(str(inputs, "stdin"))
		session.Stdout, session.Stderr = stdout, stderr
		return session.Run(exports(env) + script)
	})
}

// dial connects with the resource's connection settings, retrying as dialErrorLimit allows.
func dial(inputs resource.PropertyMap) (*ssh.Client, error) {
	v, ok := inputs["connection"]
	if !ok || !v.IsObject() {
		return nil, errors.New("connection is required")
	}
	conn := v.ObjectValue()
	host := str(conn, "host")
	user := str(conn, "user")
	if user == "" {
		user = "root"
	}
	address := fmt.Sprintf("%s:%d", host, num(conn, "port", 22))
	var auth []ssh.AuthMethod
	if key := str(conn, "privateKey"); key != "" {
		var signer ssh.Signer
		var err error
		if pass := str(conn, "privateKeyPassword"); pass != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(pass))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(key))
		}
		if err != nil {
			return nil, fmt.Errorf("connection.privateKey for %s@%s cannot be parsed: %w", user, address, err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if pass := str(conn, "password"); pass != "" {
		auth = append(auth, ssh.Password(pass))
	}
	if len(auth) == 0 {
		return nil, fmt.Errorf("connection to %s@%s has neither privateKey nor password", user, address)
	}
	config := &ssh.ClientConfig{
		User: user, Auth: auth,
		// As pulumi-command does: hosts are named by the stack's own config, not discovered.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         time.Duration(num(conn, "perDialTimeout", 15)) * time.Second,
	}
	attempts := num(conn, "dialErrorLimit", 10)
	var last error
	for i := 0; i < attempts || attempts <= 0 && i == 0; i++ {
		client, err := ssh.Dial("tcp", address, config)
		if err == nil {
			return client, nil
		}
		last = err
		if strings.Contains(err.Error(), "unable to authenticate") {
			break
		}
		time.Sleep(time.Duration(i+1) * 500 * time.Millisecond)
	}
	return nil, fmt.Errorf("cannot reach %s@%s over SSH: %v", user, address, last)
}

// copyFile sends a file asset to remotePath, keeping its permission bits.
func copyFile(_ context.Context, inputs resource.PropertyMap) error {
	source, ok := inputs["source"]
	if !ok || !source.IsAsset() {
		return errors.New("source must be a file or string asset (kubestrap's command provider does not copy archives)")
	}
	asset := source.AssetValue()
	content, mode := []byte(asset.Text), os.FileMode(0o644)
	if asset.Path != "" {
		info, err := os.Stat(asset.Path)
		if err != nil {
			return fmt.Errorf("source %s: %w", asset.Path, err)
		}
		if content, err = os.ReadFile(asset.Path); err != nil {
			return fmt.Errorf("source %s: %w", asset.Path, err)
		}
		mode = info.Mode().Perm()
	}
	defer recordTiming(copyToRemote+" create", time.Now())
	path := strings.ReplaceAll(str(inputs, "remotePath"), "'", `'\''`)
	script := fmt.Sprintf("mkdir -p \"$(dirname '%s')\" && cat > '%s.partial' && chmod %o '%s.partial' && mv '%s.partial' '%s'", path, path, mode, path, path, path)
	return withSession(inputs, func(session *ssh.Session) error {
		var stderr bytes.Buffer
		session.Stdin, session.Stderr = bytes.NewReader(content), &stderr
		if err := session.Run(script); err != nil {
			return fmt.Errorf("copying to %s: %v: %s", str(inputs, "remotePath"), err, strings.TrimSpace(stderr.String()))
		}
		return nil
	})
}
