// kubestrap: the stack is composed from validated config; see README.md for the settings.
import { capStackTraces } from "./stacks/stack-traces";
import { trimSdkBookkeeping } from "./stacks/sdk-bookkeeping";
import { loadConfig } from "./config";
import { apiServerEndpointsFor, connectCluster } from "./stacks/cluster";
import { profiles } from "./stacks/environments";
import { awsWorkersSide } from "./stacks/on-demand";
import { composePlatform } from "./stacks/platform";

capStackTraces();
trimSdkBookkeeping();
const config = loadConfig();
const profile = profiles[config.environment];

async function platformOutputs() {
    const aws = config.cluster.aws && awsWorkersSide().awsProvider(config.cluster);
    if (aws) {
        await awsWorkersSide().refuseWrongImages(config.cluster, aws);
    }
    const cluster = connectCluster(config.cluster, profile, [], aws);
    const apiServer = config.demon.enabled ? await apiServerEndpointsFor(config.cluster, cluster.provider) : [];
    const platform = composePlatform(config, profile, cluster.provider, [], () => apiServer);
    const outputs = {
        environment: config.environment,
        kubeconfig: cluster.kubeconfig,
        nodes: cluster.k3s?.nodeNames,
        aws: cluster.aws && {
            deployRoleArn: cluster.aws.identity?.deployRoleArn,
            previewRoleArn: cluster.aws.identity?.previewRoleArn,
            serviceAccountProviderArn: cluster.aws.identity?.serviceAccountProviderArn,
            serviceAccountRoles: cluster.aws.identity && Object.keys(cluster.aws.identity.serviceAccountRoleArns).length > 0
                ? cluster.aws.identity.serviceAccountRoleArns : undefined,
            pools: Object.fromEntries(Object.entries(cluster.aws.pools).map(([name, p]) => [name, { autoScalingGroup: p.groupName, nodeRole: p.roleArn, image: p.imageId }])),
        },
        mesh: cluster.mesh && { headscaleUrl: cluster.mesh.serverUrl, ca: cluster.mesh.ca, addresses: cluster.mesh.addresses, keys: cluster.mesh.keys },
        demonNamespace: platform.demon?.namespace,
        natsUrl: platform.demon?.natsUrl,
        operateUiUrl: platform.demon?.uiUrl,
        addons: platform.addons.order,
        clusterIssuers: platform.addons.certManager?.issuers,
        grafana: platform.addons.observability && {
            url: platform.addons.observability.grafanaUrl,
            adminPassword: platform.addons.observability.grafanaAdminPassword,
        },
        s3: platform.addons.ceph?.s3Endpoint && { endpoint: platform.addons.ceph.s3Endpoint, users: platform.addons.ceph.s3Users },
        tunnel: platform.tunnel && {
            id: platform.tunnel.tunnelId,
            cnameTarget: platform.tunnel.cnameTarget,
            hostnames: platform.tunnel.hostnames,
            namespace: platform.tunnel.connector.namespace,
        },
        apps: Object.fromEntries(Object.entries(platform.apps).map(([key, app]) =>
            [key, { internalUrl: app.internalUrl, url: app.url }])),
        staticSites: Object.keys(platform.staticSites).length > 0
            ? Object.fromEntries(Object.entries(platform.staticSites).map(([key, site]) => [key, { internalUrl: site.internalUrl, url: site.url }]))
            : undefined,
        mcpServers: Object.keys(platform.mcpServers).length > 0
            ? Object.fromEntries(Object.entries(platform.mcpServers).map(([key, server]) => [key, { transport: server.transport, internalUrl: server.internalUrl }]))
            : undefined,
        composeApps: Object.keys(platform.composeApps).length > 0
            ? Object.fromEntries(Object.entries(platform.composeApps).map(([key, app]) => [key, app.services]))
            : undefined,
    };

    // Outputs that do not apply to this stack (no k3s, no Demon) are left out rather than
    // exported as undefined, which Pulumi would warn about on every run.
    return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
}

export = platformOutputs();
