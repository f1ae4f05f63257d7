// What ExternalDNS leaves in Cloudflare when it goes: the records it made, found by its own TXT
// ownership records (external-dns v0.15's TXT registry), removed once ExternalDNS is gone.
// `removeOwnedRecords` runs at destroy time as `node -e` text, so it is self-contained: no
// imports, nothing from outside its body.
import { shellQuote } from "../core/shell";

/** The environment the cleanup reads: set from the add-on's config (the token a secret). */
export interface DnsCleanupEnv {
    CF_API_TOKEN?: string;
    KUBESTRAP_DNS_OWNER?: string;
    /** The domain filters, comma-separated. */
    KUBESTRAP_DNS_DOMAINS?: string;
    /** Cloudflare's API; tests point it at a stand-in on loopback (nothing else is taken). */
    KUBESTRAP_CLOUDFLARE_API_URL?: string;
}

export interface DnsCleanupResult {
    removed: string[];
    /** Records that could not be removed, each with Cloudflare's reason. */
    failed: string[];
}

/**
 * Lists the zones the token sees that the domain filters touch, finds every record the owner's
 * TXT records claim and the TXT records themselves, and deletes them: the claimed records first,
 * and a claim only once what it claims is gone, so that a run cut short or refused keeps the
 * claims a second run needs. A claim is ExternalDNS's `<type>-<name>` (0.12 on) or `<name>`
 * (before; never for AAAA), and claims only the record types ExternalDNS manages by default (A,
 * AAAA, CNAME: `--managed-record-types`), so an MX or CAA beside a claimed name stays. Records
 * of other owners, and records without a claim, are left.
 */
export async function removeOwnedRecords(env: DnsCleanupEnv): Promise<DnsCleanupResult> {
    const override = env.KUBESTRAP_CLOUDFLARE_API_URL;
    if (override && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(override)) {
        throw new Error(`KUBESTRAP_CLOUDFLARE_API_URL is for tests against a stand-in on this machine; ${override} is not a loopback URL, so the token is not sent there`);
    }
    const api = (override || "https://api.cloudflare.com/client/v4").replace(/\/$/, "");
    const owner = env.KUBESTRAP_DNS_OWNER ?? "";
    const domains = (env.KUBESTRAP_DNS_DOMAINS ?? "").split(",").map((d) => d.trim().toLowerCase().replace(/\.$/, "")).filter(Boolean);
    if (!env.CF_API_TOKEN || !owner || domains.length === 0) {
        throw new Error("the DNS cleanup needs CF_API_TOKEN, KUBESTRAP_DNS_OWNER and KUBESTRAP_DNS_DOMAINS");
    }
    const call = async (method: string, path: string): Promise<any> => {
        const response = await fetch(`${api}${path}`, { method, headers: { Authorization: `Bearer ${env.CF_API_TOKEN}`, "Content-Type": "application/json" } });
        const body: any = await response.json().catch(() => ({}));
        if (!response.ok || body.success === false) {
            const reasons = (body.errors ?? []).map((e: any) => `${e.code}: ${e.message}`).join("; ");
            throw new Error(`${method} ${path}: HTTP ${response.status}${reasons ? ` (${reasons})` : ""}`);
        }
        return body;
    };
    const listAll = async (path: string, perPage: number): Promise<any[]> => {
        const items: any[] = [];
        for (let page = 1; ; page++) {
            const body = await call("GET", `${path}${path.includes("?") ? "&" : "?"}per_page=${perPage}&page=${page}`);
            items.push(...(body.result ?? []));
            if (page >= (body.result_info?.total_pages ?? 1)) return items;
        }
    };
    const within = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);
    const managed = ["A", "AAAA", "CNAME"];
    // ExternalDNS's label text: heritage=external-dns,external-dns/owner=<id>,external-dns/resource=...
    const claimOwner = (content: string): string | undefined => {
        const labels = new Map(content.replace(/^"|"$/g, "").split(",").map((t) => t.split("=")).filter((kv) => kv.length === 2) as [string, string][]);
        return labels.get("heritage") === "external-dns" ? labels.get("external-dns/owner") : undefined;
    };
    // What a claim names, as ExternalDNS reads it (extractRecordTypeDefaultPosition): the name up to
    // its first "-" is a record type it supports, "<rest> <TYPE>"; else the old form, "<name> *".
    const claimKeys = (txtName: string): string[] => {
        const name = txtName.toLowerCase();
        const head = name.split("-")[0];
        const typed = ["A", "AAAA", "CNAME", "NS"].find((t) => t.toLowerCase() === head);
        return [typed ? `${name.slice(head.length + 1)} ${typed}` : `${name} *`];
    };
    const recordKeys = (r: any): string[] => [`${r.name.toLowerCase()} ${r.type}`, ...(r.type === "A" || r.type === "CNAME" ? [`${r.name.toLowerCase()} *`] : [])];
    const zones = (await listAll("/zones", 50)).filter((z: any) => domains.some((d) => within(d, z.name.toLowerCase()) || within(z.name.toLowerCase(), d)));
    const removed: string[] = [];
    const failed: string[] = [];
    for (const zone of zones) {
        const records = (await listAll(`/zones/${zone.id}/dns_records`, 100))
            .filter((r: any) => domains.some((d) => within(r.name.toLowerCase(), d)));
        const claimRecords = records.filter((r: any) => r.type === "TXT" && claimOwner(String(r.content ?? "")) === owner);
        const claims = new Set(claimRecords.flatMap((r: any) => claimKeys(r.name)));
        const claimed = records.filter((r: any) => managed.includes(r.type) && recordKeys(r).some((k) => claims.has(k)));
        const kept = new Set<string>();
        const remove = async (r: any) => {
            const label = `${r.type} ${r.name} (zone ${zone.name})`;
            try {
                await call("DELETE", `/zones/${zone.id}/dns_records/${r.id}`);
                removed.push(label);
                return true;
            } catch (e) {
                failed.push(`${label}: ${(e as Error).message}`);
                return false;
            }
        };
        for (const r of claimed) {
            if (!(await remove(r))) recordKeys(r).forEach((k) => kept.add(k));
        }
        // A record left keeps its claim, so that the next run still knows it for ExternalDNS's.
        for (const r of claimRecords) {
            if (!claimKeys(r.name).some((k) => kept.has(k))) await remove(r);
        }
    }
    return { removed, failed };
}

