// Flux: its controllers from a rendered `flux install --export` (the namespace, CRDs, RBAC,
// Deployments and NetworkPolicies, each a Pulumi resource), then per app repository a
// GitRepository and a Kustomization, and optionally image automation. Pulumi owns all of these;
// what the Kustomizations apply from Git is Flux's.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { FluxAuth, ResolvedFluxRepository } from "./flux-config";
import { managedBy, standardLabels } from "../core/labels";
import { podSecurityLabels } from "../core/pod-security";
import { registry } from "./registry";

export interface FluxArgs {
    /** The objects of `flux install --export`. */
    manifests: Record<string, any>[];
    repositories: ResolvedFluxRepository[];
}

/** A Pulumi name for a rendered object: kind, namespace and name say which. */
const objectName = (o: Record<string, any>) => ["flux", o.kind.toLowerCase(), o.metadata.namespace, o.metadata.name].filter(Boolean).join("-");

export class Flux extends pulumi.ComponentResource {
    readonly namespace: string;
    /** Repository name -> its Kustomization's name. */
    readonly kustomizations: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:Flux", name, {}, opts);
        const addon = registry.flux;
        this.namespace = addon.namespace;
        const child = { parent: this };
        // Flux's own labels stay; kubestrap's say who manages the object, and the namespace enforces restricted.
        const labelled = (o: Record<string, any>, extra: Record<string, string> = {}): any =>
            ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, "app.kubernetes.io/managed-by": managedBy, ...extra } } });

        const namespaceObject = args.manifests.find((o) => o.kind === "Namespace" && o.metadata?.name === addon.namespace);
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`,
            labelled(namespaceObject ?? { apiVersion: "v1", kind: "Namespace", metadata: { name: addon.namespace } }, podSecurityLabels(addon.podSecurity)), child);
        const crds = args.manifests.filter((o) => o.kind === "CustomResourceDefinition")
            .map((o) => new k8s.apiextensions.v1.CustomResourceDefinition(objectName(o), labelled(o), child));
        const controllers = args.manifests.filter((o) => o.kind !== "Namespace" && o.kind !== "CustomResourceDefinition")
            .map((o) => new (kubernetesClass(o.apiVersion, o.kind))(objectName(o), labelled(o), { ...child, dependsOn: [namespace, ...crds] }));

        this.kustomizations = {};
        const after = { ...child, dependsOn: [...crds, ...controllers] };
        for (const repo of args.repositories) {
            const labels = standardLabels({ name: repo.name, instance: name, component: "gitops", partOf: "kubestrap-addons" });
            const metadata = (objectName: string) => ({ name: objectName, namespace: addon.namespace, labels });
            const secret = repo.auth && new k8s.core.v1.Secret(`${name}-${repo.name}-auth`, {
                metadata: metadata(`${repo.name}-auth`), type: "Opaque", stringData: authData(repo.auth),
            }, after);
            const source = new k8s.apiextensions.CustomResource(`${name}-${repo.name}-source`, {
                apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository",
                metadata: metadata(repo.name),
                spec: { url: repo.url, interval: repo.interval, ref: repo.ref, ...(secret ? { secretRef: { name: secret.metadata.name } } : {}) },
            }, after);
            const kustomization = new k8s.apiextensions.CustomResource(`${name}-${repo.name}-kustomization`, {
                apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization",
                metadata: metadata(repo.name),
                spec: {
                    interval: repo.interval, path: repo.path, prune: repo.prune,
                    sourceRef: { kind: "GitRepository", name: source.metadata.name },
                    ...(repo.targetNamespace ? { targetNamespace: repo.targetNamespace } : {}),
                },
            }, after);
            this.kustomizations[repo.name] = kustomization.metadata.name;
            for (const image of repo.images) {
                const imageRepository = new k8s.apiextensions.CustomResource(`${name}-${repo.name}-image-${image.name}`, {
                    apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository",
                    metadata: metadata(`${repo.name}-${image.name}`),
                    spec: { image: image.image, interval: image.interval },
                }, after);
                new k8s.apiextensions.CustomResource(`${name}-${repo.name}-image-policy-${image.name}`, {
                    apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy",
                    metadata: metadata(`${repo.name}-${image.name}`),
                    spec: { imageRepositoryRef: { name: imageRepository.metadata.name }, policy: { semver: { range: image.semver } } },
                }, after);
            }
            if (repo.imageUpdates && "branch" in repo.ref) {
                const u = repo.imageUpdates;
                new k8s.apiextensions.CustomResource(`${name}-${repo.name}-image-updates`, {
                    apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageUpdateAutomation",
                    metadata: metadata(repo.name),
                    spec: {
                        interval: u.interval,
                        sourceRef: { kind: "GitRepository", name: source.metadata.name },
                        git: {
                            checkout: { ref: { branch: repo.ref.branch } },
                            commit: { author: u.author, messageTemplate: "Update images to the newest tags their policies allow" },
                            push: { branch: u.pushBranch ?? repo.ref.branch },
                        },
                        update: { path: repo.path, strategy: "Setters" },
                    },
                }, after);
            }
        }
        this.registerOutputs({ namespace: this.namespace, kustomizations: this.kustomizations });
    }
}

type ResourceClass = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The SDK's class for a built-in kind (apps/v1 Deployment is k8s.apps.v1.Deployment), so its type and await rules are the usual ones. */
export function kubernetesClass(apiVersion: string, kind: string): ResourceClass {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
    const found = (k8s as any)[group.split(".")[0]]?.[version]?.[kind];
    if (!found) {
        throw new Error(`Flux's manifests hold a ${apiVersion} ${kind}, which @pulumi/kubernetes has no class for; render them with the pinned flux2 release`);
    }
    return found;
}

/** The Secret keys source-controller reads: an SSH identity with known_hosts, or basic auth. */
function authData(auth: FluxAuth): pulumi.Output<Record<string, string>> {
    const data: pulumi.Output<Record<string, string>> = "sshKey" in auth
        ? auth.sshKey.apply((identity): Record<string, string> => ({ identity, known_hosts: auth.knownHosts }))
        : auth.token.apply((password): Record<string, string> => ({ username: auth.username, password }));
    return pulumi.secret(data);
}
