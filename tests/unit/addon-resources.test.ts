// Every add-on container gets requests and limits, smaller in dev and larger in prod, where its
// chart really reads them; the config can override them per container.
import * as assert from "assert";
import { AddonName, registry } from "../../addons/registry";
import { addonSizing } from "../../addons/resources";
import { ConfigError } from "../../config";
import { quantityValue } from "../../core/formats";
import { composeStack, everyAddon, helmRelease, stackConfig } from "../addon-stack";
import { chartKeys } from "../chart-values";
import { Recorder, reveal } from "../mocks";

const at = (values: any, path: string) => path.split(".").reduce((v, k) => v?.[k], values);
const releaseValues = (r: Recorder, addon: AddonName, chart: string) => reveal(r.one(helmRelease, `${addon}-${chart}`).inputs.values);

function problemsOf(addons: Record<string, unknown>): string[] {
    try {
        stackConfig("prod", addons);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    return [];
}

describe("add-on requests and limits", () => {
    const rendered: Record<string, Recorder> = {};
    before(async () => {
        for (const environment of ["dev", "prod"] as const) {
            rendered[environment] = (await composeStack(stackConfig(environment, everyAddon))).r;
        }
    });

    for (const environment of ["dev", "prod"] as const) {
        it(`gives every container it knows requests and limits, limits at least the requests, in ${environment}`, () => {
            const missing: string[] = [];
            for (const [addon, sizing] of Object.entries(addonSizing) as [AddonName, typeof addonSizing[AddonName]][]) {
                assert.ok(sizing.containers.length || sizing.notSized, `${addon}: no containers sized and no reason given`);
                for (const container of sizing.containers) {
                    const r = at(releaseValues(rendered[environment], addon, container.chart), container.valuesPath);
                    const where = `${addon} ${container.name} (${container.valuesPath})`;
                    for (const kind of ["cpu", "memory"] as const) {
                        const [request, limit] = [r?.requests?.[kind], r?.limits?.[kind]];
                        if (!request || !limit) {
                            missing.push(`${where}: ${kind} request ${request}, limit ${limit}`);
                        } else if (quantityValue(limit, kind) < quantityValue(request, kind)) {
                            missing.push(`${where}: ${kind} limit ${limit} below request ${request}`);
                        }
                    }
                }
            }
            assert.deepStrictEqual(missing, []);
        });
    }

    it("puts them where each pinned chart reads a container's resources", () => {
        for (const [addon, sizing] of Object.entries(addonSizing) as [AddonName, typeof addonSizing[AddonName]][]) {
            for (const container of sizing.containers) {
                const pinned = registry[addon].charts[container.chart];
                const keys = chartKeys(pinned.name, pinned.version);
                assert.ok(keys.prefixes.includes(container.valuesPath), `${pinned.name} ${pinned.version} has no free-form ${container.valuesPath}`);
            }
        }
    });

    it("never gives prod less than dev", () => {
        const smaller: string[] = [];
        for (const sizing of Object.values(addonSizing)) {
            for (const c of sizing.containers) {
                for (const side of ["requests", "limits"] as const) {
                    for (const kind of ["cpu", "memory"] as const) {
                        if (quantityValue(c.prod[side]![kind]!, kind) < quantityValue(c.dev[side]![kind]!, kind)) {
                            smaller.push(`${c.name} ${side}.${kind}`);
                        }
                    }
                }
            }
        }
        assert.deepStrictEqual(smaller, []);
        const prometheus = (r: Recorder) => releaseValues(r, "observability", "kube-prometheus-stack").prometheus.prometheusSpec.resources;
        assert.ok(quantityValue(prometheus(rendered.prod).limits.memory, "memory") > quantityValue(prometheus(rendered.dev).limits.memory, "memory"));
    });

    it("takes per-container overrides from config, over the environment's default, under the stack's own values", async () => {
        const { r } = await composeStack(stackConfig("prod", {
            ...everyAddon,
            observability: { ...everyAddon.observability, resources: { prometheus: { limits: { memory: "8Gi" } } } },
            "ingress-nginx": { enabled: true, values: { "ingress-nginx": { controller: { resources: { limits: { cpu: "3" } } } } } },
        }));
        const prometheus = releaseValues(r, "observability", "kube-prometheus-stack").prometheus.prometheusSpec.resources;
        assert.strictEqual(prometheus.limits.memory, "8Gi");
        assert.ok(prometheus.requests.memory && prometheus.limits.cpu, "the rest of the default stays");
        const nginx = releaseValues(r, "ingress-nginx", "ingress-nginx").controller.resources;
        assert.strictEqual(nginx.limits.cpu, "3");
        assert.ok(nginx.requests.cpu, "the default requests stay under the stack's values");
    });

    it("reports unknown containers and limits under requests at their kubestrap: path", () => {
        const problems = problemsOf({
            "cert-manager": { enabled: true, email: "a@b.co", resources: { controler: { limits: { cpu: "1" } }, webhook: { requests: { memory: "1Gi" } } } },
            longhorn: { enabled: true, resources: { manager: { limits: { cpu: "1" } } } },
        });
        assert.ok(problems.some((p) => p.startsWith('kubestrap:addons.cert-manager.resources.controler: cert-manager has no container "controler"; its containers are controller,')), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("kubestrap:addons.cert-manager.resources.webhook.limits.memory: 128Mi is below the request of 1Gi")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("kubestrap:addons.longhorn.resources.manager: longhorn's chart takes no resources")), problems.join("\n"));
        assert.deepStrictEqual(problemsOf({ "cert-manager": { enabled: true, email: "a@b.co", resources: { webhook: { requests: { memory: "100Mi" } } } } }), []);
    });
});
