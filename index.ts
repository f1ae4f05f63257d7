// kubestrap: the stack is composed from validated config; see README.md for the settings.
import { loadConfig } from "./config";
import { connectCluster } from "./stacks/cluster";
import { profiles } from "./stacks/environments";
import { composePlatform } from "./stacks/platform";

const config = loadConfig();
const profile = profiles[config.environment];
const cluster = connectCluster(config.cluster, profile);
const platform = composePlatform(config, profile, cluster.provider);

export const environment = config.environment;
export const kubeconfig = cluster.kubeconfig;
export const nodes = cluster.k3s?.nodeNames;
export const demonNamespace = platform.demon?.namespace;
export const natsUrl = platform.demon?.natsUrl;
export const operateUiUrl = platform.demon?.uiUrl;
export const apps = Object.fromEntries(Object.entries(platform.apps).map(([key, app]) =>
    [key, { internalUrl: app.internalUrl, url: app.url }]));
