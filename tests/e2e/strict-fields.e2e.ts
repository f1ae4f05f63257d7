// Every object the shipped stacks render (dev, prod, each example; composed under mocks, as
// kube-score sees them) sent to the real local API server as a server-side dry run with strict
// field validation: an unknown or misspelt field, a wrong type or a value the API server refuses
// fails here. Custom resources meet the CRDs their pinned releases ship (prometheus-operator,
// cert-manager, Rook, MetalLB: tests/e2e/upstream-crds.ts; Flux's from the toolchain's render),
// installed before the stacks' objects are sent; a kind with no CRD here fails the test.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import { renderManifests } from "../../compose/cli";
import { loadCompose } from "../../compose/load";
import { translateCompose } from "../../compose/translate";
import { compactOpenApi, openApiFieldsFile } from "../openapi-fields";
import { composeStack, everyAddon, stackConfig } from "../addon-stack";
import { renderedObjects, renderedStacks, renderStack } from "../rendered-stacks";
import { E2eEnv } from "./harness";
import { upstreamCrds } from "./upstream-crds";

describe("the stacks' rendered objects on the real API server, strict field validation", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-strict", 16);
    let served: Set<string>;

    before(async () => {
        await env.cluster("up");
        const flux = (await env.sh("bash", [path.join(__dirname, "..", "..", "scripts", "toolchain.sh"), "flux"])).stdout.trim();
        const fluxCrds = ["install.yaml", "image-crds.yaml"].flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(flux, f), "utf8")).map((d) => d.toJS()))
            .filter((o) => o?.kind === "CustomResourceDefinition");
        const crdFile = path.join(env.dir, "crds.yaml");
        fs.writeFileSync(crdFile, [...[...upstreamCrds().values()].flat(), ...fluxCrds].map((c) => stringify(c)).join("---\n"));
        await env.kubectl("apply", "--server-side", "--field-manager=kubestrap-strict", "-f", crdFile);
        await env.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=120s");
        // "apps/v1/Deployment", "v1/Namespace", ...: what this API server serves, from its discovery documents.
        const raw = async (p: string) => JSON.parse(await env.kubectl("get", "--raw", p));
        const groupVersions = ["v1", ...(await raw("/apis")).groups.flatMap((g: any) => g.versions.map((v: any) => v.groupVersion))];
        served = new Set();
        for (const gv of groupVersions) {
            for (const r of (await raw(gv === "v1" ? "/api/v1" : `/apis/${gv}`)).resources) {
                if (!r.name.includes("/")) served.add(`${gv}/${r.kind}`);
            }
        }
    });
    after(async () => {
        await env.cluster("down").catch(() => undefined);
        env.cleanup();
    });

    /** The API server's refusals of `objects` (a dry run: nothing is stored), one line each. */
    async function refusals(objects: any[]): Promise<string[]> {
        const file = path.join(env.dir, "objects.yaml");
        // kubectl reads YAML 1.1, where an unquoted yes is a boolean: write what 1.1 reads back as it was.
        fs.writeFileSync(file, objects.map((o) => stringify(o, { version: "1.1" })).join("---\n"));
        try {
            await env.kubectl("apply", "--dry-run=server", "--validate=strict", "--server-side", "--field-manager=kubestrap-strict", "-f", file);
            return [];
        } catch (e) {
            return String((e as Error).message).split("\n").filter((l) => /^Error from server|error validating|unknown field|is invalid/.test(l));
        }
    }

    it("has the unit suite's field lists as this API server serves them (tests/fixtures/k8s-openapi-fields.json)", async () => {
        // Kubernetes' own types: the CRDs installed above are judged here, on the server.
        const swagger = JSON.parse(await env.kubectl("get", "--raw", "/openapi/v2"));
        swagger.definitions = Object.fromEntries(Object.entries(swagger.definitions).filter(([name]) => name.startsWith("io.k8s.")));
        const served = compactOpenApi(swagger);
        if (process.env.KUBESTRAP_UPDATE_FIXTURES === "1") fs.writeFileSync(openApiFieldsFile, JSON.stringify(served) + "\n");
        const fixture = JSON.parse(fs.readFileSync(openApiFieldsFile, "utf8"));
        assert.deepStrictEqual(fixture, served, "the fixture drifted from the API server: regenerate it with KUBESTRAP_UPDATE_FIXTURES=1");
        assert.ok(Object.keys(served.kinds).length > 50 && (served.definitions["io.k8s.api.core.v1.Container"] as Record<string, string>).readinessProbe === "io.k8s.api.core.v1.Probe");
    });

    it("refuses a misspelt field (a positive control)", async () => {
        const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "planted", namespace: "default" },
            spec: { selector: { matchLabels: { app: "planted" } }, template: { metadata: { labels: { app: "planted" } },
                spec: { containers: [{ name: "c", image: "busybox:1.36", readinesProbe: { tcpSocket: { port: 80 } } }] } } } };
        const found = await refusals([deployment]);
        // Server-side apply's words for it: the field is not in the type's schema.
        assert.ok(found.some((l) => /containers\[name="c"\]\.readinesProbe: field not declared in schema/.test(l)), found.join("\n"));
    });

    it("refuses a misspelt field in a custom resource, by the upstream CRD's schema (positive controls)", async () => {
        await env.kubectl("create", "namespace", "planted").catch(() => undefined);
        const rule = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "planted", namespace: "planted" },
            spec: { groups: [{ name: "g", rules: [{ alert: "A", expresion: "up == 0" }] }] } };
        const issuer = { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "planted" },
            spec: { acme: { server: "https://acme.example.com", privateKeySecretRef: { name: "k" }, solvers: [{ http01: { ingres: {} } }] } } };
        const pool = { apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: { name: "planted", namespace: "planted" }, spec: { adresses: ["10.0.0.1/32"] } };
        for (const [object, field] of [[rule, "expresion"], [issuer, "ingres"], [pool, "adresses"]] as const) {
            const found = await refusals([object]);
            assert.ok(found.some((l) => l.includes(field)), `${object.kind}: ${found.join("\n") || "accepted"}`);
        }
    });

    /** Every object sent as a strict dry run: namespaces made for real first, every kind served. */
    async function checkStrictly(name: string, objects: any[]) {
        const unserved = [...new Set(objects.filter((o) => !served.has(`${o.apiVersion}/${o.kind}`)).map((o) => `${o.apiVersion}/${o.kind}`))];
        assert.deepStrictEqual(unserved, [], `${name}: kinds with no CRD here, so unchecked`);
        assert.ok(objects.length > 5, `a positive control: only ${objects.length} objects`);
        const namespaces = [...new Set([...objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name), ...objects.map((o) => o.metadata?.namespace).filter(Boolean)])];
        for (const ns of namespaces) await env.kubectl("create", "namespace", ns).catch(() => undefined);
        assert.deepStrictEqual(await refusals(objects), [], name);
    }

    for (const { name, file, fromDisk } of renderedStacks()) {
        it(`${name}: the API server takes every object, custom resources included, strictly`, async () => {
            await checkStrictly(name, (await renderStack(file, fromDisk)).objects);
        });
    }

    for (const environment of ["dev", "prod"] as const) {
        it(`every add-on on (${environment}): CephCluster, IPAddressPool, ClusterIssuer, monitors and rules meet their CRDs, strictly`, async () => {
            const { r } = await composeStack(stackConfig(environment, everyAddon));
            const objects = renderedObjects(r);
            const kinds = new Set(objects.map((o) => o.kind));
            for (const kind of ["CephCluster", "CephBlockPool", "IPAddressPool", "L2Advertisement", "ClusterIssuer", "PrometheusRule"]) {
                assert.ok(kinds.has(kind), `no ${kind} rendered (${[...kinds].sort().join(", ")})`);
            }
            await checkStrictly(`every add-on, ${environment}`, objects);
        });
    }

    it("takes every object of every compose file in the corpus that translates, strictly (as npm run translate prints them)", async () => {
        const corpus = path.join(__dirname, "..", "fixtures", "compose");
        const refused: string[] = [];
        let applied = 0;
        for (const name of fs.readdirSync(corpus).filter((d) => fs.existsSync(path.join(corpus, d, "compose.yaml"))).sort()) {
            const dir = path.join(corpus, name);
            let objects: any[];
            try {
                const project = loadCompose(path.join(dir, "compose.yaml"), { env: {} });
                const app = `c-${name}`.slice(0, 40).replace(/-+$/, "");
                const translation = translateCompose(project, { app, baseDir: dir, readFile: (f) => fs.readFileSync(f, "utf8"), env: {}, volumeSize: "1Gi", file: "compose.yaml" });
                objects = await renderManifests(translation, app, app);
            } catch {
                continue; // a file the unit suite expects to be refused, or one that needs config to translate
            }
            for (const ns of [...new Set(objects.map((o) => o.metadata?.namespace).filter(Boolean))]) await env.kubectl("create", "namespace", ns).catch(() => undefined);
            const found = await refusals(objects);
            refused.push(...found.map((f) => `${name}: ${f}`));
            applied++;
        }
        assert.deepStrictEqual(refused, []);
        assert.ok(applied >= 15, `a positive control: only ${applied} compose files translated`);
    });
});
