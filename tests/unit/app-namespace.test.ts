// AppNamespace: a namespace's Pod Security level and NetworkPolicy baseline, as config gives them.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AppNamespace, AppNamespaceArgs, namespacePolicies } from "../../apps/app-namespace";
import { schemaErrors } from "../k8s-schema";
import { settle, withMocks } from "../mocks";

const base: AppNamespaceArgs = {
    name: "staging-infra",
    podSecurity: "restricted",
    networkPolicy: { defaultDeny: true, sameNamespace: false, fromNamespaces: [], toNamespaces: [], egress: [] },
};
const byName = (plans: ReturnType<typeof namespacePolicies>) => Object.fromEntries(plans.map((p) => [p.name, p.spec]));
const dnsPeer = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } };

describe("AppNamespace", () => {
    it("denies every flow by default but DNS, for every pod in the namespace", () => {
        const plans = byName(namespacePolicies(base));
        assert.deepStrictEqual(Object.keys(plans), ["default-deny", "allow-dns"]);
        assert.deepStrictEqual(plans["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepStrictEqual(plans["allow-dns"].egress, [{ to: [dnsPeer], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }]);
    });

    it("opens exactly the flows config names: the namespace itself, namespaces in and out, outside CIDRs", () => {
        const plans = byName(namespacePolicies({
            ...base,
            networkPolicy: { defaultDeny: true, sameNamespace: true, fromNamespaces: ["staging-core"], toNamespaces: ["staging-ai"], egress: [{ cidr: "10.0.0.0/8", ports: [443] }] },
        }));
        assert.deepStrictEqual(plans["allow-same-namespace"].ingress, [{ from: [{ podSelector: {} }] }]);
        assert.deepStrictEqual(plans["allow-same-namespace"].egress, [{ to: [{ podSelector: {} }] }]);
        assert.deepStrictEqual(plans["allow-from-namespaces"].ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "staging-core" } } }] }]);
        assert.deepStrictEqual(plans["allow-egress"].egress, [
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "staging-ai" } } }] },
            { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
    });

    it("makes no policy at all when default deny is off and nothing is opened", () => {
        assert.deepStrictEqual(namespacePolicies({ ...base, networkPolicy: { ...base.networkPolicy, defaultDeny: false } }), []);
    });

    it("labels the namespace with its Pod Security level, parents everything to itself, and adopts the namespace an app made", async () => {
        const r = await withMocks(false);
        const aliases: Record<string, unknown[]> = {};
        const recordAliases: pulumi.ResourceTransformation = (args) => {
            aliases[args.name] = args.opts.aliases ?? [];
            return undefined;
        };
        const ns = new AppNamespace("namespace-staging-web", { ...base, name: "staging-web", podSecurity: "baseline", labels: { team: "web" } }, { transformations: [r.track, recordAliases] });
        await settle(ns.namespace.metadata.name);
        const made = r.one("kubernetes:core/v1:Namespace", "apps-namespace-staging-web");
        assert.strictEqual(made.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.strictEqual(made.inputs.metadata.labels.team, "web");
        assert.deepStrictEqual(r.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => [p.name, p.inputs.metadata.name]), [
            ["namespace-staging-web-default-deny", "namespace-default-deny"],
            ["namespace-staging-web-allow-dns", "namespace-allow-dns"],
        ]);
        for (const res of r.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.strictEqual(r.parents.get(res.name), "namespace-staging-web", `${res.name} is not under the AppNamespace`);
        }
        assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), []);
        // An app namespace kubestrap made at the stack's root before it was listed: same object, no replace.
        assert.deepStrictEqual(aliases["apps-namespace-staging-web"], [{ name: "apps-namespace-staging-web", parent: pulumi.rootStackResource }]);
    });
});
