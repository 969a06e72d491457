"""Loading libws.so and declaring its functions (ctypes).

Nothing here is public API except :func:`load`, re-exported by the
package. The library is loaded on first use — the first connection, or the
first helper call — never at import, so that a pre-fork server may import
:mod:`libws` in the parent and use it in each child.

Lookup order: the path given to :func:`load`; the ``LIBWS_LIBRARY``
environment variable; ``libws.so.1`` next to this package; the ``build/``
directory of the source checkout this package sits in; the system's
(``ctypes.util.find_library("ws")``, then ``libws.so.1``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import (
    POINTER,
    byref,
    c_char,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_uint,
    c_void_p,
)
from typing import Any, List, NoReturn, Optional, Tuple

from .errors import Forked, InvalidArgument, LibraryError, error_for_code

#: The ABI version this binding was written for (WS_ABI_VERSION of ws.h).
ABI_VERSION = 1

SONAME = "libws.so.1"

_load_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_path: Optional[str] = None

# True in the child of a fork() made after the library was loaded: every
# call then raises Forked before touching the library (libws's own guard
# would return WS_E_FORKED too; this one also covers the binding's state —
# locks held by parent threads, for instance).
forked = False


class _Functions:
    """The library's functions, filled in by :func:`load` (attribute access
    on this object is cheaper than on the CDLL)."""

    def __getattr__(self, name: str) -> Any:
        # Reached only before load(): load now, then retry.
        if name.startswith("ws_"):
            lib()
            return object.__getattribute__(self, name)
        raise AttributeError(name)


fn: Any = _Functions()

# Prototypes: name -> (restype, argtypes).
_H = c_void_p  # ws_conn * / ws_config * (opaque handles)
_PCHAR = POINTER(c_char_p)
_PROTOS = {
    "ws_version": (c_char_p, []),
    "ws_abi_version": (c_int, []),
    "ws_strerror": (c_char_p, [c_int]),
    "ws_last_error": (c_char_p, []),
    "ws_config_new": (c_int, [c_int, POINTER(c_void_p)]),
    "ws_config_free": (None, [_H]),
    "ws_config_set": (c_int, [_H, c_int, c_int64]),
    "ws_config_get": (c_int, [_H, c_int, POINTER(c_int64)]),
    "ws_config_add_subprotocol": (c_int, [_H, c_char_p]),
    "ws_config_add_header": (c_int, [_H, c_char_p, c_char_p]),
    "ws_config_set_origin": (c_int, [_H, c_char_p]),
    "ws_config_set_key": (c_int, [_H, c_char_p]),
    "ws_config_add_deflate_offer": (c_int, [_H, c_int, c_int, c_int, c_int]),
    "ws_config_add_extension_offer": (c_int, [_H, c_char_p]),
    "ws_client_new": (c_int, [_H, c_char_p, POINTER(c_void_p)]),
    "ws_server_new": (c_int, [_H, POINTER(c_void_p)]),
    "ws_conn_new_open": (c_int, [_H, c_char_p, c_char_p, POINTER(c_void_p)]),
    "ws_conn_free": (None, [_H]),
    "ws_feed": (c_int, [_H, c_void_p, c_size_t]),
    "ws_feed_eof": (c_int, [_H]),
    "ws_need": (c_int64, [_H]),
    "ws_feed_request": (c_int, [_H, c_char_p, c_char_p, c_char_p, _PCHAR, _PCHAR, c_size_t]),
    "ws_feed_response": (c_int, [_H, c_int, c_char_p, _PCHAR, _PCHAR, c_size_t]),
    "ws_next_event": (c_int, [_H, c_void_p]),
    "ws_next_events": (c_int, [_H, c_void_p, c_size_t]),
    "ws_pending_events": (c_int, [_H]),
    "ws_peek_event": (c_int, [_H]),
    "ws_send_text": (c_int, [_H, c_void_p, c_size_t]),
    "ws_send_binary": (c_int, [_H, c_void_p, c_size_t]),
    "ws_send": (c_int, [_H, c_int, c_void_p, c_size_t, c_uint]),
    "ws_begin_message": (c_int, [_H, c_int, c_uint]),
    "ws_send_fragment": (c_int, [_H, c_void_p, c_size_t, c_int]),
    "ws_send_frame": (c_int, [_H, c_int, c_uint, c_int, c_void_p, c_size_t]),
    "ws_ping": (c_int, [_H, c_void_p, c_size_t]),
    "ws_pong": (c_int, [_H, c_void_p, c_size_t]),
    "ws_close": (c_int, [_H, c_int, c_void_p, c_size_t]),
    "ws_heartbeat": (c_int, [_H]),
    "ws_heartbeat_with": (c_int, [_H, c_void_p, c_size_t]),
    "ws_unanswered_pings": (c_int, [_H]),
    "ws_output": (c_int, [_H, POINTER(c_void_p), POINTER(c_size_t)]),
    "ws_consume": (c_int, [_H, c_size_t]),
    "ws_output_copy": (c_int64, [_H, c_void_p, c_size_t]),
    "ws_state": (c_int, [_H]),
    "ws_hint": (c_int, [_H]),
    "ws_conn_failure": (c_char_p, [_H]),
    "ws_handshake_failure": (c_int, [_H, _PCHAR]),
    "ws_client_key": (c_int, [_H, _PCHAR]),
    "ws_subprotocol": (c_int, [_H, _PCHAR]),
    "ws_extensions": (c_int, [_H, _PCHAR]),
    "ws_deflate_params": (
        c_int,
        [_H, POINTER(c_int), POINTER(c_int), POINTER(c_int), POINTER(c_int)],
    ),
    "ws_memory": (c_int64, [_H]),
    "ws_shrink": (c_int, [_H]),
    "ws_request_method": (c_int, [_H, _PCHAR]),
    "ws_request_target": (c_int, [_H, _PCHAR]),
    "ws_request_host": (c_int, [_H, _PCHAR]),
    "ws_request_origin": (c_int, [_H, _PCHAR]),
    "ws_request_header": (c_int, [_H, c_char_p, c_size_t, _PCHAR]),
    "ws_request_header_at": (c_int, [_H, c_size_t, _PCHAR, _PCHAR]),
    "ws_request_subprotocol": (c_int, [_H, c_size_t, _PCHAR]),
    "ws_request_extension": (c_int, [_H, c_size_t, _PCHAR]),
    "ws_accept": (c_int, [_H, c_char_p, c_char_p, _PCHAR, _PCHAR, c_size_t]),
    "ws_reject": (c_int, [_H, c_int, c_char_p, _PCHAR, _PCHAR, c_size_t]),
    "ws_response_status": (c_int, [_H]),
    "ws_response_header": (c_int, [_H, c_char_p, c_size_t, _PCHAR]),
    "ws_response_header_at": (c_int, [_H, c_size_t, _PCHAR, _PCHAR]),
    "ws_frame_parse_header": (c_int, [c_void_p, c_size_t, c_void_p, POINTER(c_size_t)]),
    "ws_frame_encode_header": (c_int, [c_void_p, c_void_p, c_size_t]),
    "ws_mask": (c_int, [c_void_p, c_int, c_void_p, c_void_p, c_size_t]),
    "ws_random_mask": (c_int, [c_void_p]),
    "ws_accept_key": (c_int, [c_char_p, c_void_p]),
    "ws_utf8_valid": (c_int, [c_void_p, c_size_t]),
    "ws_close_code_valid": (c_int, [c_int]),
    "ws_close_code_name": (c_char_p, [c_int]),
}

# The per-message functions again, as fn.<name>_raw, without argtypes:
# ctypes then converts each argument by its Python type, which saves about
# 70 ns a call (a third of a call's cost). Only for arguments ctypes passes
# exactly that way: pointers as c_void_p instances or bytes, integers
# 0 <= n < 2**31 (ctypes passes a Python int as a C int, which libffi
# widens to the 64-bit register; a larger one would be truncated).
_RAW = {
    "ws_send_text": c_int,
    "ws_send_binary": c_int,
    "ws_output_copy": c_int64,
}

#: Integers below this may be passed to the raw functions.
RAW_INT_LIMIT = 2**31


def _candidates(path: Optional[str]) -> List[Tuple[str, str]]:
    """(where, path) pairs to try, in order."""
    if path:
        return [("explicit path", os.fspath(path))]
    env = os.environ.get("LIBWS_LIBRARY")
    if env:
        return [("LIBWS_LIBRARY", env)]
    out: List[Tuple[str, str]] = []
    here = os.path.dirname(os.path.abspath(__file__))
    for name in (SONAME, "libws.so"):
        p = os.path.join(here, name)
        if os.path.exists(p):
            out.append(("package directory", p))
    # A source checkout: <repo>/bindings/python/libws/_ffi.py.
    repo = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    if os.path.exists(os.path.join(repo, "include", "ws.h")):
        for name in (SONAME, "libws.so"):
            p = os.path.join(repo, "build", name)
            if os.path.exists(p):
                out.append(("source checkout", p))
    found = ctypes.util.find_library("ws")
    if found:
        out.append(("system (find_library)", found))
    out.append(("system", SONAME))
    return out


def load(path: "Optional[str | os.PathLike[str]]" = None) -> ctypes.CDLL:
    """Loads libws now (it is otherwise loaded on first use) and returns the
    ``ctypes.CDLL``.

    Args:
        path: the library file to load; without it, ``LIBWS_LIBRARY``, the
            package directory, the source checkout's ``build/`` and the
            system are tried in that order.

    Raises:
        LibraryError: the library cannot be loaded, its ABI version is not
            :data:`ABI_VERSION`, or another library was loaded already.
        Forked: called in the child of a fork made after loading.
    """
    global _lib, _path
    if forked:
        raise Forked(
            "libws was loaded before fork() and cannot be used in the child; "
            "load it after forking"
        )
    with _load_lock:
        if _lib is not None:
            if path is not None and os.path.realpath(os.fspath(path)) != os.path.realpath(_path or ""):
                raise LibraryError(f"libws is already loaded from {_path}; cannot load {os.fspath(path)!s}")
            return _lib
        errors = []
        lib = None
        where = p = ""
        for where, p in _candidates(None if path is None else os.fspath(path)):
            try:
                lib = ctypes.CDLL(p)
                break
            except OSError as e:
                errors.append(f"{where} {p}: {e}")
        if lib is None:
            raise LibraryError(
                "cannot load libws.so: " + "; ".join(errors)
                + " (pass a path to libws.load(), set LIBWS_LIBRARY, or install libws)"
            )
        try:
            abi = lib.ws_abi_version
        except AttributeError:
            raise LibraryError(f"{p} ({where}) is not libws: no ws_abi_version") from None
        abi.restype = c_int
        abi.argtypes = []
        got = abi()
        if got != ABI_VERSION:
            raise LibraryError(
                f"{p} ({where}) has ABI version {got}; this binding needs {ABI_VERSION}"
            )
        for name, (res, args) in _PROTOS.items():
            try:
                f = getattr(lib, name)
            except AttributeError:
                raise LibraryError(f"{p} ({where}) lacks {name}: not a libws of ABI {ABI_VERSION}") from None
            f.restype = res
            f.argtypes = args
            setattr(fn, name, f)
        for name, res in _RAW.items():
            f = lib[name]  # a second function object: its own (no) argtypes
            f.restype = res
            setattr(fn, name + "_raw", f)
        _path = getattr(lib, "_name", p)
        _lib = lib
        return lib


def lib() -> ctypes.CDLL:
    """The loaded library (loading it on first use)."""
    if forked:
        raise Forked(
            "libws was loaded before fork() and cannot be used in the child; "
            "load it after forking"
        )
    if _lib is not None:
        return _lib
    return load()


def loaded_path() -> Optional[str]:
    """The path the library was loaded from, or None before it was."""
    return _path


def _after_fork_in_child() -> None:
    global forked
    if _lib is not None:
        forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def raise_error(rc: int) -> NoReturn:
    """Raises the exception for status rc, with libws's message. Call it on
    the thread that made the failing call, before any other libws call."""
    msg = fn.ws_last_error()
    text = msg.decode("utf-8", "replace") if msg else ""
    if not text:
        s = fn.ws_strerror(rc)
        text = s.decode("utf-8", "replace") if s else f"libws error {rc}"
    raise error_for_code(rc, text)


def check(rc: int) -> int:
    """Returns rc if it is not negative, else raises its exception."""
    if rc < 0:
        raise_error(rc)
    return rc


def cstr(s: "str | bytes | None", what: str) -> Optional[bytes]:
    """A str (UTF-8) or bytes as a NUL-terminated C string argument."""
    if s is None:
        return None
    if isinstance(s, str):
        b = s.encode("utf-8", "surrogateescape")
    elif isinstance(s, (bytes, bytearray)):
        b = bytes(s)
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(s).__name__}")
    if b"\0" in b:
        raise InvalidArgument(f"{what} contains a NUL character")
    return b


def pystr(p: Optional[bytes]) -> str:
    """A borrowed C string as str (UTF-8; undecodable bytes escaped)."""
    return p.decode("utf-8", "surrogateescape") if p else ""


def header_arrays(
    headers: Any, what: str = "header"
) -> Tuple[Any, Any, int]:
    """Two ``char *[]`` arrays and a count from header pairs (a mapping, or
    an iterable of (name, value) pairs of str or bytes; bytes are
    Latin-1, as on the wire)."""
    if headers is None:
        return None, None, 0
    items = headers.items() if hasattr(headers, "items") else headers
    names: List[bytes] = []
    values: List[bytes] = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise TypeError(f"{what}s must be (name, value) pairs, not {item!r}") from None
        names.append(_latin1(name, f"{what} name"))
        values.append(_latin1(value, f"{what} value"))
    n = len(names)
    if n == 0:
        return None, None, 0
    arr = c_char_p * n
    return arr(*names), arr(*values), n


def _latin1(s: Any, what: str) -> bytes:
    if isinstance(s, str):
        try:
            b = s.encode("latin-1")
        except UnicodeEncodeError:
            b = s.encode("utf-8")
    elif isinstance(s, (bytes, bytearray, memoryview)):
        b = bytes(s)
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(s).__name__}")
    if b"\0" in b:
        raise InvalidArgument(f"{what} contains a NUL character")
    return b


# ---- Buffers -----------------------------------------------------------------

# All of the process's memory as one read-only byte view: slicing it at an
# address libws returned (event data, output) makes a memoryview of that C
# memory without a ctypes type per length (ctypes caches array types by
# length for ever) and without a copy. Only ever sliced at (pointer, length)
# pairs libws handed out, exactly like ctypes.string_at would read them.


class _CopyingMemory:
    """MEMORY where the address space does not fit in a Py_ssize_t (32-bit
    systems): each slice is a read-only view of a copy (ctypes.string_at)."""

    def __getitem__(self, s: slice) -> memoryview:
        return memoryview(ctypes.string_at(s.start, s.stop - s.start))


def _memory() -> Any:
    if sys.maxsize < 2**62:
        return _CopyingMemory()
    whole = (ctypes.c_ubyte * sys.maxsize).from_address(0)
    return memoryview(whole).cast("B").toreadonly()  # format "B" (ctypes says "<B")


MEMORY: Any = _memory()


class _PyBuffer(ctypes.Structure):
    _fields_ = [
        ("buf", c_void_p),
        ("obj", c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", c_int),
        ("ndim", c_int),
        ("format", c_char_p),
        ("shape", c_void_p),
        ("strides", c_void_p),
        ("suboffsets", c_void_p),
        ("internal", c_void_p),
    ]


class _Exported:
    """Holds a Py_buffer export of a read-only object for the length of a
    call (PyObject_GetBuffer/PyBuffer_Release through ctypes.pythonapi)."""

    __slots__ = ("view", "_done")

    def __init__(self, obj: Any) -> None:
        self.view = _PyBuffer()
        self._done = True
        _get_buffer(ctypes.py_object(obj), byref(self.view), 0)  # PyBUF_SIMPLE
        self._done = False

    def release(self) -> None:
        if not self._done:
            self._done = True
            _release_buffer(byref(self.view))

    def __del__(self) -> None:
        self.release()


try:
    _get_buffer = ctypes.pythonapi.PyObject_GetBuffer
    _get_buffer.argtypes = [ctypes.py_object, POINTER(_PyBuffer), c_int]
    _get_buffer.restype = c_int
    _release_buffer = ctypes.pythonapi.PyBuffer_Release
    _release_buffer.argtypes = [POINTER(_PyBuffer)]
    _release_buffer.restype = None
    _HAVE_PYAPI = True
except (AttributeError, OSError):  # not CPython
    _HAVE_PYAPI = False

_from_buffer = c_char.from_buffer
_addressof = ctypes.addressof


def buffer_arg(data: Any, what: str = "data") -> Tuple[Any, int, Any]:
    """(pointer argument, length, keep-alive) for a bytes-like object,
    without copying it when it is contiguous: bytes are passed as they are,
    writable buffers by address (``from_buffer``), read-only ones by a
    buffer export. Non-contiguous buffers are copied. The keep-alive must be
    held until the call returns (and, for an export, released)."""
    t = type(data)
    if t is bytes:
        return data, len(data), None
    if t is str:
        raise TypeError(f"{what} must be a bytes-like object, not str (encode it, or use send_text)")
    try:
        mv = data if t is memoryview else memoryview(data)
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, not {t.__name__}") from None
    n = mv.nbytes
    if n == 0:
        return None, 0, None
    if not mv.readonly:
        try:
            c = _from_buffer(mv)
            return _addressof(c), n, c
        except (TypeError, ValueError, BufferError):
            pass  # not C-contiguous
    elif _HAVE_PYAPI and mv.c_contiguous:
        e = _Exported(mv)
        return e.view.buf, n, e
    b = mv.tobytes()
    return b, n, None


def release(keep: Any) -> None:
    """Ends the keep-alive returned by :func:`buffer_arg`."""
    if keep is not None and type(keep) is _Exported:
        keep.release()


def new_handle() -> c_void_p:
    return c_void_p()


def header_list(getter: Any, h: int) -> Tuple[Tuple[str, str], ...]:
    """Collects getter(h, index, &name, &value) results (the
    ``ws_*_header_at`` functions) until it returns 0: the header fields in
    order, names as sent."""
    out: List[Tuple[str, str]] = []
    name = c_char_p()
    value = c_char_p()
    nref = byref(name)
    vref = byref(value)
    i = 0
    while True:
        rc = getter(h, i, nref, vref)
        if rc < 0:
            raise_error(rc)
        if rc == 0:
            return tuple(out)
        out.append((pystr(name.value), pystr(value.value)))
        i += 1


def string_list(getter: Any, h: int) -> Tuple[str, ...]:
    """Collects getter(h, index, &s) results until it returns 0."""
    out: List[str] = []
    s = c_char_p()
    i = 0
    while True:
        rc = getter(h, i, byref(s))
        if rc < 0:
            raise_error(rc)
        if rc == 0:
            return tuple(out)
        out.append(pystr(s.value))
        i += 1


__all__ = ["load", "lib", "loaded_path", "ABI_VERSION", "SONAME"]
