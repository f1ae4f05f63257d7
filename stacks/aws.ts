// The AWS side of a k3s stack: keyless identities, the workers' network, and one Auto Scaling
// pool per `kubestrap:cluster.aws.pools[]`, each joining the cluster (over the mesh when on).
import { isIP } from "net";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedCluster } from "../config";
import { ec2Arch, WorkerSettings } from "../aws";
import { AwsIdentity, AwsNetwork, AwsWorkerPool, AwsWorkerPoolArgs } from "../lib/aws";
import { K3sCluster, MeshNetwork, MeshNetworkArgs } from "../lib/cluster";

/** The mesh the pools join: the component, and the settings it was made from. */
export interface PoolMesh { network: MeshNetwork; args: MeshNetworkArgs }

type AwsConfig = NonNullable<ResolvedCluster["aws"]>;
type Pool = AwsConfig["pools"][number];

export interface AwsWorkers {
    identity?: AwsIdentity;
    network?: AwsNetwork;
    pools: Record<string, AwsWorkerPool>;
}

/** A pool's settings: what its user data needs to join, and what AWS needs to run it. */
export function workerPoolArgs(pool: Pool, cluster: ResolvedCluster, k3s: K3sCluster, mesh: PoolMesh | undefined,
    network: { vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<string[]> }): AwsWorkerPoolArgs {
    const k = cluster.k3s!;
    const firstServer = k.servers[0];
    const worker: Omit<WorkerSettings, "serverUrl"> = {
        pool: pool.name, k3sVersion: k.version, labels: pool.labels, taints: pool.taints, extraArgs: k.extraAgentArgs,
        mesh: mesh && { loginServer: mesh.args.headscale.serverUrl, tailscaleVersion: mesh.args.tailscaleVersion },
        staged: false, drainTimeoutSeconds: k.drainTimeout,
    };
    return {
        pool: pool.name, arch: pool.arch, instanceTypes: pool.instanceTypes, ami: pool.ami,
        desired: pool.desired, min: pool.min, max: pool.max, spot: pool.capacity.spot, onDemandBase: pool.capacity.onDemandBase,
        rootVolumeGiB: pool.rootVolumeGiB, vpcId: network.vpcId, subnetIds: network.subnetIds, ssm: cluster.aws!.ssm,
        worker,
        // On a mesh the agents reach the first server at its tailnet address, as the home nodes do.
        serverUrl: mesh ? pulumi.interpolate`https://${mesh.network.addresses[firstServer.name].ipv4}:6443` : `https://${firstServer.address ?? firstServer.host}:6443`,
        k3sToken: k3s.token,
        meshKey: mesh?.network.poolKeys[pool.name],
        meshCa: mesh?.network.ca,
        serverAddresses: k.servers.map((s) => s.address ?? s.host).filter((a) => isIP(a) === 4),
    };
}

/** The AWS provider of a stack with AWS workers, in its region. */
export const awsProvider = (cluster: ResolvedCluster) => cluster.aws && new aws.Provider("aws", { region: cluster.aws.region });

/**
 * A pinned AMI's architecture can only be known by looking it up: each pool's pinned image is
 * looked up before the program registers any other resource, and a wrong one stops the run with
 * the field and the fix, as a config error does.
 */
export async function refuseWrongImages(cluster: ResolvedCluster, provider: aws.Provider | undefined): Promise<void> {
    const pools = cluster.aws?.pools ?? [];
    const problems = await Promise.all(pools.map(async (pool, i) => {
        if (!("id" in pool.ami)) {
            return undefined;
        }
        const image = await aws.ec2.getAmi({ filters: [{ name: "image-id", values: [pool.ami.id] }] }, { provider });
        return image.architecture === ec2Arch[pool.arch] ? undefined
            : `kubestrap:cluster.aws.pools[${i}].ami.id: ${pool.ami.id} is ${image.architecture} and the pool's arch is ${pool.arch}; pick an ${ec2Arch[pool.arch]} image or change arch`;
    }));
    const found = problems.filter((p): p is string => !!p);
    if (found.length > 0) {
        throw new pulumi.RunError(`kubestrap: ${found.length} problem(s) with the pinned images; nothing was changed:\n  - ${found.join("\n  - ")}`);
    }
}

export function composeAwsWorkers(cluster: ResolvedCluster, k3s: K3sCluster, mesh?: PoolMesh,
    transformations: pulumi.ResourceTransformation[] = [], given?: aws.Provider): AwsWorkers | undefined {
    const config = cluster.aws;
    if (!config) {
        return undefined;
    }
    const provider = given ?? awsProvider(cluster)!;
    const opts = { providers: { aws: provider }, transformations };
    const identity = config.github || config.serviceAccountIssuer
        ? new AwsIdentity("aws-identity", {
            github: config.github,
            serviceAccountIssuer: config.serviceAccountIssuer && { ...config.serviceAccountIssuer, region: config.region, jwks: k3s.serviceAccountJwks! },
        }, opts)
        : undefined;
    if (config.pools.length === 0) {
        return { identity, pools: {} };
    }
    const network = new AwsNetwork("aws-network", config.network, opts);
    const pools: Record<string, AwsWorkerPool> = {};
    for (const pool of config.pools) {
        pools[pool.name] = new AwsWorkerPool(`aws-${pool.name}`, workerPoolArgs(pool, cluster, k3s, mesh, network), { ...opts, dependsOn: [k3s] });
    }
    return { identity, network, pools };
}
