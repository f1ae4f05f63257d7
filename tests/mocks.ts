// Pulumi mocks that record every registered resource, with its inputs and parent.
import * as pulumi from "@pulumi/pulumi";
import { getAllResources } from "@pulumi/pulumi/output";
import { readHostKeyScript } from "../cluster/remote-command";
import { settleRegistrations } from "../core/settle-registrations";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}

export class Recorder implements pulumi.runtime.Mocks {
    readonly resources: Registered[] = [];
    /** Existing objects the program read (`Resource.get`), not objects it manages. */
    readonly reads: Registered[] = [];
    /** Resource name -> name of its parent, for resources created under `transformations: [recorder.track]`. */
    readonly parents = new Map<string, string | undefined>();
    /** Resource name -> options it was created with (protect, dependsOn, ...). */
    readonly options = new Map<string, pulumi.ResourceOptions>();

    /** A transformation that records parents and options; pass it to the component under test. */
    /** "type::name" -> the options it was created with. */
    readonly optionsOf = new Map<string, pulumi.ResourceOptions>();
    /** "type::name" -> its inputs as the program gave them, Outputs unresolved (for what they depend on). */
    readonly propsOf = new Map<string, unknown>();
    /** "type::name" -> "type::name" of its parent: unambiguous where a component and its child share a name. */
    readonly ancestry = new Map<string, string | undefined>();

    /** What a mocked command prints, by resource name (the real one's stdout); undefined: nothing. */
    stdoutFor: (name: string) => string | undefined = () => undefined;

