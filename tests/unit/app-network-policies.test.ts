import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { appNetworkPolicy } from "../../apps/app-network-policies";
import { parseConfig } from "../../config";
import { profiles } from "../../stacks/environments";
import { composePlatform } from "../../stacks/platform";
import { settle, withMocks } from "../mocks";

/**
 * Whether a peer of a NetworkPolicy in `policyNamespace` selects a pod with `labels` in namespace
 * `ns`, as the API defines it: a peer without a namespaceSelector selects pods of the policy's own
 * namespace only; an ipBlock selects no pod by its labels.
 */
function selects(peer: any, policyNamespace: string, ns: string, labels: Record<string, string>): boolean {
    const matches = (selector: any, have: Record<string, string>) =>
        Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => have[k] === v) &&
        (selector?.matchExpressions ?? []).every((e: any) => ({
            In: () => e.values.includes(have[e.key]),
            NotIn: () => !e.values.includes(have[e.key]),
            Exists: () => e.key in have,
            DoesNotExist: () => !(e.key in have),
        } as Record<string, () => boolean>)[e.operator]());
    if (peer.ipBlock) return false;
    const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, { "kubernetes.io/metadata.name": ns }) : ns === policyNamespace;
    return nsOk && (peer.podSelector ? matches(peer.podSelector, labels) : true);
}

describe("the NetworkPolicy peer model the tests judge by", () => {
    it("takes a podSelector-only peer to mean the policy's own namespace, as the API does", () => {
        const peer = { podSelector: { matchLabels: { app: "reader" } } };
        assert.strictEqual(selects(peer, "apps", "apps", { app: "reader" }), true);
        assert.strictEqual(selects(peer, "apps", "team", { app: "reader" }), false, "a caller in another namespace");
        assert.strictEqual(selects({ namespaceSelector: {}, podSelector: peer.podSelector }, "apps", "team", { app: "reader" }), true);
        assert.strictEqual(selects({ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["team"] }] } }, "apps", "team", {}), true);
    });
});

describe("app network policies (plan)", () => {
    const notes = { name: "notes", namespace: "apps", selector: { app: "notes" }, port: 8080 };
    const reader = { name: "reader", namespace: "team", selector: { app: "reader" }, port: 9000 };

    it("denies everything for the app's pods only, then lets DNS out, in one policy", () => {
        const plan = appNetworkPolicy({ app: "web", selector: { app: "web" }, port: 8080, dependencies: [], dependents: [], egress: [], allowFromNamespaces: [] });
        assert.strictEqual(plan.name, "web-network-policy");
        assert.deepStrictEqual(plan.spec.podSelector, { matchLabels: { app: "web" } }, "the deny would catch other apps in the namespace");
        assert.deepStrictEqual(plan.spec.policyTypes, ["Ingress", "Egress"]);
        assert.strictEqual(plan.spec.ingress, undefined, "an app nobody calls takes traffic");
        const [dns, ...rest] = plan.spec.egress as any[];
        assert.deepStrictEqual(rest, [], "the app gets out to more than DNS");
        assert.ok(selects(dns.to[0], "apps", "kube-system", { "k8s-app": "kube-dns" }));
        assert.deepStrictEqual(dns.ports.map((p: any) => `${p.protocol}/${p.port}`), ["UDP/53", "TCP/53"]);
    });

    it("lets in the ingress controller, the apps that call it and named namespaces, on its port only", () => {
        const plan = appNetworkPolicy({ app: "notes", selector: notes.selector, port: 8080, ingressControllerNamespace: "kube-system",
            dependencies: [], dependents: [reader], egress: [], allowFromNamespaces: ["batch"] });
        const [rule, ...more] = plan.spec.ingress as any[];
        assert.deepStrictEqual(more, []);
        assert.ok(rule.from.some((f: any) => selects(f, "apps", "kube-system", {})), "the ingress controller is shut out");
        assert.ok(rule.from.some((f: any) => selects(f, "apps", "team", reader.selector)), "a declared caller is shut out");
        assert.ok(!rule.from.some((f: any) => selects(f, "apps", "team", { app: "other" })), "any pod of the caller's namespace gets in");
        assert.ok(rule.from.some((f: any) => selects(f, "apps", "batch", {})));
        assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port: 8080 }]);
    });

    it("lets the app out to what it calls, on their ports, and to configured CIDRs", () => {
        const plan = appNetworkPolicy({ app: "reader", selector: reader.selector, port: 9000, dependencies: [notes], dependents: [],
            egress: [{ cidr: "10.20.0.0/16", ports: [5432] }], allowFromNamespaces: [] });
        assert.strictEqual(plan.spec.ingress, undefined, "an app nobody calls takes traffic");
        const [, toNotes, toDb] = plan.spec.egress as any[];
        assert.ok(selects(toNotes.to[0], "team", "apps", notes.selector) && !selects(toNotes.to[0], "team", "other", notes.selector));
        assert.deepStrictEqual(toNotes.ports, [{ protocol: "TCP", port: 8080 }]);
        assert.deepStrictEqual([toDb.to[0].ipBlock.cidr, toDb.ports[0].port], ["10.20.0.0/16", 5432]);
    });
});

describe("app network policies in a stack", () => {
    it("connects a caller and the app it declares to the pods and ports of their real Deployments", async () => {
        const r = await withMocks(false);
        const config = parseConfig({
            "kubestrap:environment": "dev",
            "kubestrap:demon": JSON.stringify({ enabled: false }),
            "kubestrap:apps": JSON.stringify([
                { name: "notes", image: "busybox:1.36", port: 8080, ingress: { host: "notes.example.com" } },
                { name: "reader", namespace: "team", image: "busybox:1.36", port: 9000, networkPolicy: { dependsOn: ["apps/notes"] } },
            ]),
        }, { env: {}, readFile: () => "", baseDir: "/" });
        const platform = composePlatform(config, profiles.dev, new k8s.Provider("cluster", { kubeconfig: "{}" }));
        await settle(...Object.values(platform.apps).map((a) => a.internalUrl));
        const pods = (name: string) => {
            const d = r.one("kubernetes:apps/v1:Deployment", `${name}-deployment`).inputs;
            return { labels: d.spec.template.metadata.labels, port: d.spec.template.spec.containers[0].ports[0].containerPort };
        };
        const policy = (name: string) => r.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", name).inputs.spec;
        const notes = pods("apps-notes");
        const reader = pods("team-reader");
        const out = policy("team-reader-network-policy").egress[1];
        assert.ok(selects(out.to[0], "team", "apps", notes.labels), "reader's egress does not select notes' pods");
        assert.strictEqual(out.ports[0].port, notes.port);
        const inbound = policy("apps-notes-network-policy").ingress[0];
        assert.ok(inbound.from.some((f: any) => selects(f, "apps", "team", reader.labels)), "notes does not let reader in");
        assert.ok(inbound.from.some((f: any) => selects(f, "apps", "kube-system", {})), "notes' Ingress controller (k3s Traefik) is shut out");
        assert.strictEqual(inbound.ports[0].port, notes.port);
        assert.ok(selects({ podSelector: policy("apps-notes-network-policy").podSelector }, "apps", "apps", notes.labels));
        assert.strictEqual(policy("team-reader-network-policy").ingress, undefined, "reader has no callers but takes traffic");
        const perApp = r.resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && /^(apps-notes|team-reader)-/.test(x.name));
        assert.deepStrictEqual(perApp.map((x) => x.name).sort(), ["apps-notes-network-policy", "team-reader-network-policy"], "one policy per app");
    });
});
