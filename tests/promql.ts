// The metric names a PromQL expression reads, for checking dashboards and alert rules against
// what exporters really serve. A small lexer: it knows PromQL's strings, label matchers, range
// and offset durations, grouping lists, keywords and function calls, which is all our queries use.

const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "atan2"]);
const groupingWords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

export function metricNames(expr: string): string[] {
    const names = new Set<string>();
    let i = 0;
    let previousWord = "";
    const skipPast = (close: string) => {
        let depth = 0;
        const open = expr[i];
        for (; i < expr.length; i++) {
            const c = expr[i];
            if (c === '"' || c === "'" || c === "`") {
                i = expr.indexOf(c === "`" ? "`" : c, i + 1);
                if (i < 0) throw new Error(`unterminated string in ${expr}`);
                continue;
            }
            if (c === open) depth++;
            if (c === close && --depth === 0) {
                i++;
                return;
            }
        }
        throw new Error(`unbalanced ${open} in ${expr}`);
    };
    while (i < expr.length) {
        const c = expr[i];
        if (c === '"' || c === "'" || c === "`") {
            const end = expr.indexOf(c, i + 1);
            if (end < 0) throw new Error(`unterminated string in ${expr}`);
            i = end + 1;
        } else if (c === "{") {
            skipPast("}");
        } else if (c === "[") {
            skipPast("]");
        } else if (c === "(" && groupingWords.has(previousWord)) {
            skipPast(")");
            previousWord = "";
        } else if (/[a-zA-Z_:]/.test(c)) {
            const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))![0];
            i += word.length;
            // A call, or an aggregation whose grouping comes first (`sum by (pod) (...)`).
            const next = /^\s*([a-zA-Z_]+|.)/.exec(expr.slice(i))?.[1];
            if (!keywords.has(word) && next !== "(" && next !== "by" && next !== "without") {
                names.add(word);
            }
            previousWord = word;
            continue;
        } else if (/[0-9.]/.test(c)) {
            // numbers and durations (5m after offset): never metric names
            i += /^[0-9.a-zA-Z]+/.exec(expr.slice(i))![0].length;
        } else {
            i++;
        }
        if (!/\s/.test(c)) {
            previousWord = /[a-zA-Z_]/.test(c) ? previousWord : "";
        }
    }
    return [...names].sort();
}
