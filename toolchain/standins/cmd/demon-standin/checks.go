package main

import (
	"encoding/json"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"
)

// natsCheck is the one check that must be passing right now; the others must have passed once.
const natsCheck = "nats"

type checkResult struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	At     string `json:"at"` // RFC 3339, UTC
}

// checks holds the latest result of each check a role runs, and whether each has ever passed.
type checks struct {
	mu       sync.Mutex
	now      func() time.Time
	latest   map[string]checkResult
	ran      map[string]bool
	everPass map[string]bool
}

func newChecks(names ...string) *checks {
	c := &checks{now: time.Now, latest: map[string]checkResult{}, ran: map[string]bool{}, everPass: map[string]bool{}}
	for _, name := range names {
		c.latest[name] = checkResult{OK: false, Detail: "not run yet", At: c.timestamp()}
	}
	return c
}

func (c *checks) timestamp() string { return c.now().UTC().Format(time.RFC3339) }

// set records a result and logs it when the check flips between passing and failing.
func (c *checks) set(name string, ok bool, detail string) {
	c.mu.Lock()
	changed := !c.ran[name] || c.latest[name].OK != ok
	c.latest[name] = checkResult{OK: ok, Detail: detail, At: c.timestamp()}
	c.ran[name] = true
	if ok {
		c.everPass[name] = true
	}
	c.mu.Unlock()
	if changed {
		state := "FAILING"
		if ok {
			state = "ok"
		}
		log.Printf("check %s is %s: %s", name, state, detail)
	}
}

// failing names each check that keeps the process unhealthy, with the reason.
func (c *checks) failing() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	failed := map[string]string{}
	for name, result := range c.latest {
		switch {
		case name == natsCheck && !result.OK:
			failed[name] = result.Detail
		case !c.everPass[name]:
			failed[name] = "never passed: " + result.Detail
		}
	}
	return failed
}

func (c *checks) snapshot() map[string]checkResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	copied := make(map[string]checkResult, len(c.latest))
	for name, result := range c.latest {
		copied[name] = result
	}
	return copied
}

// newHandler serves the health endpoint, /status and /. One handler, so a HEALTH_PATH of "/"
// or "/status" cannot clash with the other routes at registration.
func newHandler(role, healthPath string, c *checks) http.Handler {
	healthPath, _, _ = strings.Cut(healthPath, "?")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch r.URL.Path {
		case healthPath:
			failed := c.failing()
			if len(failed) == 0 {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.Write([]byte("ok\n"))
				return
			}
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"failing": failed})
		case "/status":
			writeJSON(w, http.StatusOK, c.snapshot())
		case "/":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("kubestrap stand-in for the Demon " + role + " (not the real image)\n"))
		default:
			http.NotFound(w, r)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body) // one line, newline-terminated
}
