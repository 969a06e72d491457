"""PEP 517 build backend for the libws binding, usable offline.

With setuptools and wheel importable (e.g. Debian's python3-setuptools and
python3-wheel, with ``pip install --no-build-isolation``) it is
setuptools.build_meta. Without them — an isolated build env (this project
requires nothing), or an interpreter whose setuptools lacks bdist_wheel —
it builds the wheel and sdist itself with the standard library: the
package is pure Python. A wheel with libws.so.1 inside is platform-tagged
and built by `make wheel` (packaging/build_wheel.py), not here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:  # setuptools < 70.1 needs the wheel package for bdist_wheel
    import setuptools.build_meta as _setuptools

    try:
        import setuptools.command.bdist_wheel  # noqa: F401  (setuptools >= 70.1)
    except ImportError:
        import wheel  # noqa: F401
except ImportError:
    _setuptools = None  # type: ignore[assignment]


def _project() -> Dict[str, Any]:
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        raw = f.read()
    try:
        import tomllib

        return tomllib.loads(raw.decode())["project"]  # type: ignore[no-any-return]
    except ImportError:  # Python 3.10: the few fields used below
        text = raw.decode()
        section = text.split("[project]", 1)[1].split("\n[", 1)[0]
        out: Dict[str, Any] = {}
        for key in ("name", "version", "description", "requires-python"):
            m = re.search(rf'^{key}\s*=\s*"([^"]*)"', section, re.M)
            if m:
                out[key] = m.group(1)
        return out


def _metadata() -> str:
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {p['name']}",
        f"Version: {p['version']}",
        f"Summary: {p.get('description', '')}",
    ]
    if p.get("requires-python"):
        lines.append(f"Requires-Python: {p['requires-python']}")
    for c in p.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    readme = os.path.join(HERE, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = f.read()
    return "\n".join(lines) + "\n\n" + body


def _names() -> Tuple[str, str]:
    p = _project()
    return p["name"], p["version"]


def _package_files() -> List[Tuple[str, str]]:
    """(path on disk, path in the wheel) of the libws package."""
    out = []
    pkg = os.path.join(HERE, "libws")
    for name in sorted(os.listdir(pkg)):
        path = os.path.join(pkg, name)
        if not os.path.isfile(path):
            continue
        if name.endswith(".py") or name in ("py.typed", "libws.so.1", "libws.so"):
            out.append((path, "libws/" + name))
    return out


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _dist_info(name: str, version: str) -> Dict[str, bytes]:
    di = f"{name}-{version}.dist-info"
    return {
        f"{di}/METADATA": _metadata().encode("utf-8"),
        f"{di}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: libws_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ).encode(),
    }


def _write_wheel(wheel_directory: str, files: List[Tuple[str, bytes]]) -> str:
    name, version = _names()
    if any(a.endswith((".so", ".so.1")) for a, _ in files):
        # py3-none-any would let pip install a Linux x86-64 binary anywhere.
        raise RuntimeError(
            "libws.so.1 is in bindings/python/libws: this backend builds only the pure-Python "
            "wheel (py3-none-any); build the platform wheel with the library inside with "
            "`make wheel` at the top of the libws tree (packaging/build_wheel.py)"
        )
    fname = f"{name}-{version}-py3-none-any.whl"
    di = f"{name}-{version}.dist-info"
    entries = list(files) + sorted(_dist_info(name, version).items())
    record = [_record_line(a, d) for a, d in entries] + [f"{di}/RECORD,,"]
    entries.append((f"{di}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, fname), "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in entries:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if arcname.endswith(".so.1") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return fname


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    if _setuptools is not None:
        return _setuptools.get_requires_for_build_wheel(config_settings)  # type: ignore[no-any-return]
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    if _setuptools is not None:
        return _setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings)  # type: ignore[no-any-return]
    name, version = _names()
    di = f"{name}-{version}.dist-info"
    for arcname, data in _dist_info(name, version).items():
        path = os.path.join(metadata_directory, arcname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return di


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Dict[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    if _setuptools is not None:
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)  # type: ignore[no-any-return]
    files = []
    for path, arcname in _package_files():
        with open(path, "rb") as f:
            files.append((arcname, f.read()))
    return _write_wheel(wheel_directory, files)


def build_editable(
    wheel_directory: str,
    config_settings: Optional[Dict[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    """An editable install: a .pth file naming this directory."""
    return _write_wheel(wheel_directory, [("libws_editable.pth", (HERE + "\n").encode())])


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    saved = globals()["_setuptools"]
    globals()["_setuptools"] = None
    try:
        return prepare_metadata_for_build_wheel(metadata_directory, config_settings)
    finally:
        globals()["_setuptools"] = saved


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    name, version = _names()
    base = f"{name}-{version}"
    fname = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, fname), "w:gz", format=tarfile.PAX_FORMAT) as t:
        def add(rel: str) -> None:
            t.add(os.path.join(HERE, rel), arcname=f"{base}/{rel}", recursive=False)

        for rel in ("pyproject.toml", "README.md", "_build", "_build/libws_build.py", "libws"):
            if os.path.exists(os.path.join(HERE, rel)):
                add(rel)
        for _, arcname in _package_files():
            add(arcname)
        meta = _metadata().encode("utf-8")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(meta)
        t.addfile(info, io.BytesIO(meta))
    return fname
