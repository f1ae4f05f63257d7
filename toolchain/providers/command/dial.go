package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

// dial connects with the resource's connection settings, retrying an unreachable host as
// dialErrorLimit allows (-1: until the operation times out). The host key must match
// connection.hostKey when set, else recorded (the key this resource saw before), else it is
// trusted as the first one seen. It returns the client and the offered key's fingerprint.
func dial(ctx context.Context, inputs resource.PropertyMap, recorded string) (*ssh.Client, string, error) {
	v, ok := inputs["connection"]
	if !ok || !v.IsObject() {
		return nil, "", errors.New("connection is required")
	}
	conn := v.ObjectValue()
	user := str(conn, "user")
	if user == "" {
		user = "root"
	}
	address := net.JoinHostPort(str(conn, "host"), strconv.Itoa(num(conn, "port", 22)))
	auth, err := authMethods(conn, user, address)
	if err != nil {
		return nil, "", err
	}
	check := &hostKeyCheck{address: address, expected: recorded, trusted: recorded != ""}
	keyType := ""
	if pin := str(conn, "hostKey"); strings.TrimSpace(pin) != "" {
		fingerprint, kt, err := parseHostKey(pin)
		if err != nil {
			return nil, "", fmt.Errorf("connection.hostKey for %s: %v", address, err)
		}
		check, keyType = &hostKeyCheck{address: address, expected: fingerprint}, kt
	}
	config := &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: check.callback, HostKeyAlgorithms: algorithmsFor(keyType)}
	perDial := time.Duration(num(conn, "perDialTimeout", 15)) * time.Second
	attempts := num(conn, "dialErrorLimit", 10)
	var last error
	for i := 0; attempts < 0 || i < attempts || i == 0; i++ {
		client, err := handshake(ctx, address, config, perDial)
		if err == nil {
			return client, ssh.FingerprintSHA256(check.offered), nil
		}
		var mismatch *hostKeyMismatch
		if errors.As(err, &mismatch) {
			if keyType != "" {
				return nil, "", mismatch
			}
			return otherHostKeys(ctx, address, config, perDial, check, mismatch)
		}
		last = err
		if strings.Contains(err.Error(), "unable to authenticate") || strings.Contains(err.Error(), "no common algorithm") {
			break
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(time.Duration(min(i+1, 10)) * 500 * time.Millisecond):
		}
	}
	return nil, "", fmt.Errorf("cannot reach %s@%s over SSH: %v", user, address, last)
}

// otherHostKeys asks a host whose first key did not match a pinned fingerprint for its keys of
// the other types: the fingerprint may name any of them.
func otherHostKeys(ctx context.Context, address string, config *ssh.ClientConfig, perDial time.Duration, check *hostKeyCheck, first *hostKeyMismatch) (*ssh.Client, string, error) {
	seen := map[string]bool{first.offered.Type(): true}
	for _, family := range hostKeyFamilies {
		if seen[family.keyType] {
			continue
		}
		narrowed := *config
		narrowed.HostKeyAlgorithms = family.algorithms
		check.offered = nil
		client, err := handshake(ctx, address, &narrowed, perDial)
		if err == nil {
			return client, ssh.FingerprintSHA256(check.offered), nil
		}
		if check.offered != nil {
			seen[check.offered.Type()] = true
		}
	}
	return nil, "", first
}

// handshake opens one SSH connection; perDial bounds the TCP connect and the SSH handshake.
func handshake(ctx context.Context, address string, config *ssh.ClientConfig, perDial time.Duration) (*ssh.Client, error) {
	dialer := net.Dialer{Timeout: perDial}
	conn, err := dialer.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	if perDial > 0 {
		_ = conn.SetDeadline(time.Now().Add(perDial))
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, channels, requests, err := ssh.NewClientConn(conn, address, config)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, channels, requests), nil
}

func authMethods(conn resource.PropertyMap, user, address string) ([]ssh.AuthMethod, error) {
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
	return auth, nil
}
