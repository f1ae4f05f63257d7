import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageProblem } from "../core/formats";
import { appIngress, appPolicies } from "./app-exposure";
import { IngressSettings } from "../core/ingress-spec";
import { selectorLabels, standardLabels } from "../core/labels";
import {
    CacheSettings, contentFiles, ContentFiles, defaultHealthPath, defaultSitePath, healthPathProblem, nginxConfig, nginxPort, siteHash, sitePathProblem,
    sitePodSpec,
} from "./static-site-specs";
import type { WebAppArgs } from "./web-app";
import { Resources } from "../core/workload";
import { workloadService } from "../core/workload-service";

/** Where the site's files come from: a folder of this repository, or a pinned image holding the built site at `path` (default /site). */
export type StaticContent = { directory: string } | { image: string; path?: string };

export interface StaticSiteArgs {
    namespace: pulumi.Input<string>;
    /** Name of the site's Kubernetes objects; defaults to the component's name. */
    siteName?: string;
    content: StaticContent;
    replicas?: number;
    ingress?: IngressSettings;
    cache?: CacheSettings;
    /** Serve /index.html for paths that are no file (a single-page app's routes). */
    spa?: boolean;
    /** The probes' path, answered by nginx itself; default /healthz. */
    healthPath?: string;
    resources?: Resources;
    /** The app.kubernetes.io/part-of label; defaults to the site's name (give a split app's two halves one). */
    partOf?: string;
    /** As WebApp's: deny all but DNS, the ingress controller (with an Ingress) and these flows. Unset: no policies. */
    networkPolicy?: WebAppArgs["networkPolicy"];
}

type Problem = { propertyPath: string; reason: string };

/** Problems with the args, and the directory's files when they are fine (read once, here). */
export function staticSiteProblems(args: StaticSiteArgs): { problems: Problem[]; files?: ContentFiles } {
    const problems: Problem[] = [];
    let files: ContentFiles | undefined;
    const content = args.content as { directory?: string; image?: string; path?: string };
    if ((content.directory === undefined) === (content.image === undefined)) {
        problems.push({ propertyPath: "content", reason: "set one of directory (a folder of this repository) or image (a pinned image holding the built site)" });
    } else if (content.image !== undefined) {
        const image = imageProblem(content.image);
        const path = content.path === undefined ? undefined : sitePathProblem(content.path);
        if (image) {
            problems.push({ propertyPath: "content.image", reason: image });
        }
        if (path) {
            problems.push({ propertyPath: "content.path", reason: path });
        }
    } else {
        try {
            files = contentFiles(content.directory!);
        } catch (e) {
            problems.push({ propertyPath: "content.directory", reason: (e as Error).message });
        }
    }
    const health = args.healthPath === undefined ? undefined : healthPathProblem(args.healthPath);
    if (health) {
        problems.push({ propertyPath: "healthPath", reason: health });
    }
    for (const [key, seconds] of Object.entries(args.cache ?? {})) {
        if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 0)) {
            problems.push({ propertyPath: `cache.${key}`, reason: `${seconds} is not a whole number of seconds` });
        }
    }
    return { problems, files };
}

/** A static website: nginx (unprivileged, read-only root) serving a folder or an image's files, its Service and Ingress. */
export class StaticSite extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly internalUrl: pulumi.Output<string>;
    readonly url?: pulumi.Output<string>;
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: StaticSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:apps:StaticSite", name, {}, opts);
        const { problems, files } = staticSiteProblems(args);
        if (problems.length > 0) {
            throw new pulumi.InputPropertiesError({ message: `StaticSite ${name} has invalid arguments`, errors: problems });
        }

        const site = args.siteName ?? name;
        const labels = standardLabels({ name: site, instance: name, component: "web", partOf: args.partOf ?? site });
        const selector = selectorLabels({ name: site, instance: name });
        const meta = () => ({ name: site, namespace: args.namespace, labels });
        const child = { parent: this };
        const healthPath = args.healthPath ?? defaultHealthPath;
        const conf = nginxConfig({ healthPath, spa: args.spa, cache: args.cache });

        // No fixed names: Pulumi replaces a ConfigMap whose data changes, and with a generated
        // name it makes the new one first, so pods of the old version keep their files until gone.
        const nginxConf = new k8s.core.v1.ConfigMap(`${name}-nginx`, {
            metadata: { namespace: args.namespace, labels },
            data: { "nginx.conf": conf },
        }, child);
        const contentMap = files && new k8s.core.v1.ConfigMap(`${name}-content`, {
            metadata: { namespace: args.namespace, labels },
            data: files.data,
            binaryData: files.binaryData,
        }, child);
        const image = "image" in args.content ? { image: args.content.image, path: args.content.path ?? defaultSitePath } : undefined;

        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: meta(),
            spec: {
                replicas: args.replicas ?? 1,
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        labels,
                        annotations: { "kubestrap.dev/content-hash": siteHash(conf, files ? files.hash : `${image!.image} ${image!.path}`) },
                    },
                    spec: sitePodSpec({
                        name: site,
                        nginxConfigMap: nginxConf.metadata.name,
                        content: contentMap ? { configMap: contentMap.metadata.name, items: files!.items } : image!,
                        healthPath,
                        resources: args.resources ?? {},
                    }),
                },
            },
        }, child);

        const serviceName = workloadService(`${name}-service`, {
            metadata: meta(),
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
        }, deployment, child).readyName;

        const exposed = { name, app: site, namespace: args.namespace, labels, selector, port: nginxPort, parent: this };
        if (args.ingress) {
            this.url = appIngress(exposed, args.ingress, serviceName);
        }
        if (args.networkPolicy) {
            appPolicies(exposed, args.networkPolicy, !!args.ingress);
        }

        this.serviceName = serviceName;
        this.deploymentName = deployment.metadata.name;
        this.internalUrl = pulumi.interpolate`http://${serviceName}.${args.namespace}.svc.cluster.local`;
        this.registerOutputs({
            serviceName: this.serviceName,
            deploymentName: this.deploymentName,
            internalUrl: this.internalUrl,
            url: this.url,
        });
    }
}
