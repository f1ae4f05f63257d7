// Each node's side of the mesh as scripts: tailscaled and its unit, the pre-auth key's delivery,
// joining (and moving to a new server URL), leaving, and the addresses a join prints.
import { writeContentScript } from "../cluster/k3s-plan";
import { archScript, MeshGroup, meshPaths, meshTag } from "./mesh-plan";

export function tailscaledUnit(privateCa = false): string {
    return [
        "[Unit]", "Description=Tailscale node agent (kubestrap mesh)", "After=network-online.target", "",
        "[Service]",
        // Go reads its trusted roots from here: Headscale's (and its relay's) private CA.
        ...(privateCa ? [`Environment=SSL_CERT_FILE=${meshPaths.meshCa}`] : []),
        `ExecStart=${meshPaths.tailscaled} --state=${meshPaths.tailscaleState}/tailscaled.state --socket=${meshPaths.tailscaleSocket} --port=41641 --no-logs-no-support`,
        "Restart=on-failure", "RuntimeDirectory=tailscale", "StateDirectory=tailscale", "",
        "[Install]", "WantedBy=multi-user.target", "",
    ].join("\n");
}

export interface TailscaleNodeSettings {
    name: string;
    group: MeshGroup;
    version: string;
    loginServer: string;
    /** A private CA's certificate (PEM) for tailscaled to trust Headscale by. */
    ca?: string;
}

/** The CA (when private) and tailscaled's unit; restarts tailscaled when either changed, so it reads the new roots. */
function tailscaledServiceScript(n: TailscaleNodeSettings, sudo: string): string {
    const fingerprint = `${sudo}cat '${meshPaths.tailscaledUnit}' '${meshPaths.meshCa}' 2>/dev/null | sha256sum`;
    return [
        `before=$(${fingerprint})`,
        n.ca ? writeContentScript(meshPaths.meshCa, n.ca, "644", sudo) : `${sudo}rm -f '${meshPaths.meshCa}'`,
        writeContentScript(meshPaths.tailscaledUnit, tailscaledUnit(!!n.ca), "644", sudo),
        `${sudo}systemctl daemon-reload`,
        `${sudo}systemctl enable tailscaled >/dev/null 2>&1 || true`,
        `if [ "$before" = "$(${fingerprint})" ]; then ${sudo}systemctl start tailscaled; else ${sudo}systemctl restart tailscaled; fi`,
    ].join("\n");
}

/** `tailscale up` with the delivered key; on failure, what tailscaled says reaches the log. */
function upScript(n: TailscaleNodeSettings, sudo: string, extra = ""): string {
    const tailscale = `${sudo}'${meshPaths.tailscale}' --socket='${meshPaths.tailscaleSocket}'`;
    return `${upCommand(n, sudo, `file:${meshPaths.authKey}`)}${extra} || { echo "tailscale up on ${n.name} failed; tailscaled reports:" >&2; ` +
        `${tailscale} status >&2 || true; journalctl -u tailscaled -n 15 --no-pager >&2 2>/dev/null || true; exit 1; }`;
}

/**
 * Installs tailscaled and joins the mesh with the group's key (read from stdin into a root-only
 * file, so it is never in an argument list), then prints the node's tailnet IPv4 and IPv6.
 */
export function tailscaleJoinScript(n: TailscaleNodeSettings, sudo: string, airGapped: boolean): string {
    const binaries = airGapped
        ? [`${sudo}install -m 755 '${meshPaths.staging}/tailscale' '${meshPaths.tailscale}'`,
            `${sudo}install -D -m 755 '${meshPaths.staging}/tailscaled' '${meshPaths.tailscaled}'`]
        : [archScript, `curl -sfL "https://pkgs.tailscale.com/stable/tailscale_${n.version}_$arch.tgz" | tar -xz -C /tmp`,
            `${sudo}install -m 755 "/tmp/tailscale_${n.version}_$arch/tailscale" '${meshPaths.tailscale}'`,
            `${sudo}install -D -m 755 "/tmp/tailscale_${n.version}_$arch/tailscaled" '${meshPaths.tailscaled}'`,
            `rm -rf "/tmp/tailscale_${n.version}_$arch"`];
    const key = meshPaths.authKey;
    return [
        "set -eu",
        `${sudo}test -s '${key}' || { echo "no pre-auth key on ${n.name} (${key}): run pulumi up again" >&2; exit 1; }`,
        ...binaries,
        tailscaledServiceScript(n, sudo),
        // This command holds no secret, so its output (and a failure's reason) reaches the log.
        upScript(n, sudo),
        `${sudo}rm -f '${key}'`,
        printAddresses(sudo),
    ].join("\n");
}

