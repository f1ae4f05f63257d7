// The compose translator against a corpus of compose files (tests/fixtures/compose/<case>/compose.yaml,
// with the .env, env files, secrets and configs each reads), and ComposeApp on every translation.
//
// The expectations live here, in `cases`, rather than in an expected.json beside each file: they are
// facts a user would check (a workload kind, a probe, a wait, a claim, a warning), several of them
// computed (a secret's octal mode, a size in Kubernetes units), and a typed table keeps them next to
// the assertions that read them. Each entry is one translation of one directory (`dir`, or the case's
// own name), read with a fixed environment and the given profiles, and says either:
//   - `errors`: every problem line, exact, that loading or translating must fail with; or
//   - `kinds` (every service's workload, exactly), `warnings` (every warning, exact) and `check`
//     (what else a user would notice).
// Beyond the table, two checks run over the whole corpus: every key of every service is either carried
// into the translation (`carried` says how that shows) or named by a warning; and ComposeApp turns every
// translation into Kubernetes objects that pass the API schema, stay under the ComposeApp, keep secrets
// secret, reference only objects it creates, and are ordered after their dependencies.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ComposeApp } from "../../compose/compose-app";
import { ComposeError, ComposeService, loadCompose, parseDotEnv } from "../../compose/load";
import { ComposeTranslation, JobPlan, TranslatedService, translateCompose, TranslateOptions } from "../../compose/translate";
import { schemaErrors } from "../k8s-schema";
import { isSecretValue, Recorder, reveal, settle, withMocks } from "../mocks";

const root = path.join(__dirname, "..", "fixtures", "compose");
/** The shell's environment in every case: fixed, so nobody's own variables leak into a translation. */
const shellEnv: Record<string, string> = { SHELL_VAR: "from the shell", SMTP_TOKEN: "smtp-token-value" };
/** Directories of the corpus that belong to other tests. */
const notCases = new Set(["app"]);

type Kind = "Deployment" | "StatefulSet" | "Job";
type WebArgs = NonNullable<TranslatedService["web"]>;
/** A long-running service's WebApp args: the translator always sets these. */
type Web = WebArgs & Required<Pick<WebArgs, "volumes" | "volumeMounts" | "waitFor" | "security">>;

interface Translated {
    t: ComposeTranslation;
    service: (name: string) => TranslatedService;
    web: (name: string) => Web;
    job: (name: string) => JobPlan;
}

interface Case {
    /** The fixture directory when it is not the case's name. */
    dir?: string;
    profiles?: string[];
    env?: Record<string, string>;
    /** What kubestrap's config adds to the translation (service overrides, supplied secrets). */
    options?: Pick<TranslateOptions, "services" | "suppliedSecrets" | "podSecurity">;
    errors?: string[];
    kinds?: Record<string, Kind>;
    warnings?: string[];
    check?: (x: Translated) => void;
}

