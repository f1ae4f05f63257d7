// The app.kubernetes.io labels every kubestrap object carries.
import { createHash } from "crypto";

export const managedBy = "kubestrap";

export interface LabelParts {
    /** What the thing is, e.g. "nats" or the app's name. */
    name: string;
    /** Which deployment of it, usually the component's Pulumi name. */
    instance: string;
    component: string;
    partOf: string;
}

/**
 * A label value the API server takes: at most 63 characters of [-_.A-Za-z0-9], starting and ending
 * with a letter or digit. A value that is one already is kept as it is (so no existing object's
 * labels or selector change); a longer one becomes its first characters and a short hash of the
 * whole, the same every run.
 */
export function labelValue(value: string): string {
    if (value.length <= 63 && /^([A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?)?$/.test(value)) return value;
    return withHash(value.replace(/[^-_.A-Za-z0-9]/g, "-").slice(0, 54).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, ""), value);
}

/** `name` when it fits in `max` characters; else its start and a hash of `whole` (the name it was made from), `max` long at most. */
export function shortened(name: string, max: number, whole = name): string {
    return name.length <= max ? name : withHash(name.slice(0, max - 9).replace(/-+$/, ""), whole);
}

/** A shortened name: `head` (54 characters at most) and a short hash of the `whole` it came from, the same every run. */
export function withHash(head: string, whole: string): string {
    const hash = createHash("sha256").update(whole).digest("hex").slice(0, 8);
    return head ? `${head}-${hash}` : hash;
}

export function standardLabels(parts: LabelParts): Record<string, string> {
    return {
        "app.kubernetes.io/name": labelValue(parts.name),
        "app.kubernetes.io/instance": labelValue(parts.instance),
        "app.kubernetes.io/component": labelValue(parts.component),
        "app.kubernetes.io/part-of": labelValue(parts.partOf),
        "app.kubernetes.io/managed-by": managedBy,
    };
}

/** The stable subset used in selectors: selectors are immutable, so they never carry versions. */
export function selectorLabels(parts: Pick<LabelParts, "name" | "instance">): Record<string, string> {
    return {
        "app.kubernetes.io/name": labelValue(parts.name),
        "app.kubernetes.io/instance": labelValue(parts.instance),
    };
}
