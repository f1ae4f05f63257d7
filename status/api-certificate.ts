// When the API server's serving certificate expires: k3s issues its certificates for a year and
// renews those within 90 days of expiry only when k3s starts, so a server that runs for a year
// without a restart stops taking connections one day (hetzner-k3s #374). Read from the TLS
// handshake itself, so it is the certificate the clients really get.
import * as tls from "tls";
import { daysUntil } from "./age";

export interface ApiServerCertificate { notAfter: string; daysLeft: number; healthy: boolean }

/** Days before expiry that make the API server's certificate a problem: inside k3s's 90-day renewal window. */
export const apiCertificateDays = 30;

/** The API server's certificate expiry, or undefined when the server is not HTTPS or does not answer. */
export function apiServerCertificate(server: string, timeoutMs = 5000): Promise<{ notAfter: Date } | undefined> {
    let url: URL;
    try {
        url = new URL(server);
    } catch {
        return Promise.resolve(undefined);
    }
    if (url.protocol !== "https:") return Promise.resolve(undefined);
    return new Promise((resolve) => {
        // Only the certificate is read; the report's own requests verify it against the kubeconfig's CA.
        const socket = tls.connect({ host: url.hostname, port: Number(url.port || 443), servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname, rejectUnauthorized: false, timeout: timeoutMs }, () => {
            const cert = socket.getPeerCertificate();
            socket.end();
            resolve(cert?.valid_to ? { notAfter: new Date(cert.valid_to) } : undefined);
        });
        socket.on("error", () => resolve(undefined));
        socket.on("timeout", () => { socket.destroy(); resolve(undefined); });
    });
}

export function apiCertificateStatus(notAfter: Date, now: Date): ApiServerCertificate {
    const daysLeft = daysUntil(notAfter, now);
    return { notAfter: notAfter.toISOString(), daysLeft, healthy: daysLeft > apiCertificateDays };
}

export function apiCertificateProblems(cert: ApiServerCertificate | undefined): string[] {
    if (!cert || cert.healthy) return [];
    return [`the API server's certificate ${cert.daysLeft < 0 ? "expired" : "expires"} ${cert.notAfter.slice(0, 10)} (${cert.daysLeft} days): k3s renews certificates within 90 days of expiry when it starts; restart k3s on each server, one at a time (systemctl restart k3s), or run k3s certificate rotate`];
}
