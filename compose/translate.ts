// Compose services as kubestrap workloads: a pure function from a loaded Compose project to
// WebApp args, Jobs, claims, ConfigMaps and Secrets, plus the warnings for what Kubernetes
// cannot carry. Nothing is dropped silently: every service key is either translated, reported
// as a warning, or an error (where the result would be wrong). compose/README.md lists them.
import { shortened } from "../core/labels";
import { baselineCapabilities, defaultUserId } from "../core/pod-security";
import type { WebAppArgs } from "../apps/web-app";
import { imageProblem, secretLookingName } from "../core/formats";
import { ComposeError, type ComposeProject } from "./load";
import { serviceMounts, sourceContent } from "./mounts";
import { followRenamedHosts, followRenamedInTest, kubeName, maxStatefulSetName, networkAliasesOf, objectName, selfCallingAliases, serviceAliases, serviceName } from "./names";
import { dependencies, labelAnnotations, networkWarnings, orderByDependencies, probes, resources, restartOf, serviceEnv, servicePorts, userSecurity, words } from "./service-parts";
import type { ComposeTranslation, TranslateOptions, TranslatedService } from "./types";
import { composeSeconds, flag } from "./units";

export type { ServiceOverride, VolumeSettings, ExposeSettings, TranslateOptions, JobPlan, TranslatedService, ComposeTranslation } from "./types";
export { kubeName } from "./names";

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
        const appName = stateful ? shortened(kube, maxStatefulSetName) : kube;
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
