// Where the EC2 workers run: subnets of a VPC the user has, or a small VPC of kubestrap's own
// with public subnets (the nodes reach Headscale, the k3s servers and the package mirrors out
// through an internet gateway; nothing comes in) and, only when asked, a NAT gateway.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type AwsNetworkArgs =
    | { vpcId: string; subnetIds: string[] }
    | { cidr: string; zones: number; natGateway: boolean };

/** The i-th /20 (or smaller, for a small VPC) of the VPC range: subnets never overlap. */
export function subnetCidr(vpcCidr: string, index: number): string {
    const [address, bits] = vpcCidr.split("/");
    const prefix = Math.min(Number(bits) + 4, 28);
    const base = address.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    const start = base + index * 2 ** (32 - prefix);
    return `${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join(".")}/${prefix}`;
}

export class AwsNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly subnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:aws:AwsNetwork", name, {}, opts);
        const child = { parent: this };
        if ("vpcId" in args) {
            this.vpcId = pulumi.output(args.vpcId);
            this.subnetIds = pulumi.output(args.subnetIds);
        } else {
            const tags = { Name: name, "managed-by": "kubestrap" };
            const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags }, child);
            const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, child);
            const routes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }], tags }, child);
            const zones = aws.getAvailabilityZonesOutput({ state: "available" }, child);
            const subnets = Array.from({ length: args.zones }, (_, i) => {
                const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
                    vpcId: vpc.id, cidrBlock: subnetCidr(args.cidr, i), availabilityZone: zones.names[i],
                    // Nodes need an address to reach the internet without a NAT gateway; the security group admits nothing.
                    mapPublicIpOnLaunch: !args.natGateway, tags: { ...tags, Name: `${name}-public-${i}` },
                }, child);
                new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, child);
                return subnet;
            });
            let nodeSubnets = subnets;
            if (args.natGateway) {
                const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags }, child);
                const nat = new aws.ec2.NatGateway(`${name}-nat`, { subnetId: subnets[0].id, allocationId: eip.id, tags }, { ...child, dependsOn: [gateway] });
                const privateRoutes = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags }, child);
                nodeSubnets = Array.from({ length: args.zones }, (_, i) => {
                    const subnet = new aws.ec2.Subnet(`${name}-private-${i}`, {
                        vpcId: vpc.id, cidrBlock: subnetCidr(args.cidr, args.zones + i), availabilityZone: zones.names[i],
                        mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-private-${i}` },
                    }, child);
                    new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, child);
                    return subnet;
                });
            }
            this.vpcId = vpc.id;
            this.subnetIds = pulumi.all(nodeSubnets.map((s) => s.id));
        }
        this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
    }
}
