package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// field walks a decoded JSON document along path (map keys, or "0" for a list's first item).
func field(doc any, path ...string) any {
	for _, key := range path {
		switch node := doc.(type) {
		case map[string]any:
			doc = node[key]
		case []any:
			if len(node) == 0 {
				return nil
			}
			doc = node[0]
		default:
			return nil
		}
	}
	return doc
}

func TestProbeJobIsSuspendedAndRestricted(t *testing.T) {
	encoded, err := json.Marshal(probeJob("registry.k8s.io/pause:3.10", "ritual-job"))
	if err != nil {
		t.Fatal(err)
	}
	var job any
	json.Unmarshal(encoded, &job)
	pod := []string{"spec", "template", "spec"}
	container := append(pod, "containers", "0")
	want := []struct {
		path  []string
		value any
	}{
		{[]string{"metadata", "generateName"}, "standin-probe-"},
		{[]string{"metadata", "labels", "app.kubernetes.io/managed-by"}, "kubestrap-standin"},
		{[]string{"spec", "suspend"}, true},
		{append(pod, "restartPolicy"), "Never"},
		{append(pod, "serviceAccountName"), "ritual-job"},
		{append(pod, "automountServiceAccountToken"), false},
		{append(pod, "securityContext", "runAsNonRoot"), true},
		{append(pod, "securityContext", "runAsUser"), float64(65532)},
		{append(pod, "securityContext", "seccompProfile", "type"), "RuntimeDefault"},
		{append(container, "image"), "registry.k8s.io/pause:3.10"},
		{append(container, "securityContext", "allowPrivilegeEscalation"), false},
		{append(container, "securityContext", "capabilities", "drop", "0"), "ALL"},
	}
	for _, w := range want {
		if got := field(job, w.path...); got != w.value {
			t.Errorf("%s = %#v, want %#v", strings.Join(w.path, "."), got, w.value)
		}
	}
}

// fakeAPIServer serves jobs create/delete over TLS and writes a ServiceAccount directory that
// trusts it.
func fakeAPIServer(t *testing.T, handler http.HandlerFunc) (server *httptest.Server, saDir string) {
	server = httptest.NewTLSServer(handler)
	t.Cleanup(server.Close)
	saDir = t.TempDir()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw})
	for name, content := range map[string][]byte{"ca.crt": caPEM, "token": []byte("test-token\n"), "namespace": []byte("demon-system")} {
		if err := os.WriteFile(filepath.Join(saDir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(strings.TrimPrefix(server.URL, "https://"), ":")
	t.Setenv("KUBERNETES_SERVICE_HOST", host)
	t.Setenv("KUBERNETES_SERVICE_PORT", port)
	return server, saDir
}

func TestCreateAndDeleteJob(t *testing.T) {
	var calls []string
	_, saDir := fakeAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.Method+" "+r.URL.RequestURI())
		if r.Header.Get("Authorization") != "Bearer test-token" {
			http.Error(w, `{"message":"bad token"}`, http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"metadata":{"name":"standin-probe-abcde"}}`))
			return
		}
		w.Write([]byte(`{}`))
	})
	client, err := newInClusterClient(saDir)
	if err != nil {
		t.Fatal(err)
	}
	detail, err := client.createAndDeleteJob(context.Background(), "img", jobsTarget{namespace: "demon-jobs", serviceAccount: "ritual-job"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "standin-probe-abcde") {
		t.Errorf("detail %q does not name the job", detail)
	}
	want := []string{
		"POST /apis/batch/v1/namespaces/demon-jobs/jobs",
		"DELETE /apis/batch/v1/namespaces/demon-jobs/jobs/standin-probe-abcde?propagationPolicy=Background",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls = %q, want %q", calls, want)
	}
}

func TestConfigMapErrorCarriesAPIMessage(t *testing.T) {
	_, saDir := fakeAPIServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"kind":"Status","message":"configmaps \"demon-config\" is forbidden"}`))
	})
	client, err := newInClusterClient(saDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.checkConfigMap(context.Background()); err == nil || !strings.Contains(err.Error(), "is forbidden") {
		t.Fatalf("err = %v, want the API server's message", err)
	}
}

func TestInClusterServerJoinsIPv6(t *testing.T) {
	_, saDir := fakeAPIServer(t, func(http.ResponseWriter, *http.Request) {})
	t.Setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	client, err := newInClusterClient(saDir)
	if err != nil {
		t.Fatal(err)
	}
	if client.server != "https://[fd00:10:96::1]:443" {
		t.Errorf("server = %q", client.server)
	}
}
