// cloudflare: a Cloudflare Tunnel with its DNS records and Access (CloudflareTunnel), cloudflared
// in the cluster with only the egress it needs (Cloudflared), and `kubestrap:cloudflare`'s schema.
export { CloudflareTunnel, type CloudflareTunnelArgs } from "./cloudflare-tunnel";
export { Cloudflared, type CloudflaredArgs, type TunnelTarget } from "./cloudflared";
export { cloudflare as cloudflareSchema, type CloudflareConfig, serviceUrlTarget } from "./config";
