#!/usr/bin/env python3
"""The platform tag a wheel bundling these ELF libraries may carry, decided
the way auditwheel decides it, with the standard library only.

    wheeltag.py [--require TAG] [--verbose] LIB...

Prints the tag (e.g. ``manylinux_2_17_x86_64.manylinux2014_x86_64``) and,
on stderr, what keeps each lower tag out of reach. With ``--require
manylinux2014`` (or ``manylinux_2_17``) it exits 1 unless the libraries
qualify for that tag.

The rules (auditwheel's manylinux-policy.json, PEP 599 and PEP 600):

* every DT_NEEDED library must be in the policy's list of libraries a
  manylinux system provides (libc, libpthread, libm, libdl, ...); one
  outside it makes the wheel ``linux_<arch>`` (auditwheel would have to
  bundle it);
* every required symbol version (the ELF's .gnu.version_r) of a known
  family (GLIBC, GLIBCXX, CXXABI, GCC, ZLIB, LIBATOMIC) must be no newer
  than the policy's maximum for the CPU: manylinux_2_17 allows GLIBC_2.17,
  GLIBCXX_3.4.19, CXXABI_1.3.7, GCC_4.8.0;
* no symbol on the policy's blacklist may be imported (e.g. glibc's
  ``__cxa_thread_atexit_impl``, which manylinux2014's glibc lacks).

The lowest tag offered is manylinux_2_17: libws embeds the Go runtime,
which needs Linux >= 3.2 (Go 1.24+), and the manylinux_2_5/2_12 hosts
(CentOS 5/6) run older kernels, so those tags would be dishonest even for
a library whose symbols fit. Above 2_17, manylinux_2_X takes X from the
newest GLIBC version required (PEP 600); the C++ maxima of auditwheel's
2_28 policy are kept for newer X (libws needs no C++ runtime at all).
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

# ---- ELF reading (the parts auditwheel reads with pyelftools)

SHT_DYNSYM = 11
SHT_DYNAMIC = 6
SHT_GNU_VERSYM = 0x6FFFFFFF
SHT_GNU_VERNEED = 0x6FFFFFFE
DT_NEEDED = 1
DT_SONAME = 14
SHN_UNDEF = 0

# e_machine -> the wheel's architecture name
MACHINES = {62: "x86_64", 3: "i686", 183: "aarch64", 40: "armv7l", 21: "ppc64le", 22: "s390x"}


class Import(NamedTuple):
    name: str  # symbol
    version: str  # e.g. GLIBC_2.34, "" when unversioned
    library: str  # the DT_NEEDED file the version belongs to, "" if none


class ElfInfo(NamedTuple):
    path: str
    arch: str
    soname: str
    needed: List[str]
    #: (library, version name) pairs of .gnu.version_r
    versions: List[Tuple[str, str]]
    imports: List[Import]


class ElfError(Exception):
    pass


def read_elf(path: str) -> ElfInfo:
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise ElfError(f"{path}: not an ELF file")
    cls, enc = data[4], data[5]
    if cls not in (1, 2) or enc not in (1, 2):
        raise ElfError(f"{path}: unknown ELF class/encoding {cls}/{enc}")
    e = "<" if enc == 1 else ">"
    is64 = cls == 2
    (machine,) = struct.unpack_from(e + "H", data, 18)
    if is64:
        shoff, = struct.unpack_from(e + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(e + "HH", data, 0x3A)
        shfmt = e + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(e + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(e + "HH", data, 0x2E)
        shfmt = e + "IIIIIIIIII"
    # (type, offset, size, link, entsize) of each section
    sections = []
    for i in range(shnum):
        f_ = struct.unpack_from(shfmt, data, shoff + i * shentsize)
        _name, typ, _flags, _addr, off, size, link, _info, _align, entsize = f_
        sections.append((typ, off, size, link, entsize))

    def cstr(strtab: int, at: int) -> str:
        base = sections[strtab][1] + at
        end = data.index(b"\0", base)
        return data[base:end].decode("ascii", "replace")

    def find(typ: int) -> Optional[int]:
        for i, s in enumerate(sections):
            if s[0] == typ:
                return i
        return None

    needed: List[str] = []
    soname = ""
    dyn = find(SHT_DYNAMIC)
    if dyn is not None:
        _t, off, size, link, entsize = sections[dyn]
        fmt = e + ("qQ" if is64 else "iI")
        for at in range(off, off + size, entsize or struct.calcsize(fmt)):
            tag, val = struct.unpack_from(fmt, data, at)
            if tag == 0:
                break
            if tag == DT_NEEDED:
                needed.append(cstr(link, val))
            elif tag == DT_SONAME:
                soname = cstr(link, val)

    # .gnu.version_r: Elfxx_Verneed {vn_version, vn_cnt, vn_file, vn_aux,
    # vn_next}, each with vn_cnt Elfxx_Vernaux {vna_hash, vna_flags,
    # vna_other, vna_name, vna_next}; vna_other is the index versym uses.
    versions: List[Tuple[str, str]] = []
    index: Dict[int, Tuple[str, str]] = {}
    vn = find(SHT_GNU_VERNEED)
    if vn is not None:
        _t, off, _size, link, _e = sections[vn]
        at = off
        while True:
            _ver, cnt, file_, aux, nxt = struct.unpack_from(e + "HHIII", data, at)
            lib = cstr(link, file_)
            a = at + aux
            for _ in range(cnt):
                _h, _fl, other, name, anext = struct.unpack_from(e + "IHHII", data, a)
                pair = (lib, cstr(link, name))
                versions.append(pair)
                index[other] = pair
                if not anext:
                    break
                a += anext
            if not nxt:
                break
            at += nxt

    imports: List[Import] = []
    ds = find(SHT_DYNSYM)
    vs = find(SHT_GNU_VERSYM)
    if ds is not None:
        _t, off, size, link, entsize = sections[ds]
        n = size // entsize
        for i in range(1, n):
            at = off + i * entsize
            if is64:
                name, _info, _other, shndx = struct.unpack_from(e + "IBBH", data, at)
            else:
                name, _v, _s, _info, _other, shndx = struct.unpack_from(e + "IIIBBH", data, at)
            if shndx != SHN_UNDEF:
                continue
            ver = lib = ""
            if vs is not None:
                (vi,) = struct.unpack_from(e + "H", data, sections[vs][1] + 2 * i)
                lib, ver = index.get(vi & 0x7FFF, ("", ""))
            imports.append(Import(cstr(link, name), ver, lib))
    return ElfInfo(path, MACHINES.get(machine, f"machine{machine}"), soname, needed, versions, imports)


# ---- Policies (auditwheel's manylinux-policy.json, as maxima)

_LIBS = [
    "libatomic.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libanl.so.1",
    "libdl.so.2", "librt.so.1", "libc.so.6", "libnsl.so.1", "libutil.so.1",
    "libpthread.so.0", "libX11.so.6", "libXext.so.6", "libXrender.so.1", "libICE.so.6",
    "libSM.so.6", "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0",
    "libglib-2.0.so.0", "libresolv.so.2", "libexpat.so.1", "libz.so.1",
]
LIBS_2_17 = frozenset(_LIBS)
LIBS_2_24 = frozenset(_LIBS + ["libmvec.so.1"])

_BLACKLIST_2_17 = {
    "libc.so.6": {"__cxa_thread_atexit_impl", "__issignaling", "__issignalingf",
                  "__issignalingl", "pthread_getattr_default_np", "pthread_setattr_default_np"},
    "libm.so.6": {"__issignaling", "__issignalingf", "__issignalingl"},
    "libpthread.so.0": {"pthread_getattr_default_np", "pthread_setattr_default_np"},
}

# family -> newest version allowed, per (policy glibc minor, arch). An empty
# string: the family is not allowed at all.
_CXX_2_17 = {"GLIBCXX": "3.4.19", "CXXABI": "1.3.7", "ZLIB": "1.2.5.2"}
_CXX_2_24 = {"GLIBCXX": "3.4.22", "CXXABI": "1.3.10", "ZLIB": "1.2.5.2", "LIBATOMIC": "1.2"}
_CXX_2_27 = {"GLIBCXX": "3.4.24", "CXXABI": "1.3.11", "ZLIB": "1.2.9", "LIBATOMIC": "1.2"}
_GCC = {  # GCC_ symbol version maxima (libgcc_s)
    17: {"x86_64": "4.8.0", "i686": "4.8.0", "aarch64": "4.7.0"},
    24: {"x86_64": "4.8.0", "i686": "4.8.0", "aarch64": "4.7.0"},
    27: {"x86_64": "7.0.0", "i686": "7.0.0", "aarch64": "7.0.0"},
}
_LIBATOMIC_2_17 = {"x86_64": "", "i686": "1.0", "aarch64": "1.0"}
CXXABI_EXTRA = {"TM_1", "FLOAT128"}  # non-numeric CXXABI versions allowed


class Policy(NamedTuple):
    minor: int  # manylinux_2_<minor>
    libs: frozenset
    maxima: Dict[str, str]
    blacklist: Dict[str, Set[str]]

    def tag(self, arch: str) -> str:
        t = f"manylinux_2_{self.minor}_{arch}"
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(self.minor)
        return f"{t}.{legacy}_{arch}" if legacy else t


def policy(minor: int, arch: str) -> Policy:
    """manylinux_2_<minor> for arch (minor >= 17)."""
    if minor < 24:
        m = dict(_CXX_2_17, GCC=_GCC[17].get(arch, "4.7.0"))
        atomic = _LIBATOMIC_2_17.get(arch, "1.0")
        m["LIBATOMIC"] = atomic
        # CentOS 7's glibc 2.17 lacks these though other 2.17s have them;
        # each is versioned 2.18 or later anyway, which a higher X allows.
        blacklist = _BLACKLIST_2_17 if minor == 17 else {}
        return Policy(minor, LIBS_2_17, dict(m, GLIBC=f"2.{minor}"), blacklist)
    base = _CXX_2_24 if minor < 27 else _CXX_2_27
    gcc = _GCC[24 if minor < 27 else 27].get(arch, "4.7.0")
    return Policy(minor, LIBS_2_24, dict(base, GCC=gcc, GLIBC=f"2.{minor}"), {})


def _vkey(v: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def _split(version: str) -> Tuple[str, str]:
    fam, _, v = version.partition("_")
    return fam, v


def violations(info: ElfInfo, pol: Policy, bundled: Set[str]) -> List[str]:
    """What keeps info out of pol (empty: it qualifies)."""
    out = []
    for lib in info.needed:
        if lib not in pol.libs and lib not in bundled:
            out.append(f"needs {lib}, which is not on the manylinux_2_{pol.minor} list of system libraries")
    # Each required version of a policed family (.gnu.version_r), with the
    # symbols that import it (from .dynsym and .gnu.version).
    users: Dict[str, List[str]] = {}
    for imp in info.imports:
        if imp.version:
            users.setdefault(imp.version, []).append(imp.name)
    for ver in sorted({v for _lib, v in info.versions}):
        fam, v = _split(ver)
        if fam not in pol.maxima or (fam == "CXXABI" and v in CXXABI_EXTRA):
            continue
        limit = pol.maxima[fam]
        try:
            bad = not limit or _vkey(v) > _vkey(limit)
        except ValueError:
            bad = True
        if bad:
            syms = ", ".join(sorted(users.get(ver, []))) or "(no symbol)"
            out.append(f"requires {ver} (newest allowed: {fam}_{limit or 'none'}): {syms}")
    for imp in info.imports:
        if imp.name in pol.blacklist.get(imp.library or "libc.so.6", set()):
            out.append(f"imports {imp.name}, blacklisted in manylinux_2_{pol.minor}")
    return out


def newest_glibc(infos: Sequence[ElfInfo]) -> Tuple[int, int]:
    best = (2, 0)
    for info in infos:
        for _lib, ver in info.versions:
            fam, v = _split(ver)
            if fam == "GLIBC":
                k = _vkey(v)
                best = max(best, (k[0], k[1] if len(k) > 1 else 0))
    return best


FLOOR = 17  # see the module docstring: the Go runtime's kernel needs


def decide(paths: Sequence[str]) -> Tuple[str, Dict[str, List[str]]]:
    """(tag, {tag tried: reasons it failed}) for the libraries at paths."""
    infos = [read_elf(p) for p in paths]
    archs = {i.arch for i in infos}
    if len(archs) != 1:
        raise ElfError(f"libraries of several CPUs: {sorted(archs)}")
    arch = archs.pop()
    bundled = {i.soname for i in infos if i.soname}
    major, minor = newest_glibc(infos)
    if major != 2:
        return f"linux_{arch}", {"manylinux": [f"requires GLIBC {major}.{minor}"]}
    failed: Dict[str, List[str]] = {}
    for m in sorted({FLOOR, max(FLOOR, minor)}):
        pol = policy(m, arch)
        why = [f"{i.path}: {v}" for i in infos for v in violations(i, pol, bundled)]
        if not why:
            return pol.tag(arch), failed
        failed[pol.tag(arch)] = why
    return f"linux_{arch}", failed


def _minor_of(tag: str) -> Optional[int]:
    """17 for manylinux2014[_arch] or manylinux_2_17[_arch]; None if not manylinux."""
    legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
    for name, minor in legacy.items():
        if tag == name or tag.startswith(name + "_"):
            return minor
    m = re.match(r"manylinux_2_(\d+)(?:_|$)", tag)
    return int(m.group(1)) if m else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--require", help="fail unless this tag (e.g. manylinux2014, manylinux_2_17) is met")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every import with its version")
    ap.add_argument("libs", nargs="+")
    a = ap.parse_args(argv)
    try:
        tag, failed = decide(a.libs)
    except (OSError, ElfError, struct.error) as e:
        print(f"wheeltag: {e}", file=sys.stderr)
        return 2
    if a.verbose:
        for p in a.libs:
            info = read_elf(p)
            print(f"{p}: {info.arch}, soname {info.soname or '-'}, needs {', '.join(info.needed) or '-'}", file=sys.stderr)
            for imp in sorted(info.imports):
                print(f"  {imp.name}@{imp.version or '-'}", file=sys.stderr)
    for t, why in failed.items():
        print(f"wheeltag: not {t}:", file=sys.stderr)
        for w in why:
            print(f"  {w}", file=sys.stderr)
    print(tag)
    if a.require:
        want = _minor_of(a.require)
        got = _minor_of(tag.split(".")[0])
        if want is None:
            print(f"wheeltag: --require {a.require}: not a manylinux tag", file=sys.stderr)
            return 2
        if got is None or got > want:
            print(f"wheeltag: the libraries do not qualify for {a.require} (they are {tag})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
