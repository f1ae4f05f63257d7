package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strings"
	"time"
)

const (
	natsDefaultPort  = "4222"
	natsDialTimeout  = 5 * time.Second
	natsPingInterval = 10 * time.Second
	natsBackoff      = 2 * time.Second
)

// parseNATSURL turns NATS_URL (nats://host[:port]) into a dialable host:port.
func parseNATSURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("NATS_URL is not set")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("NATS_URL %q: %v", raw, err)
	}
	if u.Scheme != "nats" {
		return "", fmt.Errorf("NATS_URL %q: want the nats:// scheme", raw)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("NATS_URL %q: no host", raw)
	}
	port := u.Port()
	if port == "" {
		port = natsDefaultPort
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// natsConnectLine is the CONNECT the client protocol expects after the server's INFO.
func natsConnectLine(clientName string) string {
	options, _ := json.Marshal(map[string]any{
		"verbose": false, "pedantic": false, "name": clientName,
		"lang": "go", "version": "0", "protocol": 1,
	})
	return "CONNECT " + string(options) + "\r\n"
}

// natsHandshake reads INFO, sends CONNECT and PING, and waits for PONG, answering the server's
// PINGs meanwhile. It returns a short description of the server from its INFO.
func natsHandshake(conn net.Conn, reader *bufio.Reader, clientName string, timeout time.Duration) (string, error) {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})

	line, err := readNATSLine(reader)
	if err != nil {
		return "", fmt.Errorf("reading INFO: %w", err)
	}
	infoJSON, isInfo := strings.CutPrefix(line, "INFO ")
	if !isInfo {
		return "", fmt.Errorf("expected INFO, got %q", line)
	}
	var info struct {
		ServerID    string `json:"server_id"`
		Version     string `json:"version"`
		TLSRequired bool   `json:"tls_required"`
	}
	if err := json.Unmarshal([]byte(infoJSON), &info); err != nil {
		return "", fmt.Errorf("parsing INFO: %w", err)
	}
	if info.TLSRequired {
		return "", errors.New("server requires TLS, which the stand-in does not speak")
	}
	if _, err := conn.Write([]byte(natsConnectLine(clientName) + "PING\r\n")); err != nil {
		return "", fmt.Errorf("sending CONNECT: %w", err)
	}
	for {
		line, err := readNATSLine(reader)
		if err != nil {
			return "", fmt.Errorf("waiting for PONG: %w", err)
		}
		switch {
		case line == "PONG":
			return fmt.Sprintf("server %s (nats-server %s)", info.ServerID, info.Version), nil
		case line == "PING":
			if _, err := conn.Write([]byte("PONG\r\n")); err != nil {
				return "", err
			}
		case strings.HasPrefix(line, "-ERR"):
			return "", fmt.Errorf("server refused the connection: %s", line)
		}
		// +OK and INFO updates need no answer.
	}
}

func readNATSLine(reader *bufio.Reader) (string, error) {
	line, err := reader.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// natsSession connects, handshakes, then keeps the connection alive with a PING every
// pingInterval until it drops, the server stops answering, or ctx ends.
func natsSession(ctx context.Context, addr, clientName string, pingInterval time.Duration, connected func(string)) error {
	dialer := net.Dialer{Timeout: natsDialTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	reader := bufio.NewReader(conn)
	server, err := natsHandshake(conn, reader, clientName, natsDialTimeout)
	if err != nil {
		return err
	}
	connected(server)

	// Only this goroutine writes; the reader goroutine hands lines over. Silence longer than
	// two ping intervals means the server is gone even if TCP has not noticed.
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		for {
			conn.SetReadDeadline(time.Now().Add(2*pingInterval + natsDialTimeout))
			line, err := readNATSLine(reader)
			if err != nil {
				readErr <- err
				return
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	ticker := time.NewTicker(pingInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return fmt.Errorf("connection lost: %w", err)
		case <-ticker.C:
			if _, err := conn.Write([]byte("PING\r\n")); err != nil {
				return fmt.Errorf("sending PING: %w", err)
			}
		case line := <-lines:
			if line == "PING" {
				if _, err := conn.Write([]byte("PONG\r\n")); err != nil {
					return fmt.Errorf("sending PONG: %w", err)
				}
			} else if strings.HasPrefix(line, "-ERR") {
				return fmt.Errorf("server error: %s", line)
			}
		}
	}
}

// keepNATSConnected runs sessions back to back with a fixed backoff, reporting into c.
func keepNATSConnected(ctx context.Context, c *checks, natsURL, clientName string) {
	addr, err := parseNATSURL(natsURL)
	if err != nil {
		c.set(natsCheck, false, err.Error())
		return
	}
	for {
		log.Printf("nats: connecting to %s", addr)
		err := natsSession(ctx, addr, clientName, natsPingInterval, func(server string) {
			log.Printf("nats: connected to %s, %s", addr, server)
			c.set(natsCheck, true, "connected to "+addr+", "+server)
		})
		if ctx.Err() != nil {
			return
		}
		log.Printf("nats: not connected to %s: %v; retrying in %s", addr, err, natsBackoff)
		c.set(natsCheck, false, fmt.Sprintf("%s: %v", addr, err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(natsBackoff):
		}
	}
}
