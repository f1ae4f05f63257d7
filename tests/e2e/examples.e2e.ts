// The example stacks (examples/<name>/Pulumi.<name>.yaml) under the real engine and a local API
// server, their files as shipped (encrypted secret included) but for the add-ons' charts, which
// come from the local fixture charts (no chart repository is reachable): preview, up, everything
// Ready, a second up with no changes, destroy with nothing left. kwok's node makes the pods
// Ready without pulling their images.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { E2eEnv, managedObjects, onLocalCluster, root } from "./harness";
import { standInChart } from "./upstream-crds";

/** Each add-on chart an example enables, and the fixture standing in for it. */
const fixtures: Record<string, Record<string, string>> = {
    "ingress-nginx": { "ingress-nginx": "workload" },
    "cert-manager": { "cert-manager": "cert-manager" },
    "sealed-secrets": { "sealed-secrets": "workload" },
    observability: { "kube-prometheus-stack": "prometheus-operator", loki: "workload", alloy: "workload" },
};

/** The example's file with fixture charts for its add-ons; its encryption salt and secrets kept. */
function exampleFile(name: string, dir: string): string {
    const file = parse(fs.readFileSync(path.join(root, "examples", name, `Pulumi.${name}.yaml`), "utf8"));
    for (const [addon, settings] of Object.entries<any>(file.config["kubestrap:addons"] ?? {})) {
        if (!settings.enabled) continue;
        assert.ok(fixtures[addon], `no fixture chart stands in for ${addon}; add one to this suite`);
        settings.charts = Object.fromEntries(Object.entries(fixtures[addon]).map(([chart, fixture]) => [chart, { path: standInChart(fixture, dir) }]));
    }
    return stringify(file);
}

const ready = (o: any) => (o.status?.readyReplicas ?? 0) === o.spec.replicas;

function exampleSuite(name: string, slot: number, checks: (env: E2eEnv) => Promise<void>, namespaces: string[]) {
    describe(`the ${name} example stack on the real engine and a local API server`, function () {
        this.timeout(15 * 60 * 1000);
        const env = new E2eEnv(name, slot);
        // The examples share the dev stack's passphrase, as scripts/pulumi.sh gives it them.
        env.env.PULUMI_CONFIG_PASSPHRASE = "kubestrap-dev";
        onLocalCluster(env, () => ({}));
        before(() => fs.writeFileSync(env.configFile, exampleFile(name, env.dir)));

        it("previews, then comes up with every workload Ready", async () => {
            const creates = (await env.previewSteps()).filter((s) => s.op === "create");
            assert.ok(creates.length > 20, `only ${creates.length} creates in the preview`);
            await env.pulumi("up", "--yes", "--skip-preview");
            const withWorkloads: string[] = [];
            for (const ns of namespaces) {
                const workloads = [...(await env.json("get", "deployments", "-n", ns)).items, ...(await env.json("get", "statefulsets", "-n", ns)).items];
                const notReady = workloads.filter((w: any) => !ready(w)).map((w: any) => `${ns}/${w.metadata.name}`);
                assert.deepStrictEqual(notReady, [], "not Ready");
                if (workloads.length > 0) withWorkloads.push(ns);
            }
            await checks(env);
            // What the README tells the user to run next: the stack's status, found by its name alone.
            const status = JSON.parse((await env.sh("npx", ["--no-install", "ts-node", "--transpile-only", "status/cli.ts", "status", "--json"])).stdout);
            assert.deepStrictEqual(status.problems, [], "the stack is not healthy");
            const listed = new Set(status.workloads.map((w: any) => w.namespace));
            assert.ok(withWorkloads.length > 0 && withWorkloads.every((ns) => listed.has(ns)), `status lists ${[...listed]}, not all of ${withWorkloads}`);
        });

        it("changes nothing on a second up", async () => {
            await env.pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
        });

        it("destroys everything and leaves nothing", async () => {
            await env.pulumi("destroy", "--yes", "--skip-preview");
            assert.deepStrictEqual(await managedObjects(env), []);
            for (const ns of namespaces) {
                assert.strictEqual((await env.kubectl("get", "namespace", ns, "--ignore-not-found")).trim(), "", `${ns} is left`);
            }
        });
    });
}

