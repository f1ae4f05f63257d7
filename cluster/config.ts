// `kubestrap:cluster.k3s`: the k3s cluster kubestrap installs over SSH, and the checks of its topology and flags.
import { z } from "zod";
import { k3sFlagProblem } from "./k3s-flags";
import { topologyProblems } from "./k3s-plan";
import { duration, sshHostKey } from "../core/duration";
import { address, cronSchedule, dnsName, labelValue, nodeLabelKey, registryEndpoint, registryName, secretRef, sshHost, taint } from "../core/primitives";

const k3sHost = z.object({
    name: dnsName,
    host: sshHost,
    address: address.optional(),
    labels: z.record(nodeLabelKey, labelValue).default({}),
    taints: z.array(taint).default([]),
    hostKey: sshHostKey.optional(),
}).strict();

export const k3s = z.object({
    version: z.string().regex(/^v1\.\d+\.\d+\+k3s\d+$/, "is not a k3s release; use the form v1.31.4+k3s1"),
    /** The join token; unset, kubestrap generates one (random.RandomPassword) and keeps it in the state. */
    token: secretRef.optional(),
    ha: z.boolean().default(false),
    /** Defaults to the environment's profile (on in prod). */
    hardened: z.boolean().optional(),
    ssh: z.object({
        user: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        privateKey: secretRef,
        sudo: z.boolean().default(true),
    }).strict().optional(),
    servers: z.array(k3sHost).min(1),
    agents: z.array(k3sHost).default([]),
    disable: z.array(z.enum(["traefik", "servicelb", "local-storage", "metrics-server", "coredns"])).default([]),
    flannel: z.object({ iface: z.string().optional(), backend: z.enum(["vxlan", "host-gw", "wireguard-native", "none"]).optional() }).strict().default({}),
    tlsSans: z.array(address).default([]),
    extraServerArgs: z.array(z.string().regex(/^--/, "extra args are flags like --kubelet-arg=max-pods=200")).default([]),
    extraAgentArgs: z.array(z.string().regex(/^--/, "extra args are flags like --kubelet-arg=max-pods=200")).default([]),
    dataDir: z.string().regex(/^\//, "must be an absolute path").optional(),
    /** Mirrors per registry, written to k3s's registries.yaml. */
    registries: z.record(registryName, z.object({ endpoints: z.array(registryEndpoint).min(1) }).strict()).optional(),
    etcdSnapshots: z.object({
        // k3s's etcd-snapshot-schedule-cron: five cron fields (every six hours: "0 */6 * * *").
        schedule: cronSchedule,
        retention: z.number().int().min(1).default(5),
        s3: z.object({
            endpoint: z.string().min(1),
            bucket: z.string().min(1),
            folder: z.string().min(1).optional(),
            region: z.string().min(1).optional(),
            accessKey: secretRef,
            secretKey: secretRef,
        }).strict().optional(),
    }).strict().optional(),
    airGap: z.object({
        binary: z.string().min(1),
        installScript: z.string().min(1),
        images: z.string().min(1).optional(),
    }).strict().optional(),
    restoreSnapshot: z.string().min(1).optional(),
    /**
     * Protect each server's k3s install from delete and replace (default: on in prod): removing a
     * server from config, or a change that would reinstall it, then stops at preview.
     */
    protectServers: z.boolean().optional(),
    /** How long an upgrade waits for a node to drain before it stops, naming the pods that held it. */
    drainTimeout: duration.default("5m"),
    /** Change it (any new value) to give kubestrap's kubeconfig a new token and revoke the old one. */
    kubeconfigRotation: z.union([z.string().min(1), z.number()]).transform(String).optional(),
}).strict().superRefine((k, ctx) => {
    for (const problem of topologyProblems({ ...k, hasSsh: !!k.ssh })) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: problem.path, message: problem.message });
    }
    for (const [field, role] of [["extraServerArgs", "server"], ["extraAgentArgs", "agent"]] as const) {
        k[field].forEach((arg, i) => {
            const message = k3sFlagProblem(arg, role, k.version);
            if (message) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field, i], message });
            }
        });
    }
});
export type K3sConfig = z.infer<typeof k3s>;
