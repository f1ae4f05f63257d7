// The shapes compose translation works in: what config adds to a file (overrides, volumes, what
// to expose), and what a translation is (WebApp args and Jobs per service, claims, ConfigMaps,
// Secrets, warnings).
import type { WebAppArgs } from "../apps/web-app";

export interface ServiceOverride {
    image?: string;
    replicas?: number;
    resources?: WebAppArgs["resources"];
    security?: WebAppArgs["security"];
    /** StatefulSet: a claim per pod from the service's named volumes even with one replica (databases). */
    kind?: "Deployment" | "StatefulSet";
    /** Leave the service out, on purpose (a build-only or host-bound service). */
    skip?: boolean;
    /** Harden this service to restricted Pod Security in an app that runs at baseline. */
    podSecurity?: "restricted";
}

export interface VolumeSettings {
    size?: string;
    storageClass?: string;
    accessMode?: "ReadWriteOnce" | "ReadWriteMany";
}

export interface ExposeSettings {
    service: string;
    /** The container port to route; the service's first port when unset. */
    port?: number;
    host: string;
    paths?: string[];
    className?: string;
    tls?: { clusterIssuer?: string; secretName?: string };
}

export interface TranslateOptions {
    /** The kubestrap app: the part-of label of everything it makes. */
    app: string;
    /** Where `env_file`, file secrets and configs are read from (the compose file's directory). */
    baseDir: string;
    readFile: (file: string) => string;
    env: Record<string, string | undefined>;
    /** A named volume's claim size when config does not give one (per environment). */
    volumeSize: string;
    volumes?: Record<string, VolumeSettings>;
    services?: Record<string, ServiceOverride>;
    expose?: ExposeSettings[];
    /** Compose secrets whose values kubestrap supplies (config's `secrets:`): their file's source is not read. */
    suppliedSecrets?: string[];
    /** The file name problems are reported against. */
    file?: string;
    /**
     * baseline (default): every service runs as Docker runs it (the image's user, a writable
     * root, Docker's default capabilities); restricted: kubestrap's hardening for every service.
     */
    podSecurity?: "baseline" | "restricted";
}

/** A `restart: "no"` service: run once to completion. */
export interface JobPlan {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env: Record<string, string>;
    secretEnv: Record<string, string>;
    workingDir?: string;
    security: NonNullable<WebAppArgs["security"]>;
    resources?: WebAppArgs["resources"];
    volumes: NonNullable<WebAppArgs["volumes"]>;
    volumeMounts: NonNullable<WebAppArgs["volumeMounts"]>;
    waitFor: NonNullable<WebAppArgs["waitFor"]>;
    podAnnotations?: Record<string, string>;
    terminationGracePeriodSeconds?: number;
}

export interface TranslatedService {
    name: string;
    /** Exactly one of the two. */
    web?: Omit<WebAppArgs, "namespace" | "secretEnv"> & { secretEnv: Record<string, string> };
    job?: JobPlan;
    /** Services this one is created after (Pulumi dependsOn): their readiness or completion. */
    after: { service: string; condition: "service_started" | "service_healthy" | "service_completed_successfully" }[];
    /** Other names it answers to on the compose network (container_name, hostname, network aliases): a headless Service each. */
    aliases?: string[];
}

export interface ComposeTranslation {
    services: TranslatedService[];
    claims: { name: string; size: string; storageClass?: string; accessMode: "ReadWriteOnce" | "ReadWriteMany" }[];
    configMaps: { name: string; data: Record<string, string> }[];
    /** Values are plain here; ComposeApp makes them Pulumi secrets. `supplied`: the value comes from config, under this key. */
    secrets: { name: string; data: Record<string, string>; supplied?: string }[];
    warnings: string[];
}
