// bench/scale.sh's stacks are what its figures are about: each app must be the prod shape it claims.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { appSecretEnv, benchStorageClass, scaleStackConfig } from "../../bench/scale-stack";
import { renderStack } from "../rendered-stacks";

describe("bench/scale.sh's generated stacks", () => {
    it("compose N apps, each with ConfigMap, Secret, a shared claim, Deployment, Service, TLS Ingress, HPA, PDB and policies", async function () {
        this.timeout(60000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-bench-"));
        try {
            const file = path.join(dir, "Pulumi.bench.yaml");
            fs.writeFileSync(file, stringify({ config: scaleStackConfig(12, "/tmp/kubeconfig", 5) }));
            const { objects } = await renderStack(file, true, { [appSecretEnv]: "k", DEMON_ADMIN_TOKEN: "t" });
            const of = (name: string) => objects.filter((o) => o.metadata?.labels?.["app.kubernetes.io/name"] === name);
            for (let i = 0; i < 12; i++) {
                const app = `app-${String(i).padStart(3, "0")}`;
                const kinds = of(app).map((o) => o.kind);
                for (const kind of ["ConfigMap", "Secret", "PersistentVolumeClaim", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"]) {
                    assert.ok(kinds.includes(kind), `${app} has no ${kind}: ${kinds.join(", ")}`);
                }
                const claim = of(app).find((o) => o.kind === "PersistentVolumeClaim")!;
                assert.deepStrictEqual([claim.spec.accessModes, claim.spec.storageClassName], [["ReadWriteMany"], benchStorageClass]);
                assert.ok(of(app).find((o) => o.kind === "Ingress")!.spec.tls, `${app}'s Ingress has TLS`);
                const image = of(app).find((o) => o.kind === "Deployment")!.spec.template.spec.containers[0].image;
                assert.strictEqual(image, `ghcr.io/acme/${app}:${i === 5 ? "1.0.1" : "1.0.0"}`);
            }
            assert.deepStrictEqual([...new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name))].sort(), ["demon-jobs", "demon-system", "team-00", "team-01"]);
            assert.ok(objects.some((o) => o.kind === "StatefulSet" && o.metadata.namespace === "demon-system"), "the Demon stack's NATS");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