/** The destroy-time script: the cleanup, its report, and on failure the records left and the fix. */
export function dnsCleanupScript(): string {
    const program = [
        "if (process.env.KUBESTRAP_DNS_CLEANUP === 'skip') {",
        "  console.error('KUBESTRAP_DNS_CLEANUP=skip: the records ExternalDNS made stay in Cloudflare');",
        "  process.exit(0);",
        "}",
        `const removeOwnedRecords = ${removeOwnedRecords.toString()};`,
        "removeOwnedRecords(process.env).then(({ removed, failed }) => {",
        "  console.log(`ExternalDNS's records removed (owner ${process.env.KUBESTRAP_DNS_OWNER}): ${removed.length}`);",
        "  for (const r of removed) console.log(`  ${r}`);",
        "  if (failed.length > 0) {",
        "    console.error(`kubestrap did not remove ${failed.length} DNS record(s) ExternalDNS made, so the destroy stops here:`);",
        "    for (const f of failed) console.error(`  ${f}`);",
        "    console.error('Fix: give the token Zone:DNS:Edit on those zones, or delete the records by hand, then run destroy again; to leave them, run it with KUBESTRAP_DNS_CLEANUP=skip.');",
        "    process.exit(1);",
        "  }",
        "}, (e) => {",
        "  console.error(`kubestrap could not list the DNS records ExternalDNS made (${e.message}), so the destroy stops here.`);",
        "  console.error('Fix: give the token Zone:Zone:Read and Zone:DNS:Edit on the zones in addons.external-dns.domainFilters, then run destroy again; if the token or the account is gone, run it with KUBESTRAP_DNS_CLEANUP=skip (the records stay).');",
        "  process.exit(1);",
        "});",
    ].join("\n");
    return `node -e ${shellQuote(program)}`;
}
