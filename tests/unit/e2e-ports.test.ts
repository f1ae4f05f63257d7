// The e2e suites' control-plane ports: a suite given a slot that another live suite holds is
// stopped before its control plane starts (tests/e2e/harness.ts, claimPorts).
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { claimPorts, releasePorts } from "../e2e/harness";

describe("e2e suite slots", () => {
    const env = { KUBESTRAP_ETCD_PORT: "1", KUBESTRAP_API_PORT: "2" };
    const claims = path.join(os.tmpdir(), "kubestrap-e2e-ports");
    afterEach(() => releasePorts(env));

    it("refuses a slot that a live suite holds, naming both", () => {
        const other = spawn("sleep", ["30"]);
        try {
            fs.mkdirSync(claims, { recursive: true });
            fs.writeFileSync(path.join(claims, "etcd-1"), `${other.pid} e2e-other`);
            assert.throws(() => claimPorts("e2e-mine", env), /etcd-1 is taken by suite e2e-other \(pid \d+\); give e2e-mine a slot of its own/);
        } finally {
            other.kill();
        }
    });

    it("takes a slot back from a suite that is gone, and lets its own process claim again", () => {
        fs.mkdirSync(claims, { recursive: true });
        fs.writeFileSync(path.join(claims, "etcd-1"), "999999999 e2e-crashed");
        claimPorts("e2e-mine", env);
        claimPorts("e2e-mine", env);
        assert.strictEqual(fs.readFileSync(path.join(claims, "etcd-1"), "utf8"), `${process.pid} e2e-mine`);
        assert.strictEqual(fs.readFileSync(path.join(claims, "api-2"), "utf8"), `${process.pid} e2e-mine`);
    });
});
