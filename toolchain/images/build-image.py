#!/usr/bin/env python3
"""Build a single-layer OCI image archive from local files, deterministically.

No registry is reachable from this machine, so the end-to-end suite packs locally built static
binaries (nats-server, pause, the Demon stand-ins, ...) into images under the names the stacks
use and imports them into containerd with `ctr images import`. This writes the OCI image layout
archive that command reads: oci-layout, index.json and blobs/sha256/*, with one gzip layer.
Same inputs give byte-identical output (mtime 0, uid/gid 0, sorted entries, plain ustar).

  build-image.py --name REF --out FILE.tar [--entrypoint JSON_ARRAY] [--cmd JSON_ARRAY]
      [--user UID] [--env K=V ...] [--workdir DIR] [--file SRC:DEST[:MODE] ...]
      [--symlink LINK:TARGET ...] [--dir DEST[:MODE] ...]
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import posixpath
import re
import sys
import tarfile

ARCHITECTURE, OS = "amd64", "linux"
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"

# Present in every image unless the caller supplies its own, so user names and ids resolve.
DEFAULT_ENTRIES = {
    "tmp": ("dir", 0o1777, None),
    "etc/passwd": ("file", 0o644, b"root:x:0:0:root:/root:/sbin/nologin\n"
                                  b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
    "etc/group": ("file", 0o644, b"root:x:0:\nnonroot:x:65532:\n"),
}


def normalize_ref(ref):
    """Return (full name, tag) the way Docker expands a short reference."""
    if "@" in ref:
        raise ValueError(f"{ref}: digest references cannot be built, give a tag")
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    first, _, rest = name.partition("/")
    # Like Docker: the first component is a registry only if it looks like a host.
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        domain, path = "docker.io", name
    else:
        domain, path = first, rest
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if not re.fullmatch(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*", path):
        raise ValueError(f"{ref}: invalid repository name {path!r}")
    if not re.fullmatch(r"[\w][\w.-]{0,127}", tag):
        raise ValueError(f"{ref}: invalid tag {tag!r}")
    return f"{domain}/{path}:{tag}", tag


def image_path(dest):
    """An absolute path inside the image, as a tar member name without the leading slash."""
    if not dest.startswith("/"):
        raise ValueError(f"{dest}: image paths must be absolute")
    path = posixpath.normpath(dest).lstrip("/")
    if not path or path == ".":
        raise ValueError(f"{dest}: cannot replace the root directory")
    return path


def parse_mode(text, what):
    if not re.fullmatch(r"[0-7]{3,4}", text):
        raise ValueError(f"{what}: mode {text!r} is not octal like 755")
    return int(text, 8)


def layer_entries(files, symlinks, dirs):
    """Map each member name to (kind, mode, data-or-link-target), parents included."""
    entries = {}

    def add(path, entry, what):
        if path in entries:
            raise ValueError(f"{what}: /{path} is given twice")
        entries[path] = entry

    for spec in dirs:
        dest, _, mode = spec.partition(":")
        add(image_path(dest), ("dir", parse_mode(mode, spec) if mode else 0o755, None), spec)
    for spec in files:
        parts = spec.split(":")
        mode = None
        if len(parts) >= 3 and re.fullmatch(r"[0-7]{3,4}", parts[-1]):
            mode = parse_mode(parts.pop(), spec)
        if len(parts) < 2:
            raise ValueError(f"--file {spec}: want SRC:DEST[:MODE]")
        src, dest = ":".join(parts[:-1]), parts[-1]
        with open(src, "rb") as source:
            data = source.read()
        if mode is None:
            mode = 0o755 if os.stat(src).st_mode & 0o111 else 0o644
        add(image_path(dest), ("file", mode, data), spec)
    for spec in symlinks:
        link, sep, target = spec.partition(":")
        if not sep or not target:
            raise ValueError(f"--symlink {spec}: want LINK:TARGET")
        add(image_path(link), ("symlink", 0o777, target), spec)

    for path, entry in DEFAULT_ENTRIES.items():
        entries.setdefault(path, entry)
    for path in list(entries):
        parent = posixpath.dirname(path)
        while parent:
            kind = entries.setdefault(parent, ("dir", 0o755, None))[0]
            if kind != "dir":
                raise ValueError(f"/{parent} is a {kind} but /{path} needs it to be a directory")
            parent = posixpath.dirname(parent)
    return entries


def deterministic_tar(members):
    """A ustar archive of (name, kind, mode, data) members, sorted, owned by root, at mtime 0."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, kind, mode, data in sorted(members):
            info = tarfile.TarInfo(name)
            info.mode, info.mtime, info.uid, info.gid, info.uname, info.gname = mode, 0, 0, 0, "", ""
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, data
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type, data, **extra):
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data), **extra}


