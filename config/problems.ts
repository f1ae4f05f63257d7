// Turns schema issues into one line per problem: the config path, what is wrong, how to fix it.
import { z } from "zod";
import { addonNames } from "../components/addons/registry";

export const namespace = "kubestrap";

/** `["apps", 1, "image"]` -> `kubestrap:apps[1].image` */
export function configPath(path: (string | number)[]): string {
    const [key, ...rest] = path;
    let text = `${namespace}:${key}`;
    for (const part of rest) {
        text += typeof part === "number" ? `[${part}]` : `.${part}`;
    }
    return text;
}

function describe(issue: z.ZodIssue): string {
    switch (issue.code) {
        case z.ZodIssueCode.unrecognized_keys:
            if (issue.path.length === 1 && issue.path[0] === "addons") {
                return `unknown add-on ${issue.keys.map((k) => `"${k}"`).join(", ")}; the add-ons are ${addonNames.join(", ")}`;
            }
            return `unknown setting ${issue.keys.map((k) => `"${k}"`).join(", ")}: remove it or fix its spelling (the README lists every setting)`;
        case z.ZodIssueCode.invalid_type:
            return issue.received === "undefined"
                ? `is required (${issue.expected})`
                : `expected ${issue.expected}, got ${issue.received}; ` +
                  (issue.expected === "number" || issue.expected === "boolean"
                      ? "write it without quotes (pulumi config set --path ... sets numbers and booleans unquoted)"
                      : "check the value's type");
        case z.ZodIssueCode.invalid_enum_value:
            return `"${String(issue.received)}" is not one of ${issue.options.map((o) => `"${String(o)}"`).join(", ")}`;
        case z.ZodIssueCode.too_small:
            return issue.type === "array" ? `needs at least ${issue.minimum} entr${issue.minimum === 1 ? "y" : "ies"}` : `must be at least ${issue.minimum}`;
        case z.ZodIssueCode.too_big:
            return `must be at most ${issue.maximum}`;
        default:
            return issue.message;
    }
}

export function formatIssue(issue: z.ZodIssue): string {
    return `${configPath(issue.path)}: ${describe(issue)}`;
}

/** Thrown when the stack config is invalid; every problem is one line of the message. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid kubestrap config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}
