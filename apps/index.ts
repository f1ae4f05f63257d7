// apps: what runs a stack's own workloads: a web app (WebApp), a static site (StaticSite), an MCP
// server (McpServer), a namespace with its Pod Security and NetworkPolicy baseline (AppNamespace),
// and the schemas of `kubestrap:apps` (one WebApp), `namespaces`, `staticSites` and `mcpServers`.
export { WebApp, type WebAppArgs } from "./web-app";
export { StaticSite, type StaticSiteArgs } from "./static-site";
export { McpServer, type McpServerArgs, mcpServerArgs } from "./mcp-server";
export { AppNamespace, type AppNamespaceArgs } from "./app-namespace";
export { type AppPeer } from "./app-network-policies";
export { app as appSchema, type AppConfig, defaultAppReplicas } from "./config";
export { namespaces as namespacesSchema, type NamespaceConfig } from "./namespaces-config";
export { staticSites as staticSitesSchema, type StaticSiteConfig } from "./static-sites-config";
export { mcpServersConfig as mcpServersSchema, type ResolvedMcpServer } from "./mcp-config";
