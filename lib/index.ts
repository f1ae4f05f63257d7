// The kubestrap package: the components a stack is made of, with their Args, to compose in a
// Pulumi program of your own, and the stack config's schema and parser. Importing it registers
// nothing and reads no config; kubestrap's own program (index.ts, stacks/) is one consumer.
// The k3s cluster and mesh, AWS and Cloudflare live in their own entries (kubestrap/cluster,
// kubestrap/aws, kubestrap/cloudflare), so that a program of apps loads no cloud SDK.
export { WebApp, type WebAppArgs } from "../components/web-app";
export { StaticSite, type StaticSiteArgs } from "../components/static-site";
export { ComposeApp, type ComposeAppArgs } from "../components/compose-app";
export { McpServer, type McpServerArgs } from "../components/mcp-server";
export { AppNamespace, type AppNamespaceArgs } from "../components/app-namespace";
export { DemonStack, type DemonStackArgs } from "../components/demon-stack";
export { DemonJobs, type DemonJobsArgs } from "../components/demon-jobs";
export { NatsJetStream, type NatsJetStreamArgs } from "../components/nats-jetstream";
export { CephStorage, type CephStorageArgs } from "../components/addons/ceph-storage";
export { CertManager, type CertManagerArgs } from "../components/addons/cert-manager";
export { ExternalDns, type ExternalDnsArgs } from "../components/addons/external-dns";
export { Flux, type FluxArgs } from "../components/addons/flux";
export { IngressNginx, type IngressNginxArgs } from "../components/addons/ingress-nginx";
export { Longhorn, type LonghornArgs } from "../components/addons/longhorn";
export { MetalLb, type MetalLbArgs } from "../components/addons/metallb";
export { ObservabilityStack, type ObservabilityStackArgs } from "../components/addons/observability-stack";
export { SealedSecrets, type SealedSecretsArgs } from "../components/addons/sealed-secrets";
export { translateCompose, type ComposeTranslation, type TranslateOptions } from "../compose/translate";
export { loadCompose } from "../compose/load";
/** The stack config: each `kubestrap:` key's zod schema, and the parser that checks a stack's values as `up` does. */
export { topLevel as configSchema } from "../config/schema";
export { parseConfig, type KubestrapConfig } from "../config";
