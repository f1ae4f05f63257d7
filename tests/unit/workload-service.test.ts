// Every Service kubestrap puts in front of its own pods is made at once, without the provider's
// wait on it, and whatever reaches the pods through it waits for the workload it selects instead.
import * as assert from "assert";
import { dependenciesOf, reveal } from "../mocks";
import { renderedStacks, renderStack } from "../rendered-stacks";

describe("the Services in front of kubestrap's workloads", function () {
    this.timeout(120000);

    for (const stack of renderedStacks()) {
        it(`are not waited on; what uses one waits on the workload it selects (${stack.name})`, async () => {
            const { r } = await renderStack(stack.file, stack.fromDisk);
            const key = (x: { type: string; name: string }) => `${x.type}::${x.name}`;
            const workloads = r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment" || x.type === "kubernetes:apps/v1:StatefulSet");
            const fronting = r.ofType("kubernetes:core/v1:Service").filter((s) => s.inputs.spec.clusterIP !== "None" && s.inputs.spec.selector);
            const workloadOf = new Map<string, string>();
            for (const s of fronting) {
                assert.strictEqual(s.inputs.metadata.annotations?.["pulumi.com/skipAwait"], "true", `${key(s)} is waited on by the provider`);
                const selected = workloads.filter((w) => {
                    const labels = reveal(w.inputs).spec.template.metadata.labels;
                    return Object.entries(s.inputs.spec.selector).every(([k, v]) => labels[k] === v);
                });
                assert.strictEqual(selected.length, 1, `${key(s)} selects the pods of ${selected.length} workloads`);
                workloadOf.set(key(s), key(selected[0]));
            }
            const ingresses = r.ofType("kubernetes:networking.k8s.io/v1:Ingress");
            assert.ok(ingresses.every((i) => r.propsOf.has(key(i))), "an Ingress was made outside the recorder's transformation: its inputs go unchecked");
            let users = 0;
            for (const x of r.resources) {
                const needs = new Set(await dependenciesOf(r.propsOf.get(key(x))));
                for (const [service, workload] of workloadOf) {
                    if (!needs.has(service)) continue;
                    users++;
                    assert.ok(needs.has(workload), `${key(x)} uses ${service} but does not wait for ${workload}`);
                }
            }
            if (["dev", "prod"].includes(stack.name)) {
                assert.ok(fronting.length >= 4 && users >= 3, `a positive control: ${stack.name} has apps, the Demon stack and their users (${fronting.length} Services, ${users} users)`);
            }
        });
    }
});
