// One pool of EC2 workers: a launch template (the AMI by arch and OS or a pinned id, IMDSv2
// only, an encrypted root volume, the cloud-init user data that joins the mesh and the cluster),
// an Auto Scaling group with desired/min/max and spot capacity by config, a lifecycle hook that
// holds a terminating instance while it drains itself, a security group that admits nothing
// from the internet, and a node role with nothing in it unless SSM is asked for.
//
// An Auto Scaling group rather than instances: AWS replaces failed or reclaimed (spot)
// instances itself, spreads them over zones, and a cluster autoscaler can drive it later. It
// picks which instance a scale-in removes, so the drain runs on that instance, at the
// lifecycle hook, not from Pulumi: see drainOnTerminateScript.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ec2TrustPolicy, kubestrapIamPath } from "./aws-policies";
import { WorkerSecrets, WorkerSettings, workerCloudConfig } from "./aws-user-data";

/** Published images: Canonical's and Debian's accounts, their name patterns by arch. */
export const publishedImages = {
    "ubuntu-24.04": { owner: "099720109477", name: (arch: string) => `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-*` },
    "debian-12": { owner: "136693071363", name: (arch: string) => `debian-12-${arch}-*` },
} as const;

/** EC2's names for the architectures. */
export const ec2Arch = { arm64: "arm64", amd64: "x86_64" } as const;

export interface AwsWorkerPoolArgs {
    pool: string;
    arch: "arm64" | "amd64";
    instanceTypes: string[];
    ami: { os: keyof typeof publishedImages } | { id: string };
    desired: number;
    min: number;
    max: number;
    spot: boolean;
    onDemandBase: number;
    rootVolumeGiB: number;
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    ssm: boolean;
    worker: Omit<WorkerSettings, "serverUrl">;
    /** https://<first server>:6443; on a mesh, its tailnet address (known once it joined). */
    serverUrl: pulumi.Input<string>;
    k3sToken: pulumi.Input<string>;
    meshKey?: pulumi.Input<string>;
    /** The private CA the mesh's Headscale is trusted by (PEM), when it has one. */
    meshCa?: pulumi.Input<string | undefined>;
    /** Without the mesh: the servers' addresses, which alone may reach the kubelet and flannel. */
    serverAddresses: string[];
}

/** How long a terminating instance may drain before the group lets it go (CONTINUE). */
export const heartbeatSeconds = (drainTimeoutSeconds: number) => Math.min(7200, Math.max(30, drainTimeoutSeconds + 60));

type Tags = Record<string, string>;

export class AwsWorkerPool extends pulumi.ComponentResource {
    readonly groupName: pulumi.Output<string>;
    readonly roleArn: pulumi.Output<string>;
    readonly imageId: pulumi.Output<string>;

    constructor(name: string, args: AwsWorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:aws:AwsWorkerPool", name, {}, opts);
        const tags: Tags = { "kubestrap.io/pool": args.pool, "managed-by": "kubestrap" };

        const image = "id" in args.ami ? this.checkedImage(args.ami.id, args.arch) : aws.ec2.getAmiOutput({
            owners: [publishedImages[args.ami.os].owner], mostRecent: true,
            filters: [{ name: "name", values: [publishedImages[args.ami.os].name(args.arch)] }, { name: "architecture", values: [ec2Arch[args.arch]] }],
        }, { parent: this });
        this.imageId = image.id;

        const { role, profile } = this.nodeRole(name, args, tags);
        const group = this.securityGroup(name, args, tags);
        const template = this.launchTemplate(name, args, tags, { image, profile, group });
        const asg = this.autoScalingGroup(name, args, tags, template);

        this.groupName = asg.name;
        this.roleArn = role.arn;
        this.registerOutputs({ groupName: this.groupName, roleArn: this.roleArn, imageId: this.imageId });
    }

