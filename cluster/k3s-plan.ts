// Pure planning for k3s nodes: the config file, the scripts each lifecycle step runs on a
// host, and the order of the nodes. Nothing here talks to a host.
import { stringify } from "yaml";
import { shellQuote } from "../core/shell";
import { kernelParametersPreflight } from "./k3s-kernel";

export type K3sRole = "server" | "agent";

export interface Taint {
    key: string;
    value?: string;
    effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface EtcdSnapshots {
    /** Cron schedule, e.g. "0 0,6,12,18 * * *". */
    schedule: string;
    retention: number;
    /** S3-compatible target; its keys go to the servers in a file of their own (s3CredentialsYaml). */
    s3?: { endpoint: string; bucket: string; folder?: string; region?: string };
}

export interface AirGap {
    /** Files on the machine running Pulumi, copied to each host. */
    binary: string;
    installScript: string;
    images?: string;
}

export interface K3sNodeSettings {
    role: K3sRole;
    /** The first server: starts the cluster (embedded etcd when `ha`, SQLite otherwise). */
    clusterInit: boolean;
    ha: boolean;
    nodeName: string;
    version: string;
    /** https://<first server>:6443 for every node but the first server. */
    serverUrl?: string;
    /** The address k3s registers the node with and, on servers, advertises the API on (a tailnet address on a mesh). */
    nodeIp?: string;
    labels: Record<string, string>;
    taints: Taint[];
    disable: string[];
    flannelIface?: string;
    flannelBackend?: string;
    tlsSans: string[];
    extraArgs: string[];
    dataDir?: string;
    hardened: boolean;
    registries?: Record<string, { endpoints: string[] }>;
    etcdSnapshots?: EtcdSnapshots;
    airGap?: AirGap;
    /** How long an upgrade's drain may take before it fails, naming the pods that held it. */
    drainTimeoutSeconds: number;
    /** A public service-account issuer (servers sign tokens as it; k3s's own stays accepted). */
    serviceAccountIssuer?: string;
}

export const k3sPaths = {
    config: "/etc/rancher/k3s/config.yaml",
    token: "/etc/rancher/k3s/token",
    registries: "/etc/rancher/k3s/registries.yaml",
    psa: "/etc/rancher/k3s/psa.yaml",
    audit: "/etc/rancher/k3s/audit-policy.yaml",
    staging: "/var/lib/kubestrap/k3s",
    kubeconfig: "/etc/rancher/k3s/k3s.yaml",
    /** A config drop-in k3s merges into config.yaml: keeps the S3 keys out of the main file. */
    s3Credentials: "/etc/rancher/k3s/config.yaml.d/etcd-s3-credentials.yaml",
};

/** The etcd snapshot S3 keys as a k3s config drop-in; written from stdin, never logged. */
export function s3CredentialsYaml(accessKey: string, secretKey: string): string {
    return stringify({ "etcd-s3-access-key": accessKey, "etcd-s3-secret-key": secretKey });
}

const versionPattern = /^v1\.\d+\.\d+\+k3s\d+$/;

export function versionProblem(version: string): string | undefined {
    return versionPattern.test(version) ? undefined : `"${version}" is not a k3s release; use the form v1.31.4+k3s1`;
}

const q = shellQuote;

/** The content of /etc/rancher/k3s/config.yaml. The token is in its own file, so this holds no secret. */
export function k3sConfigYaml(n: K3sNodeSettings): string {
    const config: Record<string, unknown> = {
        "node-name": n.nodeName,
        "token-file": k3sPaths.token,
    };
    if (n.role === "server" && n.clusterInit && n.ha) {
        config["cluster-init"] = true;
    }
    if (n.serverUrl && !n.clusterInit) {
        config.server = n.serverUrl;
    }
    if (n.dataDir) {
        config["data-dir"] = n.dataDir;
    }
    const labels = Object.entries(n.labels).map(([k, v]) => `${k}=${v}`);
    if (labels.length) {
        config["node-label"] = labels;
    }
    if (n.taints.length) {
        config["node-taint"] = n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`);
    }
    if (n.nodeIp) {
        config["node-ip"] = n.nodeIp;
    }
    if (n.flannelIface) {
        config["flannel-iface"] = n.flannelIface;
    }
    if (n.role === "server") {
        if (n.nodeIp) {
            config["advertise-address"] = n.nodeIp;
        }
        if (n.disable.length) {
            config.disable = n.disable;
        }
        if (n.flannelBackend) {
            config["flannel-backend"] = n.flannelBackend;
        }
        if (n.tlsSans.length) {
            config["tls-san"] = n.tlsSans;
        }
        config["write-kubeconfig-mode"] = "0600";
        if (n.etcdSnapshots && n.ha) {
            config["etcd-snapshot-schedule-cron"] = n.etcdSnapshots.schedule;
            config["etcd-snapshot-retention"] = n.etcdSnapshots.retention;
            const s3 = n.etcdSnapshots.s3;
            if (s3) {
                Object.assign(config, {
                    "etcd-s3": true,
                    "etcd-s3-endpoint": s3.endpoint,
                    "etcd-s3-bucket": s3.bucket,
                    ...(s3.folder ? { "etcd-s3-folder": s3.folder } : {}),
                    ...(s3.region ? { "etcd-s3-region": s3.region } : {}),
                });
            }
        }
    }
    const apiserverArgs = n.role === "server" && n.serviceAccountIssuer ? serviceAccountIssuerArgs(n.serviceAccountIssuer) : [];
    if (n.hardened) {
        config["protect-kernel-defaults"] = true;
        if (n.role === "server") {
            config["secrets-encryption"] = true;
            config["kube-apiserver-arg"] = [
                ...apiserverArgs,
                `admission-control-config-file=${k3sPaths.psa}`,
                `audit-policy-file=${k3sPaths.audit}`,
                "audit-log-path=/var/lib/rancher/k3s/server/logs/audit.log",
                "audit-log-maxage=30",
                "audit-log-maxbackup=10",
                "audit-log-maxsize=100",
            ];
        }
    }
    if (apiserverArgs.length > 0 && !config["kube-apiserver-arg"]) {
        config["kube-apiserver-arg"] = apiserverArgs;
    }
    return stringify(config);
}

/** The issuer's name k3s does not set itself: kube-apiserver's default, still accepted for tokens it issued before. */
export const defaultServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

/**
 * kube-apiserver flags for a public issuer: tokens are signed as `issuer` (the first
 * service-account-issuer), those of k3s's default issuer stay valid, and the discovery document
 * names the published JWKS.
 */
export function serviceAccountIssuerArgs(issuer: string): string[] {
    return [`service-account-issuer=${issuer}`, `service-account-issuer=${defaultServiceAccountIssuer}`, `service-account-jwks-uri=${issuer}/openid/v1/jwks`];
}

export function registriesYaml(n: K3sNodeSettings): string | undefined {
    if (!n.registries || Object.keys(n.registries).length === 0) {
        return undefined;
    }
    // k3s reads `endpoint` (singular) for a mirror's list of URLs.
    return stringify({ mirrors: Object.fromEntries(Object.entries(n.registries).map(([name, r]) => [name, { endpoint: r.endpoints }])) });
}

/** Pod Security admission defaults for the CIS profile: restricted unless a namespace says otherwise. */
export const psaConfigYaml = stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AdmissionConfiguration",
    plugins: [{
        name: "PodSecurity",
        configuration: {
            apiVersion: "pod-security.admission.config.k8s.io/v1",
            kind: "PodSecurityConfiguration",
            defaults: { enforce: "restricted", "enforce-version": "latest", audit: "restricted", "audit-version": "latest", warn: "restricted", "warn-version": "latest" },
            exemptions: { namespaces: ["kube-system"] },
        },
    }],
});

export const auditPolicyYaml = stringify({
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    rules: [{ level: "Metadata" }],
});

/** Checks a host can run this node; fails naming the host and what is missing. */
export function preflightScript(n: K3sNodeSettings, host: string): string {
    const ports = n.role === "server" ? [6443, 10250, ...(n.ha ? [2379, 2380] : [])] : [10250];
    return [
        "set -eu",
        `host=${q(host)}`,
        "fail() { echo \"preflight on $host: $*\" >&2; exit 1; }",
        "[ \"$(uname -s)\" = Linux ] || fail \"k3s needs Linux, found $(uname -s)\"",
        "case \"$(uname -m)\" in x86_64|amd64|aarch64|arm64) ;; *) fail \"unsupported architecture $(uname -m); k3s runs on amd64 and arm64\" ;; esac",
        "command -v systemctl >/dev/null || fail 'systemd is required (systemctl not found)'",
        ...(n.hardened ? kernelParametersPreflight() : []),
        ...(n.airGap ? [] : releaseCheck(n.version)),
        `mem=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo); [ "$mem" -ge ${n.role === "server" ? 1536 : 512} ] || fail "only $mem MiB of memory; a ${n.role} needs ${n.role === "server" ? 1536 : 512} MiB"`,
        `free=$(df -Pm / | awk 'NR==2 {print $4}'); [ "$free" -ge 4096 ] || fail "only $free MiB free on /; k3s needs 4096 MiB"`,
        `for port in ${ports.join(" ")}; do`,
        "  if ! command -v k3s >/dev/null && (ss -ltn 2>/dev/null || netstat -ltn 2>/dev/null) | awk '{print $4}' | grep -qE \"[:.]$port\\$\"; then fail \"port $port is in use\"; fi",
        "done",
        "echo \"preflight on $host: ok\"",
    ].join("\n");
}

/** Online installs: the host can reach GitHub and the pinned version is a published release. */
function releaseCheck(version: string): string[] {
    const url = `https://github.com/k3s-io/k3s/releases/tag/${version.replace("+", "%2B")}`;
    return [
        "command -v curl >/dev/null || fail 'curl is required to install k3s online (or use airGap)'",
        `code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 ${q(url)} || true)`,
        `case "$code" in 2*|3*) ;; 404) fail ${q(`k3s ${version} is not a published release (${url}); pick one from https://github.com/k3s-io/k3s/releases`)} ;;`,
        `  *) fail "cannot reach github.com to check k3s ${version} (HTTP $code); give the host internet access, or install air-gapped (airGap)" ;; esac`,
    ];
}

/** Air-gapped installs: the staged binary is the pinned version, before anything is installed. */
function stagedVersionCheck(version: string, host: string): string {
    const binary = `${k3sPaths.staging}/k3s`;
    return `${binary} --version 2>/dev/null | grep -qF -- ${q(version)} || ` +
        `{ echo "preflight on ${host}: airGap.binary is not k3s ${version} (it says: $(${binary} --version 2>&1 | head -1)); ` +
        `download that release's binary" >&2; exit 1; }`;
}

/** Writes stdin to `path` as root (mode 600 unless given), creating its directory. */
export function writeFileScript(path: string, sudo: string, mode = "600"): string {
    return `${sudo}install -D -m ${mode} /dev/stdin ${q(path)}`;
}

/** Writes `content` to `path` from the command line itself (base64): for what holds no secret. */
export function writeContentScript(path: string, content: string, mode: string, sudo: string): string {
    return `echo '${Buffer.from(content).toString("base64")}' | base64 -d | ${writeFileScript(path, sudo, mode)}`;
}

export interface InstallCommand {
    create: string;
    update: string;
    delete: string;
}

/**
 * Installs (or upgrades to) the node's version with the official install script, online or
 * from uploaded artifacts, and uninstalls on delete.
 */
export function installCommands(n: K3sNodeSettings, sudo: string, host = "the host"): InstallCommand {
    const exec = [n.role, ...n.extraArgs].map(q).join(" ");
    const env = `INSTALL_K3S_VERSION=${q(n.version)} INSTALL_K3S_EXEC=${q(exec)}`;
    // An upgrade restarts k3s once, below: the install script, which restarts it too when its
    // binary or unit changed, is told not to (INSTALL_K3S_SKIP_START), so the host goes down once.
    const installing = (extra: string) => installLines(n, sudo, host, extra ? `${extra} ${env}` : env);
    const service = n.role === "server" ? "k3s" : "k3s-agent";
    return {
        create: ["set -eu", ...installing(""), `${sudo}systemctl is-active --quiet ${service}`].join("\n"),
        update: ["set -eu", ...installing("INSTALL_K3S_SKIP_START=true"), `${sudo}systemctl restart ${service}`, `${sudo}systemctl is-active --quiet ${service}`].join("\n"),
        delete: uninstallScript(n, sudo),
    };
}

function installLines(n: K3sNodeSettings, sudo: string, host: string, env: string): string[] {
    return n.airGap
        ? [
            stagedVersionCheck(n.version, host),
            `${sudo}install -m 755 ${k3sPaths.staging}/k3s /usr/local/bin/k3s`,
            ...(n.airGap.images ? [`${sudo}mkdir -p /var/lib/rancher/k3s/agent/images`,
                `${sudo}cp ${k3sPaths.staging}/images.tar* /var/lib/rancher/k3s/agent/images/`] : []),
            `${sudo}env INSTALL_K3S_SKIP_DOWNLOAD=true ${env} sh ${k3sPaths.staging}/install.sh`,
        ]
        : [`curl -sfL https://get.k3s.io | ${sudo}env ${env} sh -`];
}

function uninstallScript(n: K3sNodeSettings, sudo: string): string {
    const uninstall = n.role === "server" ? "/usr/local/bin/k3s-uninstall.sh" : "/usr/local/bin/k3s-agent-uninstall.sh";
    return ["set -u", `if [ -x ${uninstall} ]; then ${sudo}${uninstall}; fi`, `${sudo}rm -rf /etc/rancher/k3s ${k3sPaths.staging}`].join("\n");
}

/** After a config file changes: restart k3s on this host only, if it is installed. */
export function restartIfInstalled(role: K3sRole, sudo: string): string {
    const service = role === "server" ? "k3s" : "k3s-agent";
    return `if systemctl list-unit-files ${service}.service >/dev/null 2>&1 && [ -x /usr/local/bin/k3s ]; then ${sudo}systemctl restart ${service}; fi`;
}

/** Kubectl on a server host, for node lifecycle steps run through the first server. */
/** kubectl as k3s ships it, on a server. */
export const kubectl = (sudo: string) => `${sudo}k3s kubectl`;

export function uncordonScript(nodeName: string, sudo: string): string {
    const k = kubectl(sudo);
    return [
        "set -eu",
        `for i in $(seq 120); do ${k} get node ${q(nodeName)} >/dev/null 2>&1 && break; sleep 2; done`,
        `${k} wait node/${q(nodeName)} --for=condition=Ready --timeout=300s`,
        `${k} uncordon ${q(nodeName)}`,
    ].join("\n");
}

export function removeNodeScript(nodeName: string, sudo: string): string {
    const k = kubectl(sudo);
    return `if ${k} get node ${q(nodeName)} >/dev/null 2>&1; then ${k} drain ${q(nodeName)} --ignore-daemonsets --delete-emptydir-data --force --timeout=120s || true; ${k} delete node ${q(nodeName)}; fi`;
}

/** Restore an etcd snapshot on the first server: stop, reset from the snapshot, start. */
export function restoreScript(snapshot: string, sudo: string): string {
    return [
        "set -eu",
        `${sudo}systemctl stop k3s`,
        `${sudo}k3s server --cluster-reset --cluster-reset-restore-path=${q(snapshot)}`,
        `${sudo}systemctl start k3s`,
    ].join("\n");
}

export interface NodeOrderEntry {
    name: string;
    role: K3sRole;
}

/**
 * The order nodes are installed and upgraded in: the first server, the other servers, then
 * agents. Each node waits for the one before it, so an upgrade goes one host at a time.
 */
export function nodeOrder<T extends NodeOrderEntry>(nodes: T[]): T[] {
    const servers = nodes.filter((n) => n.role === "server");
    const agents = nodes.filter((n) => n.role === "agent");
    return [...servers, ...agents];
}

export interface TopologyProblem {
    /** Path relative to the cluster's settings, e.g. ["ha"]. */
    path: (string | number)[];
    message: string;
}

/** Rules every k3s cluster obeys, checked by the config schema and by K3sCluster alike. */
export function topologyProblems(t: {
    servers: { name: string; host: string }[];
    agents: { name: string; host: string }[];
    ha: boolean;
    hasSsh: boolean;
    restoreSnapshot?: string;
}): TopologyProblem[] {
    const problems: TopologyProblem[] = [];
    if (t.servers.length > 1 && !t.ha) {
        problems.push({ path: ["ha"], message: `${t.servers.length} servers need ha: true (embedded etcd); SQLite serves one server` });
    }
    if (t.ha && t.servers.length % 2 === 0) {
        problems.push({ path: ["servers"], message: `embedded etcd needs an odd number of servers (1, 3, 5), not ${t.servers.length}` });
    }
    const hosts = [...t.servers.map((h, i) => ({ h, at: ["servers", i] as const })), ...t.agents.map((h, i) => ({ h, at: ["agents", i] as const }))];
    // Each node's name and host once: a repeat is reported at its own entry, naming the first.
    const unique = (field: "name" | "host", keyOf: (h: { name: string; host: string }) => string, message: (value: string, first: string) => string) => {
        const seen = new Map<string, string>();
        for (const { h, at } of hosts) {
            const first = seen.get(keyOf(h));
            if (first) problems.push({ path: [...at, field], message: message(h[field], first) });
            else seen.set(keyOf(h), `${at[0]}[${at[1]}]`);
        }
    };
    unique("name", (h) => h.name, (v, first) => `node name "${v}" is already used by ${first}; node names must be unique`);
    unique("host", (h) => h.host.toLowerCase(), (v, first) => `"${v}" is already the host of ${first}: one machine runs one k3s node; give each node its own host`);
    if ([...t.servers, ...t.agents].some((h) => h.host !== "localhost") && !t.hasSsh) {
        problems.push({ path: ["ssh"], message: 'remote hosts need ssh settings: {"user": "...", "privateKey": {"fromFile": "~/.ssh/id_ed25519"}}' });
    }
    if (t.restoreSnapshot && !t.ha) {
        problems.push({ path: ["restoreSnapshot"], message: "snapshots exist only with embedded etcd (ha: true)" });
    }
    return problems;
}
