// The SSH test hosts of tests/e2e/ssh-hosts.sh, as the suites that install on them see them:
// their files, the k3s stand-in's record of what ran, and a shell on each.
import * as fs from "fs";
import * as path from "path";
import { E2eEnv, root } from "./harness";

export const sshHostsScript = path.join(root, "tests", "e2e", "ssh-hosts.sh");
export const standin = path.join(root, "tests", "fixtures", "k3s-standin");
export const hostsOf = (env: E2eEnv) => path.join(env.dir, "hosts");

export interface StandinEvent {
    time: number;
    host: string;
    event: string;
    [key: string]: any;
}

export function events(env: E2eEnv): StandinEvent[] {
    const file = path.join(hostsOf(env), "events");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** What kubestrap left on a host: every file under its private directories. */
export function hostFiles(env: E2eEnv, host: string): string[] {
    const base = path.join(hostsOf(env), host, "root");
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (!entry.isSymbolicLink()) {
                files.push(full.slice(base.length));
            }
        }
    };
    walk(base);
    return files.sort();
}

export const hostFile = (env: E2eEnv, host: string, file: string) => fs.readFileSync(path.join(hostsOf(env), host, "root", file), "utf8");

/** A command on a test host, over SSH as the suite's key. */
export const onHost = (env: E2eEnv, ip: string, script: string) => env.sh("ssh", ["-q", "-i", path.join(hostsOf(env), "id_ed25519"), "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", `root@${ip}`, script]);

/** The SHA256 fingerprint of a test host's SSH key, as `ssh-keygen -lf` prints it. */
export const fingerprintOf = async (env: E2eEnv, host: string) =>
    (await env.sh("ssh-keygen", ["-lf", path.join(hostsOf(env), host, "host_key.pub")])).stdout.split(" ")[1];

/** A test host's SSH public key in authorized_keys form ("ssh-ed25519 AAAA..."), as ssh-keyscan prints it and a pin takes it. */
export const publicKeyOf = (env: E2eEnv, host: string) =>
    fs.readFileSync(path.join(hostsOf(env), host, "host_key.pub"), "utf8").split(" ").slice(0, 2).join(" ").trim();
