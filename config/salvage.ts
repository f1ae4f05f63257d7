// When a section of the config does not parse, the parts of it that do are kept, so the checks
// that span sections (and the secrets of the parts that failed) still report in the same run.
import { z } from "zod";
import { addonNames } from "../addons/registry";
import { addonsSchema } from "../addons/config";
import { appEntry, cluster, StackConfig } from "./schema";

type Path = (string | number)[];

export interface Salvaged {
    /** The section with its broken parts dropped (apps: a sparse array, so indexes stay the config's). */
    value: unknown;
    /** Raw parts that were dropped, with their paths: their secrets are still checked. */
    dropped: { raw: unknown; at: Path }[];
}

function salvageApps(raw: unknown): Salvaged | undefined {
    if (!Array.isArray(raw)) {
        return undefined;
    }
    const value: StackConfig["apps"] = new Array(raw.length);
    const dropped: Salvaged["dropped"] = [];
    raw.forEach((item, i) => {
        const parsed = appEntry.safeParse(item);
        if (parsed.success) {
            value[i] = parsed.data;
        } else {
            dropped.push({ raw: item, at: ["apps", i] });
        }
    });
    return { value, dropped };
}

function salvageAddons(raw: unknown): Salvaged | undefined {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
        return undefined;
    }
    const settings = raw as Record<string, unknown>;
    const kept: Record<string, unknown> = {};
    const dropped: Salvaged["dropped"] = [];
    for (const name of addonNames) {
        const alone = addonsSchema.safeParse({ [name]: settings[name] });
        if (alone.success) {
            kept[name] = settings[name];
        } else {
            // Keep whether it is on, so the add-ons that depend on it are judged as the user meant.
            const enabled = (settings[name] as { enabled?: unknown } | undefined)?.enabled;
            kept[name] = typeof enabled === "boolean" ? { enabled } : {};
            dropped.push({ raw: settings[name], at: ["addons", name] });
        }
    }
    const value = addonsSchema.safeParse(kept);
    return value.success ? { value: value.data, dropped } : undefined;
}

/** What the add-on checks read of the cluster: its target and what k3s disables. */
const clusterOutline = z.object({
    target: cluster.innerType().shape.target,
    k3s: z.object({ disable: z.array(z.string()).default([]) }).optional().catch(undefined),
});

function salvageCluster(raw: unknown): Salvaged | undefined {
    const outline = clusterOutline.safeParse(raw ?? {});
    return outline.success ? { value: outline.data, dropped: [{ raw, at: ["cluster"] }] } : undefined;
}

/** The usable part of a section that failed to parse, or undefined when nothing of it is. */
export function salvage(section: keyof StackConfig, raw: unknown): Salvaged | undefined {
    switch (section) {
        case "apps": return salvageApps(raw);
        case "addons": return salvageAddons(raw);
        case "cluster": return salvageCluster(raw);
        default: return { value: undefined, dropped: [{ raw, at: [section] }] };
    }
}