    /** The nodes' role (SSM's managed policy only when asked for) and its instance profile. */
    private nodeRole(name: string, args: AwsWorkerPoolArgs, tags: Tags) {
        const child = { parent: this };
        const role = new aws.iam.Role(`${name}-node`, {
            path: kubestrapIamPath, description: `kubestrap: ${args.pool} worker nodes`,
            assumeRolePolicy: JSON.stringify(ec2TrustPolicy()), tags,
        }, child);
        if (args.ssm) {
            new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, child);
        }
        const profile = new aws.iam.InstanceProfile(`${name}-node`, { path: kubestrapIamPath, role: role.name, tags }, child);
        return { role, profile };
    }

    /** Nothing in from the internet: on the mesh nothing at all, without it k3s's ports from the servers only. */
    private securityGroup(name: string, args: AwsWorkerPoolArgs, tags: Tags): aws.ec2.SecurityGroup {
        const k3sPorts = args.worker.mesh ? [] : args.serverAddresses.flatMap((address) => [
            { description: `kubelet, from server ${address}`, protocol: "tcp", fromPort: 10250, toPort: 10250, cidrBlocks: [`${address}/32`] },
            { description: `flannel VXLAN, from server ${address}`, protocol: "udp", fromPort: 8472, toPort: 8472, cidrBlocks: [`${address}/32`] },
        ]);
        return new aws.ec2.SecurityGroup(`${name}-nodes`, {
            vpcId: args.vpcId,
            description: args.worker.mesh
                ? `kubestrap ${args.pool}: nothing in (the nodes ride the mesh); everything out`
                : `kubestrap ${args.pool}: k3s ports from the servers only; everything out`,
            ingress: k3sPorts,
            egress: [{ description: "Headscale, DERP, the k3s servers, package mirrors", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
            tags,
        }, { parent: this });
    }

    /** The instances' template: image, IMDSv2 only, an encrypted root volume, and the secret user data that joins them. */
    private launchTemplate(name: string, args: AwsWorkerPoolArgs, tags: Tags,
        on: { image: pulumi.Output<aws.ec2.GetAmiResult>; profile: aws.iam.InstanceProfile; group: aws.ec2.SecurityGroup }): aws.ec2.LaunchTemplate {
        const userData = pulumi.secret(pulumi.all([args.serverUrl, args.k3sToken, args.meshKey, args.meshCa]).apply(([serverUrl, k3sToken, meshKey, ca]) => {
            const worker = { ...args.worker, serverUrl, mesh: args.worker.mesh && { ...args.worker.mesh, ca } };
            return Buffer.from(workerCloudConfig(worker, { k3sToken, meshKey } satisfies WorkerSecrets)).toString("base64");
        }));
        return new aws.ec2.LaunchTemplate(`${name}-nodes`, {
            imageId: this.imageId,
            instanceType: args.instanceTypes[0],
            iamInstanceProfile: { arn: on.profile.arn },
            vpcSecurityGroupIds: [on.group.id],
            // IMDSv2 only, one hop: the node reads its metadata, its pods (a hop further) cannot.
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
            blockDeviceMappings: [{ deviceName: on.image.rootDeviceName, ebs: { volumeSize: args.rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
            userData,
            tagSpecifications: [{ resourceType: "instance", tags }, { resourceType: "volume", tags }],
            updateDefaultVersion: true,
            tags,
        }, { parent: this });
    }

    /** The Auto Scaling group: capacity and spot by config, the drain hook, rolling refresh on a new template version. */
    private autoScalingGroup(name: string, args: AwsWorkerPoolArgs, tags: Tags, template: aws.ec2.LaunchTemplate): aws.autoscaling.Group {
        return new aws.autoscaling.Group(`${name}-nodes`, {
            desiredCapacity: args.desired, minSize: args.min, maxSize: args.max,
            vpcZoneIdentifiers: args.subnetIds,
            capacityRebalance: args.spot,
            mixedInstancesPolicy: {
                instancesDistribution: {
                    onDemandBaseCapacity: args.onDemandBase,
                    onDemandPercentageAboveBaseCapacity: args.spot ? 0 : 100,
                    spotAllocationStrategy: "price-capacity-optimized",
                },
                launchTemplate: {
                    // The template's own version number, not "$Latest": a group on "$Latest" sees no
                    // change when the template gets a new version, and starts no instance refresh.
                    launchTemplateSpecification: { launchTemplateId: template.id, version: template.latestVersion.apply(String) },
                    overrides: args.instanceTypes.map((instanceType) => ({ instanceType })),
                },
            },
            initialLifecycleHooks: [{
                name: "kubestrap-drain",
                lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
                heartbeatTimeout: heartbeatSeconds(args.worker.drainTimeoutSeconds),
                defaultResult: "CONTINUE",
            }],
            // A new template version (image, user data) replaces instances a few at a time.
            instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } },
            tags: Object.entries({ ...tags, Name: `kubestrap-${args.pool}` }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        }, { parent: this });
    }

    /** A pinned image must be of the pool's architecture: checked by lookup before anything is made. */
    private checkedImage(id: string, arch: "arm64" | "amd64"): pulumi.Output<aws.ec2.GetAmiResult> {
        return aws.ec2.getAmiOutput({ filters: [{ name: "image-id", values: [id] }] }, { parent: this }).apply((image) => {
            if (image.architecture !== ec2Arch[arch]) {
                throw new Error(`kubestrap:cluster.aws.pools: ami ${id} is ${image.architecture} and the pool's arch is ${arch}; ` +
                    `pick an ${ec2Arch[arch]} image or change arch`);
            }
            return image;
        });
    }
}
