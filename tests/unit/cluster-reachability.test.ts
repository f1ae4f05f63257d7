import * as assert from "assert";
import * as net from "net";
import { kubeconfigServer, unreachable } from "../../stacks/cluster";

const kubeconfig = (server: string) => `
apiVersion: v1
kind: Config
clusters:
- {name: home, cluster: {server: "https://10.0.0.5:6443"}}
- {name: lab, cluster: {server: "${server}"}}
contexts:
- {name: home, context: {cluster: home, user: admin}}
- {name: lab, context: {cluster: lab, user: admin}}
current-context: home
users: [{name: admin, user: {token: x}}]
`;

describe("the cluster a preview talks to", () => {
    it("finds the API server of the current context, or of the context the stack names", () => {
        assert.strictEqual(kubeconfigServer(kubeconfig("https://lab.example:16443"))?.host, "10.0.0.5:6443");
        assert.strictEqual(kubeconfigServer(kubeconfig("https://lab.example:16443"), "lab")?.host, "lab.example:16443");
        assert.strictEqual(kubeconfigServer(kubeconfig("https://x:1"), "missing"), undefined);
        assert.strictEqual(kubeconfigServer("not: [yaml"), undefined);
    });

    it("says why a server does not answer, and nothing when it does", async () => {
        const server = net.createServer().listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        const port = (server.address() as net.AddressInfo).port;
        try {
            assert.strictEqual(await unreachable(new URL(`https://127.0.0.1:${port}`)), undefined);
        } finally {
            server.close();
        }
        assert.match((await unreachable(new URL(`https://127.0.0.1:${port}`)))!, /ECONNREFUSED/);
    });
});
