// Command pulumi-language-nodejs is kubestrap's own minimal Node.js language host.
//
// The upstream host is not published as a tagged Go module, so it cannot be built offline.
// This one implements the part of the LanguageRuntime protocol that `pulumi preview/up/
// destroy/refresh` use: it launches @pulumi/pulumi's own `cmd/run` entry point with the
// engine's arguments and reports how the program ended. Plugins are installed ahead of time
// by toolchain/build.sh, so it reports no required packages.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Exit code @pulumi/pulumi uses after it has already shown the user an actionable error.
const exitAfterReportedError = 32

var version = "v0.0.0-dev"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu            sync.Mutex
	engineAddress string
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "ignored: tracing is not supported")
	flag.String("runtime", "nodejs", "ignored: only nodejs is supported")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	h := &host{}
	if flag.NArg() > 0 {
		h.engineAddress = flag.Arg(0)
	}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the language host: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host stopped: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version, "v")}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.CommandContext(ctx, "node", "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH: %w", err)
	}
	return &pulumirpc.AboutResponse{Executable: "node", Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, srv pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	return srv.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("kubestrap's language host installs nothing: run `npm ci --ignore-scripts`\n"),
	})
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	runPath := filepath.Join(programDir, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if _, err := os.Stat(runPath); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"@pulumi/pulumi is not installed in %s: run `npm ci --ignore-scripts` there", programDir)}, nil
	}

	cfg, err := configJSON(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	secretKeys, err := json.Marshal(nonNil(req.GetConfigSecretKeys()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	configVars, nodeArgs, cleanup, err := configEnv(cfg, string(secretKeys))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	defer cleanup()
	env := append(os.Environ(), configVars...)
	options := info.GetOptions().AsMap()
	compiled := compiledProgram(programDir)
	if ts, ok := options["typescript"].(bool); compiled == "" && (!ok || ts) {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if tsconfig, ok := options["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()

	args := append([]string{}, nodeArgs...)
	if compiled != "" {
		args = append(args, "--enable-source-maps")
		if preload := programFile(programDir, "KUBESTRAP_PROGRAM_PRELOAD"); preload != "" {
			args = append(args, "--require", filepath.Join(programDir, preload))
		}
	}
	args = append(args, runPath)
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", info.GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	if compiled != "" {
		entry = compiled
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = struct{ *os.File }{os.Stdout}
	cmd.Stderr = struct{ *os.File }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitAfterReportedError:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
}

// compiledProgram is the program as JavaScript, when scripts/pulumi.sh names it in
// KUBESTRAP_COMPILED_PROGRAM (a file under the program's directory, compiled from the sources
// it has just type-checked): the host runs it as it is instead of having ts-node compile every
// source again on every run. Unset, or not a file there, the program runs from its sources.
func compiledProgram(programDir string) string {
	return programFile(programDir, "KUBESTRAP_COMPILED_PROGRAM")
}

// programFile is the file the variable names, relative to the program's directory, or "" when it
// is unset, absolute, or not a regular file there. KUBESTRAP_PROGRAM_PRELOAD names a module of the
// compiled program that its Node loads first (--require), before the SDK's runner.
func programFile(programDir, variable string) string {
	name := os.Getenv(variable)
	if name == "" || filepath.IsAbs(name) {
		return ""
	}
	if info, err := os.Stat(filepath.Join(programDir, name)); err != nil || !info.Mode().IsRegular() {
		return ""
	}
	return name
}

// RunPlugin runs a plugin written for Node.js: a policy pack (kind "analyzer") through
// @pulumi/pulumi's cmd/run-policy-pack, anything else through cmd/run-plugin, with the engine's
// arguments, streaming its output back. @pulumi/pulumi is the nearest one up from the plugin's
// directory, as Node resolves it (a pack inside a project uses the project's).
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, srv pulumirpc.LanguageRuntime_RunPluginServer) error {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	runner := "run-plugin"
	if req.GetKind() == "analyzer" {
		runner = "run-policy-pack"
	}
	runPath, err := findUp(dir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", runner))
	if err != nil {
		return fmt.Errorf("@pulumi/pulumi is not installed in %s or above it: run `npm ci --ignore-scripts`", dir)
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args := append([]string{runPath}, req.GetArgs()...)
	args = append(args, entry)
	env := append(os.Environ(), req.GetEnv()...)
	if ts, ok := info.GetOptions().AsMap()["typescript"].(bool); !ok || ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	cmd := exec.CommandContext(srv.Context(), "node", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = &streamWriter{send: func(b []byte) error {
		return srv.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	cmd.Stderr = &streamWriter{send: func(b []byte) error {
		return srv.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}
	code := 0
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("could not run node: %w", err)
		}
		code = exitErr.ExitCode()
	}
	return srv.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// streamWriter sends each write on to the engine, one at a time.
type streamWriter struct {
	mu   sync.Mutex
	send func([]byte) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// findUp returns dir/rel, or the same under the nearest parent that has it.
func findUp(dir, rel string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, rel)); err == nil {
			return filepath.Join(d, rel), nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}

// configJSON presents config keys in the `<namespace>:config:<name>` form every
// @pulumi/pulumi version understands.
func configJSON(raw map[string]string) (string, error) {
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("bad config key %q: %w", k, err)
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func nonNil(keys []string) []string {
	if keys == nil {
		return []string{}
	}
	return keys
}
