// The status report as a person reads it in a terminal: aligned tables, colour only on a TTY.
import { age } from "./age";
import { StatusReport } from "./report";


function table(header: string[], rows: string[][], paint: (row: number, text: string) => string): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(header), ...rows.map((r, i) => paint(i, line(r)))].join("\n");
}

export function renderReport(report: StatusReport, colour: boolean): string {
    const green = (s: string) => (colour ? `\x1b[32m${s}\x1b[0m` : s);
    const red = (s: string) => (colour ? `\x1b[31m${s}\x1b[0m` : s);
    const bold = (s: string) => (colour ? `\x1b[1m${s}\x1b[0m` : s);
    const out: string[] = [`${bold("cluster")} ${report.cluster}`, ""];

    out.push(bold("WORKLOADS"));
    if (report.workloads.length === 0) out.push("(none managed by kubestrap)");
    else {
        out.push(table(["NAMESPACE", "KIND", "NAME", "COMPONENT", "READY", "RESTARTS", "AGE", "IMAGE", "URL"],
            report.workloads.map((w) => [w.namespace, w.kind, w.name, w.component || "-", `${w.ready}/${w.desired}`, String(w.restarts), age(w.ageSeconds), w.images.join(",") || "-", w.url ?? ""]),
            (i, text) => (report.workloads[i].healthy ? text : red(text))));
    }
    if (report.nodes.length > 0) {
        out.push("", bold("NODES"));
        out.push(table(["NAME", "ROLES", "VERSION", "READY", "ADDRESS"],
            report.nodes.map((n) => [n.name, n.roles.join(",") || "<none>", n.version, n.ready ? "Ready" : "NotReady", `${n.address ?? "-"}${n.tailnet ? " (tailnet)" : ""}`]),
            (i, text) => (report.nodes[i].ready ? text : red(text))));
    }
    if (report.addons.length > 0) {
        out.push("", bold("ADD-ONS"));
        out.push(table(["RELEASE", "NAMESPACE", "REVISION", "STATUS"],
            report.addons.map((a) => [a.release, a.namespace, a.version, a.status]), (i, text) => (report.addons[i].healthy ? text : red(text))));
    }
    if (report.certificates.length > 0) {
        out.push("", bold("CERTIFICATES"));
        out.push(table(["NAMESPACE", "NAME", "READY", "EXPIRES"],
            report.certificates.map((c) => [c.namespace, c.name, c.ready ? "True" : "False", c.notAfter ? `${c.notAfter} (${c.daysLeft} days)` : "-"]),
            (i, text) => (report.certificates[i].healthy ? text : red(text))));
    }
    if (report.apiServerCertificate) {
        const c = report.apiServerCertificate;
        out.push("", `${bold("API SERVER CERTIFICATE")} expires ${c.notAfter.slice(0, 10)} (${c.daysLeft} days)`);
    }
    if (report.issued?.length) {
        out.push("", bold("EXPIRES"));
        out.push(table(["WHAT", "EXPIRES", "RENEWAL"],
            report.issued.map((i) => [i.what, `${i.expires.slice(0, 10)} (${i.daysLeft} days)`, i.renewal]), (i, text) => (report.issued![i].healthy ? text : red(text))));
    }
    out.push("");
    out.push(...report.notes.map((n) => `note: ${n}`));
    out.push(report.problems.length === 0 ? green(report.nodes.length > 0 && report.nodes.every((n) => n.simulated) ? "healthy (simulated: no container ran)" : "healthy") : red(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}:\n${report.problems.map((p) => `  - ${p}`).join("\n")}`));
    return out.join("\n");
}
