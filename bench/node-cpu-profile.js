// Preloaded by bench/scale-profile.sh (NODE_OPTIONS=--require): a V8 CPU profile of this Node
// process, written into KUBESTRAP_CPU_PROFILE_DIR when it exits. Node 20 refuses --cpu-prof in
// NODE_OPTIONS, and the program's process is started by the language host, not by the bench.
const fs = require("fs");
const inspector = require("inspector");
const path = require("path");

const dir = process.env.KUBESTRAP_CPU_PROFILE_DIR;
if (dir) {
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.start");
    process.on("exit", () => {
        // A same-thread session answers synchronously, so this runs before the process is gone.
        session.post("Profiler.stop", (err, result) => {
            if (!err) fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
        });
    });
}
