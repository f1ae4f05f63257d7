#!/usr/bin/python3
"""EC2's instance metadata service, IMDSv2 only (tests only: a stand-in, not AWS). Serves what
kubestrap's worker user data reads: a session token for a PUT with a TTL header, then, only with
that token, instance-id, instance-type, instance-life-cycle and the Auto Scaling group's
autoscaling/target-lifecycle-state. Values come from a JSON file the test rewrites (so it can
mark the instance for termination); every request is appended to <file>.log.

    imds-standin.py <state.json> [address] [port]
"""
import json, secrets, socketserver, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = sys.argv[1]
TOKENS = set()


def log(line):
    with open(STATE + ".log", "a") as f:
        f.write(line + "\n")


class Imds(BaseHTTPRequestHandler):
    def reply(self, code, body=""):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        log(f"PUT {self.path}")
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(400)
        token = secrets.token_hex(16)
        TOKENS.add(token)
        self.reply(200, token)

    def do_GET(self):
        log(f"GET {self.path} token={'yes' if self.headers.get('X-aws-ec2-metadata-token') in TOKENS else 'no'}")
        if self.headers.get("X-aws-ec2-metadata-token") not in TOKENS:
            return self.reply(401)  # IMDSv2 required: no IMDSv1 fallback
        prefix = "/latest/meta-data/"
        with open(STATE) as f:
            values = json.load(f)
        key = self.path[len(prefix):] if self.path.startswith(prefix) else None
        if key not in values:
            return self.reply(404)
        self.reply(200, values[key])

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    def server_bind(self):
        # HTTPServer's own bind looks its address up in DNS (getfqdn), which hangs in a network
        # namespace with no resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "imds", self.server_address[1]


if __name__ == "__main__":
    address = sys.argv[2] if len(sys.argv) > 2 else "169.254.169.254"
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 80
    Server((address, port), Imds).serve_forever()
