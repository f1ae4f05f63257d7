import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const lockScript = path.resolve(__dirname, "../../scripts/lock.sh");

describe("the machine-wide lock (scripts/lock.sh)", () => {
    it("makes a second run wait for the first, naming the process that holds it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-lock-"));
        const file = path.join(dir, "cache", ".lock");
        const release = path.join(dir, "release");
        const first = spawn("bash", ["-c", `source ${lockScript}; take_lock ${file} 9 "building"; while [ ! -e ${release} ]; do sleep 0.05; done`]);
        while (!fs.existsSync(`${file}.owner`)) {
            await new Promise((r) => setTimeout(r, 20));
        }
        const second = spawn("bash", ["-c", `source ${lockScript}; take_lock ${file} 9 "building in the cache"; echo acquired`]);
        let stderr = "";
        let stdout = "";
        second.stderr.on("data", (d) => (stderr += d));
        second.stdout.on("data", (d) => (stdout += d));
        while (!stderr.includes("waiting")) {
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.strictEqual(stdout, "", "the second run went ahead while the first held the lock");
        assert.match(stderr, new RegExp(`^\\[lock\\] waiting for pid ${first.pid} \\(bash -c source .*\\), which is building in the cache\\n$`));
        fs.writeFileSync(release, "");
        await new Promise((r) => second.on("exit", r));
        assert.strictEqual(stdout, "acquired\n");
        assert.match(fs.readFileSync(`${file}.owner`, "utf8"), new RegExp(`^pid ${second.pid} `));
        assert.strictEqual(spawnSync("bash", ["-n", lockScript]).status, 0);
    });
});
