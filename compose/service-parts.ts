// A service's settings one by one, as Docker reads them: its command words, restart policy,
// environment, user, ports, healthcheck, resources, dependencies and labels, and the network
// and ordering checks across services.
import * as path from "path";
import type { WebAppArgs } from "../apps/web-app";
import { ComposeError, parseDotEnv, type ComposeProject, type ComposeService } from "./load";
import type { TranslateOptions, TranslatedService } from "./types";
import { composeBytes, composeCpus, composeSeconds, flag } from "./units";

/** A list as it is; a string split as a POSIX shell splits words (quotes, backslashes), as Compose does. null: an unclosed quote. */
export function words(value: string | string[]): string[] | null {
    if (Array.isArray(value)) return value.map(String);
    const out: string[] = [];
    let word: string | undefined;
    let quote: string | undefined;
    for (let i = 0; i < value.length; i++) {
        const c = value[i];
        if (quote === "'") {
            if (c === "'") quote = undefined;
            else word += c;
        } else if (quote === '"') {
            if (c === '"') quote = undefined;
            else if (c === "\\" && /["\\$`]/.test(value[i + 1] ?? "")) word += value[++i];
            else word += c;
        } else if (c === "'" || c === '"') {
            quote = c;
            word ??= "";
        } else if (c === "\\" && i + 1 < value.length) {
            word = (word ?? "") + value[++i];
        } else if (/\s/.test(c)) {
            if (word !== undefined) out.push(word);
            word = undefined;
        } else {
            word = (word ?? "") + c;
        }
    }
    if (quote) return null;
    if (word !== undefined) out.push(word);
    return out;
}

/** The service's restart policy; a service others wait for to complete runs once unless it says otherwise. */
export function restartOf(svc: ComposeService, awaited: boolean): string {
    return String(svc.restart ?? svc.deploy?.restart_policy?.condition ?? (awaited ? "no" : "always")).replace(/^none$/, "no");
}

export function serviceEnv(svc: ComposeService, name: string, opts: TranslateOptions, error: (at: string, m: string) => void): Record<string, string> {
    const env: Record<string, string> = {};
    const files = svc.env_file === undefined ? [] : Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file];
    for (const entry of files) {
        const { path: file, required } = typeof entry === "string" ? { path: entry, required: true } : { path: entry.path, required: entry.required ?? true };
        try {
            Object.assign(env, parseDotEnv(opts.readFile(path.resolve(opts.baseDir, file)), opts.env));
        } catch {
            if (required) error(`services.${name}.env_file`, `cannot read ${file} (relative to ${opts.baseDir}); create it or mark it required: false`);
        }
    }
    const environment = svc.environment ?? {};
    const pairs: [string, string | null][] = Array.isArray(environment)
        ? environment.map((e: string) => (e.includes("=") ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] : [e, null]))
        : Object.entries(environment).map(([k, v]) => [k, v === null ? null : String(v)]);
    for (const [k, v] of pairs) {
        // A name with no value takes the shell's, and is left out when the shell has none (as Compose does).
        const value = v ?? opts.env[k];
        if (value !== undefined) env[k] = value;
        else delete env[k];
    }
    return env;
}

export function userSecurity(user: unknown, at: string, restricted: boolean, error: (at: string, m: string) => void, warn: (at: string, m: string) => void): NonNullable<WebAppArgs["security"]> {
    if (user === undefined) return {};
    // root is uid 0 in every image; other names are only in the image's /etc/passwd.
    const m = /^(\d+)(?::(\d+))?$/.exec(String(user).replace(/^root(?=:|$)/, "0").replace(/:root$/, ":0"));
    if (!m) {
        error(at, `"${user}" is a user name; Kubernetes needs numeric ids, like "999:999"`);
        return {};
    }
    const [uid, gid] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])];
    if (uid === 0 && restricted) {
        warn(at, "root (0) is refused by restricted Pod Security: the pod runs as kubestrap's non-root default; set a non-zero user");
        return {};
    }
    return { runAsUser: uid, ...(gid !== undefined ? { runAsGroup: gid } : {}) };
}