def build_image(name, entrypoint=None, cmd=None, user=None, env=(), workdir=None,
                files=(), symlinks=(), dirs=()):
    """Return the bytes of the OCI image layout archive."""
    full_name, tag = normalize_ref(name)
    entries = layer_entries(files, symlinks, dirs)
    layer_tar = deterministic_tar((path, *entry) for path, entry in entries.items())
    layer = gzip.compress(layer_tar, compresslevel=9, mtime=0)

    env = list(env)
    if not any(e.startswith("PATH=") for e in env):
        env.insert(0, DEFAULT_PATH)
    image_config = {"Env": env}
    for key, value in (("Entrypoint", entrypoint), ("Cmd", cmd), ("User", user), ("WorkingDir", workdir)):
        if value is not None:
            image_config[key] = value
    config = canonical_json({
        "architecture": ARCHITECTURE,
        "os": OS,
        "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": [digest_of(layer_tar)]},
        "history": [{"created_by": "kubestrap toolchain/images/build-image.py"}],
    })
    manifest = canonical_json({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": descriptor(CONFIG_TYPE, config),
        "layers": [descriptor(LAYER_TYPE, layer)],
    })
    index = canonical_json({
        "schemaVersion": 2,
        "mediaType": INDEX_TYPE,
        "manifests": [descriptor(MANIFEST_TYPE, manifest,
                                 platform={"architecture": ARCHITECTURE, "os": OS},
                                 annotations={"io.containerd.image.name": full_name,
                                              "org.opencontainers.image.ref.name": tag})],
    })

    members = [("blobs", "dir", 0o755, None), ("blobs/sha256", "dir", 0o755, None),
               ("oci-layout", "file", 0o644, canonical_json({"imageLayoutVersion": "1.0.0"})),
               ("index.json", "file", 0o644, index)]
    for blob in (layer, config, manifest):
        members.append(("blobs/sha256/" + digest_of(blob)[len("sha256:"):], "file", 0o644, blob))
    return deterministic_tar(members)


def json_string_list(text):
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a JSON array of strings")
    return value


def env_pair(text):
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError(f"{text!r} is not K=V")
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True, help="image reference, normalised like Docker's")
    parser.add_argument("--out", required=True, help="where to write the OCI layout archive")
    parser.add_argument("--entrypoint", type=json_string_list, help='JSON array, e.g. ["/pause"]')
    parser.add_argument("--cmd", type=json_string_list, help="JSON array")
    parser.add_argument("--user", help="UID, UID:GID or a user name")
    parser.add_argument("--env", action="append", default=[], type=env_pair, metavar="K=V")
    parser.add_argument("--workdir")
    parser.add_argument("--file", action="append", default=[], metavar="SRC:DEST[:MODE]")
    parser.add_argument("--symlink", action="append", default=[], metavar="LINK:TARGET")
    parser.add_argument("--dir", action="append", default=[], metavar="DEST[:MODE]")
    args = parser.parse_args(argv)
    try:
        archive = build_image(args.name, args.entrypoint, args.cmd, args.user, args.env, args.workdir,
                              args.file, args.symlink, args.dir)
    except (ValueError, OSError) as error:
        sys.exit(f"build-image: {error}")
    partial = args.out + ".partial"
    with open(partial, "wb") as out:
        out.write(archive)
    os.replace(partial, args.out)
    print(f"{normalize_ref(args.name)[0]} -> {args.out}")


if __name__ == "__main__":
    main()
