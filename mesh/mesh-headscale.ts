// Headscale on the coordinator as files and scripts: its config, unit, install and upgrade,
// the private CA when no certificate is given, and the users and pre-auth keys of each group.
import { stringify } from "yaml";
import { writeContentScript } from "../cluster/k3s-plan";
import { archScript, MeshGroup, meshPaths, MeshPolicySettings, meshPolicyJson, meshTag, meshUser } from "./mesh-plan";

export interface HeadscaleSettings {
    version: string;
    /** Where nodes reach Headscale (an address of the coordinator). */
    address: string;
    port: number;
    serverUrl: string;
    baseDomain: string;
    prefixes: { v4: string; v6: string };
    derp: { embedded: boolean; stunPort: number; urls: string[] };
    /**
     * HTTPS: the certificate chain Headscale serves (PEM; its key travels apart, as a secret), or
     * "managed": a private CA kubestrap makes on the coordinator (`managedTlsScript`).
     */
    tls?: { certificate: string } | "managed";
}

export function headscaleConfigYaml(s: HeadscaleSettings): string {
    const ipv4 = /^\d+\.\d+\.\d+\.\d+$/.test(s.address) ? s.address : undefined;
    return stringify({
        server_url: s.serverUrl,
        listen_addr: `0.0.0.0:${s.port}`,
        metrics_listen_addr: "127.0.0.1:9090",
        grpc_listen_addr: "127.0.0.1:50443",
        grpc_allow_insecure: false,
        noise: { private_key_path: `${meshPaths.headscaleState}/noise_private.key` },
        prefixes: { v4: s.prefixes.v4, v6: s.prefixes.v6, allocation: "sequential" },
        derp: {
            server: {
                enabled: s.derp.embedded,
                region_id: 999,
                region_code: "kubestrap",
                region_name: "kubestrap Headscale",
                verify_clients: true,
                stun_listen_addr: `0.0.0.0:${s.derp.stunPort}`,
                private_key_path: `${meshPaths.headscaleState}/derp_server_private.key`,
                automatically_add_embedded_derp_region: true,
                ...(ipv4 ? { ipv4 } : {}),
            },
            urls: s.derp.urls,
            paths: [],
            // Air-gapped or not, the DERP map is what config says: no fetching Tailscale's.
            auto_update_enabled: false,
            update_frequency: "24h",
        },
        disable_check_updates: true,
        ephemeral_node_inactivity_timeout: "30m",
        database: { type: "sqlite", sqlite: { path: `${meshPaths.headscaleState}/db.sqlite`, write_ahead_log: true } },
        log: { level: "info", format: "text" },
        policy: { mode: "file", path: meshPaths.policy },
        dns: { magic_dns: true, base_domain: s.baseDomain, override_local_dns: false, nameservers: { global: [] } },
        ...(s.tls ? { tls_cert_path: meshPaths.headscaleCert, tls_key_path: meshPaths.headscaleKey } : {}),
        unix_socket: meshPaths.headscaleSocket,
        unix_socket_permission: "0770",
        logtail: { enabled: false },
        randomize_client_port: false,
    });
}

export function headscaleUnit(): string {
    return [
        "[Unit]", "Description=Headscale (kubestrap mesh control plane)", "After=network-online.target", "",
        "[Service]",
        `ExecStart=${meshPaths.headscale} serve --config ${meshPaths.headscaleConfig}`,
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=always", "RestartSec=5",
        `RuntimeDirectory=headscale`, "",
        "[Install]", "WantedBy=multi-user.target", "",
    ].join("\n");
}

/**
 * Installs or upgrades Headscale: staged binary or the release download, config, unit, TLS, and
 * the policy (checked by Headscale before it replaces the old one). A change to anything but the
 * policy restarts Headscale; a policy change alone reloads it (SIGHUP), and nodes stay connected.
 */
