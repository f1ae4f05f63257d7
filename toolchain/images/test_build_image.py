#!/usr/bin/env python3
"""Self-test of build-image.py: python3 toolchain/images/test_build_image.py

build-image.py packs locally built binaries into OCI archives for `ctr images import`, because
no registry is reachable here; these checks keep its output importable and reproducible.
"""

import gzip
import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "build-image.py")
spec = importlib.util.spec_from_file_location("build_image", SCRIPT)
build_image = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_image)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_members(data):
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {m.name: (m, archive.extractfile(m).read() if m.isfile() else None) for m in archive.getmembers()}


class BuildImageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.binary = os.path.join(self.tmp.name, "hello")
        with open(self.binary, "wb") as f:
            f.write(b"#!/bin/sh\necho hello\n")
        os.chmod(self.binary, 0o755)

    def build(self, out_name, *extra):
        out = os.path.join(self.tmp.name, out_name)
        subprocess.run([sys.executable, SCRIPT, "--name", "nats:2.10.22-alpine", "--out", out,
                        "--file", f"{self.binary}:/usr/local/bin/hello", "--symlink", "/bin/hi:/usr/local/bin/hello",
                        "--entrypoint", '["/usr/local/bin/hello"]', "--cmd", '["--loud"]', "--user", "65532",
                        "--env", "GREETING=hi", "--workdir", "/work", *extra],
                       check=True, capture_output=True)
        with open(out, "rb") as f:
            return f.read()

    def test_same_inputs_give_identical_bytes(self):
        first = self.build("a.tar")
        os.utime(self.binary, (1, 1))  # the source's own mtime must not leak in
        self.assertEqual(first, self.build("b.tar"))

    def test_layout_digests_and_contents(self):
        blobs = read_members(self.build("image.tar"))
        self.assertEqual(json.loads(blobs["oci-layout"][1]), {"imageLayoutVersion": "1.0.0"})

        def blob(descriptor):
            data = blobs["blobs/sha256/" + descriptor["digest"].split(":", 1)[1]][1]
            self.assertEqual(sha256(data), descriptor["digest"])
            self.assertEqual(len(data), descriptor["size"])
            return data

        index = json.loads(blobs["index.json"][1])
        [entry] = index["manifests"]
        self.assertEqual(entry["annotations"], {"io.containerd.image.name": "docker.io/library/nats:2.10.22-alpine",
                                                "org.opencontainers.image.ref.name": "2.10.22-alpine"})
        manifest = json.loads(blob(entry))
        self.assertEqual(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json")
        config = json.loads(blob(manifest["config"]))
        [layer_descriptor] = manifest["layers"]
        layer_tar = gzip.decompress(blob(layer_descriptor))
        self.assertEqual(config["rootfs"]["diff_ids"], [sha256(layer_tar)])
        self.assertEqual((config["architecture"], config["os"]), ("amd64", "linux"))
        self.assertEqual(config["config"]["Entrypoint"], ["/usr/local/bin/hello"])
        self.assertEqual(config["config"]["Cmd"], ["--loud"])
        self.assertEqual(config["config"]["User"], "65532")
        self.assertEqual(config["config"]["WorkingDir"], "/work")
        self.assertIn("GREETING=hi", config["config"]["Env"])

        layer = read_members(layer_tar)
        names = [name for name in layer]
        self.assertEqual(names, sorted(names))
        for name, (member, _) in layer.items():
            self.assertEqual((member.mtime, member.uid, member.gid), (0, 0, 0), name)
        self.assertEqual(layer["usr/local/bin/hello"][0].mode, 0o755)
        self.assertEqual(layer["usr/local/bin/hello"][1], b"#!/bin/sh\necho hello\n")
        self.assertTrue(layer["usr/local"][0].isdir() and layer["usr/local"][0].mode == 0o755)
        self.assertEqual(layer["bin/hi"][0].linkname, "/usr/local/bin/hello")
        self.assertEqual(layer["tmp"][0].mode, 0o1777)
        self.assertIn(b"nonroot:x:65532:65532:", layer["etc/passwd"][1])
        self.assertIn(b"nonroot:x:65532:", layer["etc/group"][1])

    def test_given_files_replace_the_defaults(self):
        passwd = os.path.join(self.tmp.name, "passwd")
        with open(passwd, "w") as f:
            f.write("root:x:0:0::/:/bin/sh\n")
        blobs = read_members(self.build("custom.tar", "--file", f"{passwd}:/etc/passwd:0600", "--dir", "/tmp:0700"))
        index = json.loads(blobs["index.json"][1])
        manifest = json.loads(blobs["blobs/sha256/" + index["manifests"][0]["digest"][7:]][1])
        layer = read_members(gzip.decompress(blobs["blobs/sha256/" + manifest["layers"][0]["digest"][7:]][1]))
        self.assertEqual(layer["etc/passwd"][1], b"root:x:0:0::/:/bin/sh\n")
        self.assertEqual(layer["etc/passwd"][0].mode, 0o600)
        self.assertEqual(layer["tmp"][0].mode, 0o700)

    def test_file_under_a_file_is_refused(self):
        with self.assertRaises(ValueError):
            build_image.layer_entries([f"{self.binary}:/a", f"{self.binary}:/a/b"], [], [])

    def test_normalize_ref(self):
        cases = {
            "nats:2.10.22-alpine": ("docker.io/library/nats:2.10.22-alpine", "2.10.22-alpine"),
            "natsio/nats-box:0.14.5": ("docker.io/natsio/nats-box:0.14.5", "0.14.5"),
            "registry.k8s.io/pause:3.10": ("registry.k8s.io/pause:3.10", "3.10"),
            "ghcr.io/afewell-hh/demon-engine:0.1.0": ("ghcr.io/afewell-hh/demon-engine:0.1.0", "0.1.0"),
            "kubestrap.local/busybox:1.35.0": ("kubestrap.local/busybox:1.35.0", "1.35.0"),
            "localhost:5000/app": ("localhost:5000/app:latest", "latest"),
            "busybox": ("docker.io/library/busybox:latest", "latest"),
            "index.docker.io/library/nats:2": ("docker.io/library/nats:2", "2"),
        }
        for ref, want in cases.items():
            self.assertEqual(build_image.normalize_ref(ref), want, ref)
        for bad in ("Nats:1", "nats@sha256:" + "0" * 64, "nats:"):
            with self.assertRaises(ValueError, msg=bad):
                build_image.normalize_ref(bad)


if __name__ == "__main__":
    unittest.main()
