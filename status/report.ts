// What `npm run status` says about a cluster, from the objects it read: pure, so the health
// rules are tested on plain objects. A workload is healthy when all its desired pods are Ready
// (a Job when it has not failed), a node when it is Ready, an add-on when its Helm release is
// deployed, a certificate when it is Ready and more than `certificateDays` from expiry.
import { daysUntil } from "./age";
import { ApiServerCertificate } from "./api-certificate";
import { DriftStatus } from "./drift";
import { IssuedItem } from "./issued";

type Obj = Record<string, any>;

export interface ClusterObjects {
    deployments: Obj[];
    statefulSets: Obj[];
    daemonSets: Obj[];
    jobs: Obj[];
    pods: Obj[];
    nodes: Obj[];
    ingresses: Obj[];
    /** Helm's release records (Secrets of type helm.sh/release.v1), the add-ons' state. */
    helmReleases: Obj[];
    /** cert-manager Certificates; empty when cert-manager is not installed. */
    certificates: Obj[];
}

export interface WorkloadStatus {
    namespace: string;
    kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job";
    name: string;
    component: string;
    partOf: string;
    ready: number;
    desired: number;
    restarts: number;
    ageSeconds: number;
    images: string[];
    url?: string;
    healthy: boolean;
    /** Why it is not healthy, from its pods when they say (ImagePullBackOff, CrashLoopBackOff...). */
    reason?: string;
}

export interface NodeStatus {
    name: string;
    roles: string[];
    version: string;
    ready: boolean;
    address?: string;
    /** The InternalIP is a tailnet address (100.64.0.0/10): k3s runs over the mesh. */
    tailnet: boolean;
    /** A kwok node (the local control plane's default): Kubernetes' view of it is real, but no container runs there. */
    simulated: boolean;
}

export interface AddonStatus { release: string; namespace: string; chart?: string; version: string; status: string; healthy: boolean }

export interface CertificateStatus { namespace: string; name: string; notAfter?: string; daysLeft?: number; ready: boolean; healthy: boolean }

export interface StatusReport {
    /** Where the objects were read: the API server's URL and where its kubeconfig came from. */
    cluster: string;
    workloads: WorkloadStatus[];
    nodes: NodeStatus[];
    addons: AddonStatus[];
    certificates: CertificateStatus[];
    /** What is true of the whole report besides its problems (a simulated node: no container ran). */
    notes: string[];
    /** One line per unhealthy thing, naming it; empty when all is well. */
    problems: string[];
    /** The stack's last `npm run drift`, when one has run here. */
    drift?: DriftStatus;
    /** The API server's serving certificate, read from the TLS handshake (HTTPS servers). */
    apiServerCertificate?: ApiServerCertificate;
    /** For a stack with a mesh: its pre-auth keys and Headscale's certificate, with their expiry. */
    issued?: IssuedItem[];
}

export interface StatusFilters {
    namespace?: string;
    component?: string;
    /** Days before expiry that make a certificate a problem. */
    certificateDays?: number;
}

const managed = (o: Obj) => o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "kubestrap";

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    return !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Why a workload's pods are not Ready, in their own words. */
function podReason(pods: Obj[]): string | undefined {
    for (const pod of pods) {
        for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
            const waiting = status.state?.waiting?.reason;
            if (waiting && waiting !== "PodInitializing" && waiting !== "ContainerCreating") return `${pod.metadata.name}: ${waiting}`;
            const terminated = status.state?.terminated;
            if (terminated && terminated.exitCode !== 0 && terminated.reason !== "Completed") return `${pod.metadata.name}: ${terminated.reason ?? `exited ${terminated.exitCode}`}`;
        }
        const unschedulable = pod.status?.conditions?.find((c: Obj) => c.type === "PodScheduled" && c.status === "False");
        if (unschedulable) return `${pod.metadata.name}: ${unschedulable.reason ?? "not scheduled"}${unschedulable.message ? ` (${unschedulable.message})` : ""}`;
    }
    return undefined;
}

/** An app's URL: the first Ingress rule in its namespace whose backend is the Service of the workload's name. */
function urlOf(namespace: string, name: string, ingresses: Obj[]): string | undefined {
    for (const ingress of ingresses.filter((i) => i.metadata.namespace === namespace)) {
        const tlsHosts = new Set((ingress.spec?.tls ?? []).flatMap((t: Obj) => t.hosts ?? []));
        for (const rule of ingress.spec?.rules ?? []) {
            const path = (rule.http?.paths ?? []).find((p: Obj) => p.backend?.service?.name === name);
            if (path && rule.host) return `${tlsHosts.has(rule.host) ? "https" : "http"}://${rule.host}${path.path ?? "/"}`;
        }
    }
    return undefined;
}

