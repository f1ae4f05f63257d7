package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Environment on remote hosts. Upstream pulumi-command sends each variable with an SSH "env"
// request (session.Setenv), which sshd refuses unless AcceptEnv allows the name, and suggests
// prefixing the command with VAR=value instead, which puts the values in the remote argument
// list (visible in ps). Here the remote shell is asked to run a fixed preamble and the script
// (remoteScript); the variables come first on its stdin as `export K='v'` lines, one per
// variable, up to an empty line, and the rest of stdin is the resource's stdin, untouched.

// remotePreamble reads the variables, gives the script the rest of stdin (fd 3: a background
// list's own stdin would be /dev/null) and, on SIGTERM (sent when the operation is stopped),
// stops the script's whole process group: sshd starts each session command as a session leader.
const remotePreamble = `__kubestrap_nl='
'
while IFS= read -r __kubestrap_line && [ -n "$__kubestrap_line" ]; do eval "$__kubestrap_line"; done
unset __kubestrap_line __kubestrap_nl
exec 3<&0
trap 'trap - TERM; kill -s TERM 0' TERM
(
`

const remoteEpilogue = `
) <&3 3<&- &
exec 3<&-
wait "$!"
`

func remoteScript(script string) string {
	return remotePreamble + script + remoteEpilogue
}

// envHeader is the variables as the preamble reads them. Single quotes keep every byte but
// the quote itself (closed, escaped, reopened) and newline (spliced in from $__kubestrap_nl,
// so that each variable is one line); names are checked by environment() and Check.
func envHeader(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		quoted := "'" + strings.ReplaceAll(env[k], "'", `'\''`) + "'"
		fmt.Fprintf(&b, "export %s=%s\n", k, strings.ReplaceAll(quoted, "\n", `'"$__kubestrap_nl"'`))
	}
	b.WriteString("\n")
	return b.String()
}

func runRemote(ctx context.Context, op *operation, script string, env map[string]string, stdout, stderr io.Writer) (string, error) {
	client, hostKey, err := dial(ctx, op.inputs, str(op.previous, "hostKey"))
	if err != nil {
		return "", err
	}
	defer client.Close()
	stdin := io.MultiReader(strings.NewReader(envHeader(env)), strings.NewReader(str(op.inputs, "stdin")))
	return hostKey, runSession(ctx, client, remoteScript(script), stdin, stdout, stderr)
}

// runSession runs one command on a fresh session. When ctx ends first, the command gets
// SIGTERM (sshd passes "signal" requests on since OpenSSH 7.9), stopGrace to exit, and then
// the connection is closed.
func runSession(ctx context.Context, client *ssh.Client, command string, stdin io.Reader, stdout, stderr io.Writer) error {
	session, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("opening an SSH session: %w", err)
	}
	defer session.Close()
	session.Stdin, session.Stdout, session.Stderr = stdin, stdout, stderr
	if err := session.Start(command); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- session.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	_ = session.Signal(ssh.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopGrace):
		client.Close()
		select {
		case <-done:
		case <-time.After(stopGrace):
		}
	}
	return ctx.Err()
}

// copyFile sends a file asset to remotePath, keeping its permission bits, and returns the
// host key the server offered.
func copyFile(ctx context.Context, op *operation) (string, error) {
	source, ok := op.inputs["source"]
	if !ok || !source.IsAsset() {
		return "", errors.New("source must be a file or string asset (kubestrap's command provider does not copy archives)")
	}
	asset := source.AssetValue()
	content, mode := []byte(asset.Text), os.FileMode(0o644)
	if asset.Path != "" {
		info, err := os.Stat(asset.Path)
		if err != nil {
			return "", fmt.Errorf("source %s: %w", asset.Path, err)
		}
		if content, err = os.ReadFile(asset.Path); err != nil {
			return "", fmt.Errorf("source %s: %w", asset.Path, err)
		}
		mode = info.Mode().Perm()
	}
	defer recordTiming(op, copyToRemote+" create", time.Now())
	remotePath := str(op.inputs, "remotePath")
	path := strings.ReplaceAll(remotePath, "'", `'\''`)
	script := fmt.Sprintf("mkdir -p \"$(dirname '%s')\" && cat > '%s.partial' && chmod %o '%s.partial' && mv '%s.partial' '%s'", path, path, mode, path, path, path)
	ctx, cancel := context.WithTimeout(ctx, op.timeout)
	defer cancel()
	client, hostKey, err := dial(ctx, op.inputs, str(op.previous, "hostKey"))
	if err != nil {
		if ctx.Err() != nil {
			return "", errors.New(op.stopped(ctx, "copy to "+remotePath))
		}
		return "", err
	}
	defer client.Close()
	var stderr bytes.Buffer
	stdin := io.MultiReader(strings.NewReader(envHeader(nil)), bytes.NewReader(content))
	if err := runSession(ctx, client, remoteScript(script), stdin, io.Discard, &stderr); err != nil {
		if ctx.Err() != nil {
			return hostKey, errors.New(op.stopped(ctx, "copy to "+remotePath))
		}
		return hostKey, fmt.Errorf("copying to %s: %v: %s", remotePath, err, strings.TrimSpace(stderr.String()))
	}
	return hostKey, nil
}
