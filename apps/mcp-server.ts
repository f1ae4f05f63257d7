// One MCP server (as b00t describes it in a *.mcp.toml file) as a Deployment: a stdio server is one
// pod with its stdin held open (reach it with `kubectl attach -i`); an http or sse server gets a
// Service. npx and uvx fetch the server when the pod starts, so the read-only root gets a writable
// /tmp for HOME and the package cache. The pods pass the Pod Security "restricted" profile.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageProblem } from "../core/formats";
import { McpRuntime, mcpRuntimes, McpTransport, ResolvedMcpServer } from "./mcp-config";
import { selectorLabels, standardLabels } from "../core/labels";
import { containerSecurityContext, podSecurityContext } from "../core/pod-security";
import { envSecret } from "./web-app-specs";
import { Resources } from "../core/workload";
import { workloadService } from "../core/workload-service";

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The annotation that carries the file's `hint` (what the server does), on the Deployment and its pods. */
export const hintAnnotation = "kubestrap.dev/mcp-hint";
/** The annotation that says how a client talks to the server: stdio, http or sse. */
export const transportAnnotation = "kubestrap.dev/mcp-transport";
/** Where a client finds the server by default, per transport (MCP's streamable HTTP and SSE endpoints). */
export const defaultMcpPath: Record<Exclude<McpTransport, "stdio">, string> = { http: "/mcp", sse: "/sse" };
/** What a server gets unless its args say otherwise: npx and uvx need memory to install the server. */
export const defaultMcpResources: Resources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "1Gi" } };

export interface McpServerArgs {
    namespace: pulumi.Input<string>;
    /** Name of the server's Kubernetes objects; defaults to the component's name. */
    serverName?: string;
    /** Pinned image: a tag other than `latest`, or a digest. */
    image: string;
    command: string;
    args?: string[];
    /** The runtime the command belongs to: its package cache is pointed at /tmp. */
    runtime?: McpRuntime;
    /** stdio (default): one pod, stdin open, no Service. http, sse: a Service on `port`. */
    transport?: McpTransport;
    port?: number;
    /** The endpoint's path, for internalUrl; defaults to /mcp (http) or /sse (sse). */
    path?: string;
    /** http and sse only; a stdio server always has one. */
    replicas?: number;
    /** What the server does: the annotation kubestrap.dev/mcp-hint. */
    hint?: string;
    env?: Record<string, pulumi.Input<string>>;
    /** Values stored in the server's Secret (`<name>-env`) and exposed as env vars; they stay secret in state. */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** The uid the pod runs as; defaults to kubestrap's non-root uid. */
    runAsUser?: number;
    resources?: Resources;
    /** The app.kubernetes.io/part-of label; defaults to the server's name. */
    partOf?: string;
}

/** The args of a server read from config, in `namespace`. */
export function mcpServerArgs(server: ResolvedMcpServer, namespace: pulumi.Input<string>): McpServerArgs {
    return {
        namespace,
        serverName: server.name,
        image: server.image,
        command: server.command,
        args: server.args,
        runtime: server.runtime,
        transport: server.transport,
        port: server.port,
        path: server.path,
        replicas: server.replicas,
        hint: server.hint,
        env: server.env,
        secretEnv: server.secretEnv,
        runAsUser: server.runAsUser,
    };
}

/** Problems with the args that Kubernetes would only reject later, or not at all. */
export function mcpServerProblems(args: McpServerArgs): { propertyPath: string; reason: string }[] {
    const problems: { propertyPath: string; reason: string }[] = [];
    const image = imageProblem(args.image);
    if (image) {
        problems.push({ propertyPath: "image", reason: image });
    }
    if ((args.transport ?? "stdio") !== "stdio" && args.port === undefined) {
        problems.push({ propertyPath: "port", reason: `is required for transport ${args.transport}` });
    }
    if ((args.transport ?? "stdio") === "stdio" && (args.replicas ?? 1) !== 1) {
        problems.push({ propertyPath: "replicas", reason: "a stdio server has one replica: each client attaches to one process" });
    }
    return problems;
}

export interface McpContainerSettings {
    image: string;
    command: string;
    args: string[];
    runtime?: McpRuntime;
    transport: McpTransport;
    port?: number;
    env: Record<string, pulumi.Input<string>>;
    /** Names of env vars held in the server's Secret, in a stable order. */
    secretEnvNames: string[];
    secretName?: pulumi.Input<string>;
    resources: Resources;
}

