// A problem in the stack config is one line: the config path, what is wrong, how to fix it.
import { closestName } from "./formats";

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

/** The one of `known` that `name` most likely misspells, ignoring case (at most two edits away). */
export function didYouMean(name: string, known: string[]): string | undefined {
    const lower = new Map(known.map((k) => [k.toLowerCase(), k]));
    const found = closestName(name.toLowerCase(), lower.keys(), Math.min(2, Math.max(1, Math.floor(name.length / 3))));
    return found === undefined ? undefined : lower.get(found);
}

/** Thrown when the stack config is invalid; every problem is one line of the message. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid kubestrap config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}
