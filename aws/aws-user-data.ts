// An EC2 worker's user data: a #cloud-config that writes the join material and scripts, then
// runs the join at first boot. The instance learns its name, type and market from the instance
// metadata service (IMDSv2), joins the mesh with its pool's pre-auth key, installs k3s as an
// agent with the pool's labels and taints, and starts the agent that drains it when the Auto
// Scaling group terminates it. Pure functions: the same text is tested, validated by
// `cloud-init schema` and run on an SSH test host.
import { stringify } from "yaml";
import { installCommands, k3sConfigYaml, k3sPaths, K3sNodeSettings, Taint } from "../cluster/k3s-plan";
import { tailscaleJoinScript } from "../mesh/mesh-join";
import { meshInterface, meshPaths } from "../mesh/mesh-plan";

/** Placeholders the first boot fills from the instance metadata (values of [a-z0-9.-] only). */
export const bootValues = { nodeName: "__NODE_NAME__", nodeIp: "__NODE_IP__", instanceType: "__INSTANCE_TYPE__", capacity: "__CAPACITY__" } as const;

export const workerPaths = {
    join: "/usr/local/sbin/kubestrap-join",
    joinTemplate: "/var/lib/kubestrap/join.sh.tmpl",
    configTemplate: "/var/lib/kubestrap/k3s-config.yaml.tmpl",
    nodeName: "/etc/kubestrap/node-name",
    drain: "/usr/local/sbin/kubestrap-drain-on-terminate",
    drainUnit: "/etc/systemd/system/kubestrap-drain-on-terminate.service",
    kubeletKubeconfig: "/var/lib/rancher/k3s/agent/kubelet.kubeconfig",
};

/** The instance metadata service; tests point it at a stand-in of their own. */
export const imdsEndpoint = "http://169.254.169.254";

/** Shell that prints an IMDSv2 session token valid for `ttl` seconds. */
const imdsToken = (imds: string, ttl: number) => `curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: ${ttl}' '${imds}/latest/api/token'`;
/** Shell that prints one metadata value, with the session token in $token. */
const imdsRead = (imds: string, path: string) => `curl -sf -H "X-aws-ec2-metadata-token: $token" "${imds}/latest/meta-data/${path}"`;

export interface WorkerSettings {
    pool: string;
    k3sVersion: string;
    /** https://<first server>:6443 (its tailnet address on a mesh). */
    serverUrl: string;
    labels: Record<string, string>;
    taints: Taint[];
    extraArgs: string[];
    /** Tailscale over Headscale; unset, k3s joins over the VPC's own routes. */
    mesh?: { loginServer: string; tailscaleVersion: string; ca?: string };
    /** k3s and Tailscale baked into the image (staged as an air-gapped install expects them). */
    staged: boolean;
    drainTimeoutSeconds: number;
    imds?: string;
}

export interface WorkerSecrets {
    k3sToken: string;
    meshKey?: string;
}

/** The node's labels: the pool's, then kubestrap's (pool, instance type, spot or on-demand), which win. */
export function workerLabels(s: Pick<WorkerSettings, "pool" | "labels">): Record<string, string> {
    return {
        ...s.labels,
        "kubestrap.io/pool": s.pool,
        "node.kubernetes.io/instance-type": bootValues.instanceType,
        "kubestrap.io/capacity": bootValues.capacity,
    };
}

function agentSettings(s: WorkerSettings): K3sNodeSettings {
    return {
        role: "agent", clusterInit: false, ha: false, nodeName: bootValues.nodeName, version: s.k3sVersion,
        serverUrl: s.serverUrl, labels: workerLabels(s), taints: s.taints, disable: [], tlsSans: [],
        extraArgs: s.extraArgs, hardened: false, drainTimeoutSeconds: s.drainTimeoutSeconds,
        ...(s.mesh ? { nodeIp: bootValues.nodeIp, flannelIface: meshInterface } : {}),
        // Baked into the image where an air-gapped install finds them; nothing is uploaded.
        ...(s.staged ? { airGap: { binary: `${k3sPaths.staging}/k3s`, installScript: `${k3sPaths.staging}/install.sh` } } : {}),
    };
}

/** What the first boot runs once the metadata is filled in: mesh, then k3s, then the drain agent. */
export function joinTemplate(s: WorkerSettings): string {
    const mesh = s.mesh
        ? [
            `addresses=$(sh -s <<'KUBESTRAP_MESH'\n${tailscaleJoinScript({ name: bootValues.nodeName, group: "agents", version: s.mesh.tailscaleVersion, loginServer: s.mesh.loginServer, ca: s.mesh.ca }, "", s.staged)}\nKUBESTRAP_MESH\n)`,
            // The join's last line is "<IPv4> <IPv6>".
            'node_ip=$(printf "%s\\n" "$addresses" | tail -n 1 | cut -d " " -f 1)',
            `[ -n "$node_ip" ] || { echo "${bootValues.nodeName} joined the mesh without an IPv4 address" >&2; exit 1; }`,
            `sed "s/${bootValues.nodeIp}/$node_ip/g" '${workerPaths.configTemplate}' | install -D -m 600 /dev/stdin '${k3sPaths.config}'`,
        ]
        : [`install -D -m 600 '${workerPaths.configTemplate}' '${k3sPaths.config}'`];
    return [
        "set -eu",
        ...mesh,
        `rm -f '${workerPaths.configTemplate}'`,
        installCommands(agentSettings(s), "", bootValues.nodeName).create,
        "systemctl daemon-reload",
        "systemctl enable kubestrap-drain-on-terminate >/dev/null 2>&1 || true",
        "systemctl start kubestrap-drain-on-terminate",
        `echo "${bootValues.nodeName} joined the cluster"`,
    ].join("\n");
}

