// The Ingress and NetworkPolicies every app-like component (WebApp, StaticSite) makes the same
// way, created as children of the component that calls them.
import * as k8s from "../core/k8s-api";
import * as pulumi from "@pulumi/pulumi";
import { appNetworkPolicy, AppPolicySettings } from "./app-network-policies";
import { ingressFor, IngressSettings } from "../core/ingress-spec";

export interface ExposedApp {
    /** The component's Pulumi name: children are `${name}-ingress`, `${name}-network-policy`. */
    name: string;
    /** The app's object name, and the prefix of its NetworkPolicy's name. */
    app: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    selector: Record<string, string>;
    port: number;
    parent: pulumi.Resource;
}

/** The app's Ingress to `serviceName`; its URL. */
export function appIngress(a: ExposedApp, settings: IngressSettings, serviceName: pulumi.Input<string>): pulumi.Output<string> {
    const ingress = ingressFor(settings, serviceName, `${a.app}-tls`);
    new k8s.networking.v1.Ingress(`${a.name}-ingress`, {
        metadata: { name: a.app, namespace: a.namespace, labels: a.labels, annotations: ingress.annotations },
        spec: ingress.spec,
    }, { parent: a.parent });
    return pulumi.output(ingress.url);
}

/** Deny-all and the flows `policy` names, in one NetworkPolicy; the ingress controller is let in only when the app has an Ingress. */
export function appPolicies(a: ExposedApp, policy: AppPolicySettings, hasIngress: boolean): void {
    const plan = appNetworkPolicy({
        ...policy,
        app: a.app, selector: a.selector, port: a.port,
        ingressControllerNamespace: hasIngress ? policy.ingressControllerNamespace : undefined,
    });
    new k8s.networking.v1.NetworkPolicy(`${a.name}-network-policy`, {
        metadata: { name: plan.name, namespace: a.namespace, labels: a.labels },
        spec: plan.spec,
    }, { parent: a.parent });
}
