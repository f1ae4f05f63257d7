package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Host keys. Upstream pulumi-command 1.2.1 takes an optional connection.hostKey in
// authorized_keys form only (ssh.ParseAuthorizedKey, then ssh.FixedHostKey with the host-key
// algorithms narrowed to that key's type) and ignores host keys when it is unset
// (ssh.InsecureIgnoreHostKey). kubestrap's provider also takes a fingerprint as
// `ssh-keygen -lf` prints it, and without a pin trusts the first key a resource sees (recorded
// in its hostKey output) and refuses a different one later.

// hostKeyFamilies are the host-key algorithms per key type, in OpenSSH's order of preference
// (x/crypto's default order puts ed25519 last, so a host with several keys would otherwise
// offer one other than the ed25519 key users usually pin).
var hostKeyFamilies = []struct {
	keyType    string
	algorithms []string
}{
	{ssh.KeyAlgoED25519, []string{ssh.KeyAlgoED25519}},
	{ssh.KeyAlgoECDSA256, []string{ssh.KeyAlgoECDSA256}},
	{ssh.KeyAlgoECDSA384, []string{ssh.KeyAlgoECDSA384}},
	{ssh.KeyAlgoECDSA521, []string{ssh.KeyAlgoECDSA521}},
	{ssh.KeyAlgoRSA, []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}},
}

func algorithmsFor(keyType string) []string {
	var all []string
	for _, f := range hostKeyFamilies {
		if keyType == "" || f.keyType == keyType {
			all = append(all, f.algorithms...)
		}
	}
	return all
}

// parseHostKey reads connection.hostKey: "ssh-ed25519 AAAA... [comment]" or "SHA256:<base64>".
// It returns the SHA256 fingerprint and the key's type ("" for a bare fingerprint).
func parseHostKey(text string) (fingerprint, keyType string, err error) {
	text = strings.TrimSpace(text)
	if rest, ok := strings.CutPrefix(text, "SHA256:"); ok {
		sum, err := base64.RawStdEncoding.DecodeString(rest)
		if err != nil || len(sum) != 32 {
			return "", "", fmt.Errorf("%q is not a SHA256 fingerprint (43 characters of unpadded base64 after SHA256:)", text)
		}
		return text, "", nil
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return "", "", errors.New(`must be a public key as in authorized_keys ("ssh-ed25519 AAAA...") or a fingerprint as "ssh-keygen -lf" prints it ("SHA256:..."); ` + err.Error())
	}
	return ssh.FingerprintSHA256(key), key.Type(), nil
}

// hostKeyCheck verifies the key a server offers against a pin or the key trusted before, and
// remembers what was offered.
type hostKeyCheck struct {
	address  string
	expected string // a fingerprint; "" trusts whatever the server offers (first use)
	trusted  bool   // expected is what this resource recorded, not a configured pin
	offered  ssh.PublicKey
}

func (c *hostKeyCheck) callback(_ string, _ net.Addr, key ssh.PublicKey) error {
	c.offered = key
	if c.expected == "" || ssh.FingerprintSHA256(key) == c.expected {
		return nil
	}
	return &hostKeyMismatch{address: c.address, expected: c.expected, trusted: c.trusted, offered: key}
}

// hostKeyConfig is where kubestrap's stack config pins a host's key, for the fix a mismatch names.
const hostKeyConfig = "kubestrap:cluster.k3s.servers[N].hostKey or agents[N].hostKey"

type hostKeyMismatch struct {
	address, expected string
	trusted           bool
	offered           ssh.PublicKey
}

func (e *hostKeyMismatch) Error() string {
	got := ssh.FingerprintSHA256(e.offered)
	what := fmt.Sprintf("expected %s, the server offered %s %s", e.expected, e.offered.Type(), got)
	if e.trusted {
		what = fmt.Sprintf("the key changed since it was first trusted (was %s, now %s %s)", e.expected, e.offered.Type(), got)
	}
	pin := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(e.offered)))
	return fmt.Sprintf("host key mismatch for %s: %s. If the host was reinstalled and %s is its genuine new key, "+
		"set its hostKey in the stack config (%s) to %q and run up again.", e.address, what, got, hostKeyConfig, pin)
}
