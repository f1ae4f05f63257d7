// A stack with every add-on on, composed on the mocks, for tests that look at what each add-on's
// Helm releases receive in dev and in prod.
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubestrapConfig, parseConfig } from "../config";
import { profiles } from "../stacks/environments";
import { composePlatform, Platform } from "../stacks/platform";
import { Recorder, settle, withMocks } from "./mocks";

export const helmRelease = "kubernetes:helm.sh/v3:Release";

export const everyAddon = {
    metallb: { enabled: true, addresses: ["192.168.1.240-192.168.1.250"] },
    "rook-ceph": { enabled: true, nodes: [{ name: "n1", devices: ["sdb"] }] },
    longhorn: { enabled: true, defaultClass: false },
    observability: { enabled: true, storageClass: "ceph-block", grafanaHost: "grafana.example.com" },
    "ingress-nginx": { enabled: true },
    "cert-manager": { enabled: true, email: "ops@example.com", cloudflare: { apiToken: { fromEnv: "CF" }, zones: ["example.com"] } },
    "external-dns": { enabled: true, cloudflareApiToken: { fromEnv: "CF" }, domainFilters: ["example.com"] },
    "sealed-secrets": { enabled: true },
    flux: { enabled: true, manifests: path.join(__dirname, "fixtures", "flux", "install.yaml") },
};

export const secretEnv: Record<string, string> = { T: "t", CF: "cf-token-value" };

export function stackConfig(environment: "dev" | "prod", addons: Record<string, unknown>, env: Record<string, string> = {}): KubestrapConfig {
    return parseConfig({
        "kubestrap:environment": environment,
        "kubestrap:cluster": JSON.stringify({ target: "kubeconfig", kubeconfig: "/k" }),
        "kubestrap:demon": JSON.stringify({ enabled: true, secrets: { adminToken: { fromEnv: "T" } } }),
        "kubestrap:addons": JSON.stringify(addons),
    }, { env: { ...secretEnv, ...env }, readFile: (f) => (f.startsWith(__dirname) ? fs.readFileSync(f, "utf8") : ""), baseDir: "/" });
}

export async function composeStack(config: KubestrapConfig, transformations: pulumi.ResourceTransformation[] = []): Promise<{ r: Recorder; platform: Platform }> {
    const r = await withMocks(false);
    const platform = composePlatform(config, profiles[config.environment], new k8s.Provider("cluster", { kubeconfig: "{}" }), [r.track, ...transformations]);
    await settle(...(platform.demon ? [platform.demon.uiUrl] : []), ...Object.values(platform.addons.components).map((c) => c!.urn));
    return { r, platform };
}