export function headscaleInstallScript(s: HeadscaleSettings, policy: MeshPolicySettings, sudo: string, airGapped: boolean): string {
    const binary = airGapped
        ? `${sudo}install -m 755 '${meshPaths.staging}/headscale' '${meshPaths.headscale}'`
        : [archScript, `curl -sfL -o /tmp/headscale.$$ "https://github.com/juanfont/headscale/releases/download/v${s.version}/headscale_${s.version}_linux_$arch"`,
            `${sudo}install -m 755 /tmp/headscale.$$ '${meshPaths.headscale}'`, "rm -f /tmp/headscale.$$"].join("\n");
    const restartOn = [meshPaths.headscale, meshPaths.headscaleConfig, meshPaths.headscaleUnit, meshPaths.headscaleCert, meshPaths.headscaleKey];
    const fingerprint = `${sudo}cat ${restartOn.map((f) => `'${f}'`).join(" ")} 2>/dev/null | sha256sum`;
    const candidate = `${meshPaths.policy}.new`;
    return ["set -eu",
        `before=$(${fingerprint})`,
        binary,
        `${sudo}mkdir -p '${meshPaths.headscaleState}' && ${sudo}chmod 700 '${meshPaths.headscaleState}'`,
        writeContentScript(meshPaths.headscaleConfig, headscaleConfigYaml(s), "644", sudo),
        writeContentScript(meshPaths.headscaleUnit, headscaleUnit(), "644", sudo),
        ...(s.tls && s.tls !== "managed" ? [writeContentScript(meshPaths.headscaleCert, s.tls.certificate, "644", sudo),
            `${sudo}install -m 600 /dev/stdin '${meshPaths.headscaleKey}'`] : []),
        writeContentScript(candidate, meshPolicyJson(policy), "644", sudo),
        `${sudo}'${meshPaths.headscale}' policy check --file '${candidate}' >/dev/null || { ${sudo}rm -f '${candidate}'; exit 1; }`,
        `${sudo}mv '${candidate}' '${meshPaths.policy}'`,
        `${sudo}systemctl daemon-reload`,
        `${sudo}systemctl enable headscale >/dev/null 2>&1 || true`,
        `if [ "$before" = "$(${fingerprint})" ] && ${sudo}systemctl is-active --quiet headscale; then`,
        `  ${sudo}systemctl reload headscale`,
        "else",
        `  ${sudo}systemctl restart headscale`,
        "fi",
        waitForHeadscale(sudo),
    ].join("\n");
}

export function waitForHeadscale(sudo: string): string {
    return [
        "i=0",
        `until ${sudo}'${meshPaths.headscale}' users list >/dev/null 2>&1; do`,
        "  i=$((i+1)); [ $i -lt 60 ] || { echo 'Headscale did not come up within 60s' >&2; exit 1; }; sleep 1",
        "done",
    ].join("\n");
}

export function headscaleUninstallScript(sudo: string): string {
    return [
        `${sudo}systemctl stop headscale 2>/dev/null || true`,
        `${sudo}systemctl disable headscale >/dev/null 2>&1 || true`,
        `${sudo}rm -rf '${meshPaths.headscale}' '${meshPaths.headscaleUnit}' /etc/headscale '${meshPaths.headscaleState}' '${meshPaths.staging}/headscale'`,
        `${sudo}systemctl daemon-reload 2>/dev/null || true`,
    ].join("\n");
}

/** The private CA's and Headscale's certificate's lifetimes (days), and the window before expiry in which a run renews them. */
export const managedTlsDays = { ca: 7300, server: 3650, renewWithin: 365 };

/**
 * Headscale's HTTPS when no certificate is given: a private CA (20 years) and a server
 * certificate from it for `address` (10 years), made with openssl on the coordinator, the CA's
 * key root-only there. A run reuses both, and renews what is missing, is for another address,
 * or expires within a year (restarting Headscale for a new certificate). Prints the CA
 * certificate, which every node trusts Headscale and its DERP relay by.
 * `stamp` (the key rotation) is in the script only so that a rotation re-runs these checks.
 */
export function managedTlsScript(address: string, stamp: string, sudo: string): string {
    const ssl = `${sudo}openssl`;
    const within = managedTlsDays.renewWithin * 86400;
    const san = /^[\d.]+$/.test(address) || address.includes(":") ? `IP:${address}` : `DNS:${address}`;
    const shown = san.replace(/^IP:/, "IP Address:");
    const ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const { managedCa: ca, managedCaKey: caKey, headscaleCert: cert, headscaleKey: key } = meshPaths;
    return [
        "set -eu",
        // Keys are made root-only from their first byte; the certificates are opened up below.
        "umask 077",
        `# rotation: ${stamp}`,
        `command -v openssl >/dev/null || { echo "kubestrap makes Headscale's certificate with openssl, which this host lacks: install it (apt install openssl), or give mesh.headscale.tls" >&2; exit 1; }`,
        `${sudo}mkdir -p /etc/headscale`,
        `if ! { ${sudo}test -s '${caKey}' && ${ssl} x509 -checkend ${within} -noout -in '${ca}' >/dev/null 2>&1; }; then`,
        `  ${ssl} req -x509 ${ec} -keyout '${caKey}' -out '${ca}' -days ${managedTlsDays.ca} -subj '/CN=kubestrap mesh CA' ` +
            `-addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null`,
        "fi",
        `if ! { ${sudo}test -s '${key}' && ${ssl} verify -CAfile '${ca}' '${cert}' >/dev/null 2>&1 && ${ssl} x509 -checkend ${within} -noout -in '${cert}' >/dev/null 2>&1 ` +
            `&& ${ssl} x509 -noout -text -in '${cert}' | grep -qF '${shown}'; }; then`,
        "  tmp=$(mktemp -d)",
        `  printf 'subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > "$tmp/ext"`,
        `  ${ssl} req ${ec} -keyout "$tmp/key" -out "$tmp/csr" -subj '/CN=${address}' 2>/dev/null`,
        `  ${ssl} x509 -req -in "$tmp/csr" -CA '${ca}' -CAkey '${caKey}' -set_serial "0x$(openssl rand -hex 16)" -days ${managedTlsDays.server} -extfile "$tmp/ext" -out "$tmp/crt" 2>/dev/null`,
        `  ${sudo}install -m 600 "$tmp/key" '${key}' && ${sudo}install -m 644 "$tmp/crt" '${cert}'`,
        "  rm -rf \"$tmp\"",
        `  if ${sudo}systemctl is-active --quiet headscale 2>/dev/null; then ${sudo}systemctl restart headscale; fi`,
        "fi",
        `${sudo}chmod 600 '${caKey}' '${key}' && ${sudo}chmod 644 '${ca}' '${cert}'`,
        `${sudo}cat '${ca}'`,
    ].join("\n");
}

