// `npm run validate -- [stack] [--file F]`: the stack's config checked as `pulumi up` checks it,
// offline (no engine, no cluster, no passphrase): the same messages, every problem at once.
// Values stored with --secret cannot be read without the passphrase, so they count as set.
// Exit codes: 0 valid, 1 problems, 64 a usage error (an unknown stack).
// First: the parts of the SDK this tool never uses then load only if used.
import "../core/lazy-sdk";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../config";
import { projectDir } from "../core/project-dir";
import { readStackSettings, stackConfigFile, toConfigValues } from "../stacks/stack-file";

export function validate(argv: string[], env: Record<string, string | undefined> = process.env): { code: number; out: string } {
    const fileAt = argv.indexOf("--file");
    const stack = argv.find((a, i) => !a.startsWith("-") && argv[i - 1] !== "--file") ?? env.KUBESTRAP_STACK ?? "dev";
    const file = fileAt >= 0 && argv[fileAt + 1] ? path.resolve(argv[fileAt + 1]) : stackConfigFile(projectDir, stack);
    if (!fs.existsSync(file)) {
        return { code: 64, out: `there is no stack "${stack}" here (no ${path.relative(projectDir, file)})` };
    }
    const { config } = readStackSettings(file);
    const { values, secretKeys } = toConfigValues(config);
    try {
        parseConfig(values, { env, readFile: (f) => fs.readFileSync(f, "utf8"), secretKeys, baseDir: projectDir });
        return { code: 0, out: `${path.relative(projectDir, file)}: the kubestrap config is valid` };
    } catch (e) {
        if (e instanceof ConfigError) return { code: 1, out: `${path.relative(projectDir, file)}: ${e.message}` };
        return { code: 1, out: `${path.relative(projectDir, file)}: ${(e as Error).message}` };
    }
}

if (require.main === module) {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write("usage: npm run validate -- [stack] [--file Pulumi.<stack>.yaml]\n\nChecks a stack's kubestrap config offline, as `pulumi up` would, and prints every problem.\n" +
            "exit codes: 0 valid, 1 problems, 64 unknown stack\n");
        process.exit(0);
    }
    const { code, out } = validate(argv);
    (code === 0 ? process.stdout : process.stderr).write(`${out}\n`);
    process.exit(code);
}
