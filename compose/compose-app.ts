import * as k8s from "../core/k8s-api";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ComposeTranslation, JobPlan } from "./translate";
import { selectorLabels, standardLabels } from "../core/labels";
import { loosenedAnnotation, loosenedSettings, podSecurityContext } from "../core/pod-security";
import { WebApp } from "../apps/web-app";
import { containerFor, ContainerSettings, volumesFor, waitContainer } from "../apps/web-app-specs";

export interface ComposeAppArgs {
    namespace: pulumi.Input<string>;
    /** The kubestrap app's name: the part-of label of everything here. */
    appName: string;
    /** What compose/translate.ts made of the file; its warnings are logged on this component. */
    translation: ComposeTranslation;
    /** The image of the init containers that wait for dependencies (busybox with nc); busybox:1.37.0 by default. */
    waitImage?: string;
    /** Values of the secrets the translation marks `supplied`: given, or generated once (letters and digits) and kept in the state. */
    secretValues?: Record<string, pulumi.Input<string> | { generate: { length: number } }>;
    /** Log the translation's warnings on this component (default); `npm run translate` prints them itself. */
    logWarnings?: boolean;
}

/**
 * A docker-compose file in the cluster: a WebApp per long-running service, a Job per run-once
 * service, and the claims, ConfigMaps and Secrets they mount. Services are created after the
 * ones they depend on, which Pulumi waits to be Ready (or, for a Job, complete).
 */
export class ComposeApp extends pulumi.ComponentResource {
    /** Service name -> its in-cluster URL (services with ports) or "" (workers and Jobs). */
    readonly services: pulumi.Output<Record<string, string>>;
    readonly warnings: string[];

    constructor(name: string, args: ComposeAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:apps:ComposeApp", name, {}, opts);
        const { translation } = args;
        const child = { parent: this };
        const app = args.appName;
        const labels = (component: string, object: string) => standardLabels({ name: object, instance: name, component, partOf: app });
        if (args.logWarnings !== false) {
            for (const warning of translation.warnings) {
                pulumi.log.warn(warning, this);
            }
        }

        const mounted: pulumi.Resource[] = [];
        for (const claim of translation.claims) {
            mounted.push(new k8s.core.v1.PersistentVolumeClaim(`${name}-volume-${claim.name}`, {
                // local-path binds a claim when its first pod is scheduled: waiting for Bound here would deadlock.
                metadata: { name: claim.name, namespace: args.namespace, labels: labels("volume", claim.name), annotations: { "pulumi.com/skipAwait": "true" } },
                spec: {
                    accessModes: [claim.accessMode],
                    ...(claim.storageClass ? { storageClassName: claim.storageClass } : {}),
                    resources: { requests: { storage: claim.size } },
                },
            }, child));
        }
        for (const config of translation.configMaps) {
            mounted.push(new k8s.core.v1.ConfigMap(`${name}-${config.name}`, {
                metadata: { name: config.name, namespace: args.namespace, labels: labels("config", config.name) },
                data: config.data,
            }, child));
        }
        for (const secret of translation.secrets) {
            mounted.push(new k8s.core.v1.Secret(`${name}-${secret.name}`, {
                metadata: { name: secret.name, namespace: args.namespace, labels: labels("secret", secret.name) },
                type: "Opaque",
                stringData: pulumi.secret(secret.supplied ? { [secret.supplied]: this.suppliedValue(name, secret.supplied, args.secretValues) } : secret.data),
            }, child));
        }

        const created = new Map<string, pulumi.Resource>();
        const urls: Record<string, pulumi.Input<string>> = {};
        // translation.services lists dependencies first.
        for (const service of translation.services) {
            const after = service.after.map((a) => created.get(a.service)!);
            const dependsOn = [...mounted, ...after];
            if (service.job) {
                created.set(service.name, composeJob(`${name}-job-${service.name}`, service.job, args.namespace, labels("job", service.name), args.waitImage, { ...child, dependsOn }));
                urls[service.name] = "";
                continue;
            }
            const web = service.web!;
            const webApp = new WebApp(`${name}-${service.name}`, {
                ...web,
                namespace: args.namespace,
                waitImage: args.waitImage,
                secretEnv: Object.fromEntries(Object.entries(web.secretEnv).map(([k, v]) => [k, pulumi.secret(v)])),
            }, { ...child, dependsOn });
            created.set(service.name, webApp);
            urls[service.name] = webApp.internalUrl ?? "";
            // The names others use for it on a compose network: its own when it declares no port
            // (a WebApp makes no Service then), and its aliases; headless, so any port answers.
            const names = [...((web.ports ?? []).length === 0 ? [service.name] : []), ...(service.aliases ?? [])];
            for (const alias of names) {
                new k8s.core.v1.Service(`${name}-${service.name}-name-${alias}`, {
                    metadata: { name: alias, namespace: args.namespace, labels: labels("name", alias) },
                    spec: {
                        clusterIP: "None",
                        selector: selectorLabels({ name: web.appName ?? `${name}-${service.name}`, instance: `${name}-${service.name}` }),
                        ...((web.ports ?? []).length > 0 ? { ports: web.ports!.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: p.protocol ?? "TCP" })) } : {}),
                    },
                }, { parent: this, dependsOn: [webApp] });
            }
        }

        this.services = pulumi.output(urls);
        this.warnings = translation.warnings;
        this.registerOutputs({ services: this.services, warnings: this.warnings });
    }

    private suppliedValue(name: string, secret: string, values: ComposeAppArgs["secretValues"]): pulumi.Input<string> {
        const value = values?.[secret];
        if (value === undefined) {
            throw new Error(`the compose secret ${secret} is marked supplied but no value was given; the config resolver should have given one`);
        }
        if (typeof value === "object" && "generate" in value) {
            return new random.RandomPassword(`${name}-secret-${secret}`, { length: value.generate.length, special: false }, { parent: this }).result;
        }
        return value;
    }
}

