// Every object the shipped stacks render (dev, prod, each example; composed under mocks, as
// kube-score sees them) sent to the real local API server as a server-side dry run with strict
// field validation: an unknown or misspelt field, a wrong type or a value the API server refuses
// fails here, where the unit suite's kubernetes-models checks ignore unknown fields. Custom
// resources go through only where this control plane has their CRD; the kinds that do not are
// listed by the test, each a stand-in's gap (issue 35).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { renderManifests } from "../../compose/cli";
import { loadCompose } from "../../compose/load";
import { translateCompose } from "../../compose/translate";
import { compactOpenApi, openApiFieldsFile } from "../openapi-fields";
import { renderedStacks, renderStack } from "../rendered-stacks";
import { E2eEnv } from "./harness";

describe("the stacks' rendered objects on the real API server, strict field validation", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-strict", 16);
    let served: Set<string>;

    before(async () => {
        await env.cluster("up");
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
        const served = compactOpenApi(JSON.parse(await env.kubectl("get", "--raw", "/openapi/v2")));
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

    for (const { name, file, fromDisk } of renderedStacks()) {
        it(`${name}: the API server takes every object it serves a kind for, strictly`, async () => {
            const { objects } = await renderStack(file, fromDisk);
            const known = objects.filter((o) => served.has(`${o.apiVersion}/${o.kind}`));
            const unserved = [...new Set(objects.filter((o) => !served.has(`${o.apiVersion}/${o.kind}`)).map((o) => `${o.apiVersion}/${o.kind}`))];
            if (unserved.length > 0) console.log(`      ${name}: no CRD on this control plane for ${unserved.join(", ")}`);
            assert.ok(known.length > 5, `a positive control: ${known.length} of ${objects.length} objects checked`);
            // Namespaces for real first: a dry run of the rest needs them to exist.
            const namespaces = [...new Set([...known.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name), ...known.map((o) => o.metadata?.namespace).filter(Boolean)])];
            for (const ns of namespaces) await env.kubectl("create", "namespace", ns).catch(() => undefined);
            assert.deepStrictEqual(await refusals(known), [], name);
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
