#!/usr/bin/env python3
"""Builds the Python binding's wheel with libws.so.1 inside, with the
standard library only (``make wheel``):

    build_wheel.py --lib build/libws.so.1 --header include/ws.h --out build/dist [--require TAG]

The wheel holds bindings/python/libws (sources, py.typed) and the library
as ``libws/libws.so.1``, where the binding looks first (after an explicit
path and LIBWS_LIBRARY). Its platform tag is what packaging/wheeltag.py
decides from the library's ELF imports, as auditwheel would
(``manylinux_2_17_x86_64.manylinux2014_x86_64`` when the glibc 2.17 floor
holds, else the manylinux_2_X the library's glibc versions allow, else
``linux_<arch>``); ``--require manylinux2014`` refuses anything else. The
Python tag is ``py3-none``: the binding is ctypes, no extension module.

The version is include/ws.h's WS_VERSION_STRING; pyproject.toml and
``libws.__version__`` must say the same, or the build stops.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import stat
import sys
import zipfile
from typing import List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BINDING = os.path.join(ROOT, "bindings", "python")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(BINDING, "_build"))

import libws_build  # noqa: E402  (the in-tree backend: metadata, file list)
import wheeltag  # noqa: E402

EPOCH = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same inputs give the same wheel


def header_version(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        m = re.search(r'^#define WS_VERSION_STRING "([^"]+)"', f.read(), re.M)
    if not m:
        sys.exit(f"build_wheel: no WS_VERSION_STRING in {path}")
    return m.group(1)


def package_version() -> str:
    with open(os.path.join(BINDING, "libws", "__init__.py"), encoding="utf-8") as f:
        m = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    return m.group(1) if m else "?"


def record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def main() -> int:
    ap = argparse.ArgumentParser(description="build the libws wheel with libws.so.1 inside")
    ap.add_argument("--lib", required=True, help="libws.so.1 to bundle")
    ap.add_argument("--header", required=True, help="include/ws.h (the version)")
    ap.add_argument("--out", required=True, help="directory for the .whl")
    ap.add_argument("--require", help="refuse unless the library qualifies for this tag (e.g. manylinux2014)")
    a = ap.parse_args()

    version = header_version(a.header)
    name, pyproject_version = libws_build._names()
    if pyproject_version != version or package_version() != version:
        sys.exit(
            f"build_wheel: versions differ: ws.h {version}, bindings/python/pyproject.toml "
            f"{pyproject_version}, libws.__version__ {package_version()}; make them the same"
        )

    tag, failed = wheeltag.decide([a.lib])
    for t, why in failed.items():
        print(f"build_wheel: the library is not {t}:", file=sys.stderr)
        for w in why:
            print(f"  {w}", file=sys.stderr)
    if a.require:
        want, got = wheeltag._minor_of(a.require), wheeltag._minor_of(tag)
        if want is None or got is None or got > want:
            print(f"build_wheel: refusing: {a.require} required, the library is {tag}", file=sys.stderr)
            return 1
    if failed:
        print(f"build_wheel: tagging the wheel {tag}", file=sys.stderr)

    files: List[Tuple[str, bytes]] = []
    for path, arcname in libws_build._package_files():
        if arcname.endswith((".so", ".so.1")):
            continue  # a stray copy in the source tree: the one bundled is --lib
        with open(path, "rb") as f:
            files.append((arcname, f.read()))
    with open(a.lib, "rb") as f:
        files.append(("libws/libws.so.1", f.read()))

    di = f"{name}-{version}.dist-info"
    metadata = libws_build._metadata()
    wheel_meta = "Wheel-Version: 1.0\nGenerator: libws packaging/build_wheel.py\nRoot-Is-Purelib: false\n"
    wheel_meta += "".join(f"Tag: py3-none-{t}\n" for t in tag.split("."))
    files += [(f"{di}/METADATA", metadata.encode("utf-8")), (f"{di}/WHEEL", wheel_meta.encode())]
    record = [record_line(n, d) for n, d in files] + [f"{di}/RECORD,,"]
    files.append((f"{di}/RECORD", ("\n".join(record) + "\n").encode()))

    os.makedirs(a.out, exist_ok=True)
    fname = f"{name}-{version}-py3-none-{tag}.whl"
    for old in os.listdir(a.out):
        if old.startswith(f"{name}-") and old.endswith(".whl"):
            os.unlink(os.path.join(a.out, old))
    out = os.path.join(a.out, fname)
    with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, date_time=EPOCH)
            info.external_attr = (stat.S_IFREG | (0o755 if arcname.endswith(".so.1") else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    os.replace(out + ".tmp", out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
