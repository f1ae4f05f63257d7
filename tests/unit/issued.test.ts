// npm run status on a mesh stack: the pre-auth keys' expiry from the state (the issue time the
// engine records, the expiry the key step gave Headscale) and Headscale's certificate.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createKeyScript, headscaleInstallScript, HeadscaleSettings, managedTlsScript } from "../../mesh/mesh-headscale";
import { headscaleCertificateItem, headscaleServer, issuedProblems, meshKeyItems, pemNotAfter, StateResource } from "../../status/issued";

const urn = (name: string) => `urn:pulumi:prod::kubestrap::kubestrap:mesh:MeshNetwork$command:remote:Command::${name}`;
const day = 86400;
const headscale: HeadscaleSettings = {
    version: "0.27.1", address: "10.0.0.1", port: 8080, serverUrl: "https://hs.example.net:8080", baseDomain: "kubestrap.mesh",
    prefixes: { v4: "100.64.0.0/10", v6: "fd7a:115c:a1e0::/48" }, derp: { embedded: true, stunPort: 3478, urls: [] },
};

describe("what kubestrap issued that expires, in npm run status", () => {
    const now = new Date("2026-12-06T00:00:00Z");
    const state: StateResource[] = [
        { urn: urn("mesh-key-servers"), type: "command:remote:Command", created: "2026-06-01T00:00:00Z", inputs: { create: createKeyScript("servers", 90 * day, "sudo ") } },
        { urn: urn("mesh-key-pool-gpu"), type: "command:remote:Command", created: "2017-01-01T00:00:00Z", inputs: { create: createKeyScript("agents", 3650 * day, "", true) } },
        { urn: urn("mesh-host-key-10.0.0.1"), type: "command:local:Command", created: "2026-06-01T00:00:00Z", inputs: { create: "ssh-keyscan 10.0.0.1" } },
    ];

    it("dates each key from when it was issued and the expiry Headscale was given", () => {
        const items = meshKeyItems(state, now);
        assert.deepStrictEqual(items.map((i) => [i.what, i.expires.slice(0, 10), i.daysLeft]), [
            ["mesh key of group servers", "2026-08-30", -98],
            ["mesh key of AWS pool gpu", "2026-12-30", 24],
        ]);
    });

    it("dates a key whose step ran again in place (a new key) from that run: the resource's modified time", () => {
        const rerun = { ...state[0], created: "2025-01-01T00:00:00Z", modified: "2026-06-01T00:00:00Z" };
        assert.strictEqual(meshKeyItems([rerun], now)[0].expires.slice(0, 10), "2026-08-30");
    });

    it("calls a pool's key near expiry a problem (instances join with it any day), and a group's never (an up renews it)", () => {
        assert.deepStrictEqual(issuedProblems(meshKeyItems(state, now)), [
            "mesh key of AWS pool gpu expires 2026-12-30 (24 days): instances launched after it expires cannot join: an up past half its life puts a new key in the launch template (or set mesh.keys.rotation)",
        ]);
        assert.deepStrictEqual(issuedProblems(meshKeyItems(state, new Date("2026-11-01T00:00:00Z"))), []);
    });

    it("finds Headscale's URL in its install step, and the certificate a stack supplies", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-hs-cert-"));
        try {
            execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "20", "-subj", "/CN=hs.example.net"], { stdio: "ignore" });
            const certificate = fs.readFileSync(`${dir}/cert.pem`, "utf8");
            const supplied = headscaleInstallScript({ ...headscale, tls: { certificate } }, { groups: {}, rules: [] }, "", false);
            const found = headscaleServer([...state, { urn: urn("mesh-headscale"), type: "command:remote:Command", created: "2026-06-01T00:00:00Z", inputs: { create: supplied } }]);
            assert.deepStrictEqual(found && { ...found, suppliedPem: found.suppliedPem?.length }, { serverUrl: "https://hs.example.net:8080", suppliedPem: certificate.trim().length, managed: false });
            const item = headscaleCertificateItem(pemNotAfter(found!.suppliedPem!), false, new Date());
            assert.ok(item.daysLeft >= 19 && item.daysLeft <= 20 && !item.healthy, JSON.stringify(item));
            assert.match(issuedProblems([item])[0], /^Headscale's certificate expires \d{4}-\d\d-\d\d \((19|20) days\): yours to renew: put the new chain in mesh\.headscale\.tls and run up/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("knows a certificate kubestrap's private CA made, and says how to renew it", () => {
        const install = headscaleInstallScript({ ...headscale, tls: "managed" }, { groups: {}, rules: [] }, "", false);
        const found = headscaleServer([
            { urn: urn("mesh-headscale"), type: "command:remote:Command", inputs: { create: install } },
            { urn: urn("mesh-headscale-tls"), type: "command:remote:Command", inputs: { create: managedTlsScript("10.0.0.1", "", "") } },
        ]);
        assert.deepStrictEqual(found, { serverUrl: "https://hs.example.net:8080", suppliedPem: undefined, managed: true });
        const item = headscaleCertificateItem(new Date("2026-12-20T00:00:00Z"), true, now);
        assert.match(issuedProblems([item])[0], /expires 2026-12-20 \(14 days\): kubestrap's private CA issued it; set a new mesh\.keys\.rotation and run up/);
        assert.strictEqual(headscaleServer(state), undefined, "a stack without Headscale's step");
    });
});
