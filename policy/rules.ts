// The policy pack's rules as plain functions over Kubernetes objects (what kubestrap sends the
// provider), so each is tested without the CLI. A rule returns its violations, each naming the
// setting and the fix; policy/index.ts reports them against the resource's URN.
import { quantityValue, secretLookingName } from "../core/formats";
import { registry } from "../addons/registry";
import { baselineCapabilities, loosenedAnnotation, podSecurityReasonAnnotation } from "../core/pod-security";

export type K8sObject = { apiVersion?: string; kind?: string; metadata?: any; spec?: any; data?: Record<string, string>; [key: string]: any };

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]);
const longRunning = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]);

/** The pod template of a workload (a Pod is its own), with its labels and annotations. */
export function podOf(o: K8sObject): { metadata: any; spec: any } | undefined {
    if (!o.kind || !workloadKinds.has(o.kind)) return undefined;
    if (o.kind === "Pod") return { metadata: o.metadata ?? {}, spec: o.spec ?? {} };
    const template = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    return template ? { metadata: template.metadata ?? {}, spec: template.spec ?? {} } : undefined;
}

const loosened = (pod: { metadata: any }) => new Set(String(pod.metadata?.annotations?.[loosenedAnnotation] ?? "").split(",").filter(Boolean));
const containers = (spec: any): { container: any; init: boolean }[] =>
    [...(spec?.initContainers ?? []).map((c: any) => ({ container: c, init: true })), ...(spec?.containers ?? []).map((c: any) => ({ container: c, init: false }))];

/** Images pinned by a tag other than latest, or by digest. */
export function pinnedImages(o: K8sObject): string[] {
    const pod = podOf(o);
    return pod ? containers(pod.spec).flatMap(({ container: c }) => {
        const image = String(c.image ?? "");
        const tag = /:([^/@]+)$/.exec(image.split("@")[0])?.[1];
        return image.includes("@sha256:") || (tag && tag !== "latest") ? [] :
            [`container ${c.name}: image "${image}" is not pinned; give it a version tag (not latest) or a digest`];
    }) : [];
}

/** CPU and memory requests and limits on every container. */
export function containerResources(o: K8sObject): string[] {
    const pod = podOf(o);
    return pod ? containers(pod.spec).flatMap(({ container: c }) => ["requests", "limits"].flatMap((kind) => ["cpu", "memory"]
        .filter((r) => c.resources?.[kind]?.[r] === undefined)
        .map((r) => `container ${c.name}: no ${kind}.${r}; set resources in the app's config (or the environment's defaults)`))) : [];
}

/** Liveness and readiness probes on every long-running container, unless config said it has none. */
export function containerProbes(o: K8sObject): string[] {
    const pod = podOf(o);
    if (!pod || !longRunning.has(o.kind!) || loosened(pod).has("probes")) return [];
    return containers(pod.spec).filter(({ init }) => !init).flatMap(({ container: c }) => ["livenessProbe", "readinessProbe"]
        .filter((p) => !c[p]).map((p) => `container ${c.name}: no ${p}; give the app probes (probes.liveness/readiness, or a compose healthcheck)`));
}

/**
 * The restricted profile's settings, each unless the app's config loosened it (the pod's
 * kubestrap.dev/loosened); a pod config runs at baseline (a compose service as Docker would run
 * it) keeps baseline's bar: no privilege, only Docker's default capabilities, the runtime's seccomp.
 */
