// scripts/checkpoint-plan.js: which plans `npm run up` runs without per-step checkpoints (only
// those whose changes a killed run's successor redoes: Kubernetes objects applied server-side).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { decide } = require("../../scripts/checkpoint-plan.js");

const step = (op: string, type: string, name: string, parent = "pulumi:pulumi:Stack") =>
    ({ op, urn: `urn:pulumi:dev::kubestrap::${parent}$${type}::${name}` });

describe("which ups save the state once, at the end", () => {
    it("skips the checkpoints when every change is a Kubernetes object, a component, a provider or the stack", () => {
        assert.strictEqual(decide({ steps: [
            step("create", "kubernetes:apps/v1:Deployment", "web"), step("update", "kubernetes:core/v1:ConfigMap", "cfg"),
            step("replace", "kubernetes:networking.k8s.io/v1:Ingress", "ing"), step("delete", "kubernetes:core/v1:Service", "old"),
            step("create", "kubestrap:apps:WebApp", "apps-web"), step("update", "pulumi:providers:kubernetes", "cluster"),
            step("same", "command:remote:Command", "k3s-s1-install"), step("same", "random:index/randomPassword:RandomPassword", "token"),
        ] }), "skip");
        assert.strictEqual(decide({ steps: [] }), "skip", "nothing to do");
    });

    it("keeps them for a Helm release, a command, a random value or a cloud resource, naming the first", () => {
        for (const [type, name] of [["kubernetes:helm.sh/v3:Release", "cert-manager"], ["command:remote:Command", "k3s-s1-install"],
            ["random:index/randomBytes:RandomBytes", "secret"], ["aws:ec2/launchTemplate:LaunchTemplate", "pool"], ["cloudflare:index/dnsRecord:DnsRecord", "dns"]]) {
            assert.strictEqual(decide({ steps: [step("create", "kubernetes:core/v1:Namespace", "ns"), step("update", type, name)] }), `keep: update ${type}::${name}`);
        }
        const many = decide({ steps: Array.from({ length: 5 }, (_, i) => step("create", "command:local:Command", `c${i}`)) });
        assert.match(many, /^keep: create command:local:Command::c0, create command:local:Command::c1, create command:local:Command::c2 and 2 more$/);
    });

    it("reads a preview's JSON on stdin, and keeps the checkpoints when it cannot", () => {
        const script = path.join(__dirname, "..", "..", "scripts", "checkpoint-plan.js");
        const run = (input: string) => execFileSync(process.execPath, [script], { input, encoding: "utf8" }).trim();
        assert.strictEqual(run(JSON.stringify({ steps: [step("create", "kubernetes:v1:Secret", "s"), step("create", "kubernetes:v1:Service", "t"),
            step("update", "kubernetes:v1:ConfigMap", "c"), step("same", "kubernetes:v1:ConfigMap", "d")] })), "skip\nplan: 2 to create, 1 to update");
        assert.strictEqual(run(JSON.stringify({ steps: [step("same", "kubernetes:v1:ConfigMap", "d")] })), "skip\nplan: no changes");
        assert.match(run("not json"), /^keep: the preview's JSON could not be read .*\nplan: unknown$/);
    });
});

describe("which destroys save the state once, at the end (--destroy: the stack's state on stdin)", () => {
    const script = path.join(__dirname, "..", "..", "scripts", "checkpoint-plan.js");
    const run = (input: string) => execFileSync(process.execPath, [script, "--destroy"], { input, encoding: "utf8" }).trim();
    const state = (...urns: string[]) => JSON.stringify({ version: 3, deployment: { resources: urns.map((urn) => ({ urn })) } });

    it("skips them for a state of Kubernetes objects, components and providers; keeps them for anything else, naming it", () => {
        const k8s = [step("delete", "kubernetes:apps/v1:Deployment", "web", "kubestrap:apps:WebApp").urn, step("delete", "pulumi:providers:kubernetes", "cluster").urn];
        assert.strictEqual(run(state(...k8s)), "skip\nplan: 2 to delete");
        const command = step("delete", "command:remote:Command", "k3s-s1-install", "kubestrap:cluster:K3sNode").urn;
        assert.strictEqual(run(state(...k8s, command)), "keep: delete command:remote:Command::k3s-s1-install\nplan: 3 to delete");
    });

    it("takes an empty stack as nothing to delete, and keeps them when the state cannot be read", () => {
        assert.strictEqual(run(JSON.stringify({ version: 3, deployment: null })), "skip\nplan: no changes");
        assert.strictEqual(run("{}"), "skip\nplan: no changes");
        assert.match(run("not json"), /^keep: the state's JSON could not be read .*\nplan: unknown$/);
    });
});
