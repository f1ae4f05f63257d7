// Value types shared by every part of the stack config: checked strings and secret references.
import { z } from "zod";
import {
    addressProblem, addressRangeProblem, byteQuantityProblem, cidrProblem, cpuQuantityProblem, dnsLabelProblem, envNameProblem, hostProblem, imageProblem,
    labelKeyProblem, labelValueProblem, nodeLabelKeyProblem, quantityValue, registryEndpointProblem, registryNameProblem, sshHostProblem,
} from "./formats";

/** A string that `problem` finds nothing wrong with; its message otherwise. */
export function checked(problem: (value: string) => string | undefined) {
    return z.string().superRefine((value, ctx) => {
        const message = problem(value);
        if (message) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message });
        }
    });
}

export const image = checked(imageProblem);
export const byteQuantity = checked(byteQuantityProblem);
export const cpuQuantity = checked(cpuQuantityProblem);
export const dnsName = checked(dnsLabelProblem);
export const host = checked(hostProblem);
/** A host to reach over SSH: an address or name, never `user@host`. */
export const sshHost = z.string().min(1).pipe(checked((v) => sshHostProblem(v) ?? addressProblem(v)));
/** An IPv4 or IPv6 address (checked for real) or a host name. */
export const address = checked(addressProblem);
export const cidr = checked(cidrProblem);
/** A pool of addresses: a CIDR, or first-last. */
export const addressRange = checked(addressRangeProblem);
export const labelKey = checked(labelKeyProblem);
/** A label the node sets on itself (k3s node-label, kubelet --node-labels): the kubelet's reserved prefixes refused. */
export const nodeLabelKey = checked(nodeLabelKeyProblem);
export const labelValue = checked(labelValueProblem);
export const envName = checked(envNameProblem);
export const registryName = checked(registryNameProblem);
export const registryEndpoint = checked(registryEndpointProblem);

/** Where a secret comes from: a `pulumi config set --secret` key, an environment variable, or a file. */
export const secretRef = z.union([
    z.object({ fromConfig: z.string().min(1) }).strict(),
    z.object({ fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not an environment variable name") }).strict(),
    z.object({ fromFile: z.string().min(1) }).strict(),
], {
    errorMap: () => ({
        message: 'a secret is one of {"fromConfig": "<key>"}, {"fromEnv": "<VAR>"} or {"fromFile": "<path>"}',
    }),
});
export type SecretRef = z.infer<typeof secretRef>;

/** A node taint as k3s's node-taint and Kubernetes take it. */
export const taint = z.object({
    key: labelKey,
    value: labelValue.optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
}).strict();

// Workload settings shared by apps, static sites and compose apps.
const resourceAmounts = z.object({ cpu: cpuQuantity.optional(), memory: byteQuantity.optional() }).strict();
export const resources = z.object({
    requests: resourceAmounts.optional(),
    limits: resourceAmounts.optional(),
}).strict().superRefine((r, ctx) => {
    for (const kind of ["cpu", "memory"] as const) {
        const request = r.requests?.[kind];
        const limit = r.limits?.[kind];
        const problem = kind === "cpu" ? cpuQuantityProblem : byteQuantityProblem;
        if (request && limit && !problem(request) && !problem(limit) &&
            quantityValue(limit, kind) < quantityValue(request, kind)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["limits", kind],
                message: `${limit} is below the request of ${request}; the API server refuses a limit under its request: raise the limit or lower the request`,
            });
        }
    }
});
export type ResourcesConfig = z.infer<typeof resources>;

export const port = z.number().int().min(1).max(65535);
export const path = z.string().regex(/^\//, "must start with '/'");

export const tls = z.object({
    clusterIssuer: z.string().min(1).optional(),
    secretName: dnsName.optional(),
}).strict();

export const ingress = z.object({
    host,
    className: z.string().min(1).optional(),
    paths: z.array(path).min(1).default(["/"]),
    tls: tls.optional(),
}).strict();
export type IngressConfig = z.infer<typeof ingress>;

/** Reports every entry whose name is already taken in its namespace (entries that failed to parse are holes). */
export function uniquePerNamespace(list: ({ name: string; namespace: string } | undefined)[], ctx: z.RefinementCtx, what: string, rule: string): void {
    const seen = new Map<string, number>();
    list.forEach((entry, i) => {
        if (!entry) return;
        const key = `${entry.namespace}/${entry.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [i, "name"],
                message: `${what} "${entry.name}" is already defined at index ${first} in namespace "${entry.namespace}"; ${rule}`,
            });
        } else {
            seen.set(key, i);
        }
    });
}

/** One field of a five-field cron expression: *, a number or a name, ranges, lists and steps. */
const cronField = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;
/** A cron schedule as k3s parses it (robfig/cron's standard parser): five fields, or a descriptor like @daily. */
export const cronSchedule = z.string().refine((s) => /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(s) || /^@every \d+[hms]/.test(s) ||
    (s.trim().split(/\s+/).length === 5 && s.trim().split(/\s+/).every((f) => cronField.test(f))),
"is not a cron schedule; write five fields (minute hour day-of-month month day-of-week), like \"0 */6 * * *\", or @daily");