export function containerSecurity(o: K8sObject): string[] {
    const pod = podOf(o);
    if (!pod) return [];
    const allowed = loosened(pod);
    const podContext = pod.spec.securityContext ?? {};
    if (allowed.has("baseline")) {
        return containers(pod.spec).flatMap(({ container: c }) => {
            const ctx = c.securityContext ?? {};
            const at = `container ${c.name}`;
            return [
                ...(ctx.privileged ? [`${at}: privileged`] : []),
                ...(ctx.capabilities?.add ?? []).filter((cap: string) => !baselineCapabilities.has(cap)).map((cap: string) => `${at}: adds ${cap}, beyond Docker's default capabilities`),
                ...((ctx.seccompProfile?.type ?? podContext.seccompProfile?.type) !== "RuntimeDefault" ? [`${at}: no seccomp profile RuntimeDefault`] : []),
            ];
        });
    }
    return containers(pod.spec).flatMap(({ container: c }) => {
        const ctx = c.securityContext ?? {};
        const at = `container ${c.name}`;
        const problems: string[] = [];
        if (!allowed.has("runAsNonRoot") && (ctx.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${at}: runAsNonRoot is not true; run as a non-root user (security.runAsUser)`);
        if (!allowed.has("readOnlyRootFilesystem") && ctx.readOnlyRootFilesystem !== true) problems.push(`${at}: the root filesystem is writable; set readOnlyRootFilesystem and mount writable paths as volumes`);
        if (!allowed.has("allowPrivilegeEscalation") && ctx.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
        if (!(ctx.capabilities?.drop ?? []).includes("ALL")) problems.push(`${at}: capabilities are not all dropped (drop: [ALL])`);
        if (!allowed.has("capabilities") && (ctx.capabilities?.add ?? []).length) problems.push(`${at}: adds capabilities ${ctx.capabilities.add.join(", ")} its config does not name`);
        if ((ctx.seccompProfile?.type ?? podContext.seccompProfile?.type) !== "RuntimeDefault") problems.push(`${at}: no seccomp profile RuntimeDefault`);
        return problems;
    });
}

/** A Pod Security level on every namespace: restricted, or what the add-on registry says its namespace needs. */
export function namespacePodSecurity(o: K8sObject): string[] {
    if (o.kind !== "Namespace") return [];
    const name = o.metadata?.name;
    const level = o.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    const expected = Object.values(registry).find((a) => a.namespace === name)?.podSecurity ?? "restricted";
    if (!level) return [`namespace ${name}: no pod-security.kubernetes.io/enforce label; label it ${expected}`];
    // Baseline by config (a compose app run as Docker runs it, or kubestrap:namespaces) says why.
    if (level === "baseline" && o.metadata?.annotations?.[podSecurityReasonAnnotation]) return [];
    return level === expected || level === "restricted" ? [] : [`namespace ${name}: enforces ${level}, not ${expected}; only the add-ons the registry marks privileged may`];
}

/** No NodePort Services; LoadBalancer only in the namespaces allowed. */
export function serviceExposure(o: K8sObject, loadBalancerNamespaces: string[] = []): string[] {
    if (o.kind !== "Service") return [];
    const type = o.spec?.type;
    const ns = o.metadata?.namespace;
    if (type === "NodePort") return [`service ${o.metadata?.name}: type NodePort opens a port on every node; use ClusterIP behind the ingress controller`];
    if (type === "LoadBalancer" && !loadBalancerNamespaces.includes(ns)) {
        return [`service ${o.metadata?.name}: type LoadBalancer in ${ns}; expose it through the ingress controller, or allow the namespace in the policy config (loadBalancerNamespaces)`];
    }
    return [];
}

/** Secret-looking keys belong in Secrets: not in ConfigMaps, not as plain env values. */
export function secretsInPlainSight(o: K8sObject): string[] {
    if (o.kind === "ConfigMap") {
        return Object.keys(o.data ?? {}).filter((k) => secretLookingName.test(k)).map((k) => `configmap ${o.metadata?.name}: key ${k} looks secret; put it in a Secret (secretEnv, or a compose secret)`);
    }
    const pod = podOf(o);
    return pod ? containers(pod.spec).flatMap(({ container: c }) => (c.env ?? [])
        .filter((e: any) => e.value !== undefined && secretLookingName.test(e.name))
        .map((e: any) => `container ${c.name}: env ${e.name} looks secret but is a plain value; take it from a Secret (secretEnv)`)) : [];
}

/** Every object labelled as kubestrap's, so status, cleanup and these policies find it. */
export function managedByLabel(o: K8sObject): string[] {
    return o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "kubestrap" ? [] : [`${o.kind} ${o.metadata?.name}: no app.kubernetes.io/managed-by: kubestrap label`];
}

/** Data-holding objects are protected in prod: a claim, or a StatefulSet's claim templates. */
export function protectedData(o: K8sObject, protect: boolean, environment: string): string[] {
    const holdsData = o.kind === "PersistentVolumeClaim" || (o.kind === "StatefulSet" && (o.spec?.volumeClaimTemplates ?? []).length > 0);
    return holdsData && environment === "prod" && !protect ? [`${o.kind} ${o.metadata?.name}: holds data but is not protected in prod; kubestrap protects it unless protectData is false`] : [];
}

/** A resource as CrossGuard gives it: its type token, its name and its inputs. */
export interface PlannedResource { type: string; name: string; props: Record<string, any> }

/**
 * k3s servers' install steps are protected in prod, so the engine stops a plan that would delete
 * or replace one (uninstalling k3s from a server, which can cost etcd its quorum and the cluster its data).
 */
export function protectedServers(r: PlannedResource, protect: boolean, environment: string): string[] {
    const isServerInstall = /^command:(remote|local):Command$/.test(r.type) && r.name.endsWith("-install")
        && /INSTALL_K3S_EXEC=\S*server/.test(String(r.props?.create ?? ""));
    return isServerInstall && environment === "prod" && !protect
        ? [`${r.name}: installs k3s on a server but is not protected in prod; deleting or replacing it uninstalls that server, which can cost etcd its quorum. ` +
            "kubestrap protects it unless kubestrap:cluster.k3s.protectServers is false; to remove a server on purpose, set that for one up"]
        : [];
}

/**
 * A Kubernetes provider names the cluster it manages (clusterIdentifier). Without it the provider
 * replaces itself, and with it every object it manages, whenever its kubeconfig's active cluster
 * changes or is not known at preview (a new server address, the mesh's, a rotated token's step):
 * namespaces and claims go, with their data (pulumi-eks #877).
 */
export function providerClusterIdentifier(r: PlannedResource): string[] {
    if (r.type !== "pulumi:providers:kubernetes" || (typeof r.props?.clusterIdentifier === "string" && r.props.clusterIdentifier !== "")) return [];
    return [`provider ${r.name} has no clusterIdentifier: a change to its kubeconfig's server or CA, or a kubeconfig not known until apply, would replace ` +
        "every object it manages, namespaces and claims with their data. kubestrap's own providers set it; give yours a stable name of its cluster " +
        "(clusterIdentifier), or waive this policy in the stack's policy config for one preview you have read"];
}

/** A step of the plan with the names of the steps it waits for (CrossGuard's stack view). */
export interface PlannedStep { name: string; type: string; props: Record<string, any>; dependencies: string[]; parent?: string }

const isCommand = (s: PlannedStep) => /^command:(remote|local):Command$/.test(s.type);

/**
 * One k3s host down at a time, and on embedded etcd a snapshot first: each host's drain waits
 * (through its dependencies) for the uncordon of the host drained before it, and each server's
 * drain on a cluster whose drains check etcd's quorum waits for the first server's snapshot of
 * the version being installed. kubestrap's K3sCluster builds its steps so; a program that wires
 * K3sNode steps otherwise, or a change that breaks the chain, fails here, before any host is touched.
 */
export function k3sUpgradeOrder(steps: PlannedStep[]): { name: string; message: string }[] {
    const byName = new Map(steps.map((s) => [s.name, s]));
    const children = new Map<string, string[]>();
    for (const s of steps) if (s.parent) children.set(s.parent, [...(children.get(s.parent) ?? []), s.name]);
    const descendants = (name: string): string[] => (children.get(name) ?? []).flatMap((c) => [c, ...descendants(c)]);
    // What a step waits for: its dependencies (a component's with all it holds), and what its parent waits for.
    const memo = new Map<string, Set<string>>();
    const ancestors = (name: string): Set<string> => {
        const known = memo.get(name);
        if (known) return known;
        const found = new Set<string>();
        memo.set(name, found);
        const step = byName.get(name);
        for (const d of step?.dependencies ?? []) {
            for (const w of [d, ...descendants(d)]) {
                found.add(w);
                ancestors(w).forEach((a) => found.add(a));
            }
        }
        if (step?.parent) ancestors(step.parent).forEach((a) => found.add(a));
        return found;
    };
    const installOf = (drain: string) => byName.get(drain.replace(/-drain$/, "-install"));
    const drains = steps.filter((s) => isCommand(s) && s.name.endsWith("-drain") && /INSTALL_K3S_EXEC=/.test(String(installOf(s.name)?.props?.create ?? "")));
    const uncordon = (drain: PlannedStep) => drain.name.replace(/-drain$/, "-uncordon");
    const problems: { name: string; message: string }[] = [];
    // Any two hosts: one's drain waits for the other's uncordon. A pair that does not is named on the later of the two.
    drains.forEach((drain, i) => {
        const overlapping = drains.slice(0, i).filter((earlier) => !ancestors(drain.name).has(uncordon(earlier)) && !ancestors(earlier.name).has(uncordon(drain)));
        if (overlapping.length === 0) return;
        problems.push({ name: drain.name, message: `${drain.name} waits for neither ${overlapping.map(uncordon).join(" nor ")}: two k3s hosts could be down at once, ` +
            "which on embedded etcd can cost it its quorum. kubestrap's K3sCluster chains each host after the one before it; compose the nodes through it" });
    });
    const quorumDrains = drains.filter((d) => String(d.props?.create ?? "").includes("EtcdIsVoter"));
    if (quorumDrains.length === 0) return problems;
    const version = /INSTALL_K3S_VERSION='([^']+)'/.exec(String(installOf(quorumDrains[0].name)?.props?.create ?? ""))?.[1];
    const snapshot = steps.find((s) => isCommand(s) && s.name.endsWith("-pre-upgrade-snapshot") && (s.props?.triggers ?? []).includes(version));
    for (const drain of quorumDrains) {
        if (!snapshot || !ancestors(drain.name).has(snapshot.name)) {
            problems.push({ name: drain.name, message: `${drain.name} can drain a server of an embedded-etcd cluster without an etcd snapshot of the upgrade to ${version ?? "its version"} taken first. ` +
                "kubestrap's K3sCluster takes one on the first server before any drain; compose the nodes through it" });
        }
    }
    return problems;
}

/** Pods a NetworkPolicy selects: an empty selector takes all, matchLabels must all match. */
const selects = (policy: K8sObject, labels: Record<string, string>) => {
    const match = policy.spec?.podSelector?.matchLabels ?? {};
    return !policy.spec?.podSelector?.matchExpressions && Object.entries(match).every(([k, v]) => labels[k] === v);
};
const deniesBoth = (policy: K8sObject) => ["Ingress", "Egress"].every((t) => (policy.spec?.policyTypes ?? []).includes(t));

/** Every workload's pods are under a policy of both types: nothing flows that is not allowed. */
export function defaultDeny(objects: K8sObject[]): { object: K8sObject; message: string }[] {
    const policies = objects.filter((o) => o.kind === "NetworkPolicy" && deniesBoth(o));
    return objects.flatMap((o) => {
        const pod = podOf(o);
        if (!pod) return [];
        const ns = o.metadata?.namespace;
        const covered = policies.some((p) => p.metadata?.namespace === ns && selects(p, pod.metadata?.labels ?? {}));
        return covered ? [] : [{ object: o, message: `${o.kind} ${ns}/${o.metadata?.name}: no NetworkPolicy denies its pods' traffic by default; give the app a networkPolicy or its namespace kubestrap:namespaces` }];
    });
}

/** Advisory: a workload whose requests take more than `share` of the cluster's CPU or memory. */
export function requestShare(o: K8sObject, cluster: { cpu: number; memoryBytes: number }, share: number): string[] {
    const pod = podOf(o);
    if (!pod) return [];
    const replicas = o.spec?.replicas ?? 1;
    const sum = (r: "cpu" | "memory") => containers(pod.spec).filter(({ init }) => !init)
        .reduce((t, { container: c }) => t + (quantityValue(String(c.resources?.requests?.[r] ?? "0"), r) || 0), 0) * replicas;
    const cpu = sum("cpu");
    const memory = sum("memory");
    const over = [cpu / cluster.cpu, memory / cluster.memoryBytes].some((x) => x > share);
    return over ? [`${o.kind} ${o.metadata?.name}: requests ${cpu} CPU and ${Math.round(memory / 2 ** 20)}Mi over ${replicas} replicas, more than ${share * 100}% of the cluster`] : [];
}
