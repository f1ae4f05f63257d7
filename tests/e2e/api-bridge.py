#!/usr/bin/python3
"""Forwards a Unix socket to a TCP address (tests only).

Network namespaces cannot reach the host's loopback, but they share its filesystem: the k3s
stand-in in a test host connects to this socket to reach the local API server.
"""
import os, socket, sys, threading

path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


if os.path.exists(path):
    os.remove(path)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
os.chmod(path, 0o666)
listener.listen(64)
while True:
    client, _ = listener.accept()
    try:
        upstream = socket.create_connection((host, port))
    except OSError:
        client.close()
        continue
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
