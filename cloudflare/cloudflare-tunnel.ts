// A Cloudflare Tunnel: the named tunnel (its secret from random.RandomBytes), its routes with the
// catch-all last, a proxied CNAME per hostname, Access applications in front of admin UIs, and
// cloudflared in the cluster (Cloudflared). Public services with no inbound port on any node.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Cloudflared, TunnelTarget } from "./cloudflared";

export interface TunnelRouteArgs {
    hostname: string;
    path?: string;
    /** The origin URL, e.g. http://web.apps.svc.cluster.local. */
    service: pulumi.Input<string>;
    origin?: { noTlsVerify?: boolean; connectTimeout?: number; httpHostHeader?: string; originServerName?: string };
    /** Where the origin's pods are, for cloudflared's egress policy. */
    target: TunnelTarget;
}

export interface AccessArgs {
    hostname: string;
    name: string;
    sessionDuration: string;
    allow: { emailDomains: string[]; emails: string[]; groups: string[] };
}

export interface CloudflareTunnelArgs {
    /** Unset: the tunnel was made elsewhere and `token` runs it; nothing is made in Cloudflare. */
    accountId?: string;
    zoneId?: string;
    tunnelName: string;
    /** A token for a tunnel made elsewhere (secret). */
    token?: pulumi.Input<string>;
    routes: TunnelRouteArgs[];
    access: AccessArgs[];
    namespace: string;
    replicas: number;
    image: string;
}

/** cloudflared's required last rule: whatever no route matched gets a 404. */
export const catchAll = { service: "http_status:404" };

/** Routes in config order, then the catch-all: cloudflared takes the first rule that matches. */
export function tunnelIngressRules(routes: TunnelRouteArgs[]) {
    return [
        ...routes.map((r) => ({
            hostname: r.hostname,
            ...(r.path ? { path: r.path } : {}),
            service: r.service,
            ...(r.origin && Object.keys(r.origin).length > 0 ? { originRequest: r.origin } : {}),
        })),
        catchAll,
    ];
}

/** Access include rules: any one admits (Cloudflare ORs the includes). */
export function accessIncludes(allow: AccessArgs["allow"]) {
    return [
        ...allow.emailDomains.map((domain) => ({ emailDomain: { domain } })),
        ...allow.emails.map((email) => ({ email: { email } })),
        ...allow.groups.map((id) => ({ group: { id } })),
    ];
}

export class CloudflareTunnel extends pulumi.ComponentResource {
    /** The tunnel's id (unset for a tunnel made elsewhere). */
    readonly tunnelId?: pulumi.Output<string>;
    /** The CNAME target of every hostname: <tunnel id>.cfargotunnel.com. */
    readonly cnameTarget?: pulumi.Output<string>;
    readonly hostnames: string[];
    readonly connector: Cloudflared;

    constructor(name: string, args: CloudflareTunnelArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:cloudflare:CloudflareTunnel", name, {}, opts);
        const child = { parent: this };
        let token: pulumi.Input<string>;
        if (args.token !== undefined) {
            token = args.token;
        } else {
            if (!args.accountId) {
                throw new pulumi.InputPropertyError({ propertyPath: "accountId", reason: "a tunnel kubestrap makes needs the Cloudflare account id" });
            }
            const accountId = args.accountId;
            // Cloudflare asks for at least 32 bytes, base64: RandomBytes keeps it in the state, secret.
            const secret = new random.RandomBytes(`${name}-secret`, { length: 32 }, child);
            const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(`${name}-tunnel`, {
                accountId, name: args.tunnelName, configSrc: "cloudflare", tunnelSecret: secret.base64,
            }, child);
            new cloudflare.ZeroTrustTunnelCloudflaredConfig(`${name}-config`, {
                accountId, tunnelId: tunnel.id, config: { ingresses: tunnelIngressRules(args.routes) },
            }, child);
            this.tunnelId = tunnel.id;
            this.cnameTarget = pulumi.interpolate`${tunnel.id}.cfargotunnel.com`;
            for (const hostname of [...new Set(args.routes.map((r) => r.hostname))]) {
                new cloudflare.DnsRecord(`${name}-dns-${hostname}`, {
                    zoneId: args.zoneId!, name: hostname, type: "CNAME", content: this.cnameTarget, proxied: true, ttl: 1,
                    comment: `kubestrap: Cloudflare Tunnel ${args.tunnelName}`,
                }, child);
            }
            for (const app of args.access) {
                const policy = new cloudflare.ZeroTrustAccessPolicy(`${name}-access-${app.hostname}`, {
                    accountId, name: `${app.name}: allowed`, decision: "allow", includes: accessIncludes(app.allow),
                    sessionDuration: app.sessionDuration,
                }, child);
                new cloudflare.ZeroTrustAccessApplication(`${name}-app-${app.hostname}`, {
                    accountId, name: app.name, domain: app.hostname, type: "self_hosted", sessionDuration: app.sessionDuration,
                    policies: [{ id: policy.id, precedence: 1 }],
                }, child);
            }
            token = cloudflare.getZeroTrustTunnelCloudflaredTokenOutput({ accountId, tunnelId: tunnel.id }, child).token;
        }
        this.hostnames = args.routes.map((r) => r.hostname);
        this.connector = new Cloudflared(`${name}-cloudflared`, {
            namespace: args.namespace, replicas: args.replicas, image: args.image, token,
            targets: args.routes.map((r) => r.target),
        }, child);
        this.registerOutputs({ tunnelId: this.tunnelId, cnameTarget: this.cnameTarget, hostnames: this.hostnames });
    }
}
