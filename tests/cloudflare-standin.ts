// A stand-in for the part of Cloudflare's v4 API the DNS cleanup uses (zones, DNS records: list
// with pagination, delete), on loopback: Cloudflare itself cannot be reached from the tests. Its
// envelope (success, errors, result, result_info) follows Cloudflare's API reference.
import * as http from "http";
import { AddressInfo } from "net";

export interface StandinRecord { id: string; zone: string; type: string; name: string; content: string }

export interface CloudflareStandin {
    url: string;
    /** The records left, live. */
    records: StandinRecord[];
    /** Every request, as "METHOD path". */
    requests: string[];
    /** Makes a delete of matching records fail with 403, as a token without DNS edit rights does. */
    refuseDeletes(match: ((r: StandinRecord) => boolean) | undefined): void;
    close(): Promise<void>;
}

export async function startCloudflareStandin(token: string, zones: { id: string; name: string }[], records: StandinRecord[]): Promise<CloudflareStandin> {
    const live = records.map((r) => ({ ...r }));
    const requests: string[] = [];
    let refuse: ((r: StandinRecord) => boolean) | undefined;
    const send = (res: http.ServerResponse, status: number, body: object) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ messages: [], ...body }));
    };
    const page = (res: http.ServerResponse, items: object[], query: URLSearchParams) => {
        const perPage = Number(query.get("per_page") ?? 20);
        const n = Number(query.get("page") ?? 1);
        const slice = items.slice((n - 1) * perPage, n * perPage);
        send(res, 200, {
            success: true, errors: [], result: slice,
            result_info: { page: n, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / perPage)) },
        });
    };
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://standin");
        requests.push(`${req.method} ${url.pathname}`);
        if (req.headers.authorization !== `Bearer ${token}`) {
            return send(res, 403, { success: false, errors: [{ code: 10000, message: "Authentication error" }], result: null });
        }
        const parts = url.pathname.replace(/^\/client\/v4/, "").split("/").filter(Boolean);
        if (req.method === "GET" && parts.length === 1 && parts[0] === "zones") {
            return page(res, zones.map((z) => ({ id: z.id, name: z.name, status: "active" })), url.searchParams);
        }
        if (parts[0] === "zones" && parts[2] === "dns_records") {
            const zone = zones.find((z) => z.id === parts[1]);
            if (!zone) return send(res, 404, { success: false, errors: [{ code: 7003, message: "Could not route to /zones/" + parts[1] }], result: null });
            if (req.method === "GET" && parts.length === 3) {
                return page(res, live.filter((r) => r.zone === zone.id).map((r) => ({ ...r, zone_id: zone.id, zone_name: zone.name })), url.searchParams);
            }
            if (req.method === "DELETE" && parts.length === 4) {
                const i = live.findIndex((r) => r.zone === zone.id && r.id === parts[3]);
                if (i < 0) return send(res, 404, { success: false, errors: [{ code: 81044, message: "Record does not exist." }], result: null });
                if (refuse?.(live[i])) return send(res, 403, { success: false, errors: [{ code: 9109, message: "Unauthorized to access requested resource" }], result: null });
                const [gone] = live.splice(i, 1);
                return send(res, 200, { success: true, errors: [], result: { id: gone.id } });
            }
        }
        send(res, 404, { success: false, errors: [{ code: 7000, message: "No route for that URI" }], result: null });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`,
        records: live,
        requests,
        refuseDeletes: (match) => { refuse = match; },
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

/** TXT content as ExternalDNS v0.15 writes it: quoted, heritage first, then its labels sorted. */
export const ownershipText = (owner: string, resource: string) =>
    `"heritage=external-dns,external-dns/owner=${owner},external-dns/resource=${resource}"`;
