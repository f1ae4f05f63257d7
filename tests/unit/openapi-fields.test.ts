// The unit suite's unknown-field check (tests/openapi-fields.ts), against the API server's own
// field lists: a misspelt field is refused where the schema models take it.
import * as assert from "assert";
import { schemaErrors } from "../k8s-schema";
import { unknownFields } from "../openapi-fields";

const deployment = (container: Record<string, unknown>) => ({
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name: "web", namespace: "apps", labels: { "app.kubernetes.io/name": "web" }, annotations: { "any/key": "v" } },
    spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "web", image: "nginx:1.27.3", ports: [{ containerPort: 8080, name: "http" }], resources: { limits: { cpu: "1" } }, ...container }] },
        },
    },
});

describe("unknown fields, by the API server's own field lists", () => {
    it("refuses a misspelt field that the schema models take (a positive control)", () => {
        assert.deepStrictEqual(unknownFields("apps/v1/Deployment", deployment({ readinesProbe: { tcpSocket: { port: 8080 } } })),
            ["spec.template.spec.containers[0].readinesProbe"]);
        assert.deepStrictEqual(unknownFields("apps/v1/Deployment", deployment({ readinessProbe: { tcpSocket: { port: "http" }, periodSecond: 5 } })),
            ["spec.template.spec.containers[0].readinessProbe.periodSecond"], "inside a nested object");
    });

    it("takes every real field, free-form maps (labels, annotations, data, limits) and int-or-string values", () => {
        assert.deepStrictEqual(unknownFields("apps/v1/Deployment", deployment({ readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 5 } })), []);
        assert.deepStrictEqual(unknownFields("core/v1/ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "anything.conf": "x" } }), []);
        assert.deepStrictEqual(unknownFields("core/v1/Service", { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: "http" }], selector: { a: "b" } } }), []);
    });

    it("is part of the schema check every component test runs", async () => {
        const errors = await schemaErrors([{ type: "kubernetes:apps/v1:Deployment", name: "web", inputs: deployment({ readinesProbe: { tcpSocket: { port: 8080 } } }) } as any]);
        assert.deepStrictEqual(errors, ["kubernetes:apps/v1:Deployment web: unknown field spec.template.spec.containers[0].readinesProbe"]);
    });

    it("leaves kinds the server does not serve (custom resources) to their own checks", () => {
        assert.deepStrictEqual(unknownFields("cert-manager.io/v1/ClusterIssuer", { spec: { anything: true } }), []);
    });
});
