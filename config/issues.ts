// Turns schema issues into one line per problem: the config path, what is wrong, how to fix it.
import { z } from "zod";
import { addonNames } from "../addons/registry";
import { configPath, didYouMean } from "../core/problems";

/** Through defaults, optionals, refinements and pipes to the schema that parses. */
function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
    for (;;) {
        if (schema instanceof z.ZodEffects) schema = schema._def.schema;
        else if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema._def.innerType;
        else if (schema instanceof z.ZodPipeline) schema = schema._def.in;
        else if (schema instanceof z.ZodLazy) schema = schema._def.getter();
        else return schema;
    }
}

/** The keys the object schema(s) at `path` of `schema` accept (every branch of a union), for a "did you mean". */
export function knownKeysAt(schema: z.ZodTypeAny, path: (string | number)[]): string[] {
    const branches = (s: z.ZodTypeAny): z.ZodTypeAny[] => {
        const u = unwrap(s);
        return u instanceof z.ZodUnion || u instanceof z.ZodDiscriminatedUnion ? [...u.options].flatMap(branches) : [u];
    };
    let here = branches(schema);
    for (const part of path) {
        here = here.flatMap((s) => {
            if (s instanceof z.ZodObject && typeof part === "string" && part in s.shape) return branches(s.shape[part]);
            if (s instanceof z.ZodArray && typeof part === "number") return branches(s.element);
            if (s instanceof z.ZodRecord) return branches(s.valueSchema);
            return [];
        });
    }
    return [...new Set(here.flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))];
}

function describe(issue: z.ZodIssue, known: string[] = []): string {
    switch (issue.code) {
        case z.ZodIssueCode.unrecognized_keys: {
            if (issue.path.length === 1 && issue.path[0] === "addons") {
                return `unknown add-on ${issue.keys.map((k) => `"${k}"`).join(", ")}; the add-ons are ${addonNames.join(", ")}`;
            }
            const guesses = issue.keys.map((k) => [k, didYouMean(k, known)] as const).filter(([, g]) => g !== undefined);
            if (guesses.length === issue.keys.length) {
                return guesses.map(([k, g]) => `unknown setting "${k}": did you mean "${g}"?`).join("; ");
            }
            return `unknown setting ${issue.keys.map((k) => `"${k}"`).join(", ")}: remove it or fix its spelling (docs/reference/settings.md lists every setting)` +
                (guesses.length > 0 ? `; did you mean ${guesses.map(([k, g]) => `"${g}" for "${k}"`).join(", ")}?` : "");
        }
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

/** `section`: the schema the issue's path starts in (its first element names the section), for "did you mean". */
export function formatIssue(issue: z.ZodIssue, section?: z.ZodTypeAny): string {
    const known = section && issue.code === z.ZodIssueCode.unrecognized_keys ? knownKeysAt(section, issue.path.slice(1)) : [];
    return `${configPath(issue.path)}: ${describe(issue, known)}`;
}