/**
 * The server's container: HOME and the runtime's package cache under /tmp (the server's own env
 * wins over them), stdin held open for stdio, a named port and a TCP readiness probe for http/sse.
 */
export function mcpContainer(name: string, s: McpContainerSettings): Container {
    const base: Record<string, string> = { HOME: "/tmp", ...(s.runtime ? mcpRuntimes[s.runtime].cacheEnv : {}) };
    const own = new Set([...Object.keys(s.env), ...s.secretEnvNames]);
    const env: EnvVar[] = [
        ...Object.entries(base).filter(([k]) => !own.has(k)).map(([k, value]) => ({ name: k, value })),
        ...Object.entries(s.env).sort(([a], [b]) => a.localeCompare(b)).map(([k, value]) => ({ name: k, value })),
        ...s.secretEnvNames.map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: s.secretName!, key: k } } })),
    ];
    const web = s.transport !== "stdio";
    return {
        name,
        image: s.image,
        command: [s.command],
        args: s.args,
        env,
        ...(web
            ? {
                ports: [{ name: "http", containerPort: s.port!, protocol: "TCP" }],
                readinessProbe: { tcpSocket: { port: "http" }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 },
            }
            // A stdio server reads requests from stdin and exits at its end: keep it open.
            : { stdin: true, tty: false }),
        resources: s.resources,
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

/** One MCP server: a Deployment, the Secret of its secret env, and a Service for http and sse. */
export class McpServer extends pulumi.ComponentResource {
    readonly deploymentName: pulumi.Output<string>;
    readonly transport: McpTransport;
    readonly serviceName?: pulumi.Output<string>;
    /** Where a client in the cluster reaches an http or sse server. */
    readonly internalUrl?: pulumi.Output<string>;

    constructor(name: string, args: McpServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:apps:McpServer", name, {}, opts);
        const problems = mcpServerProblems(args);
        if (problems.length > 0) {
            throw new pulumi.InputPropertiesError({ message: `McpServer ${name} has invalid arguments`, errors: problems });
        }

        const server = args.serverName ?? name;
        const transport = args.transport ?? "stdio";
        const labels = standardLabels({ name: server, instance: name, component: "mcp-server", partOf: args.partOf ?? server });
        const selector = selectorLabels({ name: server, instance: name });
        const annotations = { [transportAnnotation]: transport, ...(args.hint ? { [hintAnnotation]: args.hint } : {}) };
        const meta = (suffix = "") => ({ name: `${server}${suffix}`, namespace: args.namespace, labels });
        const child = { parent: this };

        const { secret, secretEnvNames } = envSecret(`${name}-env`, meta("-env"), args.secretEnv ?? {}, child);

        const container = mcpContainer(server, {
            image: args.image,
            command: args.command,
            args: args.args ?? [],
            runtime: args.runtime,
            transport,
            port: args.port,
            env: args.env ?? {},
            secretEnvNames,
            secretName: secret?.metadata.name,
            resources: args.resources ?? defaultMcpResources,
        });
        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { ...meta(), annotations },
            spec: {
                replicas: transport === "stdio" ? 1 : args.replicas ?? 1,
                // Two stdio processes would be two servers with one name: the old pod goes first.
                strategy: { type: transport === "stdio" ? "Recreate" : "RollingUpdate" },
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels, annotations },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext({ runAsUser: args.runAsUser }),
                        containers: [container],
                        volumes: [{ name: "tmp", emptyDir: {} }],
                    },
                },
            },
        }, child);

        if (transport !== "stdio") {
            const serviceName = workloadService(`${name}-service`, {
                metadata: meta(),
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [{ name: "http", port: args.port!, targetPort: "http", protocol: "TCP" }],
                },
            }, deployment, child).readyName;
            this.serviceName = serviceName;
            this.internalUrl = pulumi.interpolate`http://${serviceName}.${args.namespace}.svc.cluster.local:${args.port}${args.path ?? defaultMcpPath[transport]}`;
        }

        this.transport = transport;
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({
            deploymentName: this.deploymentName,
            transport: this.transport,
            serviceName: this.serviceName,
            internalUrl: this.internalUrl,
        });
    }
}
