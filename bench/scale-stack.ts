// The stacks of bench/scale.sh, outside the shipped config: N prod-shaped apps (each a WebApp with
// ConfigMap, Secret, a ReadWriteMany claim, an Ingress with TLS, an autoscaler and a disruption
// budget, behind its default-deny NetworkPolicy), ten to a team namespace, beside the Demon stack.
//
//   scale-stack.ts config N KUBECONFIG FILE [CHANGED]   write the stack file; app CHANGED runs image 1.0.1
//   scale-stack.ts render FILE DIR                       the same objects under mocks, as YAML for kubectl:
//                                                        DIR/namespaces.yaml and DIR/objects.yaml;
//                                                        prints "<resources> <evaluation ms>"
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { renderStack } from "../tests/rendered-stacks";

/** What the bench's cluster provides: a ReadWriteMany class with a volume per app. */
export const benchStorageClass = "bench-rwx";
export const appSecretEnv = "BENCH_APP_API_KEY";

export const appName = (i: number) => `app-${String(i).padStart(3, "0")}`;

export function scaleStackConfig(apps: number, kubeconfig: string, changed?: number): Record<string, unknown> {
    return {
        "kubestrap:environment": "dev",
        "kubestrap:cluster": { target: "kubeconfig", kubeconfig },
        "kubestrap:demon": {
            enabled: true,
            nats: { storageClass: "local-path" },
            secrets: { adminToken: { fromEnv: "DEMON_ADMIN_TOKEN" } },
        },
        "kubestrap:apps": Array.from({ length: apps }, (_, i) => ({
            name: appName(i),
            namespace: `team-${String(Math.floor(i / 10)).padStart(2, "0")}`,
            image: `ghcr.io/acme/${appName(i)}:${i === changed ? "1.0.1" : "1.0.0"}`,
            port: 8080,
            env: { LOG_LEVEL: "info" },
            secretEnv: { API_KEY: { fromEnv: appSecretEnv } },
            config: { data: { "app.yaml": `name: ${appName(i)}\nfeatures: [search, export]\n` }, mountPath: "/etc/app" },
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
            persistence: { size: "1Gi", storageClass: benchStorageClass, mountPath: "/data", accessMode: "ReadWriteMany" },
            ingress: { host: `${appName(i)}.bench.example.com`, tls: { secretName: "bench-wildcard-tls" } },
            autoscaling: { minReplicas: 2, maxReplicas: 4 },
            disruptionBudget: { minAvailable: 1 },
        })),
    };
}

async function main(args: string[]) {
    const [command, ...rest] = args;
    if (command === "config") {
        const [apps, kubeconfig, file, changed] = rest;
        fs.writeFileSync(file, stringify({ config: scaleStackConfig(Number(apps), kubeconfig, changed === undefined ? undefined : Number(changed)) }));
        return;
    }
    if (command === "render") {
        const [file, dir] = rest;
        const start = process.hrtime.bigint();
        const { objects, r } = await renderStack(file, true, { [appSecretEnv]: "bench-api-key", DEMON_ADMIN_TOKEN: "bench" });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        // Pulumi names what the program leaves unnamed (the stream bootstrap Job) after its resource.
        const names = r.resources.filter((x) => x.type.startsWith("kubernetes:") && !x.type.startsWith("kubernetes:helm.sh")).map((x) => x.name);
        objects.forEach((o, i) => {
            o.metadata = { ...o.metadata, name: o.metadata?.name ?? `${names[i]}-bench` };
        });
        fs.mkdirSync(dir, { recursive: true });
        const docs = (list: object[]) => list.map((o) => stringify(o)).join("---\n");
        fs.writeFileSync(path.join(dir, "namespaces.yaml"), docs(objects.filter((o) => o.kind === "Namespace")));
        fs.writeFileSync(path.join(dir, "objects.yaml"), docs(objects.filter((o) => o.kind !== "Namespace")));
        // The engine's count adds the stack and the providers; the program's own resources are these.
        console.log(`${r.resources.length} ${ms.toFixed(0)}`);
        return;
    }
    throw new Error("usage: scale-stack.ts config N KUBECONFIG FILE [CHANGED] | render FILE DIR");
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