export function servicePorts(svc: ComposeService, at: (k: string) => string, warn: (at: string, m: string) => void, error: (at: string, m: string) => void): NonNullable<WebAppArgs["ports"]> {
    const ports: NonNullable<WebAppArgs["ports"]> = [];
    const add = (port: number, protocol: "TCP" | "UDP") => {
        if (!ports.some((p) => p.port === port && p.protocol === protocol)) ports.push({ name: `${protocol.toLowerCase()}-${port}`, port, protocol });
    };
    for (const [i, entry] of (svc.ports ?? []).entries()) {
        if (typeof entry === "object") {
            const target = Number(entry.target);
            if (entry.published !== undefined) warn(at(`ports.${i}`), `published port ${entry.published} is not opened on any host: ${target} is reached through the Service, or from outside through expose`);
            add(target, entry.protocol === "udp" ? "UDP" : "TCP");
            continue;
        }
        // [host_ip:][published[-range]:]target[-range][/protocol]; an address has dots or brackets, a port has neither.
        // The host IP may be empty (":2283:2283"), as Compose accepts.
        const m = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[:\da-f]+\])?:)?(\d+(?:-\d+)?)?:)?(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/i.exec(String(entry));
        if (!m) {
            error(at(`ports.${i}`), `"${entry}" is not a port mapping Kubernetes can serve; write "published:target" or "target"`);
            continue;
        }
        const [, , published, first, last, protocol] = m;
        if (last !== undefined) {
            error(at(`ports.${i}`), `the port range ${first}-${last} would be ${Number(last) - Number(first) + 1} Service ports; list the ports the service really uses`);
            continue;
        }
        if (published !== undefined) warn(at(`ports.${i}`), `published port ${published} is not opened on any host: ${first} is reached through the Service, or from outside through expose`);
        add(Number(first), protocol?.toLowerCase() === "udp" ? "UDP" : "TCP");
    }
    for (const entry of svc.expose ?? []) {
        const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(String(entry));
        if (m) add(Number(m[1]), m[2] === "udp" ? "UDP" : "TCP");
        else error(at("expose"), `"${entry}" is not a port; write a number like "8080"`);
    }
    return ports;
}

export function probes(svc: ComposeService, name: string, ports: NonNullable<WebAppArgs["ports"]>, at: (k: string) => string, warn: (at: string, m: string) => void): WebAppArgs["probes"] {
    const hc = svc.healthcheck;
    const tcpPort = ports.find((p) => p.protocol !== "UDP");
    if (!hc || (hc.test === undefined && !flag(hc.disable))) {
        if (hc) warn(at("healthcheck"), "no test: the image's HEALTHCHECK is not read from the cluster, so these settings have nothing to time; write the test here");
        // Docker restarts nothing without a healthcheck: a TCP readiness check on the first port is
        // what "started" can mean to a Service, and no liveness probe kills a slow or quiet service.
        return tcpPort ? { tcp: true, port: tcpPort.port, readinessOnly: true } : { none: true };
    }
    const test: string[] | undefined = typeof hc.test === "string" ? ["CMD-SHELL", hc.test] : hc.test;
    if (flag(hc.disable) || !test || test[0] === "NONE") return { none: true };
    const command = test[0] === "CMD" ? test.slice(1) : test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", test.slice(1).join(" ")] : undefined;
    if (!command || command.length === 0) {
        warn(at("healthcheck.test"), `"${test.join(" ")}" is not a CMD, CMD-SHELL or NONE test; no probe`);
        return { none: true };
    }
    const seconds = (key: string, fallback: number) => (hc[key] === undefined ? fallback : composeSeconds(hc[key]) ?? fallback);
    const startPeriod = seconds("start_period", 0);
    return {
        exec: {
            command,
            periodSeconds: Math.max(1, seconds("interval", 30)),
            timeoutSeconds: Math.max(1, seconds("timeout", 30)),
            failureThreshold: Math.max(1, Number(hc.retries ?? 3)),
            // start_period as a startup probe, checked every start_interval (Docker's default 5 s).
            ...(startPeriod > 0 ? { startPeriodSeconds: startPeriod, startIntervalSeconds: Math.max(1, seconds("start_interval", 5)) } : {}),
        },
    };
}

export function resources(svc: ComposeService, at: (k: string) => string, error: (at: string, m: string) => void, warn: (at: string, m: string) => void): WebAppArgs["resources"] {
    const r = svc.deploy?.resources;
    const pick = (from: Record<string, any> | undefined, where: string) => {
        if (!from) return undefined;
        const out: { cpu?: string; memory?: string } = {};
        if (from.cpus !== undefined) {
            const cpu = composeCpus(from.cpus);
            if (cpu) out.cpu = cpu;
            else error(at(`deploy.resources.${where}.cpus`), `"${from.cpus}" is not a CPU count; write one like 0.5`);
        }
        if (from.memory !== undefined) {
            const memory = composeBytes(from.memory);
            if (memory) out.memory = memory;
            else error(at(`deploy.resources.${where}.memory`), `"${from.memory}" is not a size; write one like 512M`);
        }
        return Object.keys(out).length > 0 ? out : undefined;
    };
    const limits = pick(r?.limits ?? (svc.mem_limit || svc.cpus ? { memory: svc.mem_limit, cpus: svc.cpus } : undefined), "limits");
    const requests = pick(r?.reservations ?? (svc.mem_reservation ? { memory: svc.mem_reservation } : undefined), "reservations");
    if (r?.limits?.pids !== undefined) warn(at("deploy.resources.limits.pids"), "not translated: the node's kubelet sets the pod's process limit");
    if (r?.reservations?.generic_resources) warn(at("deploy.resources.reservations.generic_resources"), "not translated: request extended resources with a node's device plugin outside compose");
    if (r?.reservations?.devices) error(at("deploy.resources.reservations.devices"), "device reservations (GPUs) are not translated; request them with a node's device plugin outside compose");
    return limits || requests ? { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } : undefined;
}

