// Every Service kubestrap puts in front of its own pods comes after them: made once the workload
// the provider waited for is ready, with the provider's own ten-second wait on it skipped.
import * as assert from "assert";
import { reveal } from "../mocks";
import { renderedStacks, renderStack } from "../rendered-stacks";

describe("the Services in front of kubestrap's workloads", function () {
    this.timeout(120000);

    for (const stack of renderedStacks()) {
        it(`wait on the workload they select, not on themselves (${stack.name})`, async () => {
            const { r } = await renderStack(stack.file, stack.fromDisk);
            const workloads = r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment" || x.type === "kubernetes:apps/v1:StatefulSet");
            const fronting = r.ofType("kubernetes:core/v1:Service").filter((s) => s.inputs.spec.clusterIP !== "None" && s.inputs.spec.selector);
            for (const s of fronting) {
                const key = `${s.type}::${s.name}`;
                assert.strictEqual(s.inputs.metadata.annotations?.["pulumi.com/skipAwait"], "true", `${key} is waited on by the provider`);
                const after = ((r.optionsOf.get(key)?.dependsOn ?? []) as any[]).map((d) => `${d.__pulumiType}::${d.__name}`);
                const selected = workloads.filter((w) => {
                    const labels = reveal(w.inputs).spec.template.metadata.labels;
                    return Object.entries(s.inputs.spec.selector).every(([k, v]) => labels[k] === v);
                }).map((w) => `${w.type}::${w.name}`);
                assert.strictEqual(selected.length, 1, `${key} selects the pods of ${selected.length} workloads`);
                assert.deepStrictEqual(after, selected, `${key} is made before the workload it selects is ready`);
            }
            const headless = r.ofType("kubernetes:core/v1:Service").filter((s) => s.inputs.spec.clusterIP === "None");
            for (const s of headless) assert.strictEqual(s.inputs.metadata.annotations?.["pulumi.com/skipAwait"], undefined);
            if (["dev", "prod"].includes(stack.name)) assert.ok(fronting.length >= 4, `a positive control: ${stack.name} has apps and the Demon stack`);
        });
    }
});
