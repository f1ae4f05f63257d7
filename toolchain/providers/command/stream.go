package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Streaming output as upstream does: pulumi-command scans stdout and stderr line by line (as
// its logging input allows) and sends each line with pulumi-go-provider's Logger.InfoStatus,
// that is the engine's Log RPC with severity INFO, the resource's URN and ephemeral set: the
// lines show beside the resource in the progress display while the command runs.

// engine is the client for the engine's gRPC address (the plugin's argument, or what
// Handshake/Attach name); without one nothing is streamed.
type engine struct {
	mu      sync.Mutex
	address string
	conn    *grpc.ClientConn
	client  pulumirpc.EngineClient
}

func (e *engine) connect(address string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if address == "" || address == e.address {
		return
	}
	if e.conn != nil {
		e.conn.Close()
	}
	e.address, e.conn, e.client = address, nil, nil
	if conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials())); err == nil {
		e.conn, e.client = conn, pulumirpc.NewEngineClient(conn)
	}
}

func (e *engine) logClient() pulumirpc.EngineClient {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client
}

// outputLog sends one command's output lines to the engine, in order, off the command's path.
type outputLog struct {
	lines   chan string
	done    chan struct{}
	writers []*lineWriter
}

func newOutputLog(client pulumirpc.EngineClient, urn string) *outputLog {
	l := &outputLog{lines: make(chan string, 256), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		failed := false
		for line := range l.lines {
			if failed {
				continue // an engine that does not answer must not slow the command down
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := client.Log(ctx, &pulumirpc.LogRequest{
				Severity: pulumirpc.LogSeverity_INFO, Message: strings.ToValidUTF8(line, "\uFFFD"), Urn: urn, Ephemeral: true,
			})
			cancel()
			failed = err != nil
		}
	}()
	return l
}

// writer splits one stream (stdout or stderr) into lines of its own.
func (l *outputLog) writer() *lineWriter {
	w := &lineWriter{out: l.lines}
	l.writers = append(l.writers, w)
	return w
}

// close sends what is left of unfinished lines and waits until every line is sent.
func (l *outputLog) close() {
	for _, w := range l.writers {
		w.flush()
	}
	close(l.lines)
	<-l.done
}

const maxLogLine = 64 << 10

type lineWriter struct {
	mu      sync.Mutex
	partial []byte
	out     chan<- string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.out <- strings.TrimSuffix(string(w.partial[:i]), "\r")
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) >= maxLogLine {
		w.out <- string(w.partial)
		w.partial = nil
	}
	w.partial = append([]byte(nil), w.partial...)
	return len(p), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.out <- string(w.partial)
		w.partial = nil
	}
}
