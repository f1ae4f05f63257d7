// The Kubernetes API groups the app components make objects of, each loaded on its own: the same
// classes as `@pulumi/kubernetes`, whose index loads all thirty groups with helm, kustomize and yaml
// (about 30 ms of every `npm run translate`, which loads the app components and nothing else of it).
import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingV2 from "@pulumi/kubernetes/autoscaling/v2";
import * as batchV1 from "@pulumi/kubernetes/batch/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as policyV1 from "@pulumi/kubernetes/policy/v1";

export type * as types from "@pulumi/kubernetes/types";
/* eslint-disable @typescript-eslint/no-namespace */
export namespace apps { export import v1 = appsV1; }
export namespace autoscaling { export import v2 = autoscalingV2; }
export namespace batch { export import v1 = batchV1; }
export namespace core { export import v1 = coreV1; }
export namespace networking { export import v1 = networkingV1; }
export namespace policy { export import v1 = policyV1; }
