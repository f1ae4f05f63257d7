package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"
	kubeTimeout       = 5 * time.Second
	kubeRetryEvery    = 3 * time.Second
	kubeRecheckEvery  = 10 * time.Second
	demonConfigMap    = "demon-config"
	defaultProbeImage = "registry.k8s.io/pause:3.10"
)

// kubeClient talks to the API server as the pod's ServiceAccount.
type kubeClient struct {
	server    string // https://host:port
	tokenPath string
	namespace string
	http      *http.Client
}

// newInClusterClient reads the ServiceAccount's CA and namespace from saDir and the API
// server's address from the environment Kubernetes sets in every pod.
func newInClusterClient(saDir string) (*kubeClient, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("KUBERNETES_SERVICE_HOST/PORT are not set (not running in a pod?)")
	}
	namespace, err := os.ReadFile(filepath.Join(saDir, "namespace"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(saDir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	return newKubeClient("https://"+net.JoinHostPort(host, port), filepath.Join(saDir, "token"), strings.TrimSpace(string(namespace)), caPEM)
}

func newKubeClient(server, tokenPath, namespace string, caPEM []byte) (*kubeClient, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificate in the ServiceAccount CA bundle")
	}
	// No overall client timeout: it would cut watch streams. Each phase has its own instead,
	// and one-shot requests carry a kubeTimeout context.
	transport := &http.Transport{
		TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext:           (&net.Dialer{Timeout: kubeTimeout}).DialContext,
		TLSHandshakeTimeout:   kubeTimeout,
		ResponseHeaderTimeout: kubeTimeout,
		// A fresh connection for every check, as a NetworkPolicy judges each new connection:
		// a kept-alive one opened before a policy changed would hide the change.
		DisableKeepAlives: true,
	}
	return &kubeClient{server: server, tokenPath: tokenPath, namespace: namespace, http: &http.Client{Transport: transport}}, nil
}

// request sends one API call. The token is re-read every time because kubelet rotates it.
func (k *kubeClient) request(ctx context.Context, method, path string, body any) (*http.Response, error) {
	token, err := os.ReadFile(k.tokenPath)
	if err != nil {
		return nil, err
	}
	var payload io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		payload = bytes.NewReader(encoded)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.server+path, payload)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return k.http.Do(req)
}

// call is request for one-shot calls: it decodes a wantStatus answer into out, or turns any
// other answer into an error carrying the API server's message.
func (k *kubeClient) call(ctx context.Context, method, path string, body, out any, wantStatus ...int) error {
	ctx, cancel := context.WithTimeout(ctx, kubeTimeout)
	defer cancel()
	resp, err := k.request(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	for _, status := range wantStatus {
		if resp.StatusCode == status {
			if out == nil {
				return nil
			}
			return json.Unmarshal(raw, out)
		}
	}
	return apiError(method, path, resp.Status, raw)
}

func apiError(method, path, status string, body []byte) error {
	var apiStatus struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &apiStatus) == nil && apiStatus.Message != "" {
		return fmt.Errorf("%s %s: %s: %s", method, path, status, apiStatus.Message)
	}
	return fmt.Errorf("%s %s: %s", method, path, status)
}

type objectMeta struct {
	Metadata struct {
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
}

func (k *kubeClient) checkConfigMap(ctx context.Context) (string, error) {
	var cm struct {
		objectMeta
		Data map[string]string `json:"data"`
	}
	path := fmt.Sprintf("/api/v1/namespaces/%s/configmaps/%s", k.namespace, demonConfigMap)
	if err := k.call(ctx, http.MethodGet, path, nil, &cm, http.StatusOK); err != nil {
		return "", err
	}
	return fmt.Sprintf("read %s/%s (resourceVersion %s, %d keys)", k.namespace, demonConfigMap, cm.Metadata.ResourceVersion, len(cm.Data)), nil
}

// watchConfigMap opens a watch on demon-config, reports the check passing once the API server
// answers 200, and logs each event until the stream ends.
func (k *kubeClient) watchConfigMap(ctx context.Context, opened func(string)) error {
	path := fmt.Sprintf("/api/v1/namespaces/%s/configmaps?watch=true&fieldSelector=metadata.name%%3D%s", k.namespace, demonConfigMap)
	resp, err := k.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return apiError(http.MethodGet, path, resp.Status, raw)
	}
	opened("watch on " + k.namespace + "/" + demonConfigMap + " is open")
	decoder := json.NewDecoder(resp.Body)
	for {
		var event struct {
			Type   string `json:"type"`
			Object struct {
				objectMeta
				Message string `json:"message"` // set on ERROR events, which carry a Status
			} `json:"object"`
		}
		if err := decoder.Decode(&event); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if event.Type == "ERROR" {
			log.Printf("configmap-watch: event ERROR: %s", event.Object.Message)
			continue
		}
		log.Printf("configmap-watch: event %s %s (resourceVersion %s)", event.Type, event.Object.Metadata.Name, event.Object.Metadata.ResourceVersion)
	}
}

