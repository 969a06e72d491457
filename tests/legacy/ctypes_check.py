"""ctypes_check.py LIBRARY: libws.so.1 loaded into this Python with ctypes
(no binding), as a Python host on an old system would: the version, the
RFC 6455 section 1.3 accept key, random bytes. Exits non-zero on any
difference. Runs on Python 3.5+."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.ws_version.restype = ctypes.c_char_p
lib.ws_accept_key.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
lib.ws_random_bytes.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
out = ctypes.create_string_buffer(29)
rc = lib.ws_accept_key(b"dGhlIHNhbXBsZSBub25jZQ==", out)
if rc < 0 or out.value != b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=":
    sys.exit("ws_accept_key: rc %d, %r" % (rc, out.value))
buf = ctypes.create_string_buffer(64)
if lib.ws_random_bytes(buf, 64) < 0 or buf.raw == bytes(64):
    sys.exit("ws_random_bytes failed")
print("python %s: ctypes loaded libws %s (ABI %d): accept key ok"
      % (sys.version.split()[0], lib.ws_version().decode(), lib.ws_abi_version()))
