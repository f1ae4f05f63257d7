// The public service-account issuer, against the real kube-apiserver: a control plane started
// with exactly the service-account flags kubestrap writes for k3s (serviceAccountIssuerArgs) mints
// a projected token for AWS; it verifies against the key set the API server serves (what the
// jwks step reads and AwsIdentity publishes), and its iss, aud and sub open the ServiceAccount's
// role as IAM evaluates the trust policy kubestrap writes.
import * as assert from "assert";
import { createPublicKey, verify } from "crypto";
import { oidcDiscoveryDocument, serviceAccountIssuerUrl, serviceAccountTrustPolicy } from "../../aws/aws-policies";
import { serviceAccountIssuerArgs } from "../../cluster/k3s-plan";
import { allows } from "../iam-evaluator";
import { E2eEnv, eventually } from "./harness";

/** The token the controller writes into a ServiceAccount token Secret, once it has. */
const eventuallyToken = (env: E2eEnv) => eventually("the token controller fills the Secret", async () => {
    const data = (await env.json("get", "secret", "admin-reader-token", "-n", "default")).data?.token;
    return data ? Buffer.from(data, "base64").toString() : undefined;
}, 60000);

describe("a public service-account issuer on the real API server", function () {
    this.timeout(10 * 60 * 1000);
    const env = new E2eEnv("e2e-issuer", 15);
    const issuer = serviceAccountIssuerUrl("acme-k3s-issuer", "eu-west-1");
    const issuerKey = issuer.replace(/^https:\/\//, "");
    const providerArn = `arn:aws:iam::123456789012:oidc-provider/${issuerKey}`;

    before(async () => {
        env.env.KUBESTRAP_SERVICE_ACCOUNT_ARGS = serviceAccountIssuerArgs(issuer).join(" ");
        await env.cluster("up");
    });
    after(async () => {
        await env.cluster("down").catch(() => undefined);
        env.cleanup();
    });

    const raw = async (p: string) => JSON.parse(await env.kubectl("get", "--raw", p));
    const token = async (namespace: string, account: string) => {
        await env.kubectl("create", "serviceaccount", account, "-n", namespace).catch(() => undefined);
        return (await env.kubectl("create", "token", account, "-n", namespace, "--audience", "sts.amazonaws.com")).trim();
    };
    const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString());

    it("serves the discovery document kubestrap publishes, naming the published key set", async () => {
        const served = await raw("/.well-known/openid-configuration");
        const published = oidcDiscoveryDocument(issuer);
        assert.strictEqual(served.issuer, published.issuer);
        assert.strictEqual(served.jwks_uri, published.jwks_uri);
        assert.deepStrictEqual(served.id_token_signing_alg_values_supported, published.id_token_signing_alg_values_supported);
    });

    it("mints tokens that verify against the served key set, with the iss, aud and sub the role's trust admits", async () => {
        const jwt = await token("kube-system", "etcd-backup");
        const [header, payload, signature] = jwt.split(".");
        const { kid, alg } = decode(header);
        assert.strictEqual(alg, "RS256");
        const jwks = await raw("/openid/v1/jwks");
        const key = jwks.keys.find((k: any) => k.kid === kid);
        assert.ok(key, `no key ${kid} in the served key set`);
        assert.ok(verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), createPublicKey({ key, format: "jwk" }), Buffer.from(signature, "base64url")), "the signature does not verify");
        const claims = decode(payload);
        assert.strictEqual(claims.iss, issuer);
        assert.deepStrictEqual(claims.aud, ["sts.amazonaws.com"]);
        assert.strictEqual(claims.sub, "system:serviceaccount:kube-system:etcd-backup");
        const trust = serviceAccountTrustPolicy({ providerArn, issuer: issuerKey, namespace: "kube-system", serviceAccount: "etcd-backup" });
        const assume = (c: any) => allows(trust, { action: "sts:AssumeRoleWithWebIdentity", federated: providerArn,
            context: { [`${issuerKey}:aud`]: c.aud[0], [`${issuerKey}:sub`]: c.sub } });
        assert.strictEqual(assume(claims), true);
        const other = decode((await token("default", "intruder")).split(".")[1]);
        assert.strictEqual(assume(other), false, "another ServiceAccount's token opens the role");
    });

    it("keeps kubestrap's kubeconfig working: its ServiceAccount token Secret is still accepted", async () => {
        await env.kubectl("create", "serviceaccount", "admin-reader", "-n", "default").catch(() => undefined);
        const secret = JSON.stringify({ apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
            metadata: { name: "admin-reader-token", namespace: "default", annotations: { "kubernetes.io/service-account.name": "admin-reader" } } });
        await env.sh("sh", ["-c", `echo '${secret}' | kubectl --kubeconfig ${env.kubeconfig} apply -f -`]);
        const legacy = await eventuallyToken(env);
        const who = JSON.parse(await env.kubectl("auth", "whoami", "--token", legacy, "-o", "json"));
        assert.strictEqual(who.status.userInfo.username, "system:serviceaccount:default:admin-reader");
    });
});