function workloadStatus(kind: WorkloadStatus["kind"], o: Obj, objects: ClusterObjects, now: Date): WorkloadStatus {
    const namespace = o.metadata.namespace;
    const selector = kind === "Job" ? { "job-name": o.metadata.name } : o.spec?.selector?.matchLabels;
    const pods = objects.pods.filter((p) => p.metadata.namespace === namespace && selects(selector, p.metadata.labels));
    const restarts = pods.reduce((sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((s: number, c: Obj) => s + (c.restartCount ?? 0), 0), 0);
    let ready: number, desired: number, healthy: boolean, reason: string | undefined;
    if (kind === "Job") {
        desired = o.spec?.completions ?? 1;
        ready = o.status?.succeeded ?? 0;
        const failed = (o.status?.conditions ?? []).find((c: Obj) => c.type === "Failed" && c.status === "True");
        healthy = !failed;
        reason = failed ? `${failed.reason ?? "Failed"}${failed.message ? `: ${failed.message}` : ""}` : undefined;
    } else {
        desired = kind === "DaemonSet" ? o.status?.desiredNumberScheduled ?? 0 : o.spec?.replicas ?? 1;
        ready = (kind === "DaemonSet" ? o.status?.numberReady : o.status?.readyReplicas) ?? 0;
        healthy = ready >= desired;
        reason = healthy ? undefined : podReason(pods) ?? (pods.length === 0 ? "no pods" : `${desired - ready} of ${desired} not Ready`);
    }
    const labels = o.metadata.labels ?? {};
    return {
        namespace, kind, name: o.metadata.name,
        component: labels["app.kubernetes.io/component"] ?? "",
        partOf: labels["app.kubernetes.io/part-of"] ?? "",
        ready, desired, restarts,
        ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(o.metadata.creationTimestamp)) / 1000)),
        images: [...new Set<string>((o.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image))],
        url: kind === "Job" ? undefined : urlOf(namespace, o.metadata.name, objects.ingresses),
        healthy, reason,
    };
}

const inTailnet = (ip: string | undefined) => {
    const m = /^100\.(\d+)\./.exec(ip ?? "");
    return !!m && Number(m[1]) >= 64 && Number(m[1]) <= 127;
};

export function buildReport(objects: ClusterObjects, cluster: string, now: Date, filters: StatusFilters = {}): StatusReport {
    const wanted = (w: WorkloadStatus) => (!filters.namespace || w.namespace === filters.namespace) && (!filters.component || w.component === filters.component);
    const workloads = [
        ...objects.deployments.filter(managed).map((o) => workloadStatus("Deployment", o, objects, now)),
        ...objects.statefulSets.filter(managed).map((o) => workloadStatus("StatefulSet", o, objects, now)),
        ...objects.daemonSets.filter(managed).map((o) => workloadStatus("DaemonSet", o, objects, now)),
        ...objects.jobs.filter(managed).map((o) => workloadStatus("Job", o, objects, now)),
    ].filter(wanted).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));

    const nodes = objects.nodes.map((n): NodeStatus => {
        const address = (n.status?.addresses ?? []).find((a: Obj) => a.type === "InternalIP")?.address;
        return {
            name: n.metadata.name,
            roles: Object.keys(n.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice("node-role.kubernetes.io/".length)).sort(),
            version: n.status?.nodeInfo?.kubeletVersion ?? "",
            ready: (n.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True"),
            address, tailnet: inTailnet(address),
            simulated: n.metadata.annotations?.["kwok.x-k8s.io/node"] === "fake",
        };
    }).sort((a, b) => a.name.localeCompare(b.name));

    // Helm keeps one record per revision: the newest says the release's state.
    const latest = new Map<string, Obj>();
    for (const r of objects.helmReleases) {
        const key = `${r.metadata.namespace}/${r.metadata.labels?.name}`;
        const version = Number(r.metadata.labels?.version ?? 0);
        if (!latest.has(key) || Number(latest.get(key)!.metadata.labels?.version ?? 0) < version) latest.set(key, r);
    }
    const addons = [...latest.values()].map((r): AddonStatus => ({
        release: r.metadata.labels?.name ?? r.metadata.name,
        namespace: r.metadata.namespace,
        version: r.metadata.labels?.version ?? "",
        status: r.metadata.labels?.status ?? "unknown",
        healthy: r.metadata.labels?.status === "deployed",
    })).filter((a) => !filters.namespace || a.namespace === filters.namespace).sort((a, b) => a.release.localeCompare(b.release));

    const days = filters.certificateDays ?? 14;
    const certificates = objects.certificates.map((c): CertificateStatus => {
        const notAfter = c.status?.notAfter;
        const daysLeft = notAfter ? daysUntil(new Date(notAfter), now) : undefined;
        const ready = (c.status?.conditions ?? []).some((x: Obj) => x.type === "Ready" && x.status === "True");
        return { namespace: c.metadata.namespace, name: c.metadata.name, notAfter, daysLeft, ready, healthy: ready && (daysLeft === undefined || daysLeft > days) };
    }).filter((c) => !filters.namespace || c.namespace === filters.namespace);

    const problems = [
        ...workloads.filter((w) => !w.healthy).map((w) => `${w.kind} ${w.namespace}/${w.name}: ${w.kind === "Job" ? "failed" : `${w.ready}/${w.desired} Ready`}${w.reason ? ` (${w.reason})` : ""}`),
        ...nodes.filter((n) => !n.ready).map((n) => `node ${n.name}: not Ready`),
        ...addons.filter((a) => !a.healthy).map((a) => `add-on release ${a.namespace}/${a.release}: ${a.status}`),
        ...certificates.filter((c) => !c.healthy).map((c) => `certificate ${c.namespace}/${c.name}: ${!c.ready ? "not Ready" : `expires in ${c.daysLeft} days (${c.notAfter})`}`),
    ];
    const simulated = nodes.filter((n) => n.simulated).map((n) => n.name);
    const notes = simulated.length > 0
        ? [`simulated node${simulated.length === 1 ? "" : "s"} ${simulated.join(", ")} (kwok): no container runs there; pods on ${simulated.length === 1 ? "it" : "them"} are Ready by simulation, ` +
            "so this says the objects are right, not that the apps run (KUBESTRAP_LOCAL_NODES=real, or kubestrap:cluster.local.nodes: real, runs them)"]
        : [];
    return { cluster, workloads, nodes, addons, certificates, notes, problems };
}

/** 0: all healthy; 1: something is not (2, the cluster could not be reached, is the CLI's). */
export const exitCodeOf = (report: StatusReport) => (report.problems.length === 0 ? 0 : 1);
