// What every add-on shares: its namespace with the right Pod Security level, and Helm releases
// from a pinned chart or a local chart directory.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../core/labels";
import { podSecurityLabels } from "../core/pod-security";
import { AddonDefinition, chartSource, ChartSource } from "./registry";

export type HelmValues = Record<string, unknown>;

/** Settings every add-on takes from the stack config. */
export interface AddonChartArgs {
    /** Per chart (keyed as in the registry): a repository, version or local path that replaces the pinned one. */
    charts?: Record<string, ChartSource>;
    /** Per chart: Helm values laid over kubestrap's own. */
    values?: Record<string, HelmValues>;
    /** Per chart: the containers' requests and limits, where the chart reads them (resources.ts). */
    resources?: Record<string, HelmValues>;
}

const isPlainObject = (v: unknown): v is HelmValues => !!v && typeof v === "object" && !Array.isArray(v);

/** `override` laid over `base`: objects merge key by key, anything else (lists included) replaces. */
export function mergeValues(base: HelmValues, override: HelmValues = {}): HelmValues {
    const merged: HelmValues = { ...base };
    for (const [key, value] of Object.entries(override)) {
        merged[key] = isPlainObject(value) && isPlainObject(merged[key]) ? mergeValues(merged[key] as HelmValues, value) : value;
    }
    return merged;
}

export function addonNamespace(addon: AddonDefinition, parent: pulumi.Resource, extraLabels: Record<string, string> = {},
    dependsOn: pulumi.Resource[] = []): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(`${addon.name}-namespace`, {
        metadata: {
            name: addon.namespace,
            labels: {
                ...standardLabels({ name: addon.namespace, instance: addon.name, component: "namespace", partOf: "kubestrap-addons" }),
                ...podSecurityLabels(addon.podSecurity),
                ...extraLabels,
            },
        },
    }, { parent, dependsOn });
}

export interface ReleaseRequest {
    addon: AddonDefinition;
    /** The chart's key in the registry; also the Helm release name. */
    chart: string;
    namespace: pulumi.Input<string>;
    args: AddonChartArgs;
    /** kubestrap's values for this chart; the stack's values for it are laid over them. */
    values: pulumi.Input<HelmValues>;
}

/** A Helm release that waits for its workloads, so what depends on the add-on finds it running. */
export function addonRelease(request: ReleaseRequest, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const { addon, chart, args } = request;
    const source = chartSource(addon.charts[chart], args.charts?.[chart]);
    return new k8s.helm.v3.Release(`${addon.name}-${chart}`, {
        name: chart,
        namespace: request.namespace,
        chart: source.path ?? source.name!,
        version: source.path ? undefined : source.version,
        repositoryOpts: source.repository ? { repo: source.repository } : undefined,
        values: pulumi.output(request.values)
            .apply((ours) => mergeValues(mergeValues(args.resources?.[chart] ?? {}, ours), args.values?.[chart])),
        createNamespace: false,
        cleanupOnFail: true,
        maxHistory: 5,
        timeout: 900,
    }, opts);
}
