// Validates the objects the program emits against the Kubernetes OpenAPI schema (kubernetes-models).
import { Registered, reveal } from "./mocks";
import { unknownFields } from "./openapi-fields";

// kubernetes-models ships ES modules only; keep a real dynamic import past the CommonJS compiler.
const importModule = new Function("specifier", "return import(specifier)") as (s: string) => Promise<any>;

/** `kubernetes:apps/v1:Deployment` -> [`kubernetes-models/apps/v1`, `Deployment`] */
export function modelOf(type: string): [string, string] {
    const match = /^kubernetes:([^/]+)\/([^:]+):(\w+)$/.exec(type);
    if (!match) {
        throw new Error(`not a Kubernetes resource type: ${type}`);
    }
    const [, group, version, kind] = match;
    return [group === "core" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`, kind];
}

/** The schema errors of the registered objects, one line each; empty when all are valid. */
export async function schemaErrors(resources: Registered[]): Promise<string[]> {
    const errors: string[] = [];
    for (const resource of resources) {
        const [module, kind] = modelOf(resource.type);
        const Model = (await importModule(module))[kind];
        if (!Model) {
            errors.push(`${resource.type} ${resource.name}: no schema for ${kind} in ${module}`);
            continue;
        }
        try {
            new Model(reveal(resource.inputs)).validate();
        } catch (e) {
            errors.push(`${resource.type} ${resource.name}: ${(e as Error).message}`);
        }
        // The models' validators take any field; the API server's own field lists do not.
        const [, group, version] = /^kubernetes:([^/]+)\/([^:]+):/.exec(resource.type)!;
        for (const field of unknownFields(`${group}/${version}/${kind}`, reveal(resource.inputs))) {
            errors.push(`${resource.type} ${resource.name}: unknown field ${field}`);
        }
    }
    return errors;
}
