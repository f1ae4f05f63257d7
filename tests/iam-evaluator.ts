// A small evaluator of the IAM policy documents kubestrap emits, for the conditions they use
// (StringEquals, StringLike, ArnEquals, Bool): an explicit Deny wins, then any Allow, else the
// implicit deny. Enough to ask "does this trust policy admit that token" and "may this role do
// that to this ARN" of our own documents; parliament (e2e) lints the same documents.
import { PolicyDocument } from "../aws/aws-policies";

const glob = (pattern: string, value: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(value);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function conditionHolds(operator: string, key: string, expected: string | string[], context: Record<string, string>): boolean {
    const actual = context[key];
    if (actual === undefined) return false;
    return list(expected).some((e) => {
        switch (operator) {
            case "StringEquals": case "ArnEquals": return e === actual;
            case "StringLike": case "ArnLike": return glob(e, actual);
            case "Bool": return String(e) === actual;
            default: throw new Error(`the evaluator does not know the condition operator ${operator}`);
        }
    });
}

export interface Request {
    action: string;
    /** The ARN acted on; a trust policy has no Resource. */
    resource?: string;
    /** The federated principal (trust policies). */
    federated?: string;
    context?: Record<string, string>;
}

function matches(statement: Record<string, any>, req: Request): boolean {
    if (!list<string>(statement.Action).some((a) => glob(a, req.action))) return false;
    if (statement.Resource !== undefined && !list<string>(statement.Resource).some((r) => req.resource !== undefined && glob(r, req.resource))) return false;
    if (statement.Principal?.Federated !== undefined && statement.Principal.Federated !== req.federated) return false;
    return Object.entries<Record<string, string | string[]>>(statement.Condition ?? {})
        .every(([operator, keys]) => Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, req.context ?? {})));
}

export function allows(doc: PolicyDocument, req: Request): boolean {
    const statements = doc.Statement as Record<string, any>[];
    if (statements.some((s) => s.Effect === "Deny" && matches(s, req))) return false;
    return statements.some((s) => s.Effect === "Allow" && matches(s, req));
}
