// What differs between dev and prod when the stack config does not say.
import { defaultAppReplicas, defaultNatsReplicas, Environment } from "../config";
import { Resources } from "../core/workload";

export interface EnvironmentProfile {
    /** Protect data-holding resources (volume claims) from delete and replace. */
    protectData: boolean;
    /** Protect k3s servers' installs from delete and replace, unless kubestrap:cluster.k3s.protectServers says. */
    protectServers: boolean;
    /** The k3s CIS hardening profile, unless kubestrap:cluster.k3s.hardened says otherwise. */
    hardenK3s: boolean;
    /** The cert-manager issuer for Ingresses kubestrap makes itself (Grafana's). */
    clusterIssuer: "letsencrypt-staging" | "letsencrypt-prod";
    /** Copies of each volume kept by replicated storage (Longhorn), unless its config says. */
    storageReplicas: number;
    demon: {
        natsSize: string;
        /** NATS servers: 1, or a JetStream cluster. */
        natsReplicas: number;
        replicas: number;
        natsResources: Resources;
        serviceResources: Resources;
    };
    apps: {
        replicas: number;
        resources: Resources;
    };
}

const small: Resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } };
const medium: Resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

export const profiles: Record<Environment, EnvironmentProfile> = {
    dev: {
        protectData: false,
        protectServers: false,
        hardenK3s: false,
        clusterIssuer: "letsencrypt-staging",
        storageReplicas: 1,
        demon: { natsSize: "1Gi", natsReplicas: defaultNatsReplicas.dev, replicas: 1, natsResources: small, serviceResources: small },
        apps: { replicas: defaultAppReplicas.dev, resources: small },
    },
    prod: {
        protectData: true,
        protectServers: true,
        hardenK3s: true,
        clusterIssuer: "letsencrypt-prod",
        storageReplicas: 3,
        demon: {
            natsSize: "10Gi",
            natsReplicas: defaultNatsReplicas.prod,
            replicas: 2,
            natsResources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            serviceResources: medium,
        },
        apps: { replicas: defaultAppReplicas.prod, resources: medium },
    },
};