const cases: Record<string, Case> = {
    "web-db-cache": {
        kinds: { db: "Deployment", cache: "Deployment", web: "Deployment" },
        warnings: [
            'compose.yaml: name: the project name "shop" is not used: the app is "web-db-cache" (kubestrap:apps[].name), which names its namespace and labels',
            "compose.yaml: services.web.ports.0: published port 8080 is not opened on any host: 8080 is reached through the Service, or from outside through expose",
        ],
        check: ({ t, web, service }) => {
            assert.deepStrictEqual(t.services.map((s) => s.name), ["db", "cache", "web"], "dependencies come first");
            assert.deepStrictEqual(web("web").image, "ghcr.io/acme/shop-web:1.0.0", "${APP_TAG:-1.0.0} took its default");
            assert.deepStrictEqual(web("web").ports, [{ name: "tcp-8080", port: 8080, protocol: "TCP" }]);
            assert.deepStrictEqual(web("web").waitFor, [{ host: "db", port: 5432 }, { host: "cache", port: 6379 }]);
            assert.deepStrictEqual(service("web").after, [{ service: "db", condition: "service_healthy" }, { service: "cache", condition: "service_started" }]);
            assert.deepStrictEqual(web("web").env, { DATABASE_URL: "postgres://shop@db:5432/shop", REDIS_URL: "redis://cache:6379/0" });
            assert.deepStrictEqual(web("web").secretEnv, { DB_PASSWORD: "devpassword" });
            assert.deepStrictEqual(web("db").probes, {
                exec: { command: ["pg_isready", "-U", "shop", "-d", "shop"], periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10, startPeriodSeconds: 10, startIntervalSeconds: 5 },
            });
            assert.deepStrictEqual(web("db").secretEnv, { POSTGRES_PASSWORD: "devpassword" });
            assert.deepStrictEqual(web("db").security, { asDocker: true, runAsUser: 70, runAsGroup: 70, readOnlyRootFilesystem: false }, "the file's user, otherwise as Docker runs it");
            assert.deepStrictEqual(web("db").volumeMounts, [{ name: "v-pgdata", mountPath: "/var/lib/postgresql/data", readOnly: false }]);
            assert.deepStrictEqual(web("db").volumes, [{ name: "v-pgdata", persistentVolumeClaim: { claimName: "pgdata" } }]);
            assert.deepStrictEqual(web("cache").args, ["redis-server", "--appendonly", "yes"]);
            assert.deepStrictEqual(web("cache").probes, { tcp: true, port: 6379, readinessOnly: true }, "no healthcheck: a TCP readiness check of its port, and nothing that restarts it (Docker has none)");
            assert.deepStrictEqual(t.claims, [
                { name: "pgdata", size: "1Gi", storageClass: undefined, accessMode: "ReadWriteOnce" },
                { name: "cachedata", size: "1Gi", storageClass: undefined, accessMode: "ReadWriteOnce" },
            ]);
            assert.strictEqual(web("web").partOf, "web-db-cache", "the kubestrap app, not the file's name:, is what everything is part of");
        },
    },
    "healthcheck-forms": {
        kinds: { cmd: "Deployment", "cmd-shell": "Deployment", "plain-string": "Deployment", none: "Deployment", disabled: "Deployment", "timings-only": "Deployment", "fast-start": "Deployment", worker: "Deployment" },
        warnings: [
            "compose.yaml: services.timings-only.healthcheck: no test: the image's HEALTHCHECK is not read from the cluster, so these settings have nothing to time; write the test here",
        ],
        check: ({ web }) => {
            assert.deepStrictEqual(web("cmd").probes, {
                exec: { command: ["curl", "-fsS", "http://localhost:8080/healthz"], periodSeconds: 90, timeoutSeconds: 10, failureThreshold: 5, startPeriodSeconds: 40, startIntervalSeconds: 5 },
            }, "1m30s is 90 seconds");
            assert.deepStrictEqual(web("cmd-shell").probes, {
                exec: { command: ["/bin/sh", "-c", "wget -qO- http://localhost:3000/ready || exit 1"], periodSeconds: 15, timeoutSeconds: 1, failureThreshold: 3 },
            }, "500ms rounds up to Kubernetes' one-second minimum");
            assert.deepStrictEqual(web("plain-string").probes, {
                exec: { command: ["/bin/sh", "-c", "redis-cli ping | grep PONG"], periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3 },
            }, "a string test is CMD-SHELL, with Docker's defaults: 30s, 30s, 3 retries");
            assert.deepStrictEqual(web("none").probes, { none: true });
            assert.deepStrictEqual(web("disabled").probes, { none: true });
            assert.deepStrictEqual(web("timings-only").probes, { tcp: true, port: 7000, readinessOnly: true });
            assert.deepStrictEqual(web("fast-start").probes, {
                exec: { command: ["/bin/health"], periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3, startPeriodSeconds: 120, startIntervalSeconds: 2 },
            });
            assert.deepStrictEqual(web("worker").probes, { none: true }, "no healthcheck and no port: nothing to probe");
        },
    },
    "stateful-replicas": {
        kinds: { indexer: "StatefulSet", backup: "Deployment" },
        warnings: [
            "compose.yaml: services.indexer.volumes: 3 replicas with named volume index: a StatefulSet gives each replica its own claim (compose would share one volume)",
            "compose.yaml: volumes.index: mounted by backup and indexer: indexer gives each replica a claim of its own, so they do not share its data",
        ],
        check: ({ t, web }) => {
            assert.strictEqual(web("indexer").replicas, 3);
            assert.deepStrictEqual(web("indexer").claimTemplates, [{ name: "v-index", size: "1Gi", storageClass: undefined }]);
            assert.deepStrictEqual(web("indexer").volumes, [], "the claim templates provide the volume");
            assert.deepStrictEqual(web("indexer").volumeMounts, [{ name: "v-index", mountPath: "/var/lib/indexer", readOnly: false }]);
            assert.deepStrictEqual(web("backup").volumeMounts, [{ name: "v-index", mountPath: "/backup/index", readOnly: true }]);
            assert.deepStrictEqual(t.claims.map((c) => c.name), ["index"], "the shared claim is backup's alone");
        },
    },
    "stateful-by-config": {
        dir: "web-db-cache",
        options: { services: { db: { kind: "StatefulSet" } } },
        kinds: { db: "StatefulSet", cache: "Deployment", web: "Deployment" },
        warnings: [
            'compose.yaml: name: the project name "shop" is not used: the app is "stateful-by-config" (kubestrap:apps[].name), which names its namespace and labels',
            "compose.yaml: services.web.ports.0: published port 8080 is not opened on any host: 8080 is reached through the Service, or from outside through expose",
        ],
        check: ({ t, web }) => {
            assert.strictEqual(web("db").replicas, 1);
            assert.deepStrictEqual(web("db").claimTemplates, [{ name: "v-pgdata", size: "1Gi", storageClass: undefined }]);
            assert.deepStrictEqual(web("db").volumes, [], "the claim template provides the volume");
            assert.deepStrictEqual(t.claims.map((c) => c.name), ["cachedata"], "no shared claim for the database");
        },
    },
    "stateful-without-volume": {
        dir: "web-db-cache",
        options: { services: { web: { kind: "StatefulSet" } } },
        errors: ["compose.yaml: services.web.volumes: kind StatefulSet (kubestrap:apps[].services) needs a named volume for its claims; mount one or drop the kind"],
    },
    "shared-volume": {
        kinds: { app: "Deployment", thumbnailer: "Deployment" },
        warnings: [
            "compose.yaml: services.app.volumes.1: an anonymous volume at /srv/cache becomes an emptyDir: it lasts as long as the pod",
            "compose.yaml: volumes.uploads: mounted by app and thumbnailer: a ReadWriteOnce claim is shared only by pods on one node; set volumes.uploads.accessMode: ReadWriteMany with a storage class that supports it",
            "compose.yaml: volumes.old_uploads: declared but mounted by no deployed service: no claim made",
        ],
        check: ({ t, web }) => {
            assert.deepStrictEqual(t.claims, [{ name: "uploads", size: "1Gi", storageClass: undefined, accessMode: "ReadWriteOnce" }]);
            assert.deepStrictEqual(web("app").volumes, [{ name: "v-uploads", persistentVolumeClaim: { claimName: "uploads" } }, { name: "anon-1", emptyDir: {} }]);
            assert.deepStrictEqual(web("app").volumeMounts.map((m) => m.mountPath), ["/srv/uploads", "/srv/cache"]);
            assert.deepStrictEqual(web("thumbnailer").volumeMounts, [{ name: "v-uploads", mountPath: "/data/uploads", readOnly: true }]);
            assert.deepStrictEqual(web("app").ports, [{ name: "tcp-3000", port: 3000, protocol: "TCP" }], "an unpublished port has nothing to warn about");
        },
    },
    tmpfs: {
        kinds: { api: "Deployment", renderer: "Deployment" },
        warnings: [],
        check: ({ web }) => {
            assert.deepStrictEqual(web("api").volumes, [{ name: "tmpfs-s0", emptyDir: { medium: "Memory" } }]);
            assert.deepStrictEqual(web("api").volumeMounts, [{ name: "tmpfs-s0", mountPath: "/run" }]);
            const renderer = web("renderer");
            const sizeAt = (mountPath: string) => {
                const mount = renderer.volumeMounts.find((m) => m.mountPath === mountPath)!;
                return renderer.volumes.find((v) => v.name === mount.name)!.emptyDir;
            };
            assert.deepStrictEqual(sizeAt("/scratch"), { medium: "Memory", sizeLimit: "134217728" }, "a bare number is bytes");
            assert.deepStrictEqual(sizeAt("/spool"), { medium: "Memory", sizeLimit: "32Mi" });
            assert.deepStrictEqual(sizeAt("/var/cache/renderer"), { medium: "Memory", sizeLimit: "64Mi" }, "the short syntax's size= option");
            assert.ok(!renderer.volumeMounts.some((m) => m.mountPath === "/tmp"), "/tmp is every pod's writable emptyDir already");
        },
    },
    "env-forms": {
        kinds: { web: "Deployment", worker: "Deployment" },
        warnings: [],
        check: ({ web }) => {
            assert.strictEqual(web("web").image, "ghcr.io/acme/web:3.1.0", "APP_TAG comes from .env");
            assert.deepStrictEqual(web("web").env, {
                LOG_FORMAT: "json",
                REGION: "us-east-1",
                NODE_ENV: "production",
                GREETING: "hello world",
                PRICE: "$5",
                SHELL_VAR: "from the shell",
                FROM_DOTENV: "from the dotenv file",
                EMPTY: "",
            }, "env files in order, then environment; a bare name from the shell, then .env; an unset bare name is left out");
            assert.deepStrictEqual(web("web").secretEnv, { API_TOKEN: "tok-from-env-file" });
            assert.deepStrictEqual(web("worker").env, { LOG_FORMAT: "json", QUEUE: "jobs", CONCURRENCY: "4", DEBUG: "false", SENTRY_DSN: "" },
                "numbers and booleans as strings; REGION: with no value and none in the shell unsets the env file's, as Compose does");
            assert.deepStrictEqual(web("worker").secretEnv, { API_TOKEN: "tok-from-env-file", AWS_SECRET_ACCESS_KEY: "not-configured" });
        },
    },
    "required-var": {
        errors: ["compose.yaml:3: services.api.image: required variable API_TAG is not set: set API_TAG to the release to deploy; set it in the environment or in .env"],
    },
    "required-var-set": {
        dir: "required-var",
        env: { API_TAG: "2.5.0" },
        kinds: { api: "Deployment" },
        warnings: [],
        check: ({ web }) => assert.strictEqual(web("api").image, "ghcr.io/acme/api:2.5.0"),
    },
    "supplied-secrets": {
        dir: "secrets-configs",
        options: { suppliedSecrets: ["db_password", "smtp_token", "unused_token"] },
        kinds: { proxy: "Deployment", api: "Deployment" },
        warnings: [
            "compose.yaml: services.proxy.ports.0: published port 8080 is not opened on any host: 8080 is reached through the Service, or from outside through expose",
            "compose.yaml: secrets.unused_token: given a value but used by no deployed service: no Secret made",
        ],
        check: ({ t }) => {
            assert.deepStrictEqual(t.secrets.map((s) => [s.name, s.supplied, Object.keys(s.data)]), [
                ["secret-db-password", "db_password", []],
                ["secret-smtp-token", "smtp_token", []],
                ["secret-tls-key", undefined, ["tls_key"]],
            ], "supplied secrets carry no value from the file's source; the others keep theirs");
        },
    },
    "secrets-configs": {
        kinds: { proxy: "Deployment", api: "Deployment" },
        warnings: [
            "compose.yaml: services.proxy.ports.0: published port 8080 is not opened on any host: 8080 is reached through the Service, or from outside through expose",
        ],
        check: ({ t, web }) => {
            const read = (f: string) => fs.readFileSync(path.join(root, "secrets-configs", f), "utf8");
            assert.deepStrictEqual(t.secrets, [
                { name: "secret-db-password", data: { db_password: read("secrets/db_password.txt") } },
                { name: "secret-smtp-token", data: { smtp_token: "smtp-token-value" } },
                { name: "secret-tls-key", data: { tls_key: read("secrets/tls.key") } },
            ], "Kubernetes names (no '_'), the file's or the environment's value under the secret's name");
            assert.deepStrictEqual(t.configMaps, [
                { name: "config-nginx-conf", data: { nginx_conf: read("config/nginx.conf") } },
                { name: "config-site-banner", data: { site_banner: "Welcome to the shop" } },
                { name: "config-feature-flags", data: { feature_flags: '{"checkout_v2":true}' } },
            ], "inline content is interpolated; an environment: source may come from .env");
            const mounts = (w: Web) => w.volumeMounts.map((m) => [m.mountPath, w.volumes.find((v) => v.name === m.name)]);
            assert.deepStrictEqual(mounts(web("proxy")), [
                ["/etc/nginx/conf.d/default.conf", { name: "v-config-nginx-conf", configMap: { name: "config-nginx-conf" } }],
                ["/site_banner", { name: "v-config-site-banner", configMap: { name: "config-site-banner" } }],
            ], "a config without target: lands at /<name>");
            assert.deepStrictEqual(mounts(web("api")), [
                ["/run/secrets/db_password", { name: "v-secret-db-password", secret: { secretName: "secret-db-password" } }],
                ["/run/secrets/smtp", { name: "v-secret-smtp-token", secret: { secretName: "secret-smtp-token", defaultMode: 0o440 } }],
                ["/etc/api/tls.key", { name: "v-secret-tls-key", secret: { secretName: "secret-tls-key", defaultMode: 0o400 } }],
                ["/etc/api/flags.json", { name: "v-config-feature-flags", configMap: { name: "config-feature-flags" } }],
            ], "a relative target is under /run/secrets; a mode written as a string is octal");
            assert.ok(web("api").volumeMounts.every((m) => m.readOnly && m.subPath), "each file is mounted alone and read-only");
            assert.deepStrictEqual(web("api").secretEnv, { DB_PASSWORD_FILE: "/run/secrets/db_password" }, "a secret-looking name goes to the Secret, whatever its value");
        },
    },
    "profiles-off": {
        dir: "profiles",
        kinds: { app: "Deployment" },
        warnings: [],
    },
    "profiles-on": {
        dir: "profiles",
        profiles: ["debug"],
        kinds: { app: "Deployment", adminer: "Deployment" },
        warnings: [],
        check: ({ web, service }) => {
            assert.deepStrictEqual(web("adminer").waitFor, [{ host: "app", port: 8000 }]);
            assert.deepStrictEqual(service("adminer").after, [{ service: "app", condition: "service_started" }]);
        },
    },
    "profile-dependency": {
        errors: ["compose.yaml: services.web.depends_on.search: depends on search, which is not a service here (check its profiles); turn on its profile, or mark the dependency required: false"],
    },
    "profile-dependency-on": {
        dir: "profile-dependency",
        profiles: ["search"],
        kinds: { search: "Deployment", web: "Deployment" },
        warnings: [
            "compose.yaml: services.web.depends_on.metrics: metrics is not deployed (required: false): not waited for",
            "compose.yaml: services.web.depends_on.search.restart: not translated: this service is not restarted when search is",
            "compose.yaml: services.web.depends_on.search: search has no healthcheck test (Compose would refuse to start): its port accepting connections is taken as healthy",
        ],
        check: ({ web, service }) => {
            assert.deepStrictEqual(web("web").waitFor, [{ host: "search", port: 9200 }]);
            assert.deepStrictEqual(service("web").after, [{ service: "search", condition: "service_healthy" }]);
        },
    },
    "migration-job": {
        kinds: { db: "Deployment", migrate: "Job", api: "Deployment" },
        warnings: [],
        check: ({ t, job, web, service }) => {
            assert.deepStrictEqual(t.services.map((s) => s.name), ["db", "migrate", "api"]);
            assert.deepStrictEqual(job("migrate").args, ["./manage", "migrate", "--noinput"]);
            assert.deepStrictEqual(job("migrate").waitFor, [{ host: "db", port: 5432 }]);
            assert.deepStrictEqual(job("migrate").env, { DATABASE_URL: "postgres://shop@db:5432/shop" });
            assert.deepStrictEqual(job("migrate").secretEnv, { DB_PASSWORD: "example-only" });
            assert.deepStrictEqual(service("migrate").after, [{ service: "db", condition: "service_healthy" }]);
            assert.deepStrictEqual(service("api").after, [{ service: "migrate", condition: "service_completed_successfully" }, { service: "db", condition: "service_healthy" }]);
            assert.deepStrictEqual(web("api").waitFor, [{ host: "db", port: 5432 }], "the Job is waited for by Pulumi, not by an init container");
            assert.deepStrictEqual(web("db").probes, {
                exec: { command: ["/bin/sh", "-c", "pg_isready -U postgres"], periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3 },
            });
            assert.deepStrictEqual(t.claims.map((c) => c.name), ["db-data"], "a Kubernetes name for db_data");
            assert.deepStrictEqual(web("db").volumes, [{ name: "v-db-data", persistentVolumeClaim: { claimName: "db-data" } }]);
        },
    },
    "seed-job": {
        kinds: { seed: "Job", web: "Deployment", notifier: "Deployment" },
        warnings: [
            "compose.yaml: services.notifier.depends_on.seed: seed runs once (a Job): this service starts after it completes, not when it starts (service_started)",
            "compose.yaml: volumes.assets: mounted by seed and web: a ReadWriteOnce claim is shared only by pods on one node; set volumes.assets.accessMode: ReadWriteMany with a storage class that supports it",
        ],
        check: ({ t, job, web, service }) => {
            assert.deepStrictEqual(job("seed").args, ["seed", "--if-empty"], "no restart: and awaited to complete: Compose's default, run once");
            assert.deepStrictEqual(t.claims.map((c) => c.name), ["assets"], "the Job's volume is claimed too");
            assert.deepStrictEqual(job("seed").volumes, [{ name: "v-assets", persistentVolumeClaim: { claimName: "assets" } }]);
            assert.deepStrictEqual(service("web").after, [{ service: "seed", condition: "service_completed_successfully" }]);
            assert.deepStrictEqual(web("web").waitFor, []);
            assert.deepStrictEqual(web("notifier").waitFor, [], "a Job has no Service to wait on");
            assert.deepStrictEqual(service("notifier").after, [{ service: "seed", condition: "service_started" }]);
        },
    },
    "run-once-conflict": {
        errors: ['compose.yaml: services.migrate.restart: always keeps restarting a service others wait for to complete (service_completed_successfully); set restart: "no"'],
    },
    "build-only": {
        errors: ["compose.yaml: services.app.build: a service with build: and no image: cannot be deployed; build and push the image, then set image: (or services.<name>.image in config)"],
    },
    "build-and-image": {
        kinds: { app: "Deployment" },
        warnings: ["compose.yaml: services.app.build: ignored: the cluster runs the pushed image ghcr.io/acme/app:5.0.2"],
        check: ({ web }) => assert.strictEqual(web("app").image, "ghcr.io/acme/app:5.0.2"),
    },
    "host-access": {
        errors: [
            "compose.yaml: services.monitor.privileged: privileged containers are refused by Pod Security (the app's namespace enforces baseline); remove it or skip the service",
            "compose.yaml: services.monitor.network_mode: network_mode: host cannot be given to a pod under baseline Pod Security; remove it",
            "compose.yaml: services.zigbee.devices: host devices cannot be mounted into a pod under baseline Pod Security; remove them or skip the service",
            "compose.yaml: services.fuse.cap_add: SYS_ADMIN is beyond Docker's default capabilities, the set baseline Pod Security allows (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT); remove it or skip the service",
        ],
    },
    "host-access (restricted)": {
        dir: "host-access",
        options: { podSecurity: "restricted" },
        errors: [
            "compose.yaml: services.monitor.privileged: privileged containers are refused by Pod Security (the app's namespace enforces restricted); remove it or skip the service",
            "compose.yaml: services.monitor.network_mode: network_mode: host cannot be given to a pod under restricted Pod Security; remove it",
            "compose.yaml: services.zigbee.devices: host devices cannot be mounted into a pod under restricted Pod Security; remove them or skip the service",
            "compose.yaml: services.fuse.cap_add: SYS_ADMIN is refused by restricted Pod Security (it allows NET_BIND_SERVICE only); remove it, or run the service as Docker would (no podSecurity: restricted)",
        ],
    },
    "net-bind (restricted)": {
        dir: "net-bind",
        options: { podSecurity: "restricted" },
        kinds: { dns: "Deployment" },
        warnings: [
            "compose.yaml: services.dns.cap_drop: not translated: every capability is already dropped (restricted)",
            "compose.yaml: services.dns: hardened to restricted Pod Security by config, unlike Docker: runs as uid 1000 rather than the image's user, with a read-only root, every capability dropped; an image that starts as root (most database images) fails to start",
            "compose.yaml: services.dns.ports.0: published port 53 is not opened on any host: 53 is reached through the Service, or from outside through expose",
            "compose.yaml: services.dns.ports.1: published port 53 is not opened on any host: 53 is reached through the Service, or from outside through expose",
        ],
        check: ({ web }) => assert.deepStrictEqual(web("dns").security, { runAsUser: 1000, runAsGroup: 1000, addCapabilities: ["NET_BIND_SERVICE"] }),
    },
    "net-bind": {
        kinds: { dns: "Deployment" },
        warnings: [
            "compose.yaml: services.dns.ports.0: published port 53 is not opened on any host: 53 is reached through the Service, or from outside through expose",
            "compose.yaml: services.dns.ports.1: published port 53 is not opened on any host: 53 is reached through the Service, or from outside through expose",
        ],
        check: ({ web }) => {
            assert.deepStrictEqual(web("dns").security, {
                asDocker: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, dropCapabilities: ["ALL"], addCapabilities: ["NET_BIND_SERVICE"],
            }, "what the file asks: its user, a read-only root, every capability dropped but the one it adds");
            assert.deepStrictEqual(web("dns").ports, [{ name: "udp-53", port: 53, protocol: "UDP" }, { name: "tcp-53", port: 53, protocol: "TCP" }]);
            assert.deepStrictEqual(web("dns").probes, { tcp: true, port: 53, readinessOnly: true }, "the TCP check skips the UDP port");
        },
    },
    "host-bind": {
        errors: [
            "compose.yaml: services.agent.volumes.0: /var/log is a path on the Docker host, which the cluster's nodes do not have; drop the mount (or skip the service) and ship what it holds in the image, configs: or secrets:",
            "compose.yaml: services.agent.volumes.1: ~/.aws is a path on the Docker host, which the cluster's nodes do not have; drop the mount (or skip the service) and ship what it holds in the image, configs: or secrets:",
            `compose.yaml: services.agent.volumes.2: ./data is not a file kubestrap can read from ${path.join(root, "host-bind")} (directories and missing files cannot be shipped); use a named volume or configs:`,
        ],
    },
    "config-bind": {
        kinds: { proxy: "Deployment" },
        warnings: ["compose.yaml: services.proxy.volumes.2: ./templates/motd.txt is shipped read-only as a ConfigMap: writes to /etc/motd fail"],
        check: ({ t, web }) => {
            const read = (f: string) => fs.readFileSync(path.join(root, "config-bind", f), "utf8");
            assert.deepStrictEqual(t.configMaps, [
                { name: "bind-proxy-0", data: { "default.conf": read("nginx/default.conf") } },
                { name: "bind-proxy-1", data: { "robots.txt": read("static/robots.txt") } },
                { name: "bind-proxy-2", data: { "motd.txt": read("templates/motd.txt") } },
            ]);
            assert.deepStrictEqual(web("proxy").volumeMounts, [
                { name: "bind-proxy-0", mountPath: "/etc/nginx/conf.d/default.conf", subPath: "default.conf", readOnly: true },
                { name: "bind-proxy-1", mountPath: "/usr/share/nginx/html/robots.txt", subPath: "robots.txt", readOnly: true },
                { name: "bind-proxy-2", mountPath: "/etc/motd", subPath: "motd.txt", readOnly: true },
            ]);
        },
    },
    resources: {
        kinds: { api: "Deployment", worker: "Deployment", legacy: "Deployment" },
        warnings: [
            "compose.yaml: services.worker.deploy.labels: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.worker.restart: a Deployment restarts the container whatever its exit code; use restart: \"no\" for a run-once task",
            "compose.yaml: services.worker.deploy.placement: not translated: use the cluster's node labels (kubestrap:cluster) instead",
            "compose.yaml: services.worker.deploy.restart_policy.max_attempts: not translated: the kubelet restarts containers with its own back-off",
            "compose.yaml: services.worker.deploy.resources.limits.pids: not translated: the node's kubelet sets the pod's process limit",
        ],
        check: ({ web }) => {
            assert.strictEqual(web("api").replicas, 2);
            assert.deepStrictEqual(web("api").resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1500m", memory: "1Gi" } });
            assert.strictEqual(web("worker").replicas, 3, "an interpolated ${WORKERS:-3} is a number of replicas");
            assert.deepStrictEqual(web("worker").resources, { requests: { memory: "512Mi" }, limits: { memory: String(1.5 * 1024 ** 3) } });
            assert.deepStrictEqual(web("legacy").resources, { requests: { memory: "128Mi" }, limits: { memory: "300Mi", cpu: "500m" } }, "mem_limit, cpus and mem_reservation");
        },
    },
    users: {
        kinds: { db: "Deployment", cache: "Deployment", tool: "Deployment" },
        warnings: [],
        check: ({ web }) => {
            assert.deepStrictEqual(web("db").security, { asDocker: true, runAsUser: 999, runAsGroup: 999, readOnlyRootFilesystem: false });
            assert.deepStrictEqual(web("cache").security, { asDocker: true, runAsUser: 1001, readOnlyRootFilesystem: false });
            assert.deepStrictEqual(web("tool").security, { asDocker: true, runAsUser: 0, readOnlyRootFilesystem: false }, "root, as the file says: baseline allows it");
        },
    },
    "users (restricted)": {
        dir: "users",
        options: { podSecurity: "restricted", services: { cache: { podSecurity: "restricted" } } },
        kinds: { db: "Deployment", cache: "Deployment", tool: "Deployment" },
        warnings: [
            "compose.yaml: services.db: hardened to restricted Pod Security by config, unlike Docker: runs as uid 999 rather than the image's user, with a read-only root, every capability dropped; an image that starts as root (most database images) fails to start",
            "compose.yaml: services.cache: hardened to restricted Pod Security by config, unlike Docker: runs as uid 1001 rather than the image's user, with a read-only root, every capability dropped; an image that starts as root (most database images) fails to start",
            "compose.yaml: services.tool.user: root (0) is refused by restricted Pod Security: the pod runs as kubestrap's non-root default; set a non-zero user",
            "compose.yaml: services.tool: hardened to restricted Pod Security by config, unlike Docker: runs as uid 10001 rather than the image's user, with a read-only root, every capability dropped; an image that starts as root (most database images) fails to start",
        ],
        check: ({ web }) => {
            assert.deepStrictEqual(web("db").security, { runAsUser: 999, runAsGroup: 999 });
            assert.deepStrictEqual(web("cache").security, { runAsUser: 1001 });
            assert.deepStrictEqual(web("tool").security, {});
        },
    },
    "one service hardened in a Docker-like app": {
        dir: "users",
        options: { services: { cache: { podSecurity: "restricted" } } },
        kinds: { db: "Deployment", cache: "Deployment", tool: "Deployment" },
        warnings: [
            "compose.yaml: services.cache: hardened to restricted Pod Security by config, unlike Docker: runs as uid 1001 rather than the image's user, with a read-only root, every capability dropped; an image that starts as root (most database images) fails to start",
        ],
        check: ({ web }) => {
            assert.deepStrictEqual(web("cache").security, { runAsUser: 1001 });
            assert.strictEqual(web("db").security.asDocker, true);
        },
    },
    "named-user": {
        errors: [
            'compose.yaml: services.db.user: "postgres" is a user name; Kubernetes needs numeric ids, like "999:999"',
            'compose.yaml: services.web.user: "www-data:www-data" is a user name; Kubernetes needs numeric ids, like "999:999"',
        ],
    },
    "working-dir-labels": {
        kinds: { app: "Deployment", cron: "Deployment" },
        warnings: [
            "compose.yaml: services.app.labels.com.acme.this-label-name-is-far-too-long-to-be-a-kubernetes-annotation-name: not translated: not a Kubernetes annotation key (at most 63 characters after an optional prefix/)",
        ],
        check: ({ web }) => {
            assert.strictEqual(web("app").workingDir, "/srv/app");
            assert.deepStrictEqual(web("app").podAnnotations, { "com.acme.owner": "payments", "traefik.http.routers.app.rule": "Host(`app.example.com`)" });
            assert.strictEqual(web("cron").workingDir, "/jobs");
            assert.deepStrictEqual(web("cron").podAnnotations, { "com.acme.schedule": "*/5 * * * *", "com.acme.description": "cleans up = old files" });
        },
    },
    ports: {
        kinds: { web: "Deployment" },
        warnings: [
            "compose.yaml: services.web.ports.1: published port 8080 is not opened on any host: 80 is reached through the Service, or from outside through expose",
            "compose.yaml: services.web.ports.2: published port 8443 is not opened on any host: 443 is reached through the Service, or from outside through expose",
            "compose.yaml: services.web.ports.3: published port 9090 is not opened on any host: 9090 is reached through the Service, or from outside through expose",
        ],
        check: ({ web }) => {
            assert.deepStrictEqual(web("web").ports, [
                { name: "tcp-3000", port: 3000, protocol: "TCP" },
                { name: "tcp-80", port: 80, protocol: "TCP" },
                { name: "tcp-443", port: 443, protocol: "TCP" },
                { name: "tcp-9090", port: 9090, protocol: "TCP" },
                { name: "udp-5353", port: 5353, protocol: "UDP" },
                { name: "tcp-9100", port: 9100, protocol: "TCP" },
                { name: "tcp-9200", port: 9200, protocol: "TCP" },
            ]);
            assert.deepStrictEqual(web("web").probes, { tcp: true, port: 3000, readinessOnly: true });
        },
    },
    "port-range": {
        errors: ["compose.yaml: services.relay.ports.0: the port range 10000-10100 would be 101 Service ports; list the ports the service really uses"],
    },
    networks: {
        kinds: { proxy: "Deployment", api: "Deployment", db: "Deployment" },
        warnings: [
            "compose.yaml: services.db.networks: db and proxy share no network, but pods of one namespace reach each other: kubestrap does not isolate them",
            `compose.yaml: services.api.networks.backend.aliases.0: "api.internal" cannot name a Service (lower-case letters, digits and '-', a letter first): it is api-internal in the cluster, and other services' environment says so`,
            "compose.yaml: networks.frontend.ipam: not translated: pods get their addresses from the cluster's pod range, not this subnet",
            "compose.yaml: networks.backend.internal: not translated: an internal network's no-egress rule is not enforced",
        ],
    },
    anchors: {
        kinds: { web: "Deployment", sidekiq: "Deployment" },
        warnings: [
            'compose.yaml: name: the project name "monolith" is not used: the app is "anchors" (kubestrap:apps[].name), which names its namespace and labels',
            "compose.yaml: services.web.logging: not translated: logs go to the node's container log; read them with kubectl logs",
            "compose.yaml: services.sidekiq.logging: not translated: logs go to the node's container log; read them with kubectl logs",
        ],
        check: ({ web }) => {
            for (const name of ["web", "sidekiq"]) {
                assert.strictEqual(web(name).image, "ghcr.io/acme/monolith:4.2.0", `${name} took the image from the x-app anchor`);
                assert.deepStrictEqual(web(name).secretEnv, { SECRET_KEY_BASE: "dev-only-secret" });
            }
            assert.deepStrictEqual(web("web").env, { RAILS_ENV: "production", RAILS_LOG_TO_STDOUT: "1" });
            assert.deepStrictEqual(web("sidekiq").env, { RAILS_ENV: "production", RAILS_LOG_TO_STDOUT: "1", SIDEKIQ_CONCURRENCY: "10" }, "a merge key inside environment");
            assert.deepStrictEqual(web("sidekiq").args, ["bundle", "exec", "sidekiq", "-q", "default", "-q", "mailers"]);
        },
    },
    "long-stateful-name": {
        kinds: { "analytics-events-warehouse-clickhouse-replica-for-reports": "StatefulSet", "analytics-events-warehouse-clickhouse-replica-for-reports-proxy": "Deployment" },
        warnings: [
            "compose.yaml: services.analytics-events-warehouse-clickhouse-replica-for-reports.volumes: 2 replicas with named volume chdata: a StatefulSet gives each replica its own claim (compose would share one volume)",
            "compose.yaml: services.analytics-events-warehouse-clickhouse-replica-for-reports.volumes: its StatefulSet is named analytics-events-warehouse-clickhouse-repli-588d7b6a (at most 52 characters, so its pods' revision label fits); other services still reach it as analytics-events-warehouse-clickhouse-replica-for-reports",
        ],
        check: ({ service, web }) => {
            const name = "analytics-events-warehouse-clickhouse-replica-for-reports";
            const set = web(name).appName!;
            assert.ok(set.length <= 52 && `${set}-${"a".repeat(10)}`.length <= 63, set);
            assert.deepStrictEqual(service(name).aliases, [name], "its Service name stays reachable");
            const proxy = web(`${name}-proxy`);
            for (const v of proxy.volumes) assert.ok(String(v.name).length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(String(v.name)), `volume name ${v.name}`);
            assert.deepStrictEqual(proxy.volumeMounts.map((m) => m.name).sort(), proxy.volumes.map((v) => v.name).sort(), "every mount names its volume");
        },
    },
    links: {
        kinds: { db: "Deployment", cache: "Deployment", web: "Deployment" },
        warnings: ["compose.yaml: services.web.links.2: search is not a service deployed here: the link gives nothing"],
        check: ({ service }) => {
            assert.deepStrictEqual(service("db").aliases, ["database"], "web's link alias names db");
            assert.deepStrictEqual(service("cache").aliases, [], "a link by the service's own name needs nothing more");
        },
    },
    // Shapes of well-known self-hosted stacks, written for this corpus (not copied from them).
    "wild-photos": {
        kinds: { redis: "Deployment", database: "Deployment", "photo-library-server": "Deployment", "photo-library-machine-learning": "Deployment" },
        warnings: [
            "compose.yaml: name: the project name \"photo-library\" is not used: the app is \"wild-photos\" (kubestrap:apps[].name), which names its namespace and labels",
            "compose.yaml: services.photo-library-server.environment.DB_HOSTNAME: names photo_library_postgres, which no Service can be called: rewritten to photo-library-postgres, the name it has in the cluster",
            "compose.yaml: services.photo-library-server.environment.REDIS_HOSTNAME: names photo_library_redis, which no Service can be called: rewritten to photo-library-redis, the name it has in the cluster",
            "compose.yaml: services.photo-library-server.environment.DB_URL: names photo_library_postgres, which no Service can be called: rewritten to photo-library-postgres, the name it has in the cluster",
            "compose.yaml: services.photo-library-server.ports.0: published port 2283 is not opened on any host: 2283 is reached through the Service, or from outside through expose",
            "compose.yaml: services.photo-library-server.depends_on.redis: redis declares no port, so photo-library-server is ordered after it at creation only (no port to wait on); it still reaches redis by name (a headless Service), on any port",
            "compose.yaml: services.photo-library-server.depends_on.database: database declares no port, so photo-library-server is ordered after it at creation only (no port to wait on); it still reaches database by name (a headless Service), on any port",
            "compose.yaml: services.photo-library-server.container_name: \"photo_library_server\" cannot name a Service (lower-case letters, digits and '-', a letter first): it is photo-library-server in the cluster, and other services' environment says so",
            "compose.yaml: services.photo-library-server.healthcheck.test: names photo_library_server, which no Service can be called: rewritten to photo-library-server, the name it has in the cluster",
            "compose.yaml: services.photo-library-machine-learning.container_name: \"photo_library_machine_learning\" cannot name a Service (lower-case letters, digits and '-', a letter first): it is photo-library-machine-learning in the cluster, and other services' environment says so",
            "compose.yaml: services.redis.container_name: \"photo_library_redis\" cannot name a Service (lower-case letters, digits and '-', a letter first): it is photo-library-redis in the cluster, and other services' environment says so",
            "compose.yaml: services.database.shm_size: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.database.container_name: \"photo_library_postgres\" cannot name a Service (lower-case letters, digits and '-', a letter first): it is photo-library-postgres in the cluster, and other services' environment says so",
        ],
        check: ({ service, web }) => {
            const server = web("photo-library-server");
            assert.strictEqual(server.env?.DB_HOSTNAME, "photo-library-postgres", "a container_name used as a host follows its valid name");
            assert.strictEqual(server.secretEnv.DB_URL, "postgres://postgres:change-me-please@photo-library-postgres:5432/photos", "a URL holding the password is secret, and follows the name");
            assert.deepStrictEqual(service("database").aliases, ["photo-library-postgres"]);
            assert.deepStrictEqual(server.hostAliases, [{ ip: "127.0.0.1", hostnames: ["photo-library-server"] }], "its self-calling healthcheck reaches itself");
            assert.strictEqual(web("database").security.asDocker, true, "the database image starts as root, as under Docker");
            assert.deepStrictEqual(server.ports, [{ name: "tcp-2283", port: 2283, protocol: "TCP" }], "the empty host IP of \":2283:2283\"");
        },
    },
    "wild-sso": {
        kinds: { postgresql: "Deployment", redis: "Deployment", server: "Deployment", worker: "Deployment" },
        warnings: [
            "compose.yaml: services.server.ports.0: published port 9000 is not opened on any host: 9000 is reached through the Service, or from outside through expose",
            "compose.yaml: services.server.ports.1: published port 9443 is not opened on any host: 9443 is reached through the Service, or from outside through expose",
            "compose.yaml: services.server.depends_on.postgresql: postgresql declares no port, so server is ordered after it at creation only (no port to wait on); it still reaches postgresql by name (a headless Service), on any port",
            "compose.yaml: services.server.depends_on.redis: redis declares no port, so server is ordered after it at creation only (no port to wait on); it still reaches redis by name (a headless Service), on any port",
            "compose.yaml: services.worker.depends_on.postgresql: postgresql declares no port, so worker is ordered after it at creation only (no port to wait on); it still reaches postgresql by name (a headless Service), on any port",
            "compose.yaml: services.worker.depends_on.redis: redis declares no port, so worker is ordered after it at creation only (no port to wait on); it still reaches redis by name (a headless Service), on any port",
            "compose.yaml: volumes.media: mounted by server and worker: a ReadWriteOnce claim is shared only by pods on one node; set volumes.media.accessMode: ReadWriteMany with a storage class that supports it",
            "compose.yaml: volumes.templates: mounted by server and worker: a ReadWriteOnce claim is shared only by pods on one node; set volumes.templates.accessMode: ReadWriteMany with a storage class that supports it",
        ],
        check: ({ web }) => {
            assert.deepStrictEqual(web("worker").security, { asDocker: true, runAsUser: 0, readOnlyRootFilesystem: false }, "user: root is uid 0");
            assert.ok("IDENTITY_SECRET_KEY" in web("server").secretEnv && "IDENTITY_POSTGRESQL__PASSWORD" in web("worker").secretEnv);
            assert.deepStrictEqual(web("worker").probes, { none: true }, "no ports, no healthcheck: nothing probes it, as Docker");
        },
    },
    "wild-social": {
        kinds: { db: "Deployment", redis: "Deployment", web: "Deployment", streaming: "Deployment", sidekiq: "Deployment" },
        warnings: [
            "compose.yaml: services.db.shm_size: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.web.ports.0: published port 3000 is not opened on any host: 3000 is reached through the Service, or from outside through expose",
            "compose.yaml: services.web.depends_on.db: db declares no port, so web is ordered after it at creation only (no port to wait on); it still reaches db by name (a headless Service), on any port",
            "compose.yaml: services.web.depends_on.redis: redis declares no port, so web is ordered after it at creation only (no port to wait on); it still reaches redis by name (a headless Service), on any port",
            "compose.yaml: services.streaming.ports.0: published port 4000 is not opened on any host: 4000 is reached through the Service, or from outside through expose",
            "compose.yaml: services.streaming.depends_on.db: db declares no port, so streaming is ordered after it at creation only (no port to wait on); it still reaches db by name (a headless Service), on any port",
            "compose.yaml: services.streaming.depends_on.redis: redis declares no port, so streaming is ordered after it at creation only (no port to wait on); it still reaches redis by name (a headless Service), on any port",
            "compose.yaml: services.sidekiq.depends_on.db: db declares no port, so sidekiq is ordered after it at creation only (no port to wait on); it still reaches db by name (a headless Service), on any port",
            "compose.yaml: services.sidekiq.depends_on.redis: redis declares no port, so sidekiq is ordered after it at creation only (no port to wait on); it still reaches redis by name (a headless Service), on any port",
            "compose.yaml: volumes.public-system: mounted by web and sidekiq: a ReadWriteOnce claim is shared only by pods on one node; set volumes.public-system.accessMode: ReadWriteMany with a storage class that supports it",
        ],
        check: ({ t, web }) => {
            assert.ok(!t.services.some((s) => s.name === "es"), "the search profile is off");
            assert.ok(web("web").secretEnv.DATABASE_URL?.includes("Rk9PQkFSQkFaMTIz"), "DATABASE_URL carries DB_PASS's value: secret");
            assert.strictEqual(web("web").env?.DATABASE_URL, undefined);
            assert.ok(web("sidekiq").probes?.exec, "its healthcheck checks the process");
        },
    },
    "self-calling-healthcheck": {
        kinds: { api: "Deployment", worker: "Deployment", probe: "Deployment" },
        warnings: [],
        check: ({ web }) => {
            // On a compose network a service's own names reach the container; here they would be a Service that waits for this very check.
            assert.deepStrictEqual(web("api").hostAliases, [{ ip: "127.0.0.1", hostnames: ["api", "acme-api"] }]);
            assert.deepStrictEqual(web("worker").hostAliases, [{ ip: "127.0.0.1", hostnames: ["worker", "jobs"] }], "by its hostname");
            assert.strictEqual(web("probe").hostAliases, undefined, "a check of another service still goes through that service");
        },
    },
    "untranslated-keys": {
        kinds: { app: "Deployment" },
        warnings: [
            "compose.yaml: services.app.stop_signal: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.app.sysctls: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.app.shm_size: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.app.dns: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.app.init: not translated: Kubernetes reaps zombies only with shareProcessNamespace; add an init to the image if it spawns children",
            "compose.yaml: services.app.pull_policy: not translated: the kubelet pulls by its own policy (IfNotPresent for pinned tags)",
            "compose.yaml: services.app.platform: not translated: the node's architecture picks the image variant",
            "compose.yaml: services.app.annotations: not translated: Kubernetes has no equivalent kubestrap sets",
            "compose.yaml: services.app.ulimits: not translated",
            "compose.yaml: services.app.extra_hosts: not translated",
            "compose.yaml: services.app.stdin_open: not translated",
            "compose.yaml: services.app.tty: not translated",
        ],
        check: ({ web }) => {
            assert.strictEqual(web("app").terminationGracePeriodSeconds, 90, "stop_grace_period: 1m30s");
            assert.strictEqual(web("app").security.allowPrivilegeEscalation, false, "security_opt no-new-privileges");
            assert.strictEqual(web("app").security.readOnlyRootFilesystem, false, "read_only: false, as Docker");
        },
    },
    "entrypoint-command": {
        kinds: { app: "Deployment", shell: "Deployment", quoted: "Deployment" },
        warnings: [],
        check: ({ web }) => {
            assert.deepStrictEqual(web("app").command, ["/usr/local/bin/docker-entrypoint.sh"], "entrypoint is the container's command");
            assert.deepStrictEqual(web("app").args, ["node", "server.js", "--port", "3000", "--name", "My App"], "command is its args, split as a shell splits words");
            assert.deepStrictEqual(web("shell").command, ["/bin/sh", "-c"]);
            assert.deepStrictEqual(web("shell").args, ['echo "$GREETING" && exec sleep infinity'], "$$ is a literal $ for the container's shell");
            assert.strictEqual(web("quoted").command, undefined, "no entrypoint: the image's");
            assert.deepStrictEqual(web("quoted").args, ["python", "-c", "print('ready')"]);
        },
    },
    "typo-key": {
        errors: ['compose.yaml:3: services.web.imgae: "imgae" is not a Compose key here; check its spelling against the Compose Specification'],
    },
    cycle: {
        errors: ["compose.yaml: depends_on cycle: a -> b -> c -> a; break it"],
    },
    "unpinned-image": {
        errors: [
            'compose.yaml: services.web.image: "nginx" has no tag; pin a version (e.g. nginx:1.2.3) or a digest (nginx@sha256:...) (or set services.<name>.image in config)',
            'compose.yaml: services.cache.image: "redis:latest" uses the mutable tag "latest"; pin a version tag or a digest (or set services.<name>.image in config)',
        ],
    },
};

function run(name: string, c: Case): { translation?: ComposeTranslation; problems?: string[]; services: Record<string, ComposeService> } {
    const dir = path.join(root, c.dir ?? name);
    const file = path.join(dir, "compose.yaml");
    const env = { ...shellEnv, ...c.env };
    let services: Record<string, ComposeService> = {};
    try {
        const project = loadCompose(file, { env, profiles: c.profiles ?? [] });
        services = project.services;
        const translation = translateCompose(project, { app: name, baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env, volumeSize: "1Gi", file: "compose.yaml", ...c.options });
        return { translation, services };
    } catch (e) {
        if (e instanceof ComposeError) return { problems: e.problems, services };
        throw e;
    }
}

function translated(name: string): Translated {
    const { translation, problems } = run(name, cases[name]);
    assert.ok(translation, `${name} did not translate:\n${problems?.join("\n")}`);
    const service = (s: string) => {
        const found = translation.services.find((x) => x.name === s);
        assert.ok(found, `${name} has no service ${s}`);
        return found;
    };
    return {
        t: translation,
        service,
        web: (s) => (service(s).web as Web | undefined) ?? assert.fail(`${name}: ${s} is not a Deployment or StatefulSet`),
        job: (s) => service(s).job ?? assert.fail(`${name}: ${s} is not a Job`),
    };
}

const workload = (s: TranslatedService): Web | JobPlan => ((s.web as Web | undefined) ?? s.job)!;
const kindOf = (s: TranslatedService): Kind => (s.job ? "Job" : s.web!.kind!);
const envOf = (s: TranslatedService) => ({ ...workload(s).env, ...workload(s).secretEnv } as Record<string, string>);
const mountPaths = (s: TranslatedService) => workload(s).volumeMounts.map((m) => m.mountPath);
const listOrMap = (value: unknown): [string, unknown][] => (Array.isArray(value)
    ? value.map((e: string) => (e.includes("=") ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] : [e, null]))
    : Object.entries((value ?? {}) as Record<string, unknown>));
