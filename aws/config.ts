// `kubestrap:cluster.aws`: EC2 worker pools that join the k3s cluster (over the mesh when it
// is on), the network they run in, and the identities that let CI and workloads reach AWS
// with no static keys.
import { z } from "zod";
import { cidr, labelValue, nodeLabelKey, taint } from "../core/primitives";
import { isIP } from "net";
import { ipv4Range, rangesOverlap } from "../core/formats";

const instanceType = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** The instance families of each architecture, as EC2 names them. */
const gravitonFamily = /^[a-z]+\d+[a-z]*g[a-z]*\.|^a1\./;

/** Each entry of list[] named once: a repeat is reported at its own index, naming the first. */
function uniqueNames(list: { name: string }[], key: string, ctx: z.RefinementCtx): void {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
        if (seen.has(item.name)) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key, i, "name"], message: `"${item.name}" is already the name of ${key}[${seen.get(item.name)}]` });
        }
        seen.set(item.name, i);
    });
}

export const awsPool = z.object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/, "is not a pool name: lower-case letters, digits and '-', at most 32"),
    arch: z.enum(["arm64", "amd64"], { errorMap: () => ({ message: 'is not an architecture kubestrap knows; use "arm64" (Graviton) or "amd64"' }) }),
    /** The first is preferred; more types give spot more pools to draw from. */
    instanceTypes: z.array(z.string().regex(instanceType, "is not an EC2 instance type like t4g.medium")).min(1),
    /** The image: Ubuntu's or Debian's published AMI for the arch, or a pinned id. */
    ami: z.union([
        z.object({ os: z.enum(["ubuntu-24.04", "debian-12"]).default("ubuntu-24.04") }).strict(),
        z.object({ id: z.string().regex(/^ami-[0-9a-f]{8,17}$/, "is not an AMI id like ami-0123456789abcdef0") }).strict(),
    ]).default({ os: "ubuntu-24.04" }),
    desired: z.number().int().min(0),
    min: z.number().int().min(0),
    max: z.number().int().min(1),
    capacity: z.object({
        /**
         * Spot instances across every listed type (price-capacity-optimized, replaced before an
         * interruption); onDemandBase keeps that many on-demand whatever spot offers. AWS does not
         * switch to on-demand by itself when no listed type has spot capacity: onDemandBase is the fallback.
         */
        spot: z.boolean().default(false),
        onDemandBase: z.number().int().min(0).default(0),
    }).strict().default({}),
    rootVolumeGiB: z.number().int().min(8).max(16384).default(30),
    labels: z.record(nodeLabelKey, labelValue).default({}),
    taints: z.array(taint).default([]),
}).strict().superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (p.max < p.min) issue("max", `is below min (${p.min}); the Auto Scaling group needs min <= desired <= max`);
    else if (p.desired < p.min || p.desired > p.max) issue("desired", `must be between min (${p.min}) and max (${p.max})`);
    p.instanceTypes.forEach((t, i) => {
        // A malformed type has its own message already.
        if (instanceType.test(t) && gravitonFamily.test(t) !== (p.arch === "arm64")) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["instanceTypes", i], message: `${t} is ${gravitonFamily.test(t) ? "an arm64 (Graviton)" : "an amd64"} type and the pool's arch is ${p.arch}` });
        }
    });
    if (p.capacity.onDemandBase > p.max) issue("capacity", `onDemandBase (${p.capacity.onDemandBase}) is more than max (${p.max})`);
});
export type AwsPoolConfig = z.infer<typeof awsPool>;

