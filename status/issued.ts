// What kubestrap issued that expires, read from the stack's state (`pulumi stack export`, no
// secrets): the mesh's pre-auth keys (when Headscale issued each, the last time its step ran,
// and for how long it was told to keep it) and Headscale's certificate. Only a key that is used without an
// `up` can bite: a cloud pool's, which instances use whenever they launch. A group's key is used
// only by `up`, which issues a new one past half its life.
import { execFileSync } from "child_process";
import { X509Certificate } from "crypto";
import * as path from "path";
import { projectDir } from "../core/project-dir";
import { readStackSettings, stackConfigFile } from "../stacks/stack-file";
import { daysUntil } from "./age";
import { apiServerCertificate } from "./api-certificate";

export interface IssuedItem { what: string; expires: string; daysLeft: number; renewal: string; healthy: boolean }

export interface StateResource { urn: string; type: string; created?: string; modified?: string; inputs?: Record<string, any> }

/** Days before expiry that make a pool's key or Headscale's certificate a problem. */
export const issuedDays = 30;

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** The mesh's pre-auth keys, from the state's resources. */
export function meshKeyItems(resources: StateResource[], now: Date): IssuedItem[] {
    const items: IssuedItem[] = [];
    for (const r of resources) {
        const create = String(r.inputs?.create ?? "");
        const seconds = /preauthkeys create .*--expiration (\d+)s/.exec(create)?.[1];
        // A change to its script runs it again in place (a new key): `modified` is then when.
        const issued = r.modified ?? r.created;
        if (!r.type.startsWith("command:") || !seconds || !issued) continue;
        const name = nameOf(r.urn);
        const pool = /-key-pool-(.+)$/.exec(name)?.[1];
        const group = /-key-(.+)$/.exec(name)?.[1] ?? name;
        const expires = new Date(Date.parse(issued) + Number(seconds) * 1000);
        const daysLeft = daysUntil(expires, now);
        items.push(pool
            ? { what: `mesh key of AWS pool ${pool}`, expires: expires.toISOString(), daysLeft, healthy: daysLeft > issuedDays,
                renewal: "instances launched after it expires cannot join: an up past half its life puts a new key in the launch template (or set mesh.keys.rotation)" }
            : { what: `mesh key of group ${group}`, expires: expires.toISOString(), daysLeft, healthy: true,
                renewal: "used only when an up joins a node; an up past half its life issues a new one" });
    }
    return items;
}

/** The files a step's script writes: kubestrap's scripts carry each file's content as base64. */
const writtenFiles = (script: string) =>
    [...script.matchAll(/echo '([A-Za-z0-9+/=]+)' \| base64 -d/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8"));

/** Headscale's URL and, when the stack supplies it, its certificate, from the install step's script. */
export function headscaleServer(resources: StateResource[]): { serverUrl: string; suppliedPem?: string; managed: boolean } | undefined {
    for (const r of resources) {
        const create = String(r.inputs?.create ?? "");
        if (!r.type.startsWith("command:") || !create.includes("' policy check --file")) continue;
        const files = writtenFiles(create);
        const serverUrl = files.map((f) => /^server_url: (\S+)$/m.exec(f)?.[1]).find(Boolean);
        if (!serverUrl) return undefined;
        const suppliedPem = files.map((f) => /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(f)?.[0]).find(Boolean);
        const managed = resources.some((m) => m.type.startsWith("command:") && String(m.inputs?.create ?? "").includes("kubestrap mesh CA"));
        return { serverUrl, suppliedPem, managed };
    }
    return undefined;
}

/**
 * Headscale's certificate: the one its TLS handshake shows when it answers, else the one the
 * stack supplies. kubestrap's private CA issues it for 10 years, and an up that re-runs its step
 * (a new mesh.keys.rotation) renews it within a year of expiry.
 */
export function headscaleCertificateItem(notAfter: Date, managed: boolean, now: Date): IssuedItem {
    const daysLeft = daysUntil(notAfter, now);
    return {
        what: "Headscale's certificate", expires: notAfter.toISOString(), daysLeft, healthy: daysLeft > issuedDays,
        renewal: managed
            ? "kubestrap's private CA issued it; set a new mesh.keys.rotation and run up, which renews it within a year of expiry"
            : "yours to renew: put the new chain in mesh.headscale.tls and run up (Headscale restarts; nodes reconnect)",
    };
}

export const pemNotAfter = (pem: string) => new Date(new X509Certificate(pem).validTo);


export function issuedProblems(items: IssuedItem[]): string[] {
    return items.filter((i) => !i.healthy).map((i) => `${i.what} ${i.daysLeft < 0 ? "expired" : "expires"} ${i.expires.slice(0, 10)} (${i.daysLeft} days): ${i.renewal}`);
}

/**
 * For a stack with a mesh: its keys and Headscale's certificate, or a note saying why they could
 * not be read. Undefined for a stack without a mesh (its state is not read at all).
 */
export async function readIssued(stack: string, now: Date): Promise<{ items: IssuedItem[]; note?: string } | undefined> {
    if (!readStackSettings(stackConfigFile(projectDir, stack)).mesh) return undefined;
    let resources: StateResource[];
    try {
        const exported = execFileSync(path.join(projectDir, "scripts", "pulumi.sh"), ["stack", "export"],
            { env: { ...process.env, KUBESTRAP_STACK: stack }, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 512 * 1024 * 1024 }).toString();
        resources = JSON.parse(exported).deployment?.resources ?? [];
    } catch (e) {
        const reason = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim().split("\n").pop();
        return { items: [], note: `the mesh's keys and certificate are not shown: stack ${stack}'s state cannot be read (${reason})` };
    }
    const items = meshKeyItems(resources, now);
    const server = headscaleServer(resources);
    if (server) {
        const served = await apiServerCertificate(server.serverUrl);
        let notAfter = served?.notAfter;
        try {
            notAfter ??= server.suppliedPem ? pemNotAfter(server.suppliedPem) : undefined;
        } catch (e) {
            return { items, note: `Headscale's certificate is not shown: the chain in the stack's state cannot be read (${(e as Error).message})` };
        }
        if (notAfter) items.push(headscaleCertificateItem(notAfter, server.managed, now));
    }
    return { items };
}