/** The container port of a ports: or expose: entry. */
const targetOf = (entry: unknown) => (typeof entry === "object" ? Number((entry as { target: unknown }).target) : Number(/(\d+)(?:\/\w+)?$/.exec(String(entry))![1]));
/** Where Compose puts a secret or config: its target, absolute or under the default directory, or its name there. */
const fileTarget = (entry: unknown, dir: string) => {
    const { source, target } = typeof entry === "string" ? { source: entry, target: undefined } : entry as { source: string; target?: string };
    return target?.startsWith("/") ? target : `${dir}${target ?? source}`;
};
const truthy = (v: unknown) => v === true || v === "true";

/**
 * How a service key shows in the translation when it is carried. A key not listed here, or whose check
 * fails, must be named by a warning (`services.<name>.<key>` or deeper).
 */
const carried: Record<string, (svc: ComposeService, s: TranslatedService, dir: string, t: ComposeTranslation) => boolean> = {
    container_name: (svc, s) => (s.aliases ?? []).includes(svc.container_name),
    hostname: (svc, s) => (s.aliases ?? []).includes(svc.hostname),
    image: (svc, s) => workload(s).image === svc.image,
    command: (svc, s) => (workload(s).args ?? []).length > 0,
    entrypoint: (svc, s) => (workload(s).command ?? []).length > 0,
    environment: (svc, s) => listOrMap(svc.environment).every(([k, v]) => v === null || envOf(s)[k] === String(v)),
    env_file: (svc, s, dir) => {
        const files = (Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file]).map((f: string | { path: string }) => (typeof f === "string" ? f : f.path));
        const named = new Set(listOrMap(svc.environment).map(([k]) => k));
        return files.every((f: string) => !fs.existsSync(path.join(dir, f)) || Object.keys(parseDotEnv(fs.readFileSync(path.join(dir, f), "utf8"))).every((k) => named.has(k) || k in envOf(s)));
    },
    ports: (svc, s) => !!s.web && svc.ports.every((p: unknown) => s.web!.ports!.some((x) => x.port === targetOf(p))),
    expose: (svc, s) => !!s.web && svc.expose.every((p: unknown) => s.web!.ports!.some((x) => x.port === targetOf(p))),
    volumes: (svc, s) => svc.volumes.every((v: string | { target: string }) => mountPaths(s).includes(typeof v === "string" ? v.split(":")[v.includes(":") ? 1 : 0] : v.target)),
    tmpfs: (svc, s) => [svc.tmpfs].flat().every((t: string) => t.split(":")[0] === "/tmp" || mountPaths(s).includes(t.split(":")[0])),
    healthcheck: (svc, s) => !!s.web && !!(s.web.probes?.exec || s.web.probes?.none),
    depends_on: (svc, s) => (Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on)).every((d: string) => s.after.some((a) => a.service === d)),
    secrets: (svc, s) => svc.secrets.every((e: unknown) => mountPaths(s).includes(fileTarget(e, "/run/secrets/"))),
    configs: (svc, s) => svc.configs.every((e: unknown) => mountPaths(s).includes(fileTarget(e, "/"))),
    restart: (svc, s) => !!s.job || svc.restart !== "no",
    user: (svc, s) => workload(s).security.runAsUser === Number(String(svc.user).split(":")[0].replace(/^root$/, "0")),
    working_dir: (svc, s) => workload(s).workingDir === svc.working_dir,
    labels: (svc, s) => !!(s.web ?? s.job)?.podAnnotations,
    profiles: () => true,
    // One namespace: every service reaches every other; isolation it cannot give is a warning (the networks case).
    networks: () => true,
    cap_add: (svc, s) => (workload(s).security.addCapabilities ?? []).length === svc.cap_add.length,
    read_only: (svc, s) => (workload(s).security.readOnlyRootFilesystem ?? true) === truthy(svc.read_only),
    cap_drop: (svc, s) => (workload(s).security.dropCapabilities ?? []).length === svc.cap_drop.length,
    // Each link's target answers by the link's name: its own, or an alias it was given.
    links: (svc, s, dir, t) => svc.links.every((l: string) => {
        const [target, alias = target] = String(l).split(":");
        const linked = t.services.find((x) => x.name === target);
        return !!linked && (alias === target || (linked.aliases ?? []).includes(alias));
    }),
    security_opt: (svc, s) => svc.security_opt.every((o: string) => /^no-new-privileges(:true)?$/.test(o)) && workload(s).security.allowPrivilegeEscalation === false,
    stop_grace_period: (svc, s) => (s.web ?? s.job)?.terminationGracePeriodSeconds !== undefined,
    deploy: (svc, s) => (svc.deploy.replicas === undefined || s.web?.replicas === Number(svc.deploy.replicas)) && (svc.deploy.resources === undefined || !!workload(s).resources),
    mem_limit: (svc, s) => !!workload(s).resources?.limits?.memory,
    cpus: (svc, s) => !!workload(s).resources?.limits?.cpu,
    mem_reservation: (svc, s) => !!workload(s).resources?.requests?.memory,
    scale: (svc, s) => s.web?.replicas === Number(svc.scale),
};
/** deploy: keys carried by the translation; others must be warned about. */
const carriedDeploy = new Set(["replicas", "resources", "restart_policy"]);

