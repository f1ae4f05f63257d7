// kubestrap/cloudflare: a Cloudflare Tunnel with its DNS and Access, and cloudflared in the cluster.
export { CloudflareTunnel, type CloudflareTunnelArgs, Cloudflared, type CloudflaredArgs } from "../cloudflare";