/** A run-once service: one pod, not restarted, that Pulumi waits to complete. */
function composeJob(name: string, job: JobPlan, namespace: pulumi.Input<string>, labels: Record<string, string>, waitImage: string | undefined,
    opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    const secretNames = Object.keys(job.secretEnv).sort();
    const secret = secretNames.length > 0 ? new k8s.core.v1.Secret(`${name}-env`, {
        metadata: { name: `${job.name}-env`, namespace, labels },
        type: "Opaque",
        stringData: pulumi.secret(job.secretEnv),
    }, { parent: opts.parent }) : undefined;
    // The same container as a WebApp's (env, Secret references, the writable /tmp), with no port and no probe.
    const settings: ContainerSettings = {
        image: job.image, port: 0, ports: [], command: job.command, args: job.args, workingDir: job.workingDir,
        env: job.env, secretEnvNames: secretNames, secretName: secret?.metadata.name, extraMounts: job.volumeMounts,
        probes: { none: true }, resources: job.resources ?? {}, security: job.security,
    };
    const { volumes, mounts } = volumesFor(settings);
    const loosened = loosenedSettings(job.security);
    const annotations = { ...job.podAnnotations, ...(loosened.length ? { [loosenedAnnotation]: loosened.join(",") } : {}) };
    return new k8s.batch.v1.Job(name, {
        metadata: { name: job.name, namespace, labels },
        spec: {
            backoffLimit: 0,
            template: {
                metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
                spec: {
                    restartPolicy: "Never",
                    ...(job.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: job.terminationGracePeriodSeconds } : {}),
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(job.security),
                    ...(job.waitFor.length ? { initContainers: job.waitFor.map((w) => waitContainer(w.host, w.port, job.security, waitImage)) } : {}),
                    containers: [containerFor(job.name, settings, mounts)],
                    volumes: [...volumes, ...job.volumes],
                },
            },
        },
    }, { ...opts, dependsOn: [...(opts.dependsOn as pulumi.Resource[] ?? []), ...(secret ? [secret] : [])] });
}
