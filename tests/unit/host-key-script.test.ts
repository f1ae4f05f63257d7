// The host-key step's script (trust on first use on upstream's plugin), run for real by bash with
// a stand-in ssh-keyscan: it asks the SSH server the session came in on, and prints one key in
// authorized_keys form that hostKeyFromOutput reads.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hostKeyFromOutput, readHostKeyScript } from "../../cluster/remote-command";

describe("the host-key step's script", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-hostkey-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const keyscan = (script: string) => fs.writeFileSync(path.join(dir, "ssh-keyscan"), `#!/bin/sh\necho "$*" >> '${dir}/asked'\n${script}\n`, { mode: 0o755 });
    const run = (sshConnection?: string) => spawnSync("bash", ["-c", readHostKeyScript], {
        env: { PATH: `${dir}:/usr/bin:/bin`, ...(sshConnection ? { SSH_CONNECTION: sshConnection } : {}) },
    });

    it("asks the server this session came in on (address and port from SSH_CONNECTION) for its ed25519 key", () => {
        keyscan(`case "$*" in *ed25519*) echo "[10.77.1.2]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" ;; esac`);
        const res = run("10.77.0.1 51234 10.77.1.2 2222");
        assert.strictEqual(res.status, 0, res.stderr.toString());
        assert.strictEqual(hostKeyFromOutput(res.stdout.toString(), "h"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
        assert.match(fs.readFileSync(path.join(dir, "asked"), "utf8"), /-p 2222 -t ed25519 10\.77\.1\.2/);
    });

    it("falls back to ecdsa when the server has no ed25519 key", () => {
        keyscan(`case "$*" in *ecdsa*) echo "# 10.77.1.2:22 SSH-2.0-OpenSSH_9.2"; echo "10.77.1.2 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=" ;; esac`);
        const res = run("10.77.0.1 51234 10.77.1.2 22");
        assert.strictEqual(res.status, 0, res.stderr.toString());
        assert.strictEqual(hostKeyFromOutput(res.stdout.toString(), "h"), "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=");
    });

    it("without ssh-keyscan reads the default host key files, or fails naming the fix", () => {
        const res = run();
        const own = fs.existsSync("/etc/ssh/ssh_host_ed25519_key.pub") ? fs.readFileSync("/etc/ssh/ssh_host_ed25519_key.pub", "utf8").split(" ").slice(0, 2).join(" ") : undefined;
        if (own) {
            assert.strictEqual(res.status, 0, res.stderr.toString());
            assert.strictEqual(hostKeyFromOutput(res.stdout.toString(), "h"), own);
        } else if (!fs.readdirSync("/etc/ssh").some((f) => /^ssh_host_.*_key\.pub$/.test(f))) {
            assert.strictEqual(res.status, 1);
            assert.match(res.stderr.toString(), /cannot read the SSH host key of this host .*set its hostKey in the stack config/);
        }
    });

    it("an output with no key is an error naming the host and the fix", () => {
        assert.throws(() => hostKeyFromOutput("preflight ok\n", "10.0.0.9"), /the host-key step on 10\.0\.0\.9 printed no key; set its hostKey in the stack config \(`ssh-keyscan -t ed25519 10\.0\.0\.9`\)/);
    });
});
