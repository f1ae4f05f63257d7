// addons: the add-on registry (what each add-on is, its charts, what it waits for: registry.ts),
// one component per add-on, the Helm release they share (helm.ts), each add-on's sizing per
// environment (resources.ts), and `kubestrap:addons`' schema.
export { addonNames, type AddonName, planAddons, registry } from "./registry";
export { resourceValues } from "./resources";
export { CephStorage, type CephStorageArgs } from "./ceph-storage";
export { CertManager, type CertManagerArgs } from "./cert-manager";
export { ExternalDns, type ExternalDnsArgs } from "./external-dns";
export { Flux, type FluxArgs } from "./flux";
export { IngressNginx, type IngressNginxArgs } from "./ingress-nginx";
export { Longhorn, type LonghornArgs } from "./longhorn";
export { MetalLb, type MetalLbArgs } from "./metallb";
export { ObservabilityStack, type ObservabilityStackArgs } from "./observability-stack";
export { SealedSecrets, type SealedSecretsArgs } from "./sealed-secrets";
export { addonsSchema, type AddonsConfig } from "./config";
