import * as assert from "assert";
import {
    addressProblem, addressRangeProblem, byteQuantityProblem, cidrProblem, cpuQuantityProblem, envNameProblem, hostProblem, imageProblem,
    labelKeyProblem, labelValueProblem, quantityValue, registryEndpointProblem, registryNameProblem, sshHostProblem,
} from "../../core/formats";

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
        assert.strictEqual(imageProblem("app:1@sha256:short"), '"app:1@sha256:short" has a malformed digest "sha256:short"; ' +
            "a digest is sha256: and 64 lower-case hex digits (`docker buildx imagetools inspect <image>` prints it)");
        assert.match(imageProblem("app@sha256:" + "A".repeat(64))!, /malformed digest/);
    });

    it("refuses tags that float like latest (no digit names no release), unless a digest pins them", () => {
        for (const floating of ["postgres:alpine", "nginx:stable", "node:lts", "redis:bookworm"]) {
            assert.match(imageProblem(floating)!, /which moves to each new release as "latest" does; pin a version tag/, floating);
        }
        assert.match(imageProblem("postgres:alpine")!, /e\.g\. postgres:1\.2\.3-alpine/);
        assert.strictEqual(imageProblem("postgres:16.4-alpine"), undefined);
        assert.strictEqual(imageProblem("postgres:alpine@sha256:" + "a".repeat(64)), undefined);
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

    it("checks addresses for real: octets, IPv6 groups, host names", () => {
        for (const ok of ["10.0.0.1", "255.255.255.255", "fd7a:115c:a1e0::1", "::1", "node1.lan", "localhost", "s1"]) {
            assert.strictEqual(addressProblem(ok), undefined, ok);
        }
        assert.match(addressProblem("10.0.0.256")!, /not an IPv4 address/);
        assert.match(addressProblem("10.0.1")!, /not an IPv4 address/);
        assert.match(addressProblem("fd7a::1::2")!, /not an IPv6 address/);
        assert.match(addressProblem("[fd7a::1]:22")!, /not an IPv6 address; write it like .* without brackets or a port/);
        assert.match(addressProblem("node_1.lan")!, /neither an IP address nor a host name/);
    });

    it("checks CIDRs and address ranges, including their order", () => {
        assert.strictEqual(cidrProblem("10.0.0.0/8"), undefined);
        assert.strictEqual(cidrProblem("fd00::/64"), undefined);
        for (const bad of ["10.0.0.0/33", "10.300.0.0/16", "fd00::/129", "10.0.0.0", "10.0.0.0/8/1"]) {
            assert.match(cidrProblem(bad)!, /is not a CIDR/, bad);
        }
        assert.strictEqual(addressRangeProblem("192.168.1.240-192.168.1.250"), undefined);
        assert.strictEqual(addressRangeProblem("fd00::10-fd00::1:0"), undefined);
        assert.strictEqual(addressRangeProblem("192.168.1.240/28"), undefined);
        assert.match(addressRangeProblem("192.168.1.250-192.168.1.240")!, /runs backwards; put the lower address first \(192.168.1.240-192.168.1.250\)/);
        assert.match(addressRangeProblem("192.168.1.240-fd00::1")!, /first-last of one family/);
        assert.match(addressRangeProblem("192.168.1.240-192.168.1.256")!, /not an address range/);
    });

    it("checks label and taint keys and values as Kubernetes does", () => {
        for (const ok of ["role", "node-role.kubernetes.io/storage", "example.com/a_b.c"]) {
            assert.strictEqual(labelKeyProblem(ok), undefined, ok);
        }
        for (const bad of ["-role", "a/b/c", "Example.com/x", "x".repeat(64), "under_score.com/x", ""]) {
            assert.match(labelKeyProblem(bad)!, /is not a label key/, bad);
        }
        assert.strictEqual(labelValueProblem(""), undefined);
        assert.strictEqual(labelValueProblem("fast-ssd_1.0"), undefined);
        assert.match(labelValueProblem("has space")!, /is not a label value/);
        assert.match(labelValueProblem("v".repeat(64))!, /at most 63/);
    });

    it("checks registry mirrors k3s can use", () => {
        assert.strictEqual(registryNameProblem("docker.io"), undefined);
        assert.strictEqual(registryNameProblem("registry.lan:5000"), undefined);
        assert.strictEqual(registryNameProblem("*"), undefined);
        assert.match(registryNameProblem("https://docker.io")!, /not a registry name/);
        assert.strictEqual(registryEndpointProblem("https://mirror.lan:5000"), undefined);
        assert.match(registryEndpointProblem("mirror.lan:5000")!, /uses mirror.lan; a registry mirror is reached over https/);
        assert.match(registryEndpointProblem("ftp://mirror.lan")!, /uses ftp/);
        assert.match(registryEndpointProblem("https://user:pw@mirror.lan")!, /carries credentials/);
        assert.match(registryEndpointProblem("not a url")!, /not a URL/);
    });

    it("suggests an environment variable name that works", () => {
        assert.strictEqual(envNameProblem("DATABASE_URL"), undefined);
        assert.strictEqual(envNameProblem("database-url"),
            `"database-url" is not an environment variable name; use letters, digits and '_', not starting with a digit: DATABASE_URL`);
        assert.match(envNameProblem("1st.key")!, /: _1ST_KEY$/);
    });
});