    readonly track: pulumi.ResourceTransformation = (args) => {
        this.parents.set(args.name, (args.opts.parent as any)?.__name);
        const parent = args.opts.parent as any;
        this.ancestry.set(`${args.type}::${args.name}`, parent ? `${parent.__pulumiType}::${parent.__name}` : undefined);
        this.optionsOf.set(`${args.type}::${args.name}`, args.opts);
        this.propsOf.set(`${args.type}::${args.name}`, args.props);
        this.options.set(args.name, args.opts);
        return undefined;
    };

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        if (args.id !== undefined && args.id !== "") {
            this.reads.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            return { id: args.id, state: this.read(args.type, args.id) };
        }
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state = { ...args.inputs };
        if (args.type === "command:remote:Command" && state.create === readHostKeyScript) {
            // The host-key step prints the key the host's SSH server offers.
            state.stdout = `host-key: ${Recorder.hostKeyOf(reveal(state.connection)?.host)}\n`;
        }
        if (args.type.startsWith("command:") && this.stdoutFor(args.name) !== undefined) {
            state.stdout = this.stdoutFor(args.name);
        }
        if (args.type.startsWith("aws:") && state.arn === undefined) {
            state.arn = `arn:mock:${args.type}:${args.name}`;
        }
        if (args.type === "aws:ec2/launchTemplate:LaunchTemplate" && state.latestVersion === undefined) {
            // EC2 numbers a template's versions from 1.
            state.latestVersion = 1;
        }
        if (args.type === "random:index/randomPassword:RandomPassword") {
            state.result = `random-password-of-${args.name}`;
        }
        if (args.type === "random:index/randomBytes:RandomBytes") {
            state.base64 = Buffer.from(`random-bytes-of-${args.name}`).toString("base64");
        }
        if (args.type.startsWith("kubernetes:") && state.metadata && !state.metadata.name) {
            state.metadata = { ...state.metadata, name: `${args.name}-abc123` };
        }
        return { id: `${args.name}-id`, state };
    }

    /** The public key (authorized_keys form) a mocked host's SSH server offers. */
    static hostKeyOf(host: string): string {
        return `ssh-ed25519 ${Buffer.from(`host key of ${host}`).toString("base64")}`;
    }

    /** Objects a program reads from the cluster (`.get`), as a k3s server would publish them. */
    static readonly apiServerSlice = {
        addressType: "IPv4",
        endpoints: [{ addresses: ["192.168.1.11"], conditions: { ready: true } }, { addresses: ["192.168.1.12"], conditions: { ready: true } }],
        ports: [{ name: "https", port: 6443, protocol: "TCP" }],
    };

    read(type: string, id: string): Record<string, any> {
        if (type === "kubernetes:discovery.k8s.io/v1:EndpointSlice" && id === "default/kubernetes") {
            return Recorder.apiServerSlice;
        }
        throw new Error(`unexpected read of ${type} ${id} in a unit test: mock it explicitly`);
    }

    /** Invokes a test answers, by token; any other invoke fails the test. */
    readonly invokes = new Map<string, (inputs: Record<string, any>) => Record<string, any>>();
    readonly calls: { token: string; inputs: Record<string, any> }[] = [];

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const answer = this.invokes.get(args.token);
        if (!answer) {
            throw new Error(`unexpected invoke ${args.token} in a unit test: mock it explicitly`);
        }
        this.calls.push({ token: args.token, inputs: args.inputs });
        return answer(args.inputs);
    }

    ofType(type: string): Registered[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string, name: string): Registered {
        const found = this.resources.find((r) => r.type === type && r.name === name);
        if (!found) {
            throw new Error(`no ${type} named ${name}; registered: ${this.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
        }
        return found;
    }

    /** Built-in Kubernetes objects (core and *.k8s.io groups): what kubernetes-models can validate. */
    kubernetesObjects(): Registered[] {
        return this.resources.filter((r) => {
            const group = /^kubernetes:([^/]+)\//.exec(r.type)?.[1];
            return !!group && (group === "core" || !group.includes(".") || group.endsWith(".k8s.io"));
        });
    }

    /** Custom resources and Helm releases: objects whose schema comes with a chart. */
    chartObjects(): Registered[] {
        return this.resources.filter((r) => r.type.startsWith("kubernetes:") && !this.kubernetesObjects().includes(r));
    }
}

/** Installs fresh recording mocks; `preview` runs the program as `pulumi preview` would. */
export async function withMocks(preview: boolean): Promise<Recorder> {
    const recorder = new Recorder();
    await pulumi.runtime.setMocks(recorder, "kubestrap", preview ? "preview" : "test", preview);
    return recorder;
}

/** Resolves an Output to its value (undefined when unknown, as in a preview). */
export function valueOf<T>(output: pulumi.Output<T> | T): Promise<T> {
    if (!pulumi.Output.isInstance(output)) {
        return Promise.resolve(output as T);
    }
    return new Promise((resolve) => (output as pulumi.Output<T>).apply((v) => resolve(v)));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as any).isSecret as Promise<boolean>;
}

/** Waits for the outputs (an unset one, like a portless app's URL, is skipped) and every registration they started. */
export async function settle(...outputs: (pulumi.Output<unknown> | undefined)[]): Promise<void> {
    await Promise.all(outputs.filter((o): o is pulumi.Output<unknown> => o !== undefined).map((o) => valueOf(o)));
    await settleRegistrations();
}

const secretSig = "4dabf18193072939515e22adb298388d";

/** Whether a registered input value was marked secret. */
export function isSecretValue(value: unknown): boolean {
    return !!value && typeof value === "object" && secretSig in value;
}

/** The inputs with every secret marker removed, as the provider would see the values. */
export function reveal<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.map(reveal) as T;
    }
    if (value && typeof value === "object") {
        if (isSecretValue(value)) {
            return reveal((value as any).value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)])) as T;
    }
    return value;
}

/** "type::name" of every resource a value's Outputs (at any depth of its plain objects and arrays) depend on. */
export async function dependenciesOf(value: unknown): Promise<string[]> {
    const found = new Set<string>();
    const walk = async (v: unknown): Promise<void> => {
        if (pulumi.Output.isInstance(v)) {
            for (const r of await getAllResources(v)) found.add(`${(r as any).__pulumiType}::${(r as any).__name}`);
        } else if (v instanceof Promise) {
            await walk(await v);
        } else if (Array.isArray(v)) {
            for (const x of v) await walk(x);
        } else if (v && typeof v === "object" && !pulumi.Resource.isInstance(v)) {
            for (const x of Object.values(v)) await walk(x);
        }
    };
    await walk(value);
    return [...found].sort();
}
