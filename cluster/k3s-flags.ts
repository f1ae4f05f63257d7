// k3s's `server` and `agent` flags per minor release, from the lists in k3s-flags/ (written from
// k3s's own flag definitions). A config.yaml key or an extra arg outside them would be skipped
// with a warning or stop k3s on the host, so kubestrap refuses it in config instead.
import * as fs from "fs";
import * as path from "path";
import { closestName } from "../core/formats";
import { projectDir } from "../core/project-dir";

export type K3sRole = "server" | "agent";

const lists = path.join(projectDir, "cluster", "k3s-flags");

/** "v1.31.4+k3s1" -> "v1.31" */
export const k3sMinor = (version: string) => version.split(".").slice(0, 2).join(".");

/** The flags k3s `role` takes at this version, or undefined when kubestrap has no list for it. */
export function k3sFlags(role: K3sRole, version: string): Set<string> | undefined {
    const file = path.join(lists, `${role}-${k3sMinor(version)}.txt`);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    return new Set(fs.readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")));
}

/** The minor releases kubestrap has flag lists for. */
export function knownK3sMinors(): string[] {
    return [...new Set(fs.readdirSync(lists).map((f) => /-(v\d+\.\d+)\.txt$/.exec(f)?.[1]).filter((v): v is string => !!v))].sort();
}

/** Why `arg` (--name or --name=value) is not a flag of k3s `role` at `version`, or undefined. */
export function k3sFlagProblem(arg: string, role: K3sRole, version: string): string | undefined {
    const flags = k3sFlags(role, version);
    const name = arg.replace(/^--?/, "").split("=", 1)[0];
    if (!flags || flags.has(name)) {
        return undefined;
    }
    const meant = closestName(name, flags, 3);
    const hint = meant ? `; did you mean --${meant}?` : "";
    const where = role === "agent" && k3sFlags("server", version)?.has(name) ? " (it is a server flag: put it in extraServerArgs)" : "";
    return `"--${name}" is not a flag of k3s ${role} ${k3sMinor(version)}${where}${hint} (k3s's flags: https://docs.k3s.io/cli/${role})`;
}
