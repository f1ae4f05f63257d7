// A contract with upstream's plugins: every input the program sends to the command and random
// providers, every connection field, and every output it declares, exists in upstream's schema at
// the pinned versions (tests/fixtures/upstream-schemas.json, recorded with its source). The program
// must run on upstream's pulumi-command 1.2.1 as it does on kubestrap's offline build of it.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { K3sCluster } from "../../cluster/k3s-cluster";
import { RemoteCommand } from "../../cluster/remote-command";
import { parseConfig } from "../../config";
import { connectCluster } from "../../stacks/cluster";
import { profiles } from "../../stacks/environments";
import { loadFixture, stackFile } from "../config-fixtures";
import { Registered, reveal, settle, withMocks } from "../mocks";
import { renderedStacks, renderStack } from "../rendered-stacks";

interface Schema { resources: Record<string, { inputs: string[]; outputs: string[] }>; types: Record<string, { properties: string[] }> }
const upstream: { command: Schema; random: Schema } = require("../fixtures/upstream-schemas.json");
const schemaOf = (type: string): Schema | undefined => type.startsWith("command:") ? upstream.command : type.startsWith("random:") ? upstream.random : undefined;
const authorizedKey = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}$/;

/** What of the resources' inputs upstream does not define, one line each. */
function unknownToUpstream(resources: Registered[]): string[] {
    const problems: string[] = [];
    for (const r of resources) {
        const schema = schemaOf(r.type);
        if (!schema) continue;
        const resource = schema.resources[r.type];
        if (!resource) {
            problems.push(`${r.name}: ${r.type} is no resource of upstream's plugin`);
            continue;
        }
        const inputs = reveal(r.inputs) as Record<string, unknown>;
        for (const [key, value] of Object.entries(inputs)) {
            if (value !== undefined && !resource.inputs.includes(key)) problems.push(`${r.name}: input ${key}`);
        }
        const connection = inputs.connection as Record<string, unknown> | undefined;
        for (const [key, value] of Object.entries(connection ?? {})) {
            if (value !== undefined && !schema.types["command:remote:Connection"].properties.includes(key)) problems.push(`${r.name}: connection.${key}`);
        }
        const hostKey = connection?.hostKey;
        if (hostKey !== undefined && !authorizedKey.test(String(hostKey))) {
            problems.push(`${r.name}: connection.hostKey "${hostKey}" is not in the authorized_keys form upstream parses (ssh.ParseAuthorizedKey)`);
        }
    }
    return problems;
}

describe("the program against upstream's command 1.2.1 and random 4.21.2", function () {
    this.timeout(60000);

    it("the recorded schemas are the pinned versions, with their source", () => {
        assert.strictEqual((upstream.command as any).version, require("@pulumi/command/package.json").version);
        assert.strictEqual((upstream.random as any).version, require("@pulumi/random/package.json").version);
        assert.match((upstream.command as any).source, /pulumi-command, tag v1\.2\.1/);
        assert.ok(upstream.command.resources["command:remote:Command"].inputs.includes("connection"), "a positive control: the schema is read");
    });

    it("RemoteCommand declares no output upstream's command:remote:Command lacks", async () => {
        await withMocks(false);
        const step = new RemoteCommand("contract", { connection: { host: "10.0.0.1", user: "root", privateKey: "k" }, create: "true" });
        const declared = Object.keys(step).filter((k) => pulumi.Output.isInstance((step as any)[k]) && k !== "urn" && k !== "id");
        const { inputs, outputs } = upstream.command.resources["command:remote:Command"];
        assert.deepStrictEqual(declared.filter((k) => !outputs.includes(k) && !inputs.includes(k)), []);
    });

    it("prod's cluster (k3s HA over SSH, the mesh, trust on first use) sends only inputs upstream defines", async () => {
        const r = await withMocks(false);
        r.stdoutFor = (name) => ({ "mesh-join-s1": "100.64.0.1 fd7a::1", "k3s-s1-kubeconfig": "apiVersion: v1\nkind: Config\n" } as Record<string, string>)[name];
        r.invokes.set("aws:index/getCallerIdentity:getCallerIdentity", () => ({ accountId: "123456789012" }));
        r.invokes.set("aws:index/getAvailabilityZones:getAvailabilityZones", () => ({ names: ["eu-west-1a", "eu-west-1b"] }));
        r.invokes.set("aws:ec2/getAmi:getAmi", () => ({ id: "ami-0aaaaaaaaaaaaaaa1", architecture: "arm64", rootDeviceName: "/dev/sda1" }));
        const fixture = loadFixture(stackFile("prod"));
        const config = parseConfig(fixture.values, { ...fixture.sources, env: { DEMON_ADMIN_TOKEN: "a", DEMON_GITHUB_TOKEN: "b", KUBESTRAP_SSH_KEY: "k" } });
        const connected = connectCluster(config.cluster, profiles.prod, [r.track]);
        await settle(connected.k3s!.kubeconfig);
        const commands = r.resources.filter((x) => x.type.startsWith("command:"));
        assert.ok(commands.length > 30 && commands.some((c) => /-host-key/.test(c.name)), `a positive control: the cluster's steps were seen (${commands.map((c) => c.name).join(", ")})`);
        assert.deepStrictEqual(unknownToUpstream(r.resources), []);
    });

    it("an air-gapped cluster with pinned keys (files copied to the hosts) sends only inputs upstream defines", async () => {
        const r = await withMocks(false);
        const c = new K3sCluster("k3s", {
            version: "v1.31.4+k3s1", token: "t", ha: false, hardened: false, drainTimeoutSeconds: 60,
            ssh: { user: "ops", privateKey: "KEY", sudo: true },
            servers: [{ name: "s1", host: "10.0.0.1", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" }],
            agents: [{ name: "a1", host: "10.0.0.2" }],
            disable: [], tlsSans: [], extraServerArgs: [], extraAgentArgs: [],
            airGap: { binary: "/staged/k3s", installScript: "/staged/install.sh", images: "/staged/images.tar" },
        }, { transformations: [r.track] });
        await settle(c.kubeconfig);
        assert.ok(r.ofType("command:remote:CopyToRemote").length >= 6, "a positive control: files were copied");
        assert.deepStrictEqual(unknownToUpstream(r.resources), []);
    });

    for (const stack of renderedStacks()) {
        it(`${stack.name}: its random values and local commands use only what upstream defines`, async () => {
            const { r } = await renderStack(stack.file, stack.fromDisk);
            assert.deepStrictEqual(unknownToUpstream(r.resources), []);
        });
    }

    it("catches an input upstream lacks (a negative control)", () => {
        const planted: Registered = { type: "command:remote:Command", name: "planted", inputs: { create: "true", timeout: "5m", connection: { host: "h", hostKey: "SHA256:abc" } } };
        assert.deepStrictEqual(unknownToUpstream([planted]), [
            "planted: input timeout",
            'planted: connection.hostKey "SHA256:abc" is not in the authorized_keys form upstream parses (ssh.ParseAuthorizedKey)',
        ]);
    });
});
