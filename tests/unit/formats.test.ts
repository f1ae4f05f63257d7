import * as assert from "assert";
import { byteQuantityProblem, cpuQuantityProblem, hostProblem, imageProblem } from "../../config/formats";

describe("format checks", () => {
    it("accepts the image references people pin", () => {
        for (const ok of ["nginx:1.27", "ghcr.io/acme/app:v1.2.3", "localhost:5000/app:1", "registry.example.com:8443/team/app:2024.01.02",
            "app@sha256:" + "a".repeat(64), "ghcr.io/acme/app:1.0@sha256:" + "0".repeat(64)]) {
            assert.strictEqual(imageProblem(ok), undefined, ok);
        }
    });

    it("refuses latest, no tag, and malformed references", () => {
        assert.match(imageProblem("nginx")!, /has no tag/);
        assert.match(imageProblem("ghcr.io/acme/app:latest")!, /latest/);
        assert.match(imageProblem("UPPER/case:1")!, /not a valid image reference/);
        assert.match(imageProblem("app@sha256:short")!, /not a valid image reference/);
    });

    it("knows Kubernetes quantities and suggests the binary unit", () => {
        for (const ok of ["10Gi", "512Mi", "1.5Gi", "1000", "1G"]) {
            assert.strictEqual(byteQuantityProblem(ok), undefined, ok);
        }
        assert.match(byteQuantityProblem("10GB")!, /write 10Gi/);
        assert.match(byteQuantityProblem("500mb")!, /write 500Mi/);
        assert.match(byteQuantityProblem("100m")!, /not a Kubernetes quantity/);
        assert.strictEqual(cpuQuantityProblem("250m"), undefined);
        assert.match(cpuQuantityProblem("1Gi")!, /CPU/);
    });

    it("knows host names", () => {
        assert.strictEqual(hostProblem("*.apps.example.com"), undefined);
        assert.match(hostProblem("under_score.example.com")!, /not a DNS host name/);
    });
});
