package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

// sshServer is an in-process SSH server that runs each exec request with /bin/sh -c, as sshd
// does: the command in its own session, stdin, stdout, stderr and exit status over the
// channel, "signal" requests passed to the shell, "env" requests refused.
type sshServer struct {
	t        *testing.T
	listener net.Listener
	mu       sync.Mutex
	keys     []ssh.Signer
	execs    []string
}

func newSSHServer(t *testing.T, keys ...ssh.Signer) *sshServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshServer{t: t, listener: l, keys: keys}
	t.Cleanup(func() { l.Close() })
	go s.serve()
	return s
}

// hostKey makes a host key of the given type ("ed25519" or "ecdsa").
func hostKey(t *testing.T, kind string) ssh.Signer {
	t.Helper()
	var key any
	var err error
	if kind == "ecdsa" {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// openSSHFingerprint is a key's fingerprint as OpenSSH defines it (ssh-keygen -lf): SHA256 of
// the key's wire form, base64 without padding.
func openSSHFingerprint(key ssh.Signer) string {
	sum := sha256.Sum256(key.PublicKey().Marshal())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func (s *sshServer) setKeys(keys ...ssh.Signer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

// commands is every command line the server was asked to run: each became /bin/sh's argv.
func (s *sshServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.execs...)
}

func (s *sshServer) address() string { return s.listener.Addr().String() }

func (s *sshServer) connection() map[string]interface{} {
	host, port, _ := net.SplitHostPort(s.address())
	p, _ := strconv.Atoi(port)
	return map[string]interface{}{"host": host, "port": p, "user": "ops", "password": "pw", "dialErrorLimit": 1, "perDialTimeout": 5}
}

func (s *sshServer) serve() {
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		config := &ssh.ServerConfig{PasswordCallback: func(_ ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if string(pw) != "pw" {
				return nil, errors.New("wrong password")
			}
			return nil, nil
		}}
		s.mu.Lock()
		for _, key := range s.keys {
			config.AddHostKey(key)
		}
		s.mu.Unlock()
		go func() {
			_, channels, requests, err := ssh.NewServerConn(conn, config)
			if err != nil {
				conn.Close()
				return
			}
			go ssh.DiscardRequests(requests)
			for nc := range channels {
				if nc.ChannelType() != "session" {
					_ = nc.Reject(ssh.UnknownChannelType, "sessions only")
					continue
				}
				ch, reqs, err := nc.Accept()
				if err == nil {
					go s.session(ch, reqs)
				}
			}
		}()
	}
}

func (s *sshServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	var cmd *exec.Cmd
	for req := range reqs {
		switch req.Type {
		case "exec":
			var payload struct{ Command string }
			if ssh.Unmarshal(req.Payload, &payload) != nil || cmd != nil {
				_ = req.Reply(false, nil)
				continue
			}
			s.mu.Lock()
			s.execs = append(s.execs, payload.Command)
			s.mu.Unlock()
			cmd = exec.Command("/bin/sh", "-c", payload.Command)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
			stdin, _ := cmd.StdinPipe()
			if err := cmd.Start(); err != nil {
				_ = req.Reply(false, nil)
				ch.Close()
				return
			}
			_ = req.Reply(true, nil)
			go func() { _, _ = io.Copy(stdin, ch); stdin.Close() }()
			go exitStatus(ch, cmd)
		case "signal":
			var payload struct{ Signal string }
			if ssh.Unmarshal(req.Payload, &payload) == nil && payload.Signal == "TERM" && cmd != nil {
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
		default:
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}
}

func exitStatus(ch ssh.Channel, cmd *exec.Cmd) {
	defer ch.Close()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			_, _ = ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}{strings.TrimPrefix(ws.Signal().String(), "SIG"), false, "", ""}))
			return
		}
	}
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(cmd.ProcessState.ExitCode())}))
}

// Helpers to call the provider as the engine does.

const remoteURN = "urn:pulumi:dev::kubestrap::kubestrap:cluster:K3sNode$command:remote:Command::n1-install"
const copyURN = "urn:pulumi:dev::kubestrap::kubestrap:cluster:K3sNode$command:remote:CopyToRemote::n1-stage-k3s"

func create(t *testing.T, p *provider, urn string, inputs resource.PropertyMap, timeout float64) (resource.PropertyMap, error) {
	t.Helper()
	props, err := marshal(inputs)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: props, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	out, err := unmarshal(resp.GetProperties())
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func update(t *testing.T, p *provider, urn string, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	t.Helper()
	o, _ := marshal(olds)
	n, _ := marshal(news)
	resp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn, Olds: o, News: n})
	if err != nil {
		return nil, err
	}
	out, err := unmarshal(resp.GetProperties())
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func remove(p *provider, urn string, state resource.PropertyMap) error {
	s, _ := marshal(state)
	_, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: urn, Properties: s})
	return err
}

// alive says whether a process still runs (a zombie does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}