describe("translating docker-compose files", () => {
    const dirs = fs.readdirSync(root).filter((d) => !notCases.has(d) && fs.statSync(path.join(root, d)).isDirectory());

    it("has an expectation for every compose file of the corpus, and a file for every expectation", () => {
        const covered = new Set(Object.entries(cases).map(([name, c]) => c.dir ?? name));
        assert.deepStrictEqual(dirs.filter((d) => !covered.has(d)), [], "compose files without an expectation");
        assert.deepStrictEqual([...covered].filter((d) => !dirs.includes(d)), [], "expectations without a compose file");
        assert.ok(dirs.length >= 22, `the corpus has ${dirs.length} files`);
        for (const [name, c] of Object.entries(cases)) {
            assert.ok(c.errors ? !c.kinds && !c.warnings && !c.check : c.kinds && c.warnings, `${name}: say either errors, or kinds and warnings`);
        }
    });

    for (const [name, c] of Object.entries(cases)) {
        if (c.errors) {
            it(`${name}: fails with exactly its problems`, () => {
                const { translation, problems } = run(name, c);
                assert.ok(!translation, `${name} translated, but should fail with:\n${c.errors!.join("\n")}`);
                assert.deepStrictEqual([...problems!].sort(), [...c.errors!].sort());
            });
            continue;
        }
        it(`${name}: makes the workloads, and says every warning`, () => {
            const x = translated(name);
            assert.deepStrictEqual(Object.fromEntries(x.t.services.map((s) => [s.name, kindOf(s)])), c.kinds);
            assert.deepStrictEqual([...x.t.warnings].sort(), [...c.warnings!].sort());
            c.check?.(x);
        });
    }

    it("carries or reports every key of every service in the corpus: nothing is dropped silently", () => {
        const silent: string[] = [];
        for (const [name, c] of Object.entries(cases).filter(([, c]) => !c.errors)) {
            const { translation, services } = run(name, c);
            const warned = (at: string) => translation!.warnings.some((w) => w.startsWith(`compose.yaml: ${at}:`) || w.startsWith(`compose.yaml: ${at}.`));
            for (const [svcName, svc] of Object.entries(services)) {
                const s = translation!.services.find((x) => x.name === svcName)!;
                for (const key of Object.keys(svc).filter((k) => !k.startsWith("x-"))) {
                    const at = `services.${svcName}.${key}`;
                    if (!carried[key]?.(svc, s, path.join(root, c.dir ?? name), translation!) && !warned(at)) silent.push(`${name}: ${at}`);
                }
                for (const key of Object.keys(svc.deploy ?? {}).filter((k) => !carriedDeploy.has(k))) {
                    if (!warned(`services.${svcName}.deploy.${key}`)) silent.push(`${name}: services.${svcName}.deploy.${key}`);
                }
                for (const key of Object.keys(svc.deploy?.restart_policy ?? {}).filter((k) => k !== "condition")) {
                    if (!warned(`services.${svcName}.deploy.restart_policy.${key}`)) silent.push(`${name}: services.${svcName}.deploy.restart_policy.${key}`);
                }
                for (const [label] of listOrMap(svc.labels)) {
                    if ((s.web ?? s.job)?.podAnnotations?.[label] === undefined && !warned(`services.${svcName}.labels`)) silent.push(`${name}: services.${svcName}.labels.${label}`);
                }
            }
        }
        assert.deepStrictEqual(silent, []);
    });
});

