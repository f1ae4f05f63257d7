// The example stacks (examples/<name>/Pulumi.<name>.yaml) composed under mocks from their files as
// shipped: valid config, schema-valid objects, and what each example promises its reader.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackConfigFile } from "../../stacks/stack-file";
import { schemaErrors } from "../k8s-schema";
import { isSecretValue, Recorder } from "../mocks";
import { renderStack, root } from "../rendered-stacks";

const examples = fs.readdirSync(path.join(root, "examples")).filter((d) => fs.existsSync(path.join(root, "examples", d, `Pulumi.${d}.yaml`)));

const composeExample = async (name: string): Promise<Recorder> =>
    (await renderStack(path.join(root, "examples", name, `Pulumi.${name}.yaml`), true)).r;

describe("the example stacks", () => {
    it("are the two the README names", () => {
        assert.deepStrictEqual(examples.sort(), ["sugarkube", "wright-now-staging"]);
    });

    it("are found by name by scripts/pulumi.sh (through stack-target.sh) and npm run status alike; a project's own file wins", () => {
        const target = (stack: string, what = "file") => execFileSync("bash", [path.join(root, "scripts", "stack-target.sh"), stack, what]).toString().trim();
        for (const stack of ["dev", "prod", ...examples]) {
            assert.strictEqual(target(stack), stackConfigFile(root, stack), stack);
        }
        assert.strictEqual(stackConfigFile(root, "sugarkube"), path.join(root, "examples", "sugarkube", "Pulumi.sugarkube.yaml"));
        assert.strictEqual(target("sugarkube", "target"), "local");
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "kubestrap-stack-file-"));
        try {
            fs.mkdirSync(path.join(project, "examples", "demo"), { recursive: true });
            fs.writeFileSync(path.join(project, "examples", "demo", "Pulumi.demo.yaml"), "config: {}\n");
            assert.strictEqual(stackConfigFile(project, "demo"), path.join(project, "examples", "demo", "Pulumi.demo.yaml"));
            fs.writeFileSync(path.join(project, "Pulumi.demo.yaml"), "config: {}\n");
            assert.strictEqual(stackConfigFile(project, "demo"), path.join(project, "Pulumi.demo.yaml"));
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    for (const name of examples) {
        it(`${name}: composes from its file as shipped into schema-valid objects`, async () => {
            const r = await composeExample(name);
            assert.ok(r.kubernetesObjects().length > 20);
            assert.deepStrictEqual(await schemaErrors(r.kubernetesObjects()), [], name);
        });
    }

    it("wright-now-staging: four restricted namespaces, databases as StatefulSets, passwords generated and secret", async () => {
        const r = await composeExample("wright-now-staging");
        const namespaces = r.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata);
        for (const ns of ["staging-infra", "staging-core", "staging-ai", "staging-web"]) {
            assert.strictEqual(namespaces.find((n) => n.name === ns)?.labels["pod-security.kubernetes.io/enforce"], "restricted", ns);
        }
        const sets = r.ofType("kubernetes:apps/v1:StatefulSet").map((s) => s.inputs.metadata.name).sort();
        assert.deepStrictEqual(sets, ["authentik-postgres", "authentik-redis", "postgres", "redis"]);
        const passwords = r.ofType("random:index/randomPassword:RandomPassword").map((p) => [p.name, p.inputs.length]).sort();
        assert.deepStrictEqual(passwords, [
            ["staging-infra-wright-now-secret-authentik_db_password", 32],
            ["staging-infra-wright-now-secret-authentik_secret_key", 64],
            ["staging-infra-wright-now-secret-postgres_password", 32],
            ["staging-infra-wright-now-secret-redis_password", 32],
        ]);
        for (const secret of r.ofType("kubernetes:core/v1:Secret")) {
            assert.ok(isSecretValue(secret.inputs.stringData), `${secret.name} is not a Pulumi secret`);
        }
        const server = r.one("kubernetes:apps/v1:Deployment", "staging-infra-wright-now-authentik-server-deployment").inputs.spec.template.spec;
        assert.deepStrictEqual(server.initContainers.map((c: any) => c.name).sort(), ["wait-authentik-postgres", "wait-authentik-redis"]);
    });

    it("sugarkube: every app denies all but its flows, and the seed's alerts are on", async () => {
        const r = await composeExample("sugarkube");
        const deployments = r.ofType("kubernetes:apps/v1:Deployment").map((d) => `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`);
        const policies = r.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => `${p.inputs.metadata.namespace}/${p.inputs.metadata.name}`);
        for (const app of ["token-place/relay", "token-place/api", "dspace/backend", "jobbot3000/frontend", "jobbot3000/backend"]) {
            assert.ok(deployments.includes(app), `no ${app}`);
            assert.ok(policies.includes(`${app}-network-policy`), `${app} has no NetworkPolicy of its own`);
        }
        const rules = r.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "observability-alert-rules").inputs.spec.groups
            .flatMap((g: any) => g.rules.map((x: any) => x.alert));
        for (const alert of ["CertificateExpiresSoon", "IngressHighErrorRate", "ContainerCpuThrottled", "ContainerRestartBurst"]) {
            assert.ok(rules.includes(alert), alert);
        }
    });
});
