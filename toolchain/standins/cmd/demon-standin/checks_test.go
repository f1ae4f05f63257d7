package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthNeedsEveryCheckOnceAndNATSNow(t *testing.T) {
	c := newChecks(natsCheck, "configmap")
	h := newHandler("engine", "/health", c)

	code, body := get(t, h, "/health")
	if code != http.StatusServiceUnavailable || strings.Count(body, "\n") != 1 {
		t.Fatalf("before any check: %d %q, want 503 and one line", code, body)
	}
	var answer struct{ Failing map[string]string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil || len(answer.Failing) != 2 {
		t.Fatalf("503 body %q: %v", body, err)
	}

	c.set(natsCheck, true, "connected")
	if code, body := get(t, h, "/health"); code != 503 || !strings.Contains(body, "configmap") || strings.Contains(body, natsCheck) {
		t.Fatalf("configmap never passed: %d %q, want 503 naming only configmap", code, body)
	}

	c.set("configmap", true, "read")
	if code, body := get(t, h, "/health"); code != 200 || body != "ok\n" {
		t.Fatalf("all passed: %d %q", code, body)
	}

	c.set("configmap", false, "API server unreachable") // passed once: still healthy
	if code, _ := get(t, h, "/health"); code != 200 {
		t.Fatalf("a check that passed once and now fails: %d, want 200", code)
	}

	c.set(natsCheck, false, "connection lost") // NATS must be up now
	if code, body := get(t, h, "/health"); code != 503 || !strings.Contains(body, "connection lost") {
		t.Fatalf("NATS down: %d %q", code, body)
	}
}

func TestStatusAndRoot(t *testing.T) {
	c := newChecks(natsCheck)
	c.set(natsCheck, true, "connected to nats:4222")
	h := newHandler("operate-ui", "/healthz", c)

	code, body := get(t, h, "/status")
	var status map[string]checkResult
	if err := json.Unmarshal([]byte(body), &status); code != 200 || err != nil {
		t.Fatalf("/status: %d %q %v", code, body, err)
	}
	if got := status[natsCheck]; !got.OK || got.Detail != "connected to nats:4222" || got.At == "" {
		t.Errorf("/status nats = %+v", got)
	}
	if code, body := get(t, h, "/"); code != 200 || !strings.Contains(body, "stand-in for the Demon operate-ui") {
		t.Errorf("/: %d %q", code, body)
	}
	if code, _ := get(t, h, "/healthz"); code != 200 {
		t.Errorf("custom HEALTH_PATH: %d", code)
	}
	if code, _ := get(t, h, "/health"); code != 404 {
		t.Errorf("/health when HEALTH_PATH is /healthz: %d, want 404", code)
	}
}
