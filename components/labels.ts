// The app.kubernetes.io labels every kubestrap object carries.

export const managedBy = "kubestrap";

export interface LabelParts {
    /** What the thing is, e.g. "nats" or the app's name. */
    name: string;
    /** Which deployment of it, usually the component's Pulumi name. */
    instance: string;
    component: string;
    partOf: string;
}

export function standardLabels(parts: LabelParts): Record<string, string> {
    return {
        "app.kubernetes.io/name": parts.name,
        "app.kubernetes.io/instance": parts.instance,
        "app.kubernetes.io/component": parts.component,
        "app.kubernetes.io/part-of": parts.partOf,
        "app.kubernetes.io/managed-by": managedBy,
    };
}

/** The stable subset used in selectors: selectors are immutable, so they never carry versions. */
export function selectorLabels(parts: Pick<LabelParts, "name" | "instance">): Record<string, string> {
    return {
        "app.kubernetes.io/name": parts.name,
        "app.kubernetes.io/instance": parts.instance,
    };
}
