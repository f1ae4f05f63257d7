package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"
)

func TestParseNATSURL(t *testing.T) {
	good := map[string]string{
		"nats://nats.demon-system.svc.cluster.local:4222": "nats.demon-system.svc.cluster.local:4222",
		"nats://10.0.0.7":       "10.0.0.7:4222",
		"nats://[fd00::7]:4333": "[fd00::7]:4333",
		" nats://nats:4222 ":    "nats:4222",
	}
	for raw, want := range good {
		got, err := parseNATSURL(raw)
		if err != nil || got != want {
			t.Errorf("parseNATSURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"", "nats:4222", "tls://nats:4222", "nats://", "http://nats:4222"} {
		if got, err := parseNATSURL(raw); err == nil {
			t.Errorf("parseNATSURL(%q) = %q, want an error", raw, got)
		}
	}
}

// fakeNATSServer accepts one client and runs serve on it.
func fakeNATSServer(t *testing.T, serve func(conn net.Conn, lines *bufio.Reader)) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		serve(conn, bufio.NewReader(conn))
	}()
	return listener.Addr().String()
}

const fakeInfo = `INFO {"server_id":"FAKE","version":"2.10.22","proto":1,"max_payload":1048576}` + "\r\n"

func TestNATSHandshake(t *testing.T) {
	gotConnect := make(chan map[string]any, 1)
	gotPongForPing := make(chan bool, 1)
	addr := fakeNATSServer(t, func(conn net.Conn, lines *bufio.Reader) {
		conn.Write([]byte(fakeInfo))
		connect, _ := lines.ReadString('\n')
		var options map[string]any
		json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(connect, "CONNECT "), "\r\n")), &options)
		gotConnect <- options
		if ping, _ := lines.ReadString('\n'); ping != "PING\r\n" {
			t.Errorf("after CONNECT got %q, want PING", ping)
		}
		conn.Write([]byte("PING\r\n")) // the client must answer before we answer it
		pong, _ := lines.ReadString('\n')
		gotPongForPing <- pong == "PONG\r\n"
		conn.Write([]byte("PONG\r\n"))
	})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	server, err := natsHandshake(conn, bufio.NewReader(conn), "kubestrap-standin-engine", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(server, "FAKE") || !strings.Contains(server, "2.10.22") {
		t.Errorf("server description %q lacks the INFO's id and version", server)
	}
	options := <-gotConnect
	if options["name"] != "kubestrap-standin-engine" || options["verbose"] != false || options["protocol"] != float64(1) {
		t.Errorf("CONNECT options = %v", options)
	}
	if !<-gotPongForPing {
		t.Error("the client did not answer the server's PING with PONG")
	}
}

func TestNATSHandshakeRefused(t *testing.T) {
	addr := fakeNATSServer(t, func(conn net.Conn, lines *bufio.Reader) {
		conn.Write([]byte(fakeInfo))
		lines.ReadString('\n')
		lines.ReadString('\n')
		conn.Write([]byte("-ERR 'Authorization Violation'\r\n"))
	})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = natsHandshake(conn, bufio.NewReader(conn), "x", 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
		t.Fatalf("err = %v, want the server's -ERR", err)
	}
}

func TestNATSSessionPingsAndReportsDrop(t *testing.T) {
	pinged := make(chan bool, 1)
	addr := fakeNATSServer(t, func(conn net.Conn, lines *bufio.Reader) {
		conn.Write([]byte(fakeInfo))
		lines.ReadString('\n') // CONNECT
		lines.ReadString('\n') // PING
		conn.Write([]byte("PONG\r\n"))
		keepalive, _ := lines.ReadString('\n')
		pinged <- keepalive == "PING\r\n"
		// Closing the connection now must end the session with an error.
	})
	connected := false
	err := natsSession(context.Background(), addr, "x", 50*time.Millisecond, func(string) { connected = true })
	if !connected {
		t.Fatal("connected callback never ran")
	}
	if !<-pinged {
		t.Error("no keepalive PING after the ping interval")
	}
	if err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Errorf("err = %v, want connection lost", err)
	}
}
