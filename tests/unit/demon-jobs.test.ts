import * as assert from "assert";
import { DemonJobs, jobServiceAccount } from "../../demon/demon-jobs";
import { reveal, settle, withMocks } from "../mocks";

describe("DemonJobs", () => {
    for (const preview of [false, true]) {
        it(`puts the Jobs' namespace, ServiceAccount, the runtime's Role and binding, and the policies under itself (preview: ${preview})`, async () => {
            const r = await withMocks(preview);
            const jobs = new DemonJobs("jobs", {
                namespace: "demon-jobs", demonNamespace: "demon-system", runtimeServiceAccount: "runtime", natsSelector: { "app.kubernetes.io/name": "nats" },
            }, { transformations: [r.track] });
            await settle(jobs.namespace, jobs.serviceAccount);
            const children = r.resources.filter((x) => x.type.startsWith("kubernetes:"));
            assert.deepStrictEqual(children.map((c) => `${c.type.split(":")[2]}/${c.name}`).sort(), [
                "Namespace/jobs-namespace", "NetworkPolicy/jobs-default-deny", "NetworkPolicy/jobs-jobs-egress",
                "Role/jobs-runtime-role", "RoleBinding/jobs-runtime-binding", "ServiceAccount/jobs-job-sa",
            ]);
            for (const c of children) {
                assert.strictEqual(r.ancestry.get(`${c.type}::${c.name}`), "kubestrap:platform:DemonJobs::jobs", c.name);
            }
            const ns = r.one("kubernetes:core/v1:Namespace", "jobs-namespace").inputs.metadata;
            assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], "restricted");
            const sa = r.one("kubernetes:core/v1:ServiceAccount", "jobs-job-sa").inputs;
            assert.deepStrictEqual([sa.metadata.name, sa.automountServiceAccountToken], [jobServiceAccount, false], "Jobs run with no token");
            const binding = reveal(r.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "jobs-runtime-binding").inputs);
            assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "runtime", namespace: "demon-system" }], "only the runtime, from the Demon's namespace");
        });
    }
});
