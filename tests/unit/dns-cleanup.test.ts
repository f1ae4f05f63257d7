// The destroy-time DNS cleanup against a stand-in of Cloudflare's API: which records count as
// ExternalDNS's (by its TXT registry's rules), what stays, and what a refused delete says.
import * as assert from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { dnsCleanupScript, removeOwnedRecords } from "../../addons/dns-cleanup";
import { CloudflareStandin, ownershipText, StandinRecord, startCloudflareStandin } from "../cloudflare-standin";

const token = "cf-token-e2e";
const zones = [{ id: "z1", name: "example.com" }, { id: "z2", name: "example.org" }, { id: "z3", name: "example.net" }];
const mine = (resource: string) => ownershipText("kubestrap", resource);

let next = 0;
const rec = (zone: string, type: string, name: string, content: string): StandinRecord => ({ id: `r${++next}`, zone, type, name, content });

function seed(): StandinRecord[] {
    return [
        // New (<type>-<name>) and old (<name>) claims on one A record, and its AAAA's claim.
        rec("z1", "A", "web.example.com", "192.0.2.1"),
        rec("z1", "AAAA", "web.example.com", "2001:db8::1"),
        rec("z1", "TXT", "a-web.example.com", mine("ingress/apps/web")),
        rec("z1", "TXT", "web.example.com", mine("ingress/apps/web")),
        rec("z1", "TXT", "aaaa-web.example.com", mine("ingress/apps/web")),
        // A record claimed only in the old form, as before ExternalDNS 0.12.
        rec("z1", "CNAME", "docs.example.com", "docs.pages.example"),
        rec("z1", "TXT", "docs.example.com", mine("ingress/apps/docs")),
        // A wildcard's record and claim.
        rec("z1", "A", "*.example.com", "192.0.2.9"),
        rec("z1", "TXT", "a-*.example.com", mine("service/apps/lb")),
        // An old-form claim on the apex: its A goes; the MX and CAA beside it are no type ExternalDNS manages, and stay.
        rec("z1", "A", "example.com", "192.0.2.7"),
        rec("z1", "TXT", "example.com", mine("ingress/apps/apex")),
        rec("z1", "CAA", "example.com", "0 issue \"letsencrypt.org\""),
        // A dashed name is no typed claim unless its head is a record type: my-app's claim is old-form.
        rec("z1", "CNAME", "my-app.example.com", "lb.example.net"),
        rec("z1", "TXT", "my-app.example.com", mine("ingress/apps/my-app")),
        // Another cluster's, a hand-made one, and a TXT that only looks like a claim: all stay.
        rec("z1", "A", "other.example.com", "192.0.2.2"),
        rec("z1", "TXT", "a-other.example.com", ownershipText("another-cluster", "ingress/x/y")),
        rec("z1", "MX", "example.com", "mail.example.com"),
        rec("z1", "A", "manual.example.com", "192.0.2.3"),
        rec("z1", "TXT", "a-manual.example.com", "\"v=spf1 -all\""),
        // More records than one page holds.
        ...Array.from({ length: 130 }, (_, i) => rec("z1", "TXT", `filler-${i}.example.com`, "\"x\"")),
        // A zone outside the filters, with a claim of this owner: untouched.
        rec("z2", "A", "x.example.org", "192.0.2.4"),
        rec("z2", "TXT", "a-x.example.org", mine("ingress/apps/x")),
        // A filter below its zone (apps.example.net): only names under it.
        rec("z3", "CNAME", "svc.apps.example.net", "lb.example.net"),
        rec("z3", "TXT", "cname-svc.apps.example.net", mine("service/apps/svc")),
        rec("z3", "A", "svc.example.net", "192.0.2.5"),
        rec("z3", "TXT", "a-svc.example.net", mine("service/apps/svc")),
    ];
}

const owned = [
    "A web.example.com", "AAAA web.example.com", "TXT a-web.example.com", "TXT web.example.com", "TXT aaaa-web.example.com",
    "CNAME docs.example.com", "TXT docs.example.com", "A *.example.com", "TXT a-*.example.com",
    "CNAME svc.apps.example.net", "TXT cname-svc.apps.example.net",
    "A example.com", "TXT example.com", "CNAME my-app.example.com", "TXT my-app.example.com",
];
const names = (records: StandinRecord[]) => records.map((r) => `${r.type} ${r.name}`);

