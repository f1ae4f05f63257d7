// kubestrap/cloudflare: a Cloudflare Tunnel with its DNS and Access, and cloudflared in the cluster.
export { CloudflareTunnel, type CloudflareTunnelArgs } from "../components/cloudflare-tunnel";
export { Cloudflared, type CloudflaredArgs } from "../components/cloudflared";