export function dependencies(dependsOn: unknown): [string, TranslatedService["after"][number]["condition"], boolean][] {
    if (!dependsOn) return [];
    if (Array.isArray(dependsOn)) return dependsOn.map((d) => [String(d), "service_started", true]);
    return Object.entries(dependsOn as Record<string, { condition?: string; required?: boolean }>)
        .map(([d, c]) => [d, (c?.condition ?? "service_started") as TranslatedService["after"][number]["condition"], c?.required ?? true]);
}

/** An annotation key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const annotationKey = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Compose labels are free text; Kubernetes label values are not, so they travel as pod annotations. */
export function labelAnnotations(labels: unknown, at: string, warn: (at: string, m: string) => void): Record<string, string> | undefined {
    if (!labels) return undefined;
    const pairs = Array.isArray(labels) ? labels.map((l: string) => [l.split("=")[0], l.split("=").slice(1).join("=")]) : Object.entries(labels as Record<string, unknown>);
    for (const [k] of pairs.filter(([k]) => !annotationKey.test(k))) warn(`${at}.${k}`, "not translated: not a Kubernetes annotation key (at most 63 characters after an optional prefix/)");
    return Object.fromEntries(pairs.filter(([k]) => annotationKey.test(k)).map(([k, v]) => [k, String(v ?? "")]));
}

/** Compose networks become one namespace; say so when the file asked services apart. */
export function networkWarnings(project: ComposeProject, active: [string, ComposeService][], warn: (at: string, m: string) => void) {
    const networksOf = (svc: ComposeService) => (svc.networks === undefined ? ["default"] : Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks));
    for (const [a, svcA] of active) {
        for (const [b, svcB] of active) {
            if (a < b && !networksOf(svcA).some((n: string) => networksOf(svcB).includes(n))) {
                warn(`services.${a}.networks`, `${a} and ${b} share no network, but pods of one namespace reach each other: kubestrap does not isolate them`);
            }
        }
    }
    for (const [name, svc] of active) {
        for (const [n, settings] of Object.entries(Array.isArray(svc.networks) || !svc.networks ? {} : svc.networks as Record<string, any>)) {
            for (const key of Object.keys(settings ?? {})) {
                if (key !== "aliases") warn(`services.${name}.networks.${n}.${key}`, "not translated: pods get their addresses from the cluster network");
            }
        }
    }
    const said: Record<string, string> = {
        internal: "not translated: an internal network's no-egress rule is not enforced",
        ipam: "not translated: pods get their addresses from the cluster's pod range, not this subnet",
        driver: "not translated: pods are on the cluster's network, whatever the driver",
        driver_opts: "not translated: pods are on the cluster's network",
        enable_ipv6: "not translated: the cluster's network decides IPv6",
        attachable: "not translated: every pod of the namespace can reach every other",
        external: "not translated: the services share the app's namespace, not a network made elsewhere",
    };
    for (const [n, def] of Object.entries(project.networks)) {
        for (const key of Object.keys(def ?? {})) {
            if (said[key] && (key !== "internal" || def.internal)) warn(`networks.${n}.${key}`, said[key]);
        }
    }
}

/** Dependencies first, so `pulumi up` output and translate's manifests read in start order. */
export function orderByDependencies(services: TranslatedService[], file: string): TranslatedService[] {
    const byName = new Map(services.map((s) => [s.name, s]));
    const ordered: TranslatedService[] = [];
    const visiting = new Set<string>();
    const visit = (s: TranslatedService, chain: string[]) => {
        if (ordered.includes(s)) return;
        if (visiting.has(s.name)) throw new ComposeError(file, [`${file}: depends_on cycle: ${[...chain, s.name].join(" -> ")}; break it`]);
        visiting.add(s.name);
        for (const dep of s.after) {
            const d = byName.get(dep.service);
            if (d) visit(d, [...chain, s.name]);
        }
        visiting.delete(s.name);
        ordered.push(s);
    };
    for (const s of services) visit(s, []);
    return ordered;
}
