// Durations as kubectl and Go print them ("90s", "5m", "1h30m"), for timeouts in config.
import { z } from "zod";

const unitSeconds: Record<string, number> = { h: 3600, m: 60, s: 1 };
const durationPattern = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export function durationSeconds(text: string): number | undefined {
    const match = durationPattern.exec(text);
    if (!match || text === "") {
        return undefined;
    }
    return ["h", "m", "s"].reduce((total, unit, i) => total + Number(match[i + 1] ?? 0) * unitSeconds[unit], 0);
}

/** Seconds written back as a duration in its largest whole unit: 86400 -> "24h", 5400 -> "90m". */
export const durationText = (seconds: number) => seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;

/** A positive duration like "5m" or "1h30m", read as seconds. */
export const duration = z.string().superRefine((text, ctx) => {
    const seconds = durationSeconds(text);
    if (seconds === undefined || seconds === 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration; write it like "90s", "5m" or "1h30m"` });
    }
}).transform((text) => durationSeconds(text)!);

const fingerprint = /^SHA256:[A-Za-z0-9+/]{43}$/;
const publicKey = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}( .*)?$/;
/** ssh-keyscan's line: "HOST TYPE KEY", or "[HOST]:PORT TYPE KEY". */
const keyscanLine = /^\S+ ((ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2})\s*$/;

/**
 * An SSH host key in authorized_keys form ("ssh-ed25519 AAAA..."), as SSH clients (upstream's
 * pulumi-command among them) verify it. A line pasted from ssh-keyscan, host first, is taken as
 * its key. A fingerprint cannot be turned back into the key it hashes, so it is refused with the
 * command that prints the key.
 */
export const sshHostKey = z.string().superRefine((k, ctx) => {
    if (publicKey.test(k) || keyscanLine.test(k)) return;
    const message = fingerprint.test(k)
        ? `is a fingerprint ("${k}"); SSH clients, upstream's pulumi-command among them, pin the key itself: run \`ssh-keyscan -t ed25519 HOST\`, check its fingerprint with \`ssh-keyscan -t ed25519 HOST | ssh-keygen -lf -\` against this one, and give the line's "ssh-ed25519 AAAA..." part`
        : "is not an SSH host key; give the public key (\"ssh-ed25519 AAAA...\", from `ssh-keyscan -t ed25519 HOST`)";
    ctx.addIssue({ code: z.ZodIssueCode.custom, message });
}).transform((k) => keyscanLine.exec(k)?.[1] ?? k.split(" ").slice(0, 2).join(" "));