describe("ComposeApp on every translation of the corpus", () => {
    const good = Object.entries(cases).filter(([, c]) => !c.errors).map(([name]) => name);

    async function build(name: string, preview: boolean): Promise<{ r: Recorder; t: ComposeTranslation; logged: string[] }> {
        const { t } = translated(name);
        const r = await withMocks(preview);
        // Without an engine, pulumi.log.warn writes to the console: what `pulumi up` would show, collected here.
        const logged: string[] = [];
        const consoleWarn = console.warn;
        console.warn = (message: string) => logged.push(message);
        try {
            // Supplied secrets: one given, the next generated, as config can say.
            const secretValues = Object.fromEntries(t.secrets.filter((x) => x.supplied).map((x, i) => [x.supplied!, i % 2 ? { generate: { length: 24 } } : `given-${x.supplied}`]));
            const app = new ComposeApp(name, { namespace: name, appName: name, translation: t, secretValues }, { transformations: [r.track] });
            await settle(app.services);
        } finally {
            console.warn = consoleWarn;
        }
        return { r, t, logged };
    }

    const workloadKey = (app: string, s: TranslatedService) => (s.job ? `kubernetes:batch/v1:Job::${app}-job-${s.name}` : `kubestrap:apps:WebApp::${app}-${s.name}`);
    const podOf = (r: Recorder, app: string, s: TranslatedService) => {
        const [type, suffix] = s.job ? ["kubernetes:batch/v1:Job", `job-${s.name}`]
            : s.web!.kind === "StatefulSet" ? ["kubernetes:apps/v1:StatefulSet", `${s.name}-statefulset`] : ["kubernetes:apps/v1:Deployment", `${s.name}-deployment`];
        return r.one(type, `${app}-${suffix}`).inputs.spec.template.spec;
    };

    for (const preview of [false, true]) {
        it(`emits only objects the Kubernetes API accepts, all under the ComposeApp (preview: ${preview})`, async () => {
            for (const name of good) {
                const { r, t, logged } = await build(name, preview);
                assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), [], name);
                assert.deepStrictEqual(logged, t.warnings.map((w) => `warning: [runtime] ${w}`), `${name}: every warning reaches the Pulumi log`);
                const rootKey = `kubestrap:apps:ComposeApp::${name}`;
                for (const res of r.resources) {
                    let key: string | undefined = `${res.type}::${res.name}`;
                    const chain: string[] = [];
                    while (key && key !== rootKey) {
                        chain.push(key);
                        key = r.ancestry.get(key);
                    }
                    assert.strictEqual(key, rootKey, `${name}: ${chain.join(" <- ")} is not under the ComposeApp`);
                    assert.strictEqual(res.inputs.metadata?.namespace ?? name, name, `${name}: ${res.name} is outside the app's namespace`);
                }
            }
        });
    }

    it("runs each service as the workload its expectation names, waiting for its dependencies", async () => {
        for (const name of good) {
            const { r, t } = await build(name, false);
            for (const s of t.services) {
                const pod = podOf(r, name, s);
                assert.strictEqual(kindOf(s), cases[name].kinds![s.name], `${name}: ${s.name}`);
                const waits = workload(s).waitFor;
                assert.deepStrictEqual((pod.initContainers ?? []).map((c: any) => c.command[2]),
                    waits.map((w) => `until nc -w 2 ${w.host} ${w.port} -e true >/dev/null 2>&1; do echo "waiting for ${w.host}:${w.port}"; sleep 2; done`), `${name}: ${s.name}'s init containers`);
                const container = pod.containers[0];
                assert.strictEqual(container.image, workload(s).image, `${name}: ${s.name}`);
                const service = r.ofType("kubernetes:core/v1:Service").find((x) => x.name === `${name}-${s.name}-service`);
                const ports = s.web?.ports ?? [];
                assert.deepStrictEqual(service?.inputs.spec.ports.map((p: any) => `${p.port}/${p.protocol}`) ?? [], ports.map((p) => `${p.port}/${p.protocol}`),
                    `${name}: ${s.name}'s Service (none without ports, and none for a Job)`);
                if (s.web?.kind === "StatefulSet") {
                    const templates = r.one("kubernetes:apps/v1:StatefulSet", `${name}-${s.name}-statefulset`).inputs.spec.volumeClaimTemplates;
                    assert.deepStrictEqual(templates.map((c: any) => [c.metadata.name, c.spec.resources.requests.storage]), s.web.claimTemplates!.map((c) => [c.name, c.size]));
                }
                if (s.job) {
                    assert.strictEqual(pod.restartPolicy, "Never");
                } else if (s.web!.probes?.exec) {
                    assert.deepStrictEqual(container.readinessProbe.exec.command, s.web!.probes.exec.command, `${name}: ${s.name}'s probe`);
                    assert.deepStrictEqual(container.livenessProbe.exec.command, s.web!.probes.exec.command, `${name}: ${s.name}'s liveness`);
                    // start_period: a startup probe holds liveness off for that long, as Docker's start period does.
                    const start = s.web!.probes.exec.startPeriodSeconds;
                    assert.strictEqual(container.startupProbe?.failureThreshold, start ? Math.ceil(start / s.web!.probes.exec.startIntervalSeconds!) + (s.web!.probes.exec.failureThreshold ?? 3) : undefined);
                } else if (s.web!.probes?.readinessOnly) {
                    assert.strictEqual(container.livenessProbe, undefined, `${name}: ${s.name} has no healthcheck, and Docker restarts nothing then`);
                    assert.ok(container.readinessProbe?.tcpSocket, `${name}: ${s.name}`);
                } else if (s.web!.probes?.none) {
                    assert.strictEqual(container.readinessProbe, undefined, `${name}: ${s.name} has no probe`);
                }
                // Pulumi creates a service after what it depends on is Ready (or, for a Job, complete).
                const dependsOn = ((r.optionsOf.get(workloadKey(name, s))?.dependsOn ?? []) as any[]).map((d) => `${d.__pulumiType}::${d.__name}`);
                for (const dep of s.after) {
                    const target = t.services.find((x) => x.name === dep.service)!;
                    assert.ok(dependsOn.includes(workloadKey(name, target)), `${name}: ${s.name} is not created after ${dep.service} (${dependsOn.join(", ")})`);
                }
            }
        }
    });

    it("fills supplied secrets with the given value or a password generated once under the ComposeApp", async () => {
        const { r } = await build("supplied-secrets", false);
        const data = (n: string) => reveal(r.one("kubernetes:core/v1:Secret", `supplied-secrets-${n}`).inputs.stringData);
        assert.deepStrictEqual(data("secret-db-password"), { db_password: "given-db_password" });
        const generated = r.one("random:index/randomPassword:RandomPassword", "supplied-secrets-secret-smtp_token");
        assert.deepStrictEqual([generated.inputs.length, generated.inputs.special], [24, false]);
        assert.strictEqual(data("secret-smtp-token").smtp_token, "random-password-of-supplied-secrets-secret-smtp_token");
        assert.ok(isSecretValue(r.one("kubernetes:core/v1:Secret", "supplied-secrets-secret-smtp-token").inputs.stringData));
    });

    it("mounts only claims, ConfigMaps and Secrets it creates, and keeps every secret value out of plain sight", async () => {
        for (const name of good) {
            const { r, t } = await build(name, false);
            const names = (type: string) => r.ofType(type).map((x) => x.inputs.metadata.name);
            const claims = names("kubernetes:core/v1:PersistentVolumeClaim");
            assert.deepStrictEqual(claims.sort(), t.claims.map((c) => c.name).sort(), name);
            for (const claim of t.claims) {
                const pvc = r.one("kubernetes:core/v1:PersistentVolumeClaim", `${name}-volume-${claim.name}`).inputs;
                assert.deepStrictEqual(pvc.spec.resources.requests, { storage: claim.size });
            }
            for (const s of t.services) {
                const pod = podOf(r, name, s);
                for (const v of pod.volumes ?? []) {
                    if (v.persistentVolumeClaim) assert.ok(claims.includes(v.persistentVolumeClaim.claimName), `${name}: ${s.name} mounts a claim nobody creates: ${v.persistentVolumeClaim.claimName}`);
                    if (v.configMap) assert.ok(names("kubernetes:core/v1:ConfigMap").includes(v.configMap.name), `${name}: ${s.name} mounts a missing ConfigMap ${v.configMap.name}`);
                    if (v.secret) assert.ok(names("kubernetes:core/v1:Secret").includes(v.secret.secretName), `${name}: ${s.name} mounts a missing Secret ${v.secret.secretName}`);
                }
                for (const e of pod.containers[0].env ?? []) {
                    if (e.valueFrom) assert.ok(names("kubernetes:core/v1:Secret").includes(e.valueFrom.secretKeyRef.name), `${name}: ${s.name}'s ${e.name} reads a missing Secret`);
                }
                for (const m of pod.containers[0].volumeMounts) {
                    assert.ok(pod.volumes.some((v: any) => v.name === m.name) || (s.web?.claimTemplates ?? []).some((c) => c.name === m.name), `${name}: ${s.name} mounts no volume ${m.name}`);
                }
            }
            for (const secret of r.ofType("kubernetes:core/v1:Secret")) {
                assert.ok(isSecretValue(secret.inputs.stringData), `${name}: ${secret.name}'s data is not a Pulumi secret`);
            }
            const secretValues = new Set([...t.secrets.flatMap((s) => Object.values(s.data)), ...t.services.flatMap((s) => Object.values(workload(s).secretEnv))]);
            for (const obj of r.kubernetesObjects().filter((o) => o.type !== "kubernetes:core/v1:Secret")) {
                const inputs = reveal(obj.inputs);
                const plain = [
                    ...Object.values(inputs.data ?? {}),
                    ...[inputs.spec?.template?.spec].filter(Boolean).flatMap((p: any) => p.containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.value))),
                ];
                for (const value of plain) assert.ok(!secretValues.has(value as string), `${name}: ${obj.name} holds a secret value in plain text`);
            }
        }
    });
});
