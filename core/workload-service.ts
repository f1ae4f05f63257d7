// The ClusterIP Service in front of a workload its own component makes.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s-api";

const skipAwait = { "pulumi.com/skipAwait": "true" };

interface ServiceObject {
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string>; annotations?: Record<string, string> };
    spec: k8s.types.input.core.v1.ServiceSpec;
}

/**
 * The Service for `workload`, made once the workload is ready (dependsOn), and not waited on by
 * the Kubernetes provider (pulumi.com/skipAwait). The provider holds a Service with a selector
 * until its Endpoints have gone ten seconds without a change (pulumi-kubernetes
 * pkg/await/service.go), on every create, however long its pods have been ready. The workload's
 * own wait has already proved them ready, so those ten seconds bought nothing; and with hundreds
 * of apps they fill the engine's steps at once (docs/dev/performance.md).
 */
export function workloadService(name: string, object: ServiceObject, workload: pulumi.Resource,
    opts: Omit<pulumi.CustomResourceOptions, "dependsOn">): k8s.core.v1.Service {
    return new k8s.core.v1.Service(name, {
        metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, ...skipAwait } },
        spec: object.spec,
    }, { ...opts, dependsOn: [workload] });
}