export const aws = z.object({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "is not an AWS region like eu-west-1"),
    network: z.union([
        /** Subnets of a VPC you have (public ones, or private with a NAT of yours). */
        z.object({ vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "is not a VPC id"), subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "is not a subnet id")).min(1) }).strict(),
        /** A VPC of kubestrap's own: public subnets in `zones` availability zones, no NAT gateway unless asked. */
        z.object({ cidr: cidr.default("10.90.0.0/16"), zones: z.number().int().min(1).max(6).default(2), natGateway: z.boolean().default(false) }).strict(),
    ]).default({}),
    /** Attach AmazonSSMManagedInstanceCore to the nodes' role (Session Manager instead of SSH). */
    ssm: z.boolean().default(false),
    pools: z.array(awsPool).default([]),
    /**
     * CI with GitHub's OIDC tokens: a deploy role only this repository's runs in one environment
     * (or on one branch) may assume, and a read-only preview role for its pull requests.
     */
    github: z.object({
        repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'is not a GitHub repository; write "owner/name"'),
        /** The owner's and repository's numeric ids, for repositories whose tokens carry them (repo:owner@<id>/name@<id>:...). */
        ownerId: z.number().int().positive().optional(),
        repositoryId: z.number().int().positive().optional(),
        branch: z.string().min(1).optional(),
        environment: z.string().min(1).optional(),
        /** A read-only role for `pulumi preview` on pull requests (preview.yml). */
        previews: z.boolean().default(true),
        /** Pulumi's state bucket (PULUMI_BACKEND_URL): the deploy role reads and writes it, the preview role reads it. */
        stateBucket: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^?\s]*)?$/, 'is not an S3 backend URL like "s3://acme-pulumi-state" or "s3://acme-pulumi-state/kubestrap"').optional(),
        /** Skip creating GitHub's identity provider when the account already has one (one per account). */
        existingProviderArn: z.string().regex(/^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, "is not GitHub's OIDC provider ARN").optional(),
    }).strict()
        .refine((g) => !(g.branch && g.environment), { message: "give branch or environment, not both: the role trusts one subject", path: ["environment"] })
        .refine((g) => (g.ownerId === undefined) === (g.repositoryId === undefined), { message: "give both ownerId and repositoryId (GitHub's immutable subject names both), or neither", path: ["repositoryId"] })
        .optional(),
    /**
     * The cluster's service-account issuer, published where AWS can fetch it: kubestrap makes the
     * S3 bucket `bucket` (in `region`), serves the OIDC discovery document and the cluster's JWKS
     * from it, sets k3s's service-account-issuer to https://<bucket>.s3.<region>.amazonaws.com, and
     * registers it as an IAM OIDC provider, so pods assume roles with projected tokens.
     */
    serviceAccountIssuer: z.object({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "is not an S3 bucket name for the issuer (lower-case letters, digits and '-'; no dots, so its https name has a valid certificate)"),
        url: z.unknown().optional(),
        thumbprint: z.unknown().optional(),
        /** A role per ServiceAccount that may assume it, allowed only backups under one prefix of one bucket. */
        roles: z.array(z.object({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "is not a role name of lowercase letters, digits and dashes"),
            namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "is not a namespace name"),
            serviceAccount: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, "is not a ServiceAccount name"),
            backups: z.object({
                bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "is not an S3 bucket name"),
                prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]+$/, "is not an S3 key prefix like backups/etcd").refine((p) => p.replace(/^\/+|\/+$/g, "") !== "", "must name a folder, not the whole bucket"),
            }).strict(),
        }).strict()).default([]),
    }).strict().superRefine((issuer, ctx) => {
        for (const key of ["url", "thumbprint"] as const) {
            if (issuer[key] !== undefined) {
                ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: "kubestrap publishes the issuer itself now: remove it and give `bucket`, a new S3 bucket name; the issuer becomes https://<bucket>.s3.<region>.amazonaws.com" });
            }
        }
    })
        .superRefine((issuer, ctx) => uniqueNames(issuer.roles, "roles", ctx)).optional(),
}).strict().superRefine((a, ctx) => uniqueNames(a.pools, "pools", ctx));
export type AwsConfig = z.infer<typeof aws>;

/** A VPC range that would collide with the cluster's own: pods, services, the tailnet, the hosts' LAN. */
export function vpcOverlapProblems(vpcCidr: string, taken: { name: string; cidr: string }[]): string[] {
    const vpc = ipv4Range(vpcCidr);
    if (!vpc) return [];
    return taken.flatMap((t) => {
        const other = ipv4Range(t.cidr);
        return other && rangesOverlap(vpc, other)
            ? [`"${vpcCidr}" overlaps ${t.name} ${t.cidr}: nodes would route those addresses into the VPC; pick a range apart from it, like 10.90.0.0/16`]
            : [];
    });
}

const privateV4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10"].map((c) => ipv4Range(c)!);

/** Why an EC2 instance could not reach `host` from the internet (a private, loopback or tailnet address, a LAN-only name), or undefined. */
export function unreachableFromCloud(host: string): string | undefined {
    const h = host.replace(/^\[|\]$/g, "").toLowerCase();
    if (isIP(h) === 4) {
        const address = ipv4Range(`${h}/32`)!;
        return privateV4.some((p) => rangesOverlap(p, address)) ? `${h} is a private address` : undefined;
    }
    if (isIP(h) === 6) return /^(fc|fd|fe8|fe9|fea|feb)|^::1$/.test(h) ? `${h} is a private address` : undefined;
    if (h === "localhost" || !h.includes(".") || /\.(local|lan|home|internal|localdomain|home\.arpa)$/.test(h)) return `${h} is a name only your network resolves`;
    return undefined;
}