// jobsTarget is where the runtime runs Jobs: a namespace of their own (DEMON_JOBS_NAMESPACE),
// as the ServiceAccount the Job's pods run as (DEMON_JOBS_SERVICE_ACCOUNT).
type jobsTarget struct {
	namespace      string
	serviceAccount string
}

// probeJob is a suspended Job (no pod ever runs) whose pod template passes Pod Security
// "restricted", so creating it proves the runtime's RBAC and the namespace's admission.
func probeJob(image, serviceAccount string) map[string]any {
	labels := map[string]any{"app.kubernetes.io/managed-by": "kubestrap-standin"}
	return map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "Job",
		"metadata":   map[string]any{"generateName": "standin-probe-", "labels": labels},
		"spec": map[string]any{
			"suspend":      true,
			"backoffLimit": 0,
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					"restartPolicy":                "Never",
					"serviceAccountName":           serviceAccount,
					"automountServiceAccountToken": false,
					"securityContext": map[string]any{
						"runAsNonRoot":   true,
						"runAsUser":      65532,
						"runAsGroup":     65532,
						"seccompProfile": map[string]any{"type": "RuntimeDefault"},
					},
					"containers": []any{map[string]any{
						"name":  "probe",
						"image": image,
						"securityContext": map[string]any{
							"allowPrivilegeEscalation": false,
							"readOnlyRootFilesystem":   true,
							"capabilities":             map[string]any{"drop": []any{"ALL"}},
						},
					}},
				},
			},
		},
	}
}

func (k *kubeClient) createAndDeleteJob(ctx context.Context, image string, target jobsTarget) (string, error) {
	namespace := target.namespace
	if namespace == "" {
		namespace = k.namespace
	}
	if target.serviceAccount == "" {
		target.serviceAccount = "default"
	}
	jobs := fmt.Sprintf("/apis/batch/v1/namespaces/%s/jobs", namespace)
	var created objectMeta
	if err := k.call(ctx, http.MethodPost, jobs, probeJob(image, target.serviceAccount), &created, http.StatusCreated, http.StatusOK); err != nil {
		return "", err
	}
	name := created.Metadata.Name
	log.Printf("job-create-delete: created job %s/%s", namespace, name)
	if err := k.call(ctx, http.MethodDelete, jobs+"/"+name+"?propagationPolicy=Background", nil, nil, http.StatusOK, http.StatusAccepted); err != nil {
		return "", fmt.Errorf("created job %s but could not delete it: %w", name, err)
	}
	log.Printf("job-create-delete: deleted job %s/%s", namespace, name)
	return fmt.Sprintf("created and deleted job %s/%s", namespace, name), nil
}

// keepChecking runs attempt every kubeRetryEvery until it succeeds, then every kubeRecheckEvery.
func keepChecking(ctx context.Context, c *checks, name string, attempt func(context.Context) (string, error)) {
	for {
		detail, err := attempt(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := kubeRecheckEvery
		if err != nil {
			detail, wait = err.Error(), kubeRetryEvery
		}
		c.set(name, err == nil, detail)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// keepWatching reopens the watch after every end of stream; a normal end (the API server
// closes watches after a while) leaves the check as it was.
func keepWatching(ctx context.Context, c *checks, k func() (*kubeClient, error)) {
	for {
		client, err := k()
		if err == nil {
			err = client.watchConfigMap(ctx, func(detail string) { c.set("configmap-watch", true, detail) })
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.set("configmap-watch", false, err.Error())
		} else {
			log.Printf("configmap-watch: stream ended, reopening")
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(kubeRetryEvery):
		}
	}
}