/** The login server a joined node uses now (empty before its first join). */
const currentLoginServer = (sudo: string) =>
    `$(${sudo}'${meshPaths.tailscale}' --socket='${meshPaths.tailscaleSocket}' debug prefs 2>/dev/null | sed -n 's/^ *"ControlURL": *"\\([^"]*\\)".*/\\1/p')`;

/**
 * Puts the group's key on the node, root-only, for the join to use once and remove: the one
 * step that holds the key, so nothing else hides its output. A new key (rotation) replaces it
 * only on a node that has not joined yet, or that must log in to a new server URL (an update
 * then moves it there with this key).
 */
export function authKeyScript(sudo: string, loginServer: string): { create: string; update: string; delete: string } {
    const key = meshPaths.authKey;
    const write = `${sudo}install -m 600 /dev/stdin '${key}'`;
    return {
        create: ["set -eu", `${sudo}mkdir -p '${meshPaths.tailscaleState}'`, `${sudo}chmod 700 '${meshPaths.tailscaleState}'`, write].join("\n"),
        update: `if ${sudo}test -e '${key}' || [ "${currentLoginServer(sudo)}" != '${loginServer}' ]; then ${sudo}mkdir -p '${meshPaths.tailscaleState}'; ${write}; fi`,
        delete: `${sudo}rm -f '${key}'`,
    };
}

function upCommand(n: TailscaleNodeSettings, sudo: string, authKey: string): string {
    return `${sudo}'${meshPaths.tailscale}' --socket='${meshPaths.tailscaleSocket}' up --login-server='${n.loginServer}' ` +
        `--auth-key='${authKey}' --hostname='${n.name}' --advertise-tags='${meshTag(n.group)}' --accept-dns=false --timeout=120s`;
}

/** Prints the node's tailnet IPv4 and IPv6, once tailscaled has them (it may have just restarted). */
function printAddresses(sudo: string): string {
    const ip = (family: string) => `${sudo}'${meshPaths.tailscale}' --socket='${meshPaths.tailscaleSocket}' ip ${family} 2>/dev/null`;
    return [
        "i=0",
        `until v4=$(${ip("-4")}) && v6=$(${ip("-6")}) && [ -n "$v4" ] && [ -n "$v6" ]; do`,
        "  i=$((i+1)); [ $i -lt 60 ] || { echo 'tailscaled has no tailnet address after 60s' >&2; exit 1; }; sleep 1",
        "done",
        'echo "$v4 $v6"',
    ].join("\n");
}

/**
 * A node already on the mesh, on a change of its settings: the CA and unit rewritten (tailscaled
 * restarted if they changed); with a key delivered (a new server URL), `tailscale up` moves it to
 * the new server as the same node; then its addresses. A key rotation alone changes nothing here.
 */
export function tailscaleUpdateScript(n: TailscaleNodeSettings, sudo: string): string {
    const key = meshPaths.authKey;
    return [
        "set -eu",
        tailscaledServiceScript(n, sudo),
        `if ${sudo}test -s '${key}'; then`,
        `  ${upScript(n, sudo, " --force-reauth")}`,
        `  ${sudo}rm -f '${key}'`,
        "fi",
        printAddresses(sudo),
    ].join("\n");
}

/** Leaves the mesh and takes tailscaled and its state off the host. */
export function tailscaleLeaveScript(sudo: string): string {
    return [
        `${sudo}'${meshPaths.tailscale}' --socket='${meshPaths.tailscaleSocket}' logout 2>/dev/null || true`,
        `${sudo}systemctl stop tailscaled 2>/dev/null || true`,
        `${sudo}systemctl disable tailscaled >/dev/null 2>&1 || true`,
        `${sudo}rm -rf '${meshPaths.tailscale}' '${meshPaths.tailscaled}' '${meshPaths.tailscaledUnit}' '${meshPaths.tailscaleState}' '${meshPaths.meshCa}' ` +
            `'${meshPaths.staging}/tailscale' '${meshPaths.staging}/tailscaled'`,
        `${sudo}systemctl daemon-reload 2>/dev/null || true`,
    ].join("\n");
}

/** Parses the join script's output: the node's tailnet IPv4 and IPv6. */
export function parseAddresses(stdout: string): { ipv4: string; ipv6: string } {
    const [ipv4 = "", ipv6 = ""] = stdout.trim().split(/\s+/);
    return { ipv4, ipv6 };
}
