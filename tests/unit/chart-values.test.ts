// Every Helm value kubestrap sets must be a key the pinned chart reads: a misspelt or moved key
// is silently ignored by Helm, and the setting it was meant to change never happens.
import * as assert from "assert";
import { AddonName, registry } from "../../addons/registry";
import { composeStack, everyAddon, helmRelease, stackConfig } from "../addon-stack";
import { chartKeys, leafPaths, unknownPaths } from "../chart-values";
import { Recorder, reveal } from "../mocks";

/** Each release's add-on and chart, from its resource name (`<add-on>-<chart>`). */
function releasesOf(r: Recorder) {
    return r.ofType(helmRelease).map((rel) => {
        const addon = Object.values(registry).find((a) => Object.keys(a.charts).some((c) => rel.name === `${a.name}-${c}`))!;
        const chart = Object.keys(addon.charts).find((c) => rel.name === `${addon.name}-${c}`)!;
        return { addon: addon.name as AddonName, chart, pinned: addon.charts[chart], values: reveal(rel.inputs.values) };
    });
}

describe("Helm values against the pinned charts", () => {
    for (const environment of ["dev", "prod"] as const) {
        it(`sets only keys each chart's values.yaml knows, in ${environment}`, async () => {
            const { r } = await composeStack(stackConfig(environment, everyAddon));
            const releases = releasesOf(r);
            const charts = Object.values(registry).flatMap((a) => Object.keys(a.charts).map((c) => `${a.name}/${c}`));
            assert.deepStrictEqual(releases.map((x) => `${x.addon}/${x.chart}`).sort(), charts.sort(), "every chart is installed");
            const unknown = releases.flatMap((x) => unknownPaths(x.values, chartKeys(x.pinned.name, x.pinned.version))
                .map((p) => `${x.chart} ${x.pinned.version}: ${p}`));
            assert.deepStrictEqual(unknown, []);
        });
    }

    it("reads the descriptions as the chart's keys, free-form maps as prefixes", () => {
        const nginx = chartKeys("ingress-nginx", "4.11.3");
        assert.deepStrictEqual(unknownPaths({ controller: { replicaCount: 2, podAnnotations: { a: "b" }, replicas: 2 } }, nginx),
            ["controller.replicas"]);
        assert.deepStrictEqual(leafPaths({ a: { b: [1], c: {}, d: { e: null } } }), ["a.b", "a.c", "a.d.e"]);
    });
});