describe("ExternalDNS's records removed at destroy (Cloudflare API stand-in)", () => {
    let cf: CloudflareStandin;
    let all: StandinRecord[];
    const env = () => ({ CF_API_TOKEN: token, KUBESTRAP_DNS_OWNER: "kubestrap", KUBESTRAP_DNS_DOMAINS: "example.com,apps.example.net", KUBESTRAP_CLOUDFLARE_API_URL: cf.url });
    beforeEach(async () => {
        all = seed();
        cf = await startCloudflareStandin(token, zones, all);
    });
    afterEach(() => cf.close());

    it("removes exactly the records the owner's TXT claims name, and the claims, in the filtered zones", async () => {
        const { removed, failed } = await removeOwnedRecords(env());
        assert.deepStrictEqual(failed, []);
        assert.deepStrictEqual(removed.map((r) => r.replace(/ \(zone .*\)$/, "")).sort(), [...owned].sort());
        const left = names(cf.records);
        assert.deepStrictEqual(names(all).filter((r) => !left.includes(r)).sort(), [...owned].sort());
        assert.ok(left.includes("A x.example.org") && left.includes("A svc.example.net") && left.includes("A other.example.com"));
        assert.ok(left.includes("MX example.com") && left.includes("CAA example.com"), "a record type ExternalDNS does not manage went");
    });

    it("deletes the claimed records before their claims, so a run cut short can be run again", async () => {
        await removeOwnedRecords(env());
        const deletes = cf.requests.filter((r) => r.startsWith("DELETE /client/v4/zones/z1/"));
        const ids = deletes.map((d) => d.split("/").pop());
        const types = ids.map((id) => all.find((r) => r.id === id)!.type);
        assert.deepStrictEqual(types, ["A", "AAAA", "CNAME", "A", "A", "CNAME", "TXT", "TXT", "TXT", "TXT", "TXT", "TXT", "TXT"]);
    });

    it("as the shipped script: reports what it removed; refused, lists what is left with the fix, keeps its claim and fails; run again, finishes", async () => {
        const run = () => promisify(execFile)("/bin/sh", ["-c", dnsCleanupScript()], { env: { PATH: process.env.PATH, ...env() } });
        cf.refuseDeletes((r) => r.name === "docs.example.com" && r.type === "CNAME");
        const refused = await run().then(() => undefined, (e) => e);
        assert.ok(refused, "the cleanup succeeded with a delete refused");
        assert.match(refused.stderr, /did not remove 1 DNS record\(s\) ExternalDNS made, so the destroy stops here/);
        assert.match(refused.stderr, /CNAME docs\.example\.com \(zone example\.com\): DELETE \/zones\/z1\/dns_records\/r\d+: HTTP 403 \(9109: Unauthorized/);
        assert.match(refused.stderr, /Fix: give the token Zone:DNS:Edit/);
        assert.deepStrictEqual(names(cf.records).filter((r) => owned.includes(r)).sort(), ["CNAME docs.example.com", "TXT docs.example.com"]);
        cf.refuseDeletes(undefined);
        const { stdout } = await run();
        assert.match(stdout, /ExternalDNS's records removed \(owner kubestrap\): 2\n  CNAME docs\.example\.com \(zone example\.com\)/);
        assert.deepStrictEqual(names(cf.records).filter((r) => owned.includes(r)), []);
    });

    it("stops, naming the token's rights, when it cannot list the zones", async () => {
        const script = promisify(execFile)("/bin/sh", ["-c", dnsCleanupScript()], { env: { PATH: process.env.PATH, ...env(), CF_API_TOKEN: "wrong" } });
        const failure = await script.then(() => undefined, (e) => e);
        assert.match(failure.stderr, /could not list the DNS records ExternalDNS made \(GET \/zones\?per_page=50&page=1: HTTP 403 \(10000: Authentication error\)\)/);
        assert.match(failure.stderr, /Zone:Zone:Read and Zone:DNS:Edit on the zones in addons\.external-dns\.domainFilters, then run destroy again; if the token or the account is gone, run it with KUBESTRAP_DNS_CLEANUP=skip/);
        assert.strictEqual(cf.records.length, all.length);
    });

    it("sends the token to no API override but a stand-in on loopback", async () => {
        await assert.rejects(removeOwnedRecords({ ...env(), KUBESTRAP_CLOUDFLARE_API_URL: "https://evil.example/client/v4" }),
            /KUBESTRAP_CLOUDFLARE_API_URL is for tests against a stand-in on this machine; https:\/\/evil\.example\/client\/v4 is not a loopback URL/);
        assert.strictEqual(cf.requests.length, 0);
    });

    it("leaves the records, saying so, with KUBESTRAP_DNS_CLEANUP=skip (a token or account that is gone)", async () => {
        const { stderr } = await promisify(execFile)("/bin/sh", ["-c", dnsCleanupScript()], { env: { PATH: process.env.PATH, ...env(), CF_API_TOKEN: "revoked", KUBESTRAP_DNS_CLEANUP: "skip" } });
        assert.match(stderr, /KUBESTRAP_DNS_CLEANUP=skip: the records ExternalDNS made stay in Cloudflare/);
        assert.strictEqual(cf.records.length, all.length);
    });

    it("refuses to run without its token, owner or domains", async () => {
        await assert.rejects(removeOwnedRecords({ ...env(), KUBESTRAP_DNS_DOMAINS: "" }), /needs CF_API_TOKEN, KUBESTRAP_DNS_OWNER and KUBESTRAP_DNS_DOMAINS/);
    });
});