exampleSuite("wright-now-staging", 10, async (env) => {
    const infra = (kind: string, name: string) => env.json("get", kind, name, "-n", "staging-infra");
    for (const db of ["postgres", "authentik-postgres", "redis", "authentik-redis"]) {
        const set = await infra("statefulset", db);
        assert.strictEqual(set.spec.volumeClaimTemplates.length, 1, `${db} has no claim template`);
        assert.ok(set.spec.template.spec.containers[0].readinessProbe.exec, `${db} has no readiness probe`);
        assert.ok(set.spec.template.spec.containers[0].resources.limits.memory, `${db} has no memory limit`);
    }
    assert.strictEqual((await infra("statefulset", "postgres")).spec.template.spec.containers[0].image, "pgvector/pgvector:0.8.0-pg16");
    // The generated passwords: long, distinct, and never in the state in plain text.
    const passwords = await Promise.all(["postgres-password", "redis-password", "authentik-db-password", "authentik-secret-key"].map(async (s) =>
        Buffer.from(Object.values((await infra("secret", `secret-${s}`)).data)[0] as string, "base64").toString()));
    assert.ok(passwords.every((p) => p.length >= 32), "a generated password is short");
    assert.strictEqual(new Set(passwords).size, passwords.length, "two generated passwords are equal");
    const state = (await env.pulumi("stack", "export")).stdout;
    assert.ok(passwords.every((p) => !state.includes(p)), "a generated password is in the state in plain text");
    const ingress = await infra("ingress", "authentik-server");
    assert.strictEqual(ingress.spec.rules[0].host, "auth.staging.wright-now.localhost");
    assert.deepStrictEqual(ingress.spec.tls, [{ hosts: ["auth.staging.wright-now.localhost"], secretName: "authentik-tls" }]);
    assert.strictEqual(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-staging");
    for (const ns of ["staging-infra", "staging-core", "staging-ai", "staging-web"]) {
        const labels = (await env.json("get", "namespace", ns)).metadata.labels;
        assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted", ns);
        const policies = (await env.json("get", "networkpolicies", "-n", ns)).items.map((p: any) => p.metadata.name);
        assert.ok(policies.includes("namespace-default-deny") && policies.includes("namespace-allow-dns"), `${ns}: ${policies}`);
    }
    const fromOutside = (await env.json("get", "networkpolicy", "namespace-allow-from-namespaces", "-n", "staging-infra")).spec.ingress[0].from
        .map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).sort();
    assert.deepStrictEqual(fromOutside, ["ingress-nginx", "staging-ai", "staging-core"], "the exposed Authentik is not reachable from the ingress controller");
}, ["staging-infra", "staging-core", "staging-ai", "staging-web"]);

exampleSuite("sugarkube", 11, async (env) => {
    // scripts/pulumi.sh finds the example's file and passphrase from the stack's name alone.
    assert.strictEqual((await env.pulumi("config", "get", "tokenPlaceRelayToken")).stdout.trim(), "sugarkube-dev-relay-token");
    const relay = await env.json("get", "deployment", "relay", "-n", "token-place");
    assert.ok(relay.spec.template.spec.containers[0].env.some((e: any) => e.name === "RELAY_TOKEN" && e.valueFrom?.secretKeyRef), "the relay token is not from a Secret");
    const hosts = async (ns: string) => (await env.json("get", "ingress", "-n", ns)).items.flatMap((i: any) => i.spec.rules.map((r: any) => `${r.host}${r.http.paths[0].path}`)).sort();
    assert.deepStrictEqual(await hosts("token-place"), ["api.token.place.localhost/", "relay.token.place.localhost/"]);
    assert.deepStrictEqual(await hosts("dspace"), ["dspace.sugarkube.localhost/", "dspace.sugarkube.localhost/api"]);
    assert.deepStrictEqual(await hosts("jobbot3000"), ["jobs.sugarkube.localhost/", "jobs.sugarkube.localhost/api"]);
    assert.strictEqual((await env.json("get", "pvc", "-n", "dspace")).items.length, 1, "DSPACE's backend has no volume");
    // The seed's alerts, as a PrometheusRule the (stand-in) Prometheus Operator's CRD accepted.
    const rules = (await env.json("get", "prometheusrules", "-A")).items.flatMap((r: any) => r.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert)));
    for (const alert of ["CertificateExpiresSoon", "IngressHighErrorRate", "ContainerCpuThrottled", "ContainerRestartBurst"]) {
        assert.ok(rules.includes(alert), `${alert} is not among ${rules}`);
    }
    // Hardening: each app denies all but its flows; jobbot3000's frontend may call its backend.
    const policies = (await env.json("get", "networkpolicies", "-n", "jobbot3000")).items.map((p: any) => p.metadata.name).sort();
    assert.ok(policies.includes("frontend-network-policy") && policies.includes("backend-network-policy"), String(policies));
    const backendIngress = await env.json("get", "networkpolicy", "backend-network-policy", "-n", "jobbot3000");
    assert.ok(JSON.stringify(backendIngress.spec.ingress).includes("frontend"), "the backend does not admit its frontend");
}, ["token-place", "dspace", "jobbot3000", "sites"]);
