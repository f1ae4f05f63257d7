// Compose services as kubestrap workloads: a pure function from a loaded Compose project to
// WebApp args, Jobs, claims, ConfigMaps and Secrets, plus the warnings for what Kubernetes
// cannot carry. Nothing is dropped silently: every service key is either translated, reported
// as a warning, or an error (where the result would be wrong). compose/README.md lists them.
import * as path from "path";
import { withHash } from "../components/labels";
import { baselineCapabilities, defaultUserId } from "../components/pod-security";
import type { WebAppArgs } from "../components/web-app";
import { imageProblem, secretLookingName } from "../config/formats";
import { ComposeError, ComposeProject, ComposeService, parseDotEnv } from "./load";
import { composeBytes, composeCpus, composeSeconds } from "./units";

export interface ServiceOverride {
    image?: string;
    replicas?: number;
    resources?: WebAppArgs["resources"];
    security?: WebAppArgs["security"];
    /** StatefulSet: a claim per pod from the service's named volumes even with one replica (databases). */
    kind?: "Deployment" | "StatefulSet";
    /** Leave the service out, on purpose (a build-only or host-bound service). */
    skip?: boolean;
    /** Harden this service to restricted Pod Security in an app that runs at baseline. */
    podSecurity?: "restricted";
}

export interface VolumeSettings {
    size?: string;
    storageClass?: string;
    accessMode?: "ReadWriteOnce" | "ReadWriteMany";
}

export interface ExposeSettings {
    service: string;
    /** The container port to route; the service's first port when unset. */
    port?: number;
    host: string;
    paths?: string[];
    className?: string;
    tls?: { clusterIssuer?: string; secretName?: string };
}

export interface TranslateOptions {
    /** The kubestrap app: the part-of label of everything it makes. */
    app: string;
    /** Where `env_file`, file secrets and configs are read from (the compose file's directory). */
    baseDir: string;
    readFile: (file: string) => string;
    env: Record<string, string | undefined>;
    /** A named volume's claim size when config does not give one (per environment). */
    volumeSize: string;
    volumes?: Record<string, VolumeSettings>;
    services?: Record<string, ServiceOverride>;
    expose?: ExposeSettings[];
    /** Compose secrets whose values kubestrap supplies (config's `secrets:`): their file's source is not read. */
    suppliedSecrets?: string[];
    /** The file name problems are reported against. */
    file?: string;
    /**
     * baseline (default): every service runs as Docker runs it (the image's user, a writable
     * root, Docker's default capabilities); restricted: kubestrap's hardening for every service.
     */
    podSecurity?: "baseline" | "restricted";
}

/** A `restart: "no"` service: run once to completion. */
export interface JobPlan {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env: Record<string, string>;
    secretEnv: Record<string, string>;
    workingDir?: string;
    security: NonNullable<WebAppArgs["security"]>;
    resources?: WebAppArgs["resources"];
    volumes: NonNullable<WebAppArgs["volumes"]>;
    volumeMounts: NonNullable<WebAppArgs["volumeMounts"]>;
    waitFor: NonNullable<WebAppArgs["waitFor"]>;
    podAnnotations?: Record<string, string>;
    terminationGracePeriodSeconds?: number;
}

export interface TranslatedService {
    name: string;
    /** Exactly one of the two. */
    web?: Omit<WebAppArgs, "namespace" | "secretEnv"> & { secretEnv: Record<string, string> };
    job?: JobPlan;
    /** Services this one is created after (Pulumi dependsOn): their readiness or completion. */
    after: { service: string; condition: "service_started" | "service_healthy" | "service_completed_successfully" }[];
    /** Other names it answers to on the compose network (container_name, hostname, network aliases): a headless Service each. */
    aliases?: string[];
}

export interface ComposeTranslation {
    services: TranslatedService[];
    claims: { name: string; size: string; storageClass?: string; accessMode: "ReadWriteOnce" | "ReadWriteMany" }[];
    configMaps: { name: string; data: Record<string, string> }[];
    /** Values are plain here; ComposeApp makes them Pulumi secrets. `supplied`: the value comes from config, under this key. */
    secrets: { name: string; data: Record<string, string>; supplied?: string }[];
    warnings: string[];
}

/** What the `restricted` Pod Security profile lets a container add. */
const allowedCapabilities = new Set(["NET_BIND_SERVICE"]);
/** In Docker's and the container runtime's default set already: adding it changes nothing (and baseline refuses the add). */
const runtimeDefaultCapabilities = new Set(["NET_RAW"]);

