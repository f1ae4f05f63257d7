// kubestrap: the stack is composed from validated config; see README.md for the settings.
import { loadConfig } from "./config";
import { clusterProvider, readKubeconfig } from "./stacks/cluster";
import { profiles } from "./stacks/environments";
import { composePlatform } from "./stacks/platform";

const config = loadConfig();
const provider = clusterProvider(config.cluster, readKubeconfig(config.cluster));
const platform = composePlatform(config, profiles[config.environment], provider);

export const environment = config.environment;
export const demonNamespace = platform.demon?.namespace;
export const natsUrl = platform.demon?.natsUrl;
export const operateUiUrl = platform.demon?.uiUrl;
export const apps = Object.fromEntries(Object.entries(platform.apps).map(([key, app]) =>
    [key, { internalUrl: app.internalUrl, url: app.url }]));
