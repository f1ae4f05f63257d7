import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { parseConfig } from "../../config";
import { drainOnTerminateScript, joinScript, workerPaths } from "../../aws/aws-user-data";
import { heartbeatSeconds } from "../../aws/aws-worker-pool";
import { subnetCidr } from "../../aws/aws-network";
import { meshPaths } from "../../mesh/mesh-plan";
import { awsProvider, refuseWrongImages } from "../../stacks/aws";
import { connectCluster, meshNetworkArgs } from "../../stacks/cluster";
import { profiles } from "../../stacks/environments";
import { loadFixture, stackFile } from "../config-fixtures";
import { isSecretValue, Recorder, reveal, settle, withMocks } from "../mocks";

const images: Record<string, { architecture: string; rootDeviceName: string }> = {
    "ami-0aaaaaaaaaaaaaaa1": { architecture: "arm64", rootDeviceName: "/dev/sda1" },
    "ami-0bbbbbbbbbbbbbbb2": { architecture: "x86_64", rootDeviceName: "/dev/xvda" },
};

function prodConfig(edit: (cluster: any) => void = () => undefined) {
    const fixture = loadFixture(stackFile("prod"));
    const cluster = JSON.parse(fixture.values["kubestrap:cluster"]);
    edit(cluster);
    fixture.values["kubestrap:cluster"] = JSON.stringify(cluster);
    return parseConfig(fixture.values, { ...fixture.sources, env: { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k" } });
}

async function compose(edit?: (cluster: any) => void, preview = false): Promise<Recorder> {
    const { r, connected } = await start(edit, preview);
    await settle(connected.k3s!.kubeconfig, ...Object.values(connected.aws?.pools ?? {}).map((p) => p.groupName));
    return r;
}

async function start(edit?: (cluster: any) => void, preview = false) {
    const r = await withMocks(preview);
    r.stdoutFor = (name) => ({
        "mesh-join-s1": "100.64.0.1 fd7a::1", "mesh-key-servers": "server-key", "mesh-key-agents": "agent-key",
        "mesh-key-pool-burst": "pool-key-burst", "k3s-s1-kubeconfig": "apiVersion: v1\nkind: Config\n",
        "mesh-headscale-tls": "-----BEGIN CERTIFICATE-----\nkubestrap mesh CA\n-----END CERTIFICATE-----\n",
    } as Record<string, string>)[name];
    r.invokes.set("aws:ec2/getAmi:getAmi", (inputs) => {
        const byId = inputs.filters.find((f: any) => f.name === "image-id")?.values[0];
        const arch = inputs.filters.find((f: any) => f.name === "architecture")?.values[0];
        return byId ? { id: byId, ...images[byId] } : { id: `ami-published-${arch}`, architecture: arch, rootDeviceName: "/dev/sda1", name: inputs.filters[0].values[0] };
    });
    r.invokes.set("aws:index/getAvailabilityZones:getAvailabilityZones", () => ({ names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }));
    r.invokes.set("aws:index/getCallerIdentity:getCallerIdentity", () => ({ accountId: "123456789012" }));
    return { r, connected: connectCluster(prodConfig(edit).cluster, profiles.prod, [r.track]) };
}

const one = (r: Recorder, type: string, name: string) => r.one(type, name).inputs;
const cloudConfig = (r: Recorder) => {
    const userData = one(r, "aws:ec2/launchTemplate:LaunchTemplate", "aws-burst-nodes").userData;
    return { secret: isSecretValue(userData), config: Buffer.from(reveal(userData), "base64").toString() };
};
const fileIn = (config: string, path: string) => (parse(config).write_files as any[]).find((f) => f.path === path);

describe("AWS workers (prod stack)", () => {
    it("serves Headscale on HTTPS from kubestrap's CA unless a server URL or certificate is given", () => {
        const args = (edit: (c: any) => void) => { const c = prodConfig(edit).cluster; return meshNetworkArgs(c.k3s!, c.mesh!, () => "PEM").headscale; };
        const managed = args((c) => { delete c.mesh.headscale.serverUrl; c.mesh.headscale.address = "203.0.113.5"; });
        assert.deepStrictEqual([managed.serverUrl, managed.tls], ["https://203.0.113.5:8080", "managed"]);
        const proxied = args(() => undefined);
        assert.deepStrictEqual([proxied.serverUrl, proxied.tls], ["https://headscale.example.com", undefined], "a proxy ends TLS: Headscale serves HTTP behind it");
        const given = prodConfig().cluster;
        given.mesh!.headscale.tls = { certFile: "/pki/hs.crt", key: pulumi.secret("k") };
        assert.deepStrictEqual(meshNetworkArgs(given.k3s!, given.mesh!, () => "PEM").headscale.tls, { certificate: "PEM" });
    });

    it("gives a pool the CA kubestrap made for Headscale, so instances trust its HTTPS and its relay", async () => {
        const r = await compose((c) => { delete c.mesh.headscale.serverUrl; c.mesh.headscale.address = "203.0.113.5"; });
        const { config } = cloudConfig(r);
        const ca = /echo '([^']+)' \| base64 -d \| install -D -m 644 \/dev\/stdin '\/etc\/kubestrap\/mesh-ca\.pem'/.exec(config);
        assert.ok(ca, "the worker is not given the mesh CA");
        assert.match(Buffer.from(ca![1], "base64").toString(), /kubestrap mesh CA/);
        assert.match(config, /--login-server='https:\/\/203\.0\.113\.5:8080'/);
    });

    it("launches a pool from the published image of its arch, IMDSv2 only, with an encrypted root volume", async () => {
        const r = await compose();
        assert.deepStrictEqual(r.calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi").map((c) => [c.inputs.owners, c.inputs.filters]), [[
            ["099720109477"], [{ name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*"] }, { name: "architecture", values: ["arm64"] }],
        ]]);
        const template = one(r, "aws:ec2/launchTemplate:LaunchTemplate", "aws-burst-nodes");
        assert.strictEqual(template.imageId, "ami-published-arm64");
        assert.deepStrictEqual(template.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
        assert.deepStrictEqual(template.blockDeviceMappings[0], { deviceName: "/dev/sda1", ebs: { volumeSize: 30, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } });
        assert.deepStrictEqual(template.tagSpecifications.map((t: any) => [t.resourceType, t.tags["kubestrap.io/pool"]]), [["instance", "burst"], ["volume", "burst"]]);
    });

    it("runs spot across the listed types with desired/min/max from config, and holds terminating instances to drain", async () => {
        const r = await compose();
        const asg = one(r, "aws:autoscaling/group:Group", "aws-burst-nodes");
        assert.deepStrictEqual([asg.desiredCapacity, asg.minSize, asg.maxSize, asg.capacityRebalance], [1, 0, 4, true]);
        assert.deepStrictEqual(asg.mixedInstancesPolicy.instancesDistribution, { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 0, spotAllocationStrategy: "price-capacity-optimized" });
        assert.deepStrictEqual(asg.mixedInstancesPolicy.launchTemplate.overrides.map((o: any) => o.instanceType), ["t4g.large", "m7g.large", "c7g.large"]);
        assert.deepStrictEqual(asg.initialLifecycleHooks, [{ name: "kubestrap-drain", lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", heartbeatTimeout: heartbeatSeconds(300), defaultResult: "CONTINUE" }]);
        assert.ok(heartbeatSeconds(300) > 300, "the hook must outlast the drain");
        assert.deepStrictEqual(asg.vpcZoneIdentifiers, ["aws-network-public-0-id", "aws-network-public-1-id"]);
        const onDemand = await compose((c) => { c.aws.pools[0].capacity = { spot: false, onDemandBase: 1 }; c.aws.pools[0].min = 1; });
        assert.deepStrictEqual(one(onDemand, "aws:autoscaling/group:Group", "aws-burst-nodes").mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity, 100);
    });

    it("admits nothing from the internet on a mesh, and only the servers' k3s ports without one", async () => {
        const r = await compose();
        const meshed = one(r, "aws:ec2/securityGroup:SecurityGroup", "aws-burst-nodes");
        assert.deepStrictEqual(meshed.ingress, []);
        // Without a mesh the workers dial the first server directly: the servers need public addresses.
        const plain = await compose((c) => { delete c.mesh; c.k3s.servers.forEach((s: any, i: number) => (s.address = `203.0.113.1${i + 1}`)); });
        const rules = one(plain, "aws:ec2/securityGroup:SecurityGroup", "aws-burst-nodes").ingress;
        assert.deepStrictEqual([...new Set(rules.flatMap((x: any) => x.cidrBlocks))], ["203.0.113.11/32", "203.0.113.12/32", "203.0.113.13/32"]);
        assert.deepStrictEqual([...new Set(rules.map((x: any) => `${x.protocol}/${x.fromPort}`))], ["tcp/10250", "udp/8472"]);
    });

    it("refuses pools that could not reach home from AWS: a Headscale URL on the LAN, or a private first server without a mesh", () => {
        assert.throws(() => prodConfig((c) => { c.mesh.headscale.serverUrl = "http://192.168.1.11:8080"; }),
            /mesh\.headscale\.serverUrl: the EC2 workers log in to Headscale at this URL from AWS, and 192\.168\.1\.11 is a private address/);
        assert.throws(() => prodConfig((c) => { c.mesh.headscale.serverUrl = "https://headscale.home.arpa"; }), /headscale\.home\.arpa is a name only your network resolves/);
        assert.throws(() => prodConfig((c) => { delete c.mesh.headscale.serverUrl; }), /it defaults to the coordinator's address, and 192\.168\.1\.11 is a private address/);
        assert.throws(() => prodConfig((c) => { delete c.mesh; }), /aws\.pools: the EC2 workers join k3s at s1's address from AWS, and 192\.168\.1\.11 is a private address/);
        assert.doesNotThrow(() => prodConfig());
    });

    it("points the group at the template's version number, so every new template version starts an instance refresh", async () => {
        const r = await compose();
        const group = one(r, "aws:autoscaling/group:Group", "aws-burst-nodes");
        assert.strictEqual(group.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version, "1", "AWS starts no refresh for a group on $Latest");
        assert.strictEqual(group.instanceRefresh.strategy, "Rolling");
    });

    it("gives the nodes a role EC2 alone assumes, with nothing in it unless SSM is asked for", async () => {
        const r = await compose();
        const role = one(r, "aws:iam/role:Role", "aws-burst-node");
        assert.strictEqual(role.path, "/kubestrap/");
        assert.deepStrictEqual(JSON.parse(role.assumeRolePolicy).Statement[0].Principal, { Service: "ec2.amazonaws.com" });
        assert.deepStrictEqual(r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment"), []);
        assert.deepStrictEqual(r.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.name).sort(), ["aws-identity-deploy", "aws-identity-preview"], "only CI's roles have a policy");
        const deny = JSON.parse(one(r, "aws:iam/rolePolicy:RolePolicy", "aws-identity-deploy").policy).Statement.find((s: any) => s.Sid === "NeverItsOwnRoles");
        assert.deepStrictEqual(deny.Resource, ["arn:mock:aws:iam/role:Role:aws-identity-deploy", "arn:mock:aws:iam/role:Role:aws-identity-preview"], "the deploy role may change itself");
        assert.match(one(r, "aws:iam/role:Role", "aws-identity-preview").assumeRolePolicy, /repo:acme\/platform:pull_request/);
        const ssm = await compose((c) => { c.aws.ssm = true; });
        assert.strictEqual(one(ssm, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws-burst-ssm").policyArn, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    });

    it("writes user data that joins the mesh with the pool's ephemeral key, then k3s at the first server's tailnet address, all of it secret", async () => {
        const r = await compose();
        const { secret, config } = cloudConfig(r);
        assert.ok(secret, "the user data holds the join token and the mesh key: it must be secret");
        assert.ok(config.startsWith("#cloud-config\n"));
        assert.match(r.one("command:remote:Command", "mesh-key-pool-burst").inputs.create, /--reusable --ephemeral .*--tags 'tag:k3s-agent'/);
        assert.strictEqual(fileIn(config, meshPaths.authKey).content, "pool-key-burst\n");
        assert.strictEqual(fileIn(config, meshPaths.authKey).permissions, "0600");
        assert.strictEqual(fileIn(config, "/etc/rancher/k3s/token").content, "random-password-of-k3s-token\n");
        const k3s = parse(fileIn(config, workerPaths.configTemplate).content);
        assert.deepStrictEqual([k3s.server, k3s["node-ip"], k3s["flannel-iface"], k3s["node-name"]], ["https://100.64.0.1:6443", "__NODE_IP__", "tailscale0", "__NODE_NAME__"]);
        assert.deepStrictEqual(k3s["node-label"], ["kubestrap.io/pool=burst", "node.kubernetes.io/instance-type=__INSTANCE_TYPE__", "kubestrap.io/capacity=__CAPACITY__"]);
        assert.deepStrictEqual(k3s["node-taint"], ["kubestrap.io/burst=true:NoSchedule"]);
        assert.match(fileIn(config, workerPaths.joinTemplate).content, /--login-server='https:\/\/headscale\.example\.com'/);
        assert.deepStrictEqual(parse(config).runcmd, [[workerPaths.join]]);
        for (const c of [...r.ofType("aws:autoscaling/group:Group"), ...r.ofType("aws:ec2/securityGroup:SecurityGroup")]) {
            assert.ok(!JSON.stringify(c.inputs).includes("pool-key-burst"), `the mesh key leaked into ${c.name}`);
        }
    });

    it("reads the node's name, type and market from IMDSv2, and drains itself when the group terminates it", () => {
        const join = joinScript({ pool: "burst", k3sVersion: "v1.31.4+k3s1", serverUrl: "https://10.0.0.1:6443", labels: {}, taints: [], extraArgs: [], staged: false, drainTimeoutSeconds: 300 });
        assert.match(join, /-X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' 'http:\/\/169\.254\.169\.254\/latest\/api\/token'/);
        assert.match(join, /meta instance-life-cycle/);
        assert.match(join, /name="burst-\$\{instance_id#i-\}"/);
        const drain = drainOnTerminateScript(300);
        assert.match(drain, /autoscaling\/target-lifecycle-state/);
        assert.match(drain, /--kubeconfig '\/var\/lib\/rancher\/k3s\/agent\/kubelet.kubeconfig' cordon "\$node"/);
        assert.match(drain, /pods\/\$pod\/eviction/, "evictions honour PodDisruptionBudgets; deletes would not");
        assert.ok(drain.indexOf("cordon") < drain.indexOf("eviction") && drain.indexOf("eviction") < drain.indexOf("systemctl stop k3s-agent"), "cordon, evict, then stop");
    });

    it("trusts only this repository's prod environment with CI's deploy role", async () => {
        const r = await compose();
        const provider = one(r, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws-identity-github");
        assert.deepStrictEqual([provider.url, provider.clientIdLists], ["https://token.actions.githubusercontent.com", ["sts.amazonaws.com"]]);
        const trust = JSON.parse(one(r, "aws:iam/role:Role", "aws-identity-deploy").assumeRolePolicy).Statement[0];
        assert.deepStrictEqual(trust.Condition.StringEquals, {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/platform:environment:prod",
        });
        assert.strictEqual(trust.Principal.Federated, "arn:mock:aws:iam/openIdConnectProvider:OpenIdConnectProvider:aws-identity-github");
        assert.strictEqual(r.ofType("aws:iam/accessKey:AccessKey").length, 0, "no static keys, anywhere");
        assert.strictEqual(r.ofType("aws:iam/user:User").length, 0);
    });

    it("publishes the cluster's service-account issuer from a bucket of its own, signs tokens as it, and gives each listed ServiceAccount a role for its backups prefix only", async () => {
        const issuer = "https://acme-k3s-issuer.s3.eu-west-1.amazonaws.com";
        const r = await compose((c) => {
            c.aws.serviceAccountIssuer = {
                bucket: "acme-k3s-issuer",
                roles: [{ name: "etcd-backups", namespace: "kube-system", serviceAccount: "etcd-backup", backups: { bucket: "acme-backups", prefix: "etcd/" } }],
            };
        });
        // k3s signs service-account tokens as the published issuer, and still accepts its own.
        const serverConfig = parse(Buffer.from(/echo '([^']+)'/.exec(one(r, "command:remote:Command", "k3s-s1-config").create)![1], "base64").toString());
        assert.deepStrictEqual(serverConfig["kube-apiserver-arg"].filter((a: string) => a.startsWith("service-account-")), [
            `service-account-issuer=${issuer}`, "service-account-issuer=https://kubernetes.default.svc.cluster.local", `service-account-jwks-uri=${issuer}/openid/v1/jwks`,
        ]);
        assert.ok(serverConfig["kube-apiserver-arg"].some((a: string) => a.startsWith("audit-policy-file=")), "the hardened profile's flags are kept");
        assert.match(one(r, "command:remote:Command", "k3s-s1-jwks").create, /k3s kubectl get --raw \/openid\/v1\/jwks/);
        // The documents AWS fetches, anonymously readable, and nothing else of the bucket.
        const discovery = JSON.parse(one(r, "aws:s3/bucketObjectv2:BucketObjectv2", "aws-identity-issuer-discovery").content);
        assert.deepStrictEqual([discovery.issuer, discovery.jwks_uri], [issuer, `${issuer}/openid/v1/jwks`]);
        assert.strictEqual(one(r, "aws:s3/bucketObjectv2:BucketObjectv2", "aws-identity-issuer-discovery").key, ".well-known/openid-configuration");
        assert.strictEqual(one(r, "aws:s3/bucketObjectv2:BucketObjectv2", "aws-identity-issuer-jwks").key, "openid/v1/jwks");
        const read = JSON.parse(one(r, "aws:s3/bucketPolicy:BucketPolicy", "aws-identity-issuer").policy).Statement;
        assert.deepStrictEqual(read.map((s: any) => [s.Effect, s.Principal, s.Action, s.Resource]), [["Allow", { AWS: "*" }, "s3:GetObject",
            ["arn:aws:s3:::acme-k3s-issuer/.well-known/openid-configuration", "arn:aws:s3:::acme-k3s-issuer/openid/v1/jwks"]]]);
        const provider = one(r, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws-identity-service-accounts");
        assert.deepStrictEqual([provider.url, provider.clientIdLists], [issuer, ["sts.amazonaws.com"]]);
        assert.deepStrictEqual((r.optionsOf.get("aws:iam/openIdConnectProvider:OpenIdConnectProvider::aws-identity-service-accounts")!.dependsOn as any[]).map((d) => d.__name).sort(),
            ["aws-identity-issuer", "aws-identity-issuer-discovery", "aws-identity-issuer-jwks"], "AWS fetches the documents when the provider is made");
        const role = one(r, "aws:iam/role:Role", "aws-identity-sa-etcd-backups");
        assert.strictEqual(role.path, "/kubestrap/");
        const trust = JSON.parse(role.assumeRolePolicy).Statement;
        assert.strictEqual(trust.length, 1);
        assert.deepStrictEqual([trust[0].Principal.Federated, trust[0].Action, trust[0].Condition.StringEquals], [
            "arn:mock:aws:iam/openIdConnectProvider:OpenIdConnectProvider:aws-identity-service-accounts", "sts:AssumeRoleWithWebIdentity",
            { "acme-k3s-issuer.s3.eu-west-1.amazonaws.com:aud": "sts.amazonaws.com", "acme-k3s-issuer.s3.eu-west-1.amazonaws.com:sub": "system:serviceaccount:kube-system:etcd-backup" },
        ]);
        const policy = JSON.parse(one(r, "aws:iam/rolePolicy:RolePolicy", "aws-identity-sa-etcd-backups").policy).Statement;
        assert.deepStrictEqual(policy.map((s: any) => s.Resource), ["arn:aws:s3:::acme-backups/etcd/*", "arn:aws:s3:::acme-backups"]);
        assert.deepStrictEqual(policy[1].Condition, { StringLike: { "s3:prefix": ["etcd/*"] } });
        assert.strictEqual(r.ofType("aws:iam/accessKey:AccessKey").length, 0, "no static keys, anywhere");
    });

    it("refuses an issuer url of the user's own (kubestrap publishes the issuer itself)", () => {
        assert.throws(() => prodConfig((c) => { c.aws.serviceAccountIssuer = { url: "https://oidc.example.com/cluster", bucket: "acme-k3s-issuer" }; }),
            /aws\.serviceAccountIssuer\.url: kubestrap publishes the issuer itself now/);
    });

    it("makes a VPC of its own with public subnets and no NAT gateway by default", async () => {
        const r = await compose();
        assert.strictEqual(one(r, "aws:ec2/vpc:Vpc", "aws-network-vpc").cidrBlock, "10.90.0.0/16");
        assert.deepStrictEqual(r.ofType("aws:ec2/subnet:Subnet").map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]), [["10.90.0.0/20", "eu-west-1a"], ["10.90.16.0/20", "eu-west-1b"]]);
        assert.deepStrictEqual(r.ofType("aws:ec2/natGateway:NatGateway"), []);
        assert.strictEqual(subnetCidr("10.90.0.0/24", 3), "10.90.0.48/28");
        const own = await compose((c) => { c.aws.network = { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"] }; });
        assert.deepStrictEqual(own.ofType("aws:ec2/vpc:Vpc"), []);
        assert.deepStrictEqual(one(own, "aws:autoscaling/group:Group", "aws-burst-nodes").vpcZoneIdentifiers, ["subnet-0123456789abcdef0"]);
    });

    it("puts every AWS resource under its component: AwsWorkerPool, AwsNetwork or AwsIdentity", async () => {
        const r = await compose();
        const owner = (key: string): string | undefined => {
            const parent = r.ancestry.get(key);
            return !parent || /^kubestrap:aws:/.test(parent) ? parent : owner(parent);
        };
        const owners = new Set(r.resources.filter((x) => x.type.startsWith("aws:") && x.type !== "pulumi:providers:aws").map((x) => owner(`${x.type}::${x.name}`)));
        assert.deepStrictEqual([...owners].sort(), ["kubestrap:aws:AwsIdentity::aws-identity", "kubestrap:aws:AwsNetwork::aws-network", "kubestrap:aws:AwsWorkerPool::aws-burst"]);
    });

    it("looks pinned images up before the program registers anything, and stops on one of the wrong arch naming the field", async () => {
        const r = await withMocks(false);
        r.invokes.set("aws:ec2/getAmi:getAmi", (inputs) => ({ id: inputs.filters[0].values[0], ...images[inputs.filters[0].values[0]] }));
        const wrong = prodConfig((c) => { c.aws.pools[0].ami = { id: "ami-0bbbbbbbbbbbbbbb2" }; }).cluster;
        await assert.rejects(refuseWrongImages(wrong, awsProvider(wrong)),
            /kubestrap:cluster\.aws\.pools\[0\]\.ami\.id: ami-0bbbbbbbbbbbbbbb2 is x86_64 and the pool's arch is arm64; pick an arm64 image or change arch/);
        assert.deepStrictEqual(r.resources.map((x) => x.type), ["pulumi:providers:aws"], "nothing but the provider is registered");
        const right = prodConfig((c) => { c.aws.pools[0].ami = { id: "ami-0aaaaaaaaaaaaaaa1" }; }).cluster;
        await refuseWrongImages(right, undefined);
        await refuseWrongImages(prodConfig().cluster, undefined); // published images are looked up by arch: nothing to check
    });

    it("refuses a pinned image of the other architecture before anything is made", async () => {
        const { r: wrong, connected } = await start((c) => { c.aws.pools[0].ami = { id: "ami-0bbbbbbbbbbbbbbb2" }; });
        await assert.rejects((connected.aws!.pools.burst.imageId as any).promise(), /ami ami-0bbbbbbbbbbbbbbb2 is x86_64 and the pool's arch is arm64; pick an arm64 image/);
        assert.deepStrictEqual(wrong.ofType("aws:ec2/launchTemplate:LaunchTemplate"), [], "no launch template from the wrong image");
        const r = await compose((c) => { c.aws.pools[0].ami = { id: "ami-0aaaaaaaaaaaaaaa1" }; });
        assert.strictEqual(one(r, "aws:ec2/launchTemplate:LaunchTemplate", "aws-burst-nodes").imageId, "ami-0aaaaaaaaaaaaaaa1");
    });
});
