// The ClusterIP Service in front of a workload its own component makes.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s-api";

interface ServiceObject {
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string>; annotations?: Record<string, string> };
    spec: k8s.types.input.core.v1.ServiceSpec;
}

export interface WorkloadService {
    service: k8s.core.v1.Service;
    /** The Service's name, known only once the workload is ready: what reaches the app through it takes this. */
    readyName: pulumi.Output<string>;
}

/**
 * The Service for `workload`, made at once (pods may find each other through it) and not waited
 * on by the Kubernetes provider (pulumi.com/skipAwait). That wait proves nothing the workload's
 * own does not (every replica updated and ready) and costs about ten seconds each time the
 * Service is made or changed: the provider calls a Service with a selector ready only when a
 * ten-second timer started by an Endpoints event runs out with no address not ready
 * (pulumi-kubernetes pkg/await/service.go). With hundreds of apps those seconds filled the
 * engine's steps at once (docs/dev/performance.md). What reaches the app through the Service (an
 * Ingress, an internalUrl, the NATS URL) takes `readyName`, so it still comes after the pods are
 * ready.
 */
export function workloadService(name: string, object: ServiceObject, workload: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet,
    opts: pulumi.CustomResourceOptions): WorkloadService {
    const service = new k8s.core.v1.Service(name, {
        metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, "pulumi.com/skipAwait": "true" } },
        spec: object.spec,
    }, opts);
    const readyName = pulumi.all([workload.metadata.name, service.metadata.name]).apply(([, serviceName]) => serviceName);
    return { service, readyName };
}
