// Each add-on's container requests and limits: the environment's defaults (addons/resources.ts)
// with the config's overrides, checked once merged so an override of one side cannot undercut the other.
import { AddonName } from "./registry";
import { addonSizing, containerResources } from "./resources";
import { Resources } from "../core/workload";
import { quantityValue } from "../core/formats";
import { configPath } from "../core/problems";

export function resolveAddonResources(
    addon: AddonName, environment: "dev" | "prod", overrides: Record<string, Resources>, problems: string[],
): Record<string, Resources> {
    const at = (...rest: string[]) => configPath(["addons", addon, "resources", ...rest]);
    const { containers, notSized } = addonSizing[addon];
    const known = containers.map((c) => c.name);
    for (const name of Object.keys(overrides).filter((n) => !known.includes(n))) {
        problems.push(known.length
            ? `${at(name)}: ${addon} has no container "${name}"; its containers are ${known.join(", ")}`
            : `${at(name)}: ${addon}'s chart takes no resources from kubestrap (${notSized}); remove it`);
    }
    const resolved = containerResources(addon, environment, overrides);
    for (const [name, r] of Object.entries(resolved).filter(([n]) => n in overrides)) {
        for (const kind of ["cpu", "memory"] as const) {
            const [request, limit] = [r.requests?.[kind], r.limits?.[kind]];
            if (request && limit && quantityValue(limit, kind) < quantityValue(request, kind)) {
                problems.push(`${at(name, "limits", kind)}: ${limit} is below the request of ${request} (the ${environment} default or your override); `
                    + "the API server refuses a limit under its request: raise the limit or lower the request");
            }
        }
    }
    return resolved;
}
