// demon: the Demon stack (engine, runtime, operate-ui and their policies: DemonStack), the
// namespace its runtime runs Jobs in (DemonJobs), NATS JetStream (NatsJetStream), and `kubestrap:demon`'s schema.
export { DemonStack, type DemonStackArgs, type DemonWorkload } from "./demon-stack";
export { DemonJobs, type DemonJobsArgs } from "./demon-jobs";
export { NatsJetStream, type NatsJetStreamArgs } from "./nats-jetstream";
export { type ApiServerEndpoint, endpointsFromSlice } from "./demon-specs";
export { demon as demonSchema, type DemonConfig, defaultNatsReplicas } from "./config";