/** Service keys translated below; any other key is reported, never silently dropped. */
const translated = new Set([
    "image", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "healthcheck", "depends_on",
    "deploy", "secrets", "configs", "restart", "user", "working_dir", "labels", "profiles", "networks", "cap_add", "cap_drop", "links",
    "read_only", "tmpfs", "stop_grace_period", "container_name", "hostname", "build", "privileged", "network_mode", "devices",
    "pid", "ipc", "logging", "extra_hosts", "init", "stdin_open", "tty", "pull_policy", "platform", "security_opt", "ulimits",
    "mem_limit", "mem_reservation", "cpus", "scale", "extends",
]);
/** deploy: keys translated below (placement, update_config, rollback_config and mode are reported there). */
const translatedDeploy = new Set(["replicas", "resources", "restart_policy", "placement", "update_config", "rollback_config", "mode"]);
/** Compose reads these boolean spellings where a value was interpolated into a string. */
const flag = (value: unknown) => value === true || (typeof value === "string" && /^(true|yes|y|on)$/i.test(value));
/** A Compose name (volume, secret, config: letters, digits, '.', '_', '-') as a Kubernetes object name. */
const objectName = (name: string) => name.toLowerCase().replace(/[^a-z0-9.-]/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
/** Keys whose meaning the cluster already gives, or that only matter to a local Docker. */
const harmless: Record<string, string> = {
    pull_policy: "the kubelet pulls by its own policy (IfNotPresent for pinned tags)",
    platform: "the node's architecture picks the image variant",
    init: "Kubernetes reaps zombies only with shareProcessNamespace; add an init to the image if it spawns children",
    logging: "logs go to the node's container log; read them with kubectl logs",
};

export function translateCompose(project: ComposeProject, options: TranslateOptions): ComposeTranslation {
    // A name without a value (`environment: [DEBUG]`) and a secret's environment: source read the
    // shell's variables and then the .env file's, as Compose does (the loader merged them).
    const opts = { ...options, env: { ...project.environment, ...options.env } };
    const file = opts.file ?? "compose.yaml";
    const errors: string[] = [];
    const warnings: string[] = [...(project.warnings ?? [])];
    const error = (at: string, message: string) => errors.push(`${file}: ${at}: ${message}`);
    const warn = (at: string, message: string) => warnings.push(`${file}: ${at}: ${message}`);

    if (project.name && project.name !== opts.app) {
        warn("name", `the project name "${project.name}" is not used: the app is "${opts.app}" (kubestrap:apps[].name), which names its namespace and labels`);
    }
    const overrides = opts.services ?? {};
    for (const name of Object.keys(overrides)) {
        if (!project.services[name]) error(`services.${name}`, `an override for a service the file does not define (or whose profile is off); services: ${Object.keys(project.services).join(", ")}`);
    }
    const active = Object.entries(project.services).filter(([name]) => !overrides[name]?.skip);
    for (const [name] of Object.entries(project.services)) {
        if (overrides[name]?.skip) warn(`services.${name}`, "skipped by config (services.<name>.skip)");
    }
    const activeNames = new Set(active.map(([n]) => n));
    const takenAliases = new Set<string>();
    // A container_name, hostname or alias Compose resolves but no Service can be named
    // (photo_library_postgres): it becomes a valid one, and other services' environment follows.
    const renamedHosts = new Map<string, string>();
    for (const [name, svc] of active) {
        for (const alias of [svc.container_name, svc.hostname, ...networkAliasesOf(svc).map(([, a]) => a)]) {
            if (typeof alias === "string" && alias !== name && !serviceName.test(alias)) {
                const valid = kubeName(alias);
                // Its own service's name will do (container_name: photo_library_server on service photo-library-server).
                const own = valid === kubeName(name);
                if ((own || !activeNames.has(valid)) && ![...renamedHosts.values()].includes(valid)) renamedHosts.set(alias, valid);
            }
        }
    }
    // `links: [db:database]` on a service: db answers as "database" too (namespace-wide here).
    const linkAliases = new Map<string, [string, string][]>();
    for (const [name, svc] of active) {
        ((svc.links ?? []) as unknown[]).map(String).forEach((link, i) => {
            const [target, alias] = link.split(":");
            if (!activeNames.has(target)) warn(`services.${name}.links.${i}`, `${target} is not a service deployed here: the link gives nothing`);
            else if (alias && alias !== target) linkAliases.set(target, [...(linkAliases.get(target) ?? []), [`services.${name}.links.${i}`, alias]]);
        });
    }
    // Every value a secret-named variable holds anywhere in the project: a variable that carries one
    // inside it (a password in DATABASE_URL) is as secret, whatever it is called.
    // Each service's environment, read once (env files included); its problems are said where the service is translated.
    const envs = new Map(active.map(([n, svc]) => {
        const problems: [string, string][] = [];
        return [n, { env: serviceEnv(svc, n, opts, (at, m) => problems.push([at, m])), problems }];
    }));
    const secretValues = [...new Set([...envs.values()].flatMap(({ env }) => Object.entries(env)
        .filter(([k, v]) => secretLookingName.test(k) && v.length >= 4).map(([, v]) => v)))];
    const isSecretEnv = (key: string, value: string) => secretLookingName.test(key) || secretValues.some((secret) => value.includes(secret));
    // Services another waits for to complete: run once, as Compose's default restart ("no") does.
    const awaited = new Set(active.flatMap(([, svc]) => dependencies(svc.depends_on).filter(([, c]) => c === "service_completed_successfully").map(([d]) => d)));
    const runsOnce = (name: string) => restartOf(project.services[name], awaited.has(name)) === "no";

    const usedVolumes = new Map<string, string[]>();
    /** Named volume -> the StatefulSets that give each replica a claim of their own for it. */
    const statefulUsers = new Map<string, string[]>();
    const usedConfigs = new Set<string>();
    const usedSecrets = new Set<string>();
    const services: TranslatedService[] = [];
    const bindConfigMaps: ComposeTranslation["configMaps"] = [];

    for (const [name, svc] of active) {
        const at = (key: string) => `services.${name}.${key}`;
        const override = overrides[name] ?? {};
        const kube = kubeName(name);
        if (kube !== name) {
            const same = kube === name.toLowerCase();
            warn(`services.${name}`, `named ${kube} in the cluster (a Service's name is lower-case letters, digits and '-', a letter first): ` +
                (same ? `other services reach it as ${name} still (DNS ignores case)` : `other services reach it as ${kube}, not ${name}; use that name where they call it`));
        }
        const clash = active.find(([other]) => other !== name && kubeName(other) === kube);
        if (clash) {
            error(`services.${name}`, `${name} and ${clash[0]} would both be named ${kube} in the cluster; rename one`);
            continue;
        }
        for (const key of Object.keys(svc)) {
            if (!translated.has(key) && !key.startsWith("x-")) warn(at(key), "not translated: Kubernetes has no equivalent kubestrap sets");
            else if (harmless[key]) warn(at(key), `not translated: ${harmless[key]}`);
        }
        for (const key of Object.keys(svc.deploy ?? {})) {
            if (!translatedDeploy.has(key) && !key.startsWith("x-")) warn(at(`deploy.${key}`), "not translated: Kubernetes has no equivalent kubestrap sets");
        }
        if (svc.extends !== undefined) error(at("extends"), "extends is not read by kubestrap; write the service out in full (YAML anchors and merge keys work)");
        const image = override.image ?? svc.image;
        if (!image) {
            error(at("build"), svc.build ? "a service with build: and no image: cannot be deployed; build and push the image, then set image: (or services.<name>.image in config)" : "no image: to run; set image:");
            continue;
        }
        const badImage = imageProblem(image);
        if (badImage) error(at("image"), `${badImage} (or set services.<name>.image in config)`);
        if (svc.build) warn(at("build"), `ignored: the cluster runs the pushed image ${image}`);
        // Docker's defaults unless config hardens the app (or this service) to restricted.
        const restricted = opts.podSecurity === "restricted" || override.podSecurity === "restricted";
        const level = opts.podSecurity === "restricted" ? "restricted" : "baseline";
        if (flag(svc.privileged)) error(at("privileged"), `privileged containers are refused by Pod Security (the app's namespace enforces ${level}); remove it or skip the service`);
        if (svc.network_mode !== undefined) {
            if (svc.network_mode === "host" || svc.network_mode === "none") error(at("network_mode"), `network_mode: ${svc.network_mode} cannot be given to a pod under ${level} Pod Security; remove it`);
            else warn(at("network_mode"), `not translated: ${svc.network_mode} (every service is its own pod, reached through its Service)`);
        }
        if (svc.devices) error(at("devices"), `host devices cannot be mounted into a pod under ${level} Pod Security; remove them or skip the service`);
        if (svc.pid === "host" || svc.ipc === "host") error(at(svc.pid === "host" ? "pid" : "ipc"), `host namespaces are refused by ${level} Pod Security; remove it`);
        const securityOpts = (Array.isArray(svc.security_opt) ? svc.security_opt : []).map(String);
        const noNewPrivileges = securityOpts.some((o) => /^no-new-privileges(:true)?$/.test(o));
        if (securityOpts.some((o) => !/^no-new-privileges(:(true|false))?$/.test(o))) warn(at("security_opt"), "not translated, but for no-new-privileges (the pod runs with the runtime's default seccomp and AppArmor profiles)");
        for (const key of ["ulimits", "extra_hosts", "stdin_open", "tty"] as const) {
            if (svc[key] !== undefined) warn(at(key), "not translated");
        }
        const capabilities = (svc.cap_add ?? []).map((c: string) => String(c).replace(/^CAP_/, ""))
            .filter((c: string) => restricted || !runtimeDefaultCapabilities.has(c));
        const addable = restricted ? allowedCapabilities : baselineCapabilities;
        for (const cap of capabilities.filter((c: string) => !addable.has(c))) {
            error(at("cap_add"), restricted
                ? `${cap} is refused by restricted Pod Security (it allows NET_BIND_SERVICE only); remove it, or run the service as Docker would (no podSecurity: restricted)`
                : `${cap} is beyond Docker's default capabilities, the set baseline Pod Security allows (${[...baselineCapabilities].join(", ")}); remove it or skip the service`);
        }
        const dropped = (svc.cap_drop ?? []).map((c: string) => String(c).replace(/^CAP_/, ""));
        if (restricted && dropped.length) warn(at("cap_drop"), "not translated: every capability is already dropped (restricted)");

        const { env: composeEnv, problems: envProblems } = envs.get(name)!;
        envProblems.forEach(([at, message]) => error(at, message));
        const env = followRenamedHosts(composeEnv, renamedHosts, (k, from, to) =>
            warn(at(`environment.${k}`), `names ${from}, which no Service can be called: rewritten to ${to}, the name it has in the cluster`));
        const plainEnv: Record<string, string> = {};
        const secretEnv: Record<string, string> = {};
        for (const [k, v] of Object.entries(env)) (isSecretEnv(k, v) ? secretEnv : plainEnv)[k] = v;

        const user = userSecurity(svc.user, at("user"), restricted, error, warn);
        const security: NonNullable<WebAppArgs["security"]> = restricted ? { ...user, ...override.security } : {
            asDocker: true, ...user, readOnlyRootFilesystem: flag(svc.read_only),
            ...(noNewPrivileges ? { allowPrivilegeEscalation: false } : {}),
            ...(dropped.length ? { dropCapabilities: dropped } : {}),
            ...override.security,
        };
        if (restricted) {
            if (svc.read_only !== undefined && !flag(svc.read_only) && security.readOnlyRootFilesystem === undefined) {
                warn(at("read_only"), "kept read-only: kubestrap's pods have a read-only root with a writable /tmp; give writable paths as volumes or tmpfs, or set services.<name>.security.readOnlyRootFilesystem: false");
            }
            warn(`services.${name}`, `hardened to restricted Pod Security by config, unlike Docker: runs as uid ${security.runAsUser ?? defaultUserId} rather than the image's user, ` +
                `${security.readOnlyRootFilesystem === false ? "" : "with a read-only root, "}every capability dropped; an image that starts as root (most database images) fails to start`);
        }
        if (capabilities.length > 0) security.addCapabilities = capabilities.filter((c: string) => addable.has(c));

        const mounts = serviceMounts(svc, kube, opts, { error, warn, at }, usedVolumes, usedConfigs, usedSecrets, project, bindConfigMaps);
        const ports = servicePorts(svc, at, warn, error);
        const waitFor: { host: string; port: number }[] = [];
        const after: TranslatedService["after"] = [];
        for (const [dep, condition, required] of dependencies(svc.depends_on)) {
            if (!activeNames.has(dep)) {
                if (required) error(at(`depends_on.${dep}`), project.services[dep] ? `depends on ${dep}, which is skipped by config; skip this one too or keep ${dep}` : `depends on ${dep}, which is not a service here (check its profiles); turn on its profile, or mark the dependency required: false`);
                else warn(at(`depends_on.${dep}`), `${dep} is not deployed (required: false): not waited for`);
                continue;
            }
            after.push({ service: kubeName(dep), condition });
            if (flag(svc.depends_on?.[dep]?.restart)) warn(at(`depends_on.${dep}.restart`), `not translated: this service is not restarted when ${dep} is`);
            if (condition === "service_completed_successfully") continue;
            const depCheck = project.services[dep].healthcheck;
            if (condition === "service_healthy" && (!depCheck?.test || flag(depCheck.disable))) {
                warn(at(`depends_on.${dep}`), `${dep} has no healthcheck test (Compose would refuse to start): its port accepting connections is taken as healthy`);
            }
            const depPorts = servicePorts(project.services[dep], () => "", () => undefined, () => undefined);
            // A run-once dependency is a Job with no Service to wait on: Pulumi creates this one after it completes.
            if (runsOnce(dep)) warn(at(`depends_on.${dep}`), `${dep} runs once (a Job): this service starts after it completes, not when it starts (${condition})`);
            else if (depPorts.length > 0) waitFor.push({ host: kubeName(dep), port: depPorts[0].port });
            else warn(at(`depends_on.${dep}`), `${dep} declares no port, so ${name} is ordered after it at creation only (no port to wait on); it still reaches ${dep} by name (a headless Service), on any port`);
        }
        const command = svc.entrypoint !== undefined ? words(svc.entrypoint) : undefined;
        const args = svc.command !== undefined ? words(svc.command) : undefined;
        if (command === null) error(at("entrypoint"), "a quote is not closed; close it, or write the entrypoint as a list");
        if (args === null) error(at("command"), "a quote is not closed; close it, or write the command as a list");

        const restart = restartOf(svc, awaited.has(name));
        if (awaited.has(name) && (restart === "always" || restart === "unless-stopped" || restart === "any")) {
            error(at("restart"), `${restart} keeps restarting a service others wait for to complete (service_completed_successfully); set restart: "no"`);
        }
        if (restart === "no" || (awaited.has(name) && restart.startsWith("on-failure"))) {
            if (restart !== "no") warn(at("restart"), "a service others wait for to complete runs as a Job that is not retried (backoffLimit 0)");
            if (svc.deploy?.replicas !== undefined && Number(svc.deploy.replicas) !== 1) warn(at("deploy.replicas"), "a run-once service runs as one Job pod");
            if (ports.length > 0) warn(at(svc.ports ? "ports" : "expose"), "a run-once service (restart: no) becomes a Job and gets no Service");
            if (svc.healthcheck !== undefined) warn(at("healthcheck"), "not translated: a run-once service becomes a Job, whose pod is not probed (it is done when it exits 0)");
            // The Job mounts the shared claims too: they must exist before it runs.
            for (const source of mounts.claimSources) usedVolumes.get(source)!.push(name);
            services.push({
                name: kube, after,
                job: {
                    name: kube, image, command: command ?? undefined, args: args ?? undefined, env: plainEnv, secretEnv, workingDir: svc.working_dir, security,
                    resources: override.resources ?? resources(svc, at, error, warn), volumes: mounts.volumes, volumeMounts: mounts.volumeMounts, waitFor,
                    podAnnotations: labelAnnotations(svc.labels, at("labels"), warn),
                    terminationGracePeriodSeconds: svc.stop_grace_period !== undefined ? composeSeconds(svc.stop_grace_period) : undefined,
                },
            });
            continue;
        }
        if (restart.startsWith("on-failure")) warn(at("restart"), "a Deployment restarts the container whatever its exit code; use restart: \"no\" for a run-once task");

        const replicas = override.replicas ?? Number(svc.deploy?.replicas ?? svc.scale ?? 1);
        if (svc.deploy?.placement) warn(at("deploy.placement"), "not translated: use the cluster's node labels (kubestrap:cluster) instead");
        for (const key of ["update_config", "rollback_config"]) {
            if (svc.deploy?.[key]) warn(at(`deploy.${key}`), "not translated: Deployments roll pods one at a time");
        }
        if (svc.deploy?.mode === "global") error(at("deploy.mode"), "global services (one per node) are DaemonSets, which kubestrap does not make from compose; use replicated");
        for (const key of Object.keys(svc.deploy?.restart_policy ?? {})) {
            if (key !== "condition") warn(at(`deploy.restart_policy.${key}`), "not translated: the kubelet restarts containers with its own back-off");
        }
        const asked = overrides[name]?.kind;
        if (asked === "StatefulSet" && mounts.claimTemplates.length === 0) error(at("volumes"), "kind StatefulSet (kubestrap:apps[].services) needs a named volume for its claims; mount one or drop the kind");
        const stateful = mounts.claimTemplates.length > 0 && (replicas > 1 ? asked !== "Deployment" : asked === "StatefulSet");
        if (stateful) {
            if (asked !== "StatefulSet") warn(at("volumes"), `${replicas} replicas with named volume ${mounts.claimSources.join(", ")}: a StatefulSet gives each replica its own claim (compose would share one volume)`);
            for (const source of mounts.claimSources) statefulUsers.set(source, [...(statefulUsers.get(source) ?? []), name]);
            // The claim templates provide these volumes.
            mounts.volumes = mounts.volumes.filter((v) => !mounts.claimTemplates.some((c) => c.name === v.name));
        }
        const expose = (opts.expose ?? []).filter((e) => e.service === name);
        const ingressPort = expose[0] && (expose[0].port === undefined ? ports[0] : ports.find((p) => p.port === expose[0].port));
        if (expose[0] && !ingressPort) error(`expose.${name}`, `port ${expose[0].port ?? "(first)"} is not one of ${name}'s ports (${ports.map((p) => p.port).join(", ") || "none"}); name one of them`);
        if (expose.length > 1) error(`expose.${name}`, "one expose entry per service; list several paths in one");

        const aliases = serviceAliases(svc, kube, activeNames, takenAliases, at, warn, linkAliases.get(name) ?? [], renamedHosts);
        // A StatefulSet's pods carry controller-revision-hash: <name>-<10 characters>, a label value (63 at most).
        const appName = stateful && kube.length > maxStatefulSetName ? withHash(kube.slice(0, maxStatefulSetName - 9).replace(/-+$/, ""), kube) : kube;
        if (appName !== kube) {
            aliases.unshift(kube);
            warn(at("volumes"), `its StatefulSet is named ${appName} (at most ${maxStatefulSetName} characters, so its pods' revision label fits); other services still reach it as ${kube}`);
        }
        const checked = svc.healthcheck?.test === undefined ? svc : { ...svc, healthcheck: { ...svc.healthcheck, test: followRenamedInTest(svc.healthcheck.test, renamedHosts,
            (from, to) => warn(at("healthcheck.test"), `names ${from}, which no Service can be called: rewritten to ${to}, the name it has in the cluster`)) } };
        const serviceProbes = probes(checked, name, ports, at, warn);
        const hostAliases = selfCallingAliases(serviceProbes, [name, kube, ...aliases, svc.container_name, svc.hostname]);
        services.push({
            name: kube, after, aliases,
            web: {
                appName,
                image,
                kind: stateful ? "StatefulSet" : "Deployment",
                replicas,
                ports,
                command: command ?? undefined,
                args: args ?? undefined,
                env: plainEnv,
                secretEnv,
                probes: serviceProbes,
                ...(hostAliases ? { hostAliases } : {}),
                resources: override.resources ?? resources(svc, at, error, warn),
                volumes: mounts.volumes,
                volumeMounts: mounts.volumeMounts,
                claimTemplates: stateful ? mounts.claimTemplates : undefined,
                waitFor,
                workingDir: svc.working_dir,
                podAnnotations: labelAnnotations(svc.labels, at("labels"), warn),
                terminationGracePeriodSeconds: svc.stop_grace_period !== undefined ? composeSeconds(svc.stop_grace_period) : undefined,
                security,
                partOf: opts.app,
                ingress: expose[0] && ingressPort ? {
                    host: expose[0].host, paths: expose[0].paths, className: expose[0].className, tls: expose[0].tls, port: ingressPort.name,
                } : undefined,
            },
        });
        if (!stateful) {
            for (const source of mounts.claimSources) usedVolumes.get(source)!.push(name);
        }
    }
    for (const e of opts.expose ?? []) {
        if (!activeNames.has(e.service)) error(`expose.${e.service}`, `no service ${e.service} to expose (services: ${[...activeNames].join(", ")})`);
    }

    networkWarnings(project, active, warn);
    const claims = [...usedVolumes.entries()].filter(([, users]) => users.length > 0).map(([volume, users]) => {
        const settings = opts.volumes?.[volume] ?? {};
        const accessMode = settings.accessMode ?? "ReadWriteOnce";
        if (users.length > 1 && accessMode === "ReadWriteOnce") {
            warn(`volumes.${volume}`, `mounted by ${users.join(" and ")}: a ReadWriteOnce claim is shared only by pods on one node; set volumes.${volume}.accessMode: ReadWriteMany with a storage class that supports it`);
        }
        return { name: objectName(volume), size: settings.size ?? opts.volumeSize, storageClass: settings.storageClass, accessMode };
    });
    for (const [volume, sets] of statefulUsers) {
        const others = [...(usedVolumes.get(volume) ?? []), ...sets];
        if (others.length > 1) warn(`volumes.${volume}`, `mounted by ${others.join(" and ")}: ${sets.join(" and ")} give${sets.length === 1 ? "s" : ""} each replica a claim of its own, so they do not share its data`);
    }
    const claimNames = new Map<string, string>();
    for (const v of Object.keys(project.volumes)) {
        if (claimNames.has(objectName(v))) error(`volumes.${v}`, `its claim would be named ${objectName(v)}, as ${claimNames.get(objectName(v))}'s is; rename one`);
        claimNames.set(objectName(v), v);
    }
    for (const v of Object.keys(opts.volumes ?? {})) {
        if (!project.volumes[v]) error(`volumes.${v}`, `settings for a volume the file does not declare (volumes: ${Object.keys(project.volumes).join(", ") || "none"})`);
    }
    const configMaps = [...[...usedConfigs].map((c) => ({ name: objectName(`config-${c}`), data: { [c]: sourceContent(project.configs[c], `configs.${c}`, opts, error) } })), ...bindConfigMaps];
    const supplied = new Set(opts.suppliedSecrets ?? []);
    const secrets = [...usedSecrets].map((s) => supplied.has(s)
        ? { name: objectName(`secret-${s}`), data: {}, supplied: s }
        : { name: objectName(`secret-${s}`), data: { [s]: sourceContent(project.secrets[s], `secrets.${s}`, opts, error) } });
    for (const s of [...supplied].filter((s) => project.secrets[s] && !usedSecrets.has(s))) warn(`secrets.${s}`, "given a value but used by no deployed service: no Secret made");
    for (const unused of Object.keys(project.volumes).filter((v) => !usedVolumes.has(v))) warn(`volumes.${unused}`, "declared but mounted by no deployed service: no claim made");

    if (errors.length > 0) throw new ComposeError(file, errors);
    return { services: orderByDependencies(services, file), claims, configMaps, secrets, warnings: [...new Set(warnings)] };
}

/** A list as it is; a string split as a POSIX shell splits words (quotes, backslashes), as Compose does. null: an unclosed quote. */
function words(value: string | string[]): string[] | null {
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
function restartOf(svc: ComposeService, awaited: boolean): string {
    return String(svc.restart ?? svc.deploy?.restart_policy?.condition ?? (awaited ? "no" : "always")).replace(/^none$/, "no");
}

function serviceEnv(svc: ComposeService, name: string, opts: TranslateOptions, error: (at: string, m: string) => void): Record<string, string> {
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

function userSecurity(user: unknown, at: string, restricted: boolean, error: (at: string, m: string) => void, warn: (at: string, m: string) => void): NonNullable<WebAppArgs["security"]> {
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

interface Mounts {
    volumes: NonNullable<WebAppArgs["volumes"]>;
    volumeMounts: NonNullable<WebAppArgs["volumeMounts"]>;
    claimTemplates: NonNullable<WebAppArgs["claimTemplates"]>;
    /** The named volumes behind claimTemplates, in the same order. */
    claimSources: string[];
}

function serviceMounts(svc: ComposeService, name: string, opts: TranslateOptions, report: { error: (at: string, m: string) => void; warn: (at: string, m: string) => void; at: (k: string) => string },
    usedVolumes: Map<string, string[]>, usedConfigs: Set<string>, usedSecrets: Set<string>, project: ComposeProject, bindConfigMaps: ComposeTranslation["configMaps"]): Mounts {
    const out: Mounts = { volumes: [], volumeMounts: [], claimTemplates: [], claimSources: [] };
    const add = (volume: Mounts["volumes"][number], mount: Omit<Mounts["volumeMounts"][number], "name">) => {
        if (!out.volumes.some((v) => v.name === volume.name)) out.volumes.push(volume);
        out.volumeMounts.push({ name: volume.name, ...mount });
    };
    (svc.volumes ?? []).forEach((entry: string | Record<string, any>, i: number) => {
        const v = typeof entry === "string" ? shortVolume(entry) : entry;
        const at = report.at(`volumes.${i}`);
        const readOnly = flag(v.read_only);
        if (v.type === "volume" && !v.source) {
            add({ name: `anon-${i}`, emptyDir: {} }, { mountPath: v.target, readOnly });
            report.warn(at, `an anonymous volume at ${v.target} becomes an emptyDir: it lasts as long as the pod`);
        } else if (v.type === "volume") {
            const declared = project.volumes[v.source];
            if (declared === undefined) {
                report.error(at, `volume ${v.source} is not declared under the top-level volumes:; declare it`);
                return;
            }
            const claimName = declared?.external ? (declared.name ?? v.source) : v.source;
            if (declared?.external) {
                add({ name: volumeName(v.source), persistentVolumeClaim: { claimName } }, { mountPath: v.target, readOnly, ...(v.volume?.subpath ? { subPath: v.volume.subpath } : {}) });
                report.warn(at, `external volume ${v.source}: mounts the existing claim ${claimName}, which kubestrap does not create`);
                return;
            }
            if (declared?.driver && declared.driver !== "local") report.warn(`volumes.${v.source}.driver`, "not translated: the claim uses the cluster's storage class (volumes.<name>.storageClass in config)");
            if (declared?.driver_opts) report.warn(`volumes.${v.source}.driver_opts`, "not translated: the claim is a new, empty volume of the cluster's storage class, not what the options mount");
            out.claimTemplates.push({ name: volumeName(v.source), size: opts.volumes?.[v.source]?.size ?? opts.volumeSize, storageClass: opts.volumes?.[v.source]?.storageClass });
            out.claimSources.push(v.source);
            add({ name: volumeName(v.source), persistentVolumeClaim: { claimName: objectName(v.source) } }, { mountPath: v.target, readOnly, ...(v.volume?.subpath ? { subPath: v.volume.subpath } : {}) });
            if (!usedVolumes.has(v.source)) usedVolumes.set(v.source, []);
        } else if (v.type === "tmpfs" && v.target === "/tmp") {
            // Every kubestrap pod already has a writable, pod-lived /tmp.
        } else if (v.type === "tmpfs") {
            const size = v.tmpfs?.size !== undefined ? composeBytes(v.tmpfs.size) : undefined;
            add({ name: `tmpfs-${i}`, emptyDir: { medium: "Memory", ...(size ? { sizeLimit: size } : {}) } }, { mountPath: v.target });
        } else if (v.type === "bind") {
            bindMount(v, i, at, name, opts, report, add, bindConfigMaps);
        } else {
            report.error(at, `a ${v.type} mount cannot be translated; use a named volume, tmpfs or a read-only bind of a project file`);
        }
    });
    const tmpfs = svc.tmpfs === undefined ? [] : Array.isArray(svc.tmpfs) ? svc.tmpfs : [svc.tmpfs];
    tmpfs.forEach((entry: string, i: number) => {
        // "/run:rw,size=64m,mode=1777": the size is kept; the rest is the kubelet's. /tmp is every pod's already.
        const [target, options = ""] = entry.split(":");
        if (target === "/tmp") return;
        const size = /(?:^|,)size=([^,]+)/.exec(options)?.[1];
        const sizeLimit = size !== undefined ? composeBytes(size) : undefined;
        if (size !== undefined && !sizeLimit) report.error(report.at(`tmpfs.${i}`), `"${size}" is not a size; write one like 64m`);
        add({ name: `tmpfs-s${i}`, emptyDir: { medium: "Memory", ...(sizeLimit ? { sizeLimit } : {}) } }, { mountPath: target });
    });

    for (const [kind, used, declared, defaultDir] of [["secrets", usedSecrets, project.secrets, "/run/secrets/"], ["configs", usedConfigs, project.configs, "/"]] as const) {
        (svc[kind] ?? []).forEach((entry: string | Record<string, any>, i: number) => {
            const ref = typeof entry === "string" ? { source: entry } : entry;
            const at = report.at(`${kind}.${i}`);
            const def = declared[ref.source];
            if (def === undefined) {
                report.error(at, `${ref.source} is not declared under the top-level ${kind}:; declare it with file: or environment:`);
                return;
            }
            if (def.external) {
                report.error(at, `external ${kind.slice(0, -1)} ${ref.source} lives in Docker's store; give it a file: or environment: source`);
                return;
            }
            if (ref.uid !== undefined || ref.gid !== undefined) report.warn(at, "uid/gid not translated: the file belongs to the pod's group (fsGroup)");
            used.add(ref.source);
            const target = ref.target ? (ref.target.startsWith("/") ? ref.target : `${defaultDir}${ref.target}`) : `${defaultDir}${ref.source}`;
            const object = objectName(`${kind === "secrets" ? "secret" : "config"}-${ref.source}`);
            // Compose reads a mode written as a string in octal ("0440").
            const mode = ref.mode === undefined ? {} : { defaultMode: typeof ref.mode === "string" ? parseInt(ref.mode, 8) : ref.mode };
            if (mode.defaultMode !== undefined && !(mode.defaultMode >= 0 && mode.defaultMode <= 0o777)) report.error(`${at}.mode`, `"${ref.mode}" is not a file mode; write one in octal, like "0440"`);
            const volume = kind === "secrets"
                ? { name: volumeName(object), secret: { secretName: object, ...mode } }
                : { name: volumeName(object), configMap: { name: object, ...mode } };
            add(volume, { mountPath: target, subPath: ref.source, readOnly: true });
        });
    }
    return out;
}

/** A read-only bind of a project file travels as a ConfigMap; anything else would be wrong in a cluster. */
function bindMount(v: Record<string, any>, i: number, at: string, service: string, opts: TranslateOptions, report: { error: (at: string, m: string) => void; warn: (at: string, m: string) => void },
    add: (volume: any, mount: any) => void, bindConfigMaps: ComposeTranslation["configMaps"]) {
    const source = String(v.source);
    if (path.isAbsolute(source) || source.startsWith("~")) {
        report.error(at, `${source} is a path on the Docker host, which the cluster's nodes do not have; drop the mount (or skip the service) and ship what it holds in the image, configs: or secrets:`);
        return;
    }
    let content: string;
    try {
        content = opts.readFile(path.resolve(opts.baseDir, source));
    } catch {
        report.error(at, `${source} is not a file kubestrap can read from ${opts.baseDir} (directories and missing files cannot be shipped); use a named volume or configs:`);
        return;
    }
    if (Buffer.byteLength(content) > configMapLimit) {
        report.error(at, `${source} is ${megabytes(content)}; a ConfigMap holds at most 1 MiB, so it cannot travel as one: bake it into the image, ` +
            "or put it on a named volume that an init step (a run-once service) fills");
        return;
    }
    if (v.read_only !== true) report.warn(at, `${source} is shipped read-only as a ConfigMap: writes to ${v.target} fail`);
    const key = path.basename(source).replace(/[^-._a-zA-Z0-9]/g, "_");
    const name = label63(`bind-${service}-${i}`);
    bindConfigMaps.push({ name, data: { [key]: content } });
    add({ name, configMap: { name } }, { mountPath: v.target, subPath: key, readOnly: true });
}

/** A pod volume's name (a DNS label, 63 at most): kept when it fits, else its start and a hash of the whole. */
const label63 = (name: string) => name.length <= 63 ? name : withHash(name.slice(0, 54).replace(/-+$/, ""), name);
const volumeName = (source: string) => label63(`v-${source}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+$/, ""));

/** `source:target[:mode]` as the long syntax. */
function shortVolume(text: string): Record<string, any> {
    const parts = text.split(":");
    if (parts.length === 1) return { type: "volume", target: parts[0] };
    const [source, target, mode = ""] = parts;
    const isPath = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
    return { type: isPath ? "bind" : "volume", source, target, read_only: mode.split(",").includes("ro") };
}

function servicePorts(svc: ComposeService, at: (k: string) => string, warn: (at: string, m: string) => void, error: (at: string, m: string) => void): NonNullable<WebAppArgs["ports"]> {
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

function probes(svc: ComposeService, name: string, ports: NonNullable<WebAppArgs["ports"]>, at: (k: string) => string, warn: (at: string, m: string) => void): WebAppArgs["probes"] {
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

/**
 * A healthcheck that calls the service by its own name: on a compose network that name reaches
 * the container itself, while in the cluster it is a Service that routes only to Ready pods, so
 * the check could never pass. The pod resolves its own names to itself (hostAliases) instead.
 */
function selfCallingAliases(p: WebAppArgs["probes"], names: unknown[]): { ip: string; hostnames: string[] }[] | undefined {
    const text = p?.exec?.command.join(" ");
    if (!text) return undefined;
    const own = [...new Set(names.filter((n): n is string => typeof n === "string" && n.length > 0))];
    const called = own.filter((n) => new RegExp(`(^|[\\s/@'"=])${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([:/'"\\s]|$)`).test(text));
    return called.length ? [{ ip: "127.0.0.1", hostnames: own.filter((n) => serviceName.test(n)) }] : undefined;
}

function resources(svc: ComposeService, at: (k: string) => string, error: (at: string, m: string) => void, warn: (at: string, m: string) => void): WebAppArgs["resources"] {
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

function dependencies(dependsOn: unknown): [string, TranslatedService["after"][number]["condition"], boolean][] {
    if (!dependsOn) return [];
    if (Array.isArray(dependsOn)) return dependsOn.map((d) => [String(d), "service_started", true]);
    return Object.entries(dependsOn as Record<string, { condition?: string; required?: boolean }>)
        .map(([d, c]) => [d, (c?.condition ?? "service_started") as TranslatedService["after"][number]["condition"], c?.required ?? true]);
}

/** An annotation key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
const annotationKey = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Compose labels are free text; Kubernetes label values are not, so they travel as pod annotations. */
function labelAnnotations(labels: unknown, at: string, warn: (at: string, m: string) => void): Record<string, string> | undefined {
    if (!labels) return undefined;
    const pairs = Array.isArray(labels) ? labels.map((l: string) => [l.split("=")[0], l.split("=").slice(1).join("=")]) : Object.entries(labels as Record<string, unknown>);
    for (const [k] of pairs.filter(([k]) => !annotationKey.test(k))) warn(`${at}.${k}`, "not translated: not a Kubernetes annotation key (at most 63 characters after an optional prefix/)");
    return Object.fromEntries(pairs.filter(([k]) => annotationKey.test(k)).map(([k, v]) => [k, String(v ?? "")]));
}

/** What the API server stores in one ConfigMap or Secret: 1 MiB (etcd's object limit, less room for the rest). */
const configMapLimit = 1024 * 1024 - 4096;
const megabytes = (content: string) => `${(Buffer.byteLength(content) / 1e6).toFixed(1)} MB`;

function sourceContent(def: Record<string, any>, at: string, opts: TranslateOptions, error: (at: string, m: string) => void): string {
    if (def.file !== undefined) {
        try {
            const content = opts.readFile(path.resolve(opts.baseDir, def.file));
            if (Buffer.byteLength(content) > configMapLimit) {
                error(at, `${def.file} is ${megabytes(content)}; a ConfigMap or Secret holds at most 1 MiB: bake it into the image, or put it on a named volume`);
                return "";
            }
            return content;
        } catch {
            error(at, `cannot read ${def.file} (relative to ${opts.baseDir}); create it or fix the path`);
            return "";
        }
    }
    if (def.environment !== undefined) {
        const value = opts.env[def.environment];
        if (value === undefined) error(at, `environment variable ${def.environment} is not set; export it before running pulumi`);
        return value ?? "";
    }
    if (def.content !== undefined) return String(def.content);
    error(at, "has no file:, environment: or content: source; give it one");
    return "";
}

/** Compose networks become one namespace; say so when the file asked services apart. */
function networkWarnings(project: ComposeProject, active: [string, ComposeService][], warn: (at: string, m: string) => void) {
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
function orderByDependencies(services: TranslatedService[], file: string): TranslatedService[] {
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

/** A Service's name: a DNS-1035 label (a letter first), at most 63 characters. */
const serviceName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The other names a service answers to on a compose network: container_name, hostname and its
 * networks' aliases. Each becomes a headless Service (ComposeApp), so the names other services use
 * for it resolve in the cluster too; one that no Service can be named is reported.
 */
const networkAliasesOf = (svc: ComposeService): (readonly [string, string])[] => Array.isArray(svc.networks) || !svc.networks ? [] :
    Object.entries(svc.networks as Record<string, any>).flatMap(([n, s]) => ((s?.aliases ?? []) as unknown[]).map((a, i) => [`networks.${n}.aliases.${i}`, String(a)] as const));

/** A service's environment with each renamed host (a name no Service can have) written as it is called in the cluster. */
function followRenamedHosts(env: Record<string, string>, renamed: Map<string, string>, said: (key: string, from: string, to: string) => void): Record<string, string> {
    if (renamed.size === 0) return env;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        let value = v;
        for (const [from, to] of renamed) {
            // As a host: not inside a longer name (a path segment or a word of its own).
            const host = new RegExp(`(^|[^A-Za-z0-9_.-])${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_-])`, "g");
            const next = value.replace(host, `$1${to}`);
            if (next !== value) said(k, from, to);
            value = next;
        }
        out[k] = value;
    }
    return out;
}

/** A healthcheck's test (a string or CMD list) with renamed hosts followed, as the environment's are. */
function followRenamedInTest(test: unknown, renamed: Map<string, string>, said: (from: string, to: string) => void): unknown {
    const follow = (word: string) => followRenamedHosts({ word }, renamed, (_, from, to) => said(from, to)).word;
    return typeof test === "string" ? follow(test) : Array.isArray(test) ? test.map((w) => typeof w === "string" ? follow(w) : w) : test;
}

function serviceAliases(svc: ComposeService, name: string, services: Set<string>, taken: Set<string>, at: (k: string) => string, warn: (at: string, m: string) => void,
    links: [string, string][], renamed: Map<string, string>): string[] {
    const wanted: (readonly [string, string])[] = [
        ...(svc.container_name !== undefined ? [[at("container_name"), String(svc.container_name)] as const] : []),
        ...(svc.hostname !== undefined ? [[at("hostname"), String(svc.hostname)] as const] : []),
        ...networkAliasesOf(svc).map(([key, alias]) => [at(key), alias] as const),
        ...links,
    ];
    const aliases: string[] = [];
    for (const [where, given] of wanted) {
        const alias = renamed.get(given) ?? given;
        if (alias !== given) warn(where, `"${given}" cannot name a Service (lower-case letters, digits and '-', a letter first): it is ${alias} in the cluster, and other services' environment says so`);
        if (alias === name || aliases.includes(alias)) continue;
        if (services.has(alias) || taken.has(alias)) warn(where, `${alias} is already another service's name or alias; other services reach that one by it, not ${name}`);
        else if (!serviceName.test(alias)) warn(where, `"${alias}" cannot name a Service (lower-case letters, digits and '-', a letter first): other services reach ${name} by its service name only`);
        else {
            aliases.push(alias);
            taken.add(alias);
        }
    }
    return aliases;
}

/**
 * A compose service's name as its objects' and Service's name in the cluster (DNS-1035): a valid
 * one is kept as it is; upper case is lowered, other characters become '-', a leading digit gets
 * "s-", and a name over 63 characters keeps its start and a short hash.
 */
/** The longest StatefulSet name whose revision label (`<name>-<hash of 10>`) is a valid label value. */
const maxStatefulSetName = 52;

export function kubeName(name: string): string {
    if (serviceName.test(name)) return name;
    let kube = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
    if (!/^[a-z]/.test(kube)) kube = `s-${kube}`;
    if (kube.length > 63) kube = withHash(kube.slice(0, 54).replace(/-+$/, ""), name);
    return kube;
}
