// The offline toolchain installs plugins under the versions the npm packages ask for: a mismatch
// shows up only as "no resource plugin found" on a real run, so it is checked here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const versions = Object.fromEntries(fs.readFileSync(path.join(root, "toolchain", "versions.env"), "utf8")
    .split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=", 2) as [string, string]));
const packageJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const pluginVersion = (pkg: string) =>
    JSON.parse(fs.readFileSync(path.join(root, "node_modules", pkg, "package.json"), "utf8")).pulumi.version as string;
const goVersion = (provider: string) =>
    /^var version = "([^"]+)"/m.exec(fs.readFileSync(path.join(root, "toolchain", "providers", provider, "main.go"), "utf8"))?.[1];

describe("the offline toolchain's versions", () => {
    for (const [pkg, key, goProvider] of [
        ["@pulumi/pulumi", "PULUMI_VERSION", undefined],
        ["@pulumi/kubernetes", "KUBERNETES_PROVIDER_VERSION", undefined],
        ["@pulumi/command", "COMMAND_PROVIDER_VERSION", "command"],
        ["@pulumi/random", "RANDOM_PROVIDER_VERSION", "random"],
    ] as const) {
        it(`${pkg} is pinned to the plugin toolchain/versions.env builds (${key})`, () => {
            assert.strictEqual(packageJson.dependencies[pkg], versions[key]);
            if (pkg !== "@pulumi/pulumi") assert.strictEqual(pluginVersion(pkg), versions[key]);
            if (goProvider) assert.strictEqual(goVersion(goProvider), versions[key], `toolchain/providers/${goProvider}/main.go`);
        });
    }
});
