// demon-standin is a clearly labelled stand-in for the Demon engine, runtime and operate-ui
// images, which are not reachable from this machine: the end-to-end suite packs this static
// binary into images under the real names and imports them with `ctr images import`. It does
// not do Demon's work; it exercises what the stack gives each service (the NATS connection,
// the ServiceAccount's RBAC, Pod Security admission) and reports that on its health endpoint.
//
//	demon-standin --role engine|runtime|operate-ui
//
// Environment: NATS_URL (nats://host:port), PORT, HEALTH_PATH (default /health),
// STANDIN_PROBE_IMAGE (runtime's probe Job image), and the pod's ServiceAccount.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// checksFor lists the checks each role must pass to be healthy.
var checksFor = map[string][]string{
	"engine":     {natsCheck, "configmap", "configmap-watch"},
	"runtime":    {natsCheck, "job-create-delete"},
	"operate-ui": {natsCheck},
}

func main() {
	role := flag.String("role", "", "which Demon service to stand in for: engine, runtime or operate-ui")
	flag.Parse()
	names, known := checksFor[*role]
	if !known || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: demon-standin --role engine|runtime|operate-ui")
		os.Exit(2)
	}
	log.SetOutput(os.Stdout)
	log.SetFlags(log.Ldate | log.Ltime | log.Lmicroseconds | log.LUTC | log.Lmsgprefix)
	log.SetPrefix(*role + ": ")

	port, err := listenPort(*role, os.Getenv("PORT"))
	if err != nil {
		log.Fatal(err)
	}
	healthPath := envOr("HEALTH_PATH", "/health")

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	c := newChecks(names...)
	var workers sync.WaitGroup
	run := func(f func()) { workers.Add(1); go func() { defer workers.Done(); f() }() }

	run(func() { keepNATSConnected(ctx, c, os.Getenv("NATS_URL"), "kubestrap-standin-"+*role) })
	kube := lazyKubeClient()
	switch *role {
	case "engine":
		run(func() {
			keepChecking(ctx, c, "configmap", func(ctx context.Context) (string, error) {
				client, err := kube()
				if err != nil {
					return "", err
				}
				return client.checkConfigMap(ctx)
			})
		})
		run(func() { keepWatching(ctx, c, kube) })
	case "runtime":
		image := envOr("STANDIN_PROBE_IMAGE", defaultProbeImage)
		target := jobsTarget{namespace: os.Getenv("DEMON_JOBS_NAMESPACE"), serviceAccount: os.Getenv("DEMON_JOBS_SERVICE_ACCOUNT")}
		run(func() {
			keepChecking(ctx, c, "job-create-delete", func(ctx context.Context) (string, error) {
				client, err := kube()
				if err != nil {
					return "", err
				}
				return client.createAndDeleteJob(ctx, image, target)
			})
		})
	}

	server := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(port)),
		Handler:           newHandler(*role, healthPath, c),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		log.Printf("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdownCtx)
	}()
	log.Printf("kubestrap stand-in for the Demon %s: serving %s, /status and / on :%d", *role, healthPath, port)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	workers.Wait()
}

func listenPort(role, fromEnv string) (int, error) {
	if fromEnv == "" {
		if role == "operate-ui" {
			return 3000, nil
		}
		return 8080, nil
	}
	port, err := strconv.Atoi(fromEnv)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("PORT %q is not a port number", fromEnv)
	}
	return port, nil
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

// lazyKubeClient builds the in-cluster client on first successful use, so a missing
// ServiceAccount shows up as a failing check (and is retried) rather than a crash.
func lazyKubeClient() func() (*kubeClient, error) {
	var mu sync.Mutex
	var client *kubeClient
	return func() (*kubeClient, error) {
		mu.Lock()
		defer mu.Unlock()
		if client != nil {
			return client, nil
		}
		built, err := newInClusterClient(serviceAccountDir)
		if err != nil {
			return nil, err
		}
		client = built
		return client, nil
	}
}
