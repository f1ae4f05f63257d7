// The kubestrap package: the components a stack is made of, with their Args, to compose in a
// Pulumi program of your own, and the stack config's schema and parser. Importing it registers
// nothing and reads no config; kubestrap's own program (index.ts, stacks/) is one consumer.
// The k3s cluster and mesh, AWS and Cloudflare live in their own entries (kubestrap/cluster,
// kubestrap/aws, kubestrap/cloudflare), so that a program of apps loads no cloud SDK.
export { AppNamespace, type AppNamespaceArgs, McpServer, type McpServerArgs, StaticSite, type StaticSiteArgs, WebApp, type WebAppArgs } from "../apps";
export { ComposeApp, type ComposeAppArgs, loadCompose, translateCompose, type ComposeTranslation, type TranslateOptions } from "../compose";
export { DemonJobs, type DemonJobsArgs, DemonStack, type DemonStackArgs, NatsJetStream, type NatsJetStreamArgs } from "../demon";
export {
    CephStorage, type CephStorageArgs, CertManager, type CertManagerArgs, ExternalDns, type ExternalDnsArgs, Flux, type FluxArgs,
    IngressNginx, type IngressNginxArgs, Longhorn, type LonghornArgs, MetalLb, type MetalLbArgs,
    ObservabilityStack, type ObservabilityStackArgs, SealedSecrets, type SealedSecretsArgs,
} from "../addons";
/** The stack config: each `kubestrap:` key's zod schema, and the parser that checks a stack's values as `up` does. */
export { topLevel as configSchema } from "../config/schema";
export { parseConfig, type KubestrapConfig } from "../config";
