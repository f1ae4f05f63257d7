package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"

	"golang.org/x/crypto/bcrypt"
)

const (
	lowerChars          = "abcdefghijklmnopqrstuvwxyz"
	upperChars          = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars        = "0123456789"
	defaultSpecialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// passwordSpec is RandomPassword's inputs after defaults: upstream's names and meanings.
type passwordSpec struct {
	length                                     int
	lower, upper, numeric, special             bool
	minLower, minUpper, minNumeric, minSpecial int
	overrideSpecial                            string
	hasOverrideSpecial                         bool
}

func (s passwordSpec) specialChars() string {
	if s.hasOverrideSpecial {
		return s.overrideSpecial
	}
	return defaultSpecialChars
}

// problems names each input that makes a password impossible, as upstream's validation does.
func (s passwordSpec) problems() map[string]string {
	out := map[string]string{}
	if s.length < 1 {
		out["length"] = fmt.Sprintf("must be at least 1, got %d", s.length)
	}
	for name, v := range map[string]int{"minLower": s.minLower, "minUpper": s.minUpper, "minNumeric": s.minNumeric, "minSpecial": s.minSpecial} {
		if v < 0 {
			out[name] = fmt.Sprintf("must not be negative, got %d", v)
		}
	}
	if sum := s.minLower + s.minUpper + s.minNumeric + s.minSpecial; sum > s.length {
		out["length"] = fmt.Sprintf("must be at least minLower + minUpper + minNumeric + minSpecial (%d), got %d", sum, s.length)
	}
	if !s.lower && !s.upper && !s.numeric && !s.special {
		out["special"] = "at least one of lower, upper, numeric and special must be true"
	}
	if s.special && s.hasOverrideSpecial && s.overrideSpecial == "" && !s.lower && !s.upper && !s.numeric {
		out["overrideSpecial"] = "is empty and special is the only character class: no character to choose from"
	}
	return out
}

// password makes a password: the minimum of each class first, the rest from every enabled
// class, then shuffled, so the minimums do not sit at the start.
func password(s passwordSpec) (string, error) {
	var all string
	var out []byte
	classes := []struct {
		on    bool
		min   int
		chars string
	}{
		{s.lower, s.minLower, lowerChars},
		{s.upper, s.minUpper, upperChars},
		{s.numeric, s.minNumeric, numericChars},
		{s.special, s.minSpecial, s.specialChars()},
	}
	for _, c := range classes {
		if !c.on || c.chars == "" {
			continue
		}
		all += c.chars
		for i := 0; i < c.min; i++ {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	if all == "" {
		return "", fmt.Errorf("no character class is enabled")
	}
	for len(out) < s.length {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(chars string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
	if err != nil {
		return 0, err
	}
	return chars[n.Int64()], nil
}

// bcryptHash hashes the first 72 bytes (bcrypt's limit, as upstream documents).
func bcryptHash(password string) (string, error) {
	b := []byte(password)
	if len(b) > 72 {
		b = b[:72]
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	return string(h), err
}

// randomBytesOf returns n random bytes as base64 (standard, padded) and hex, as upstream does.
func randomBytesOf(n int) (string, string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	return base64.StdEncoding.EncodeToString(b), hex.EncodeToString(b), nil
}
