// The kubeconfig kubestrap exports and uses. k3s's admin kubeconfig (k3s.yaml) authenticates
// with a client certificate that k3s renews on restart within 90 days of its one-year expiry,
// so a copy taken at install time stops working. kubestrap instead gives itself a
// ServiceAccount bound to cluster-admin with a long-lived token Secret: the token does not
// expire and does not change when k3s rotates certificates, and the cluster CA it trusts is
// valid for ten years. Revoke it by deleting the Secret; `kubeconfigRotation` issues a new one.
import { createHash } from "crypto";

export const adminIdentity = { namespace: "kube-system", serviceAccount: "kubestrap-admin", tokenLabel: "kubestrap.dev/admin-token" };

const { namespace, serviceAccount, tokenLabel } = adminIdentity;

/**
 * A legacy ServiceAccount token has no issue time: a Secret recreated under the same name gets
 * the very same token. So each rotation value names a Secret of its own.
 */
export function adminTokenSecret(rotation?: string): string {
    return rotation ? `${serviceAccount}-token-${createHash("sha256").update(rotation).digest("hex").slice(0, 8)}` : `${serviceAccount}-token`;
}

const manifests = (secret: string) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${serviceAccount}
  namespace: ${namespace}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${serviceAccount}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: ${serviceAccount}
  namespace: ${namespace}
---
apiVersion: v1
kind: Secret
metadata:
  name: ${secret}
  namespace: ${namespace}
  labels:
    ${tokenLabel}: "true"
  annotations:
    kubernetes.io/service-account.name: ${serviceAccount}
type: kubernetes.io/service-account-token
`;

/**
 * Run on the first server (at install, and again when `kubeconfigRotation` changes): issues the
 * token of this rotation for kubestrap's ServiceAccount, revokes every other one, and prints a
 * kubeconfig for https://<address>:6443 with the cluster's CA and that token.
 */
export function adminKubeconfigScript(address: string, sudo: string, rotation?: string): string {
    const secret = adminTokenSecret(rotation);
    const k = `${sudo}k3s kubectl`;
    const cluster = (field: string) => `$(${k} config view --raw --flatten --minify -o jsonpath='{.clusters[0].cluster.${field}}')`;
    return [
        "set -eu",
        `echo '${Buffer.from(manifests(secret)).toString("base64")}' | base64 -d | ${k} apply -f - >/dev/null`,
        `${k} -n ${namespace} delete secret -l ${tokenLabel} --field-selector metadata.name!=${secret} >/dev/null`,
        "token=''",
        "for i in $(seq 60); do",
        `  token=$(${k} -n ${namespace} get secret ${secret} -o jsonpath='{.data.token}' | base64 -d)`,
        "  [ -n \"$token\" ] && break; sleep 1",
        "done",
        `[ -n "$token" ] || { echo "the token controller did not fill ${namespace}/${secret} within 60s; is kube-controller-manager running on this server?" >&2; exit 1; }`,
        `ca=${cluster("certificate-authority-data")}`,
        `tls_name=${cluster("tls-server-name")}`,
        "cat <<EOF",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: k3s",
        "  cluster:",
        `    server: https://${address}:6443`,
        "    certificate-authority-data: $ca",
        "${tls_name:+    tls-server-name: $tls_name}",
        "contexts:",
        "- name: k3s",
        "  context:",
        "    cluster: k3s",
        `    user: ${serviceAccount}`,
        "current-context: k3s",
        "users:",
        `- name: ${serviceAccount}`,
        "  user:",
        "    token: $token",
        "EOF",
    ].join("\n");
}