/** The first-boot entry point: reads the metadata (IMDSv2), fills the template in, runs it. */
export function joinScript(s: WorkerSettings): string {
    const imds = s.imds ?? imdsEndpoint;
    return [
        "#!/bin/sh",
        "set -eu",
        `token=$(${imdsToken(imds, 300)}) || ` +
            `{ echo 'kubestrap-join: no instance metadata (IMDSv2) at ${imds}' >&2; exit 1; }`,
        `meta() { ${imdsRead(imds, "$1")}; }`,
        "instance_id=$(meta instance-id)",
        "instance_type=$(meta instance-type)",
        // Spot instances say "spot"; the key is missing on some on-demand ones.
        "capacity=$(meta instance-life-cycle || echo on-demand)",
        `name="${s.pool}-\${instance_id#i-}"`,
        `printf '%s\\n' "$name" | install -D -m 644 /dev/stdin '${workerPaths.nodeName}'`,
        "hostname \"$name\" 2>/dev/null || true",
        `sed -e "s/${bootValues.nodeName}/$name/g" -e "s/${bootValues.instanceType}/$instance_type/g" -e "s/${bootValues.capacity}/$capacity/g" ` +
            `'${workerPaths.configTemplate}' > '${workerPaths.configTemplate}.filled' && mv '${workerPaths.configTemplate}.filled' '${workerPaths.configTemplate}'`,
        // Run from a file, not stdin: a step that reads stdin would eat the rest of the script.
        `sed -e "s/${bootValues.nodeName}/$name/g" '${workerPaths.joinTemplate}' > '${workerPaths.joinTemplate}.sh'`,
        `sh '${workerPaths.joinTemplate}.sh'`,
    ].join("\n") + "\n";
}

/**
 * Waits for the Auto Scaling group's termination (IMDS target-lifecycle-state "Terminated",
 * published while the lifecycle hook holds the instance), then drains the node with its own
 * credentials: Kubernetes' node rules let a kubelet cordon its own Node and evict the pods bound
 * to it (NodeRestriction), so the node needs no AWS permission and no cluster-admin secret.
 * Evictions honour PodDisruptionBudgets; the hook's heartbeat bounds the wait.
 */
export function drainOnTerminateScript(timeoutSeconds: number, imds = imdsEndpoint): string {
    const k = `k3s kubectl --kubeconfig '${workerPaths.kubeletKubeconfig}'`;
    const pods = `'{range .items[*]}{.metadata.namespace}/{.metadata.name} {.metadata.ownerReferences[0].kind}{"\\n"}{end}'`;
    return [
        "#!/bin/sh",
        "set -u",
        `node=$(cat '${workerPaths.nodeName}')`,
        "while :; do",
        `  token=$(${imdsToken(imds, 60)}) &&`,
        `    [ "$(${imdsRead(imds, "autoscaling/target-lifecycle-state")})" = Terminated ] && break`,
        "  sleep 5",
        "done",
        'echo "$node: the Auto Scaling group is terminating this instance; draining"',
        `${k} cordon "$node"`,
        `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
        'while [ "$(date +%s)" -lt "$deadline" ]; do',
        `  left=$(${k} get pods -A --field-selector "spec.nodeName=$node" -o jsonpath=${pods} | awk '$2 != "DaemonSet" && $2 != "Node" {print $1}')`,
        '  [ -z "$left" ] && { echo "$node: drained"; break; }',
        '  for p in $left; do',
        "    ns=${p%%/*}; pod=${p#*/}",
        `    printf '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"%s"}}' "$pod" "$ns" |`,
        `      ${k} create --raw "/api/v1/namespaces/$ns/pods/$pod/eviction" -f - >/dev/null 2>&1 || true`,
        "  done",
        "  sleep 5",
        "done",
        '[ -z "${left:-}" ] || echo "$node: not drained in time; still here: $left" >&2',
        "systemctl stop k3s-agent",
    ].join("\n") + "\n";
}

export function drainOnTerminateUnit(): string {
    return [
        "[Unit]", "Description=Drain this node when its Auto Scaling group terminates it (kubestrap)", "After=k3s-agent.service", "",
        "[Service]", `ExecStart=${workerPaths.drain}`, "Restart=on-failure", "RestartSec=10", "",
        "[Install]", "WantedBy=multi-user.target", "",
    ].join("\n");
}

interface WriteFile { path: string; content: string; permissions: string; owner: string }

/** The #cloud-config: every file (the secrets root-only), then the join, run once at first boot. */
export function workerCloudConfig(s: WorkerSettings, secrets: WorkerSecrets): string {
    const file = (path: string, content: string, permissions: string): WriteFile => ({ path, content, permissions, owner: "root:root" });
    const files: WriteFile[] = [
        file(k3sPaths.token, `${secrets.k3sToken}\n`, "0600"),
        ...(s.mesh && secrets.meshKey ? [file(meshPaths.authKey, `${secrets.meshKey}\n`, "0600")] : []),
        file(workerPaths.configTemplate, k3sConfigYaml(agentSettings(s)), "0600"),
        file(workerPaths.joinTemplate, `${joinTemplate(s)}\n`, "0600"),
        file(workerPaths.join, joinScript(s), "0700"),
        file(workerPaths.drain, drainOnTerminateScript(s.drainTimeoutSeconds, s.imds), "0700"),
        file(workerPaths.drainUnit, drainOnTerminateUnit(), "0644"),
    ];
    return `#cloud-config\n${stringify({ write_files: files, runcmd: [[workerPaths.join]] }, { lineWidth: 0 })}`;
}
