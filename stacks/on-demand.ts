// The AWS and Cloudflare sides of a stack, loaded only by the stacks that have them: requiring
// @pulumi/aws (through the modules that build AWS workers) costs every run of every stack about
// a quarter of a second of CPU before anything is registered, and @pulumi/cloudflare a little
// more; most stacks use neither.
import type * as awsSide from "./aws";
import type * as tunnelSide from "../cloudflare/cloudflare-tunnel";

export const awsWorkersSide = (): typeof awsSide => require("./aws");
export const cloudflareTunnelSide = (): typeof tunnelSide => require("../cloudflare/cloudflare-tunnel");
