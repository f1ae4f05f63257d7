import * as assert from "assert";
import { byteQuantityProblem, cpuQuantityProblem, hostProblem, imageProblem, quantityValue, sshHostProblem } from "../../config/formats";

describe("format checks", () => {
    it("compares quantities across units as the API server does", () => {
        assert.strictEqual(quantityValue("500m", "cpu"), 0.5);
        assert.strictEqual(quantityValue("1.5", "cpu"), 1.5);
        assert.strictEqual(quantityValue("1Gi", "memory"), 1073741824);
        assert.ok(quantityValue("1000Mi", "memory") < quantityValue("1Gi", "memory"));
        assert.ok(quantityValue("1G", "memory") < quantityValue("1Gi", "memory"));
        assert.strictEqual(quantityValue("128974848", "memory"), 128974848);
    });

    it("takes SSH hosts without a user", () => {
        assert.strictEqual(sshHostProblem("10.0.0.5"), undefined);
        assert.strictEqual(sshHostProblem("node-1.lan"), undefined);
        assert.match(sshHostProblem("root@node-1.lan")!, /give the host alone \("node-1.lan"\) and the user as kubestrap:cluster.k3s.ssh.user \("root"\)/);
    });

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