export function managedTlsRemoveScript(sudo: string): string {
    const { managedCa, managedCaKey, headscaleCert, headscaleKey } = meshPaths;
    return `${sudo}rm -f '${managedCa}' '${managedCaKey}' '${headscaleCert}' '${headscaleKey}'`;
}
/** The numeric id of a Headscale user, looked up by name (the CLI's keys take ids). */
const userId = (user: string, sudo: string) =>
    `${sudo}'${meshPaths.headscale}' users list --name '${user}' -o json-line | tr '{,' '\\n\\n' | sed -n 's/^ *"id": *\\([0-9][0-9]*\\).*/\\1/p' | head -1`;

/** Creates the group's Headscale user unless it exists: a second run creates nothing. */
export function ensureUserScript(group: MeshGroup, sudo: string): string {
    const user = meshUser(group);
    return [
        "set -eu",
        `[ -n "$(${userId(user, sudo)})" ] || ${sudo}'${meshPaths.headscale}' users create '${user}' >/dev/null`,
        `echo '${user}'`,
    ].join("\n");
}

/**
 * Removes the group's user, and first every node still registered to it: Headscale refuses to
 * destroy a user that has nodes, and a pool's ephemeral nodes stay registered for the inactivity
 * timeout (30 minutes) after their instances are gone.
 */
export function removeUserScript(group: MeshGroup, sudo: string): string {
    const user = meshUser(group);
    const hs = `${sudo}'${meshPaths.headscale}'`;
    return [
        `id=$(${userId(user, sudo)}); [ -n "$id" ] || exit 0`,
        // A node's record opens with its id, then its machine key (Headscale 0.27's JSON).
        `for node in $(${hs} nodes list --user '${user}' -o json-line 2>/dev/null | grep -o '"id":[0-9]*,"machine_key"' | sed 's/^"id":\\([0-9]*\\),.*/\\1/'); do`,
        `  ${hs} nodes delete --identifier "$node" --force >/dev/null`,
        "done",
        `${hs} users destroy --identifier "$id" --force >/dev/null`,
    ].join("\n");
}

/**
 * A reusable, expiring pre-auth key for the group, tagged; printed on stdout (kept secret).
 * Ephemeral keys (cloud pools) register nodes Headscale forgets once they go offline.
 */
export function createKeyScript(group: MeshGroup, expirySeconds: number, sudo: string, ephemeral = false): string {
    return [
        "set -eu",
        `id=$(${userId(meshUser(group), sudo)})`,
        `[ -n "$id" ] || { echo "Headscale has no user ${meshUser(group)}" >&2; exit 1; }`,
        `${sudo}'${meshPaths.headscale}' preauthkeys create --user "$id" --reusable${ephemeral ? " --ephemeral" : ""} --expiration ${expirySeconds}s --tags '${meshTag(group)}'`,
    ].join("\n");
}

/** Expires the key this resource created (its stdout), so a replaced key registers no one. */
export function expireKeyScript(group: MeshGroup, sudo: string): string {
    return [
        `id=$(${userId(meshUser(group), sudo)})`,
        `[ -z "$id" ] || [ -z "\${PULUMI_COMMAND_STDOUT:-}" ] || ${sudo}'${meshPaths.headscale}' preauthkeys expire --user "$id" "$PULUMI_COMMAND_STDOUT" >/dev/null 2>&1 || true`,
    ].join("\n");
}

/** Deletes a node from Headscale by its name (run on the coordinator when the node leaves config). */
export function deleteNodeScript(name: string, sudo: string): string {
    // A node's record opens with its id and keys, then its addresses and name (Headscale 0.27's JSON).
    const record = `"id":[0-9]*,"machine_key":"[^"]*","node_key":"[^"]*","disco_key":"[^"]*","ip_addresses":\\[[^]]*\\],"name":"${name}"`;
    return [
        `ids=$(${sudo}'${meshPaths.headscale}' nodes list -o json-line 2>/dev/null | grep -o '${record}' | sed 's/^"id":\\([0-9]*\\),.*/\\1/' || true)`,
        `for id in $ids; do ${sudo}'${meshPaths.headscale}' nodes delete --identifier "$id" --force >/dev/null; done`,
    ].join("\n");
}
