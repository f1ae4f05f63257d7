// Where Alertmanager sends an alert, by its documented routing rules
// (prometheus.io/docs/alerting/latest/configuration/#route): a node takes an alert its matchers
// match; children are tried in order, the first match wins unless it says `continue`; an alert
// no child takes stays with the node and goes to the node's receiver (inherited from its parent).

interface Route {
    receiver?: string;
    matchers?: string[];
    continue?: boolean;
    routes?: Route[];
}

function matches(matcher: string, labels: Record<string, string>): boolean {
    const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(matcher);
    if (!m) throw new Error(`cannot read matcher ${matcher}`);
    const [, label, op, value] = m;
    const actual = labels[label] ?? "";
    const re = new RegExp(`^(?:${value})$`);
    return op === "=" ? actual === value : op === "!=" ? actual !== value : op === "=~" ? re.test(actual) : !re.test(actual);
}

/** The receivers an alert with these labels is sent to. */
export function receiversFor(route: Route, labels: Record<string, string>, inherited = ""): string[] {
    const receiver = route.receiver ?? inherited;
    const found: string[] = [];
    for (const child of route.routes ?? []) {
        if ((child.matchers ?? []).every((m) => matches(m, labels))) {
            found.push(...receiversFor(child, labels, receiver));
            if (!child.continue) break;
        }
    }
    return found.length ? found : [receiver];
}
