// The Ingress every kubestrap workload gets: one host, prefix paths, TLS by cert-manager or a given secret.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface IngressSettings {
    host: string;
    className?: string;
    paths?: string[];
    /** The Service port's name the paths route to; "http" when unset. */
    port?: string;
    /** TLS through cert-manager (clusterIssuer) or an existing secret (secretName). */
    tls?: { clusterIssuer?: string; secretName?: string };
}

export function ingressFor(settings: IngressSettings, serviceName: pulumi.Input<string>, defaultTlsSecret: string): {
    annotations: Record<string, string>;
    spec: k8s.types.input.networking.v1.IngressSpec;
    url: string;
} {
    const paths = settings.paths ?? ["/"];
    const tlsSecret = settings.tls ? (settings.tls.secretName ?? defaultTlsSecret) : undefined;
    return {
        annotations: settings.tls?.clusterIssuer ? { "cert-manager.io/cluster-issuer": settings.tls.clusterIssuer } : {},
        spec: {
            ...(settings.className ? { ingressClassName: settings.className } : {}),
            rules: [{
                host: settings.host,
                http: {
                    paths: paths.map((path) => ({
                        path,
                        pathType: "Prefix",
                        backend: { service: { name: serviceName, port: { name: settings.port ?? "http" } } },
                    })),
                },
            }],
            ...(tlsSecret ? { tls: [{ hosts: [settings.host], secretName: tlsSecret }] } : {}),
        },
        url: `${tlsSecret ? "https" : "http"}://${settings.host}${paths[0]}`,
    };
}
