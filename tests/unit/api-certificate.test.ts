// npm run status reads the API server's certificate from the TLS handshake and calls it a problem
// inside k3s's renewal window (status/api-certificate.ts).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { apiCertificateProblems, apiCertificateStatus, apiServerCertificate } from "../../status/api-certificate";

describe("the API server's certificate in npm run status", () => {
    it("is read from a real TLS handshake: a certificate issued for 10 days", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-cert-"));
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "10", "-subj", "/CN=k3s"], { stdio: "ignore" });
        const server = tls.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) }, (s) => s.end());
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const port = (server.address() as { port: number }).port;
            const read = await apiServerCertificate(`https://127.0.0.1:${port}`);
            assert.ok(read, "no certificate read");
            const status = apiCertificateStatus(read.notAfter, new Date());
            assert.ok(status.daysLeft >= 9 && status.daysLeft <= 10, JSON.stringify(status));
            assert.strictEqual(status.healthy, false);
            assert.match(apiCertificateProblems(status)[0], /^the API server's certificate expires \d{4}-\d\d-\d\d \((9|10) days\): k3s renews certificates within 90 days of expiry when it starts; restart k3s on each server, one at a time/);
            assert.strictEqual(await apiServerCertificate(`https://127.0.0.1:1`), undefined, "a closed port is no certificate");
            assert.strictEqual(await apiServerCertificate("http://127.0.0.1:8080"), undefined);
        } finally {
            server.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("is no problem with more than 30 days left, and says expired when it is", () => {
        const now = new Date("2026-12-06T00:00:00Z");
        assert.deepStrictEqual(apiCertificateProblems(apiCertificateStatus(new Date("2027-02-01T00:00:00Z"), now)), []);
        assert.match(apiCertificateProblems(apiCertificateStatus(new Date("2026-12-01T00:00:00Z"), now))[0], /certificate expired 2026-12-01 \(-5 days\)/);
    });
});
