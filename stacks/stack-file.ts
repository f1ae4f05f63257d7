// A stack's config file, as scripts/stack-target.sh finds it: Pulumi.<stack>.yaml in the project,
// or an example's examples/<stack>/Pulumi.<stack>.yaml when the project has none of that name.
import * as fs from "fs";
import * as path from "path";

export function stackConfigFile(projectDir: string, stack: string): string {
    const own = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const example = path.join(projectDir, "examples", stack, `Pulumi.${stack}.yaml`);
    return !fs.existsSync(own) && fs.existsSync(example) ? example : own;
}
