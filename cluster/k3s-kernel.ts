// The kernel parameters k3s's CIS profile needs. With `protect-kernel-defaults: true`, kubelet
// refuses to start unless each of these already has the value below (kubelet's
// setupKernelTunables, k8s 1.31-1.32). The k3s hardening guide lists the first four in
// /etc/sysctl.d/90-kubelet.conf; the two key quotas are kernel defaults kubelet checks too.
export const kubeletKernelParameters: Record<string, number> = {
    "vm.panic_on_oom": 0,
    "vm.overcommit_memory": 1,
    "kernel.panic": 10,
    "kernel.panic_on_oops": 1,
    "kernel.keys.root_maxkeys": 1000000,
    "kernel.keys.root_maxbytes": 25000000,
};

export const kernelPaths = {
    conf: "/etc/sysctl.d/90-kubelet.conf",
    /** The values the host had before kubestrap set them; restored when the node goes. */
    saved: "/var/lib/kubestrap/sysctl-before.conf",
};

export const kubeletSysctlConf = Object.entries(kubeletKernelParameters).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";

/** Saves the host's current values once, writes the sysctl.d file and applies it now, before k3s starts. */
export function applyKernelParametersScript(sudo: string): string {
    const keys = Object.keys(kubeletKernelParameters).join(" ");
    return [
        "set -eu",
        `if [ ! -f ${kernelPaths.saved} ]; then`,
        `  for key in ${keys}; do echo "$key=$(sysctl -n "$key")"; done | ${sudo}install -D -m 600 /dev/stdin ${kernelPaths.saved}`,
        "fi",
        `echo '${Buffer.from(kubeletSysctlConf).toString("base64")}' | base64 -d | ${sudo}install -D -m 644 /dev/stdin ${kernelPaths.conf}`,
        `${sudo}sysctl -p ${kernelPaths.conf} >/dev/null`,
    ].join("\n");
}

/** Puts back what the host had and removes the file, so the host is as it was. */
export function restoreKernelParametersScript(sudo: string): string {
    return [
        "set -u",
        `if [ -f ${kernelPaths.saved} ]; then ${sudo}sysctl -p ${kernelPaths.saved} >/dev/null || true; ${sudo}rm -f ${kernelPaths.saved}; fi`,
        `${sudo}rm -f ${kernelPaths.conf}`,
    ].join("\n");
}

/**
 * Preflight for the CIS profile: the parameters can be set here. Where /proc/sys is read-only
 * (a container, some sandboxes) kubelet would exit on start; say so before anything is installed.
 * Expects `fail` to be defined by the surrounding script.
 */
export function kernelParametersPreflight(mounts = "/proc/mounts"): string[] {
    const wanted = Object.entries(kubeletKernelParameters).map(([k, v]) => `${k}=${v}`).join(", ");
    return [
        `if awk '$2 == "/proc/sys" && $4 ~ /(^|,)ro(,|$)/ { ro = 1 } END { exit !ro }' ${mounts}; then`,
        `  fail "the CIS profile (hardened) needs the kernel parameters ${wanted}, but /proc/sys is read-only here (a container?); run k3s on a VM or bare metal, or set kubestrap:cluster.k3s.hardened to false"`,
        "fi",
        `for key in ${Object.keys(kubeletKernelParameters).join(" ")}; do`,
        `  [ -e "/proc/sys/$(echo "$key" | tr . /)" ] || fail "the CIS profile (hardened) needs the kernel parameter $key, which this kernel does not have; set kubestrap:cluster.k3s.hardened to false"`,
        "done",
    ];
}
