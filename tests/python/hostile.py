"""A hostile WebSocket client from the standard library only: it speaks the
wire format itself (RFC 6455 §5, RFC 7692 §7), so the binding under test
never judges its own traffic.

It sends many permessage-deflate messages with context takeover (one
compressobj for all: later messages cost a few bytes each) without reading
what the server answers — the traffic that made an unbounded receive queue
grow to a thousand times the bytes on the wire.

    python3 hostile.py PORT [--count 200] [--size 8388608] [--pid PID]

sends (reading nothing until every frame went out, or for --stall seconds
when the server stops reading), then reads every echo and checks it, and
prints the peak memory (VmHWM) of PID.
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import struct
import sys
import threading
import zlib
from typing import Iterator, List, Optional, Tuple

TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.1: stripped by the sender


def vm_hwm(pid: int) -> int:
    """The peak resident memory of process pid, in bytes (/proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def message(i: int, size: int) -> bytes:
    """Message i: size bytes of ASCII that say which message they are."""
    unit = b"%07d " % i
    return (unit * (size // len(unit) + 1))[:size]


def frame(opcode: int, payload: bytes, *, rsv1: bool = False, fin: bool = True) -> bytes:
    """One masked client frame (RFC 6455 §5.2, §5.3)."""
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", b0, 0x80 | 127, n)
    key = os.urandom(4)
    mask = (key * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big") if n else b""
    return head + key + body


class Deflater:
    """permessage-deflate with context takeover: one compressobj for every
    message (RFC 7692 §7.2.1)."""

    def __init__(self) -> None:
        self._z = zlib.compressobj(wbits=-15)

    def __call__(self, data: bytes) -> bytes:
        out = self._z.compress(data) + self._z.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(TAIL)
        return out[: -len(TAIL)]


def wire(count: int, size: int, *, compress: bool = True) -> Iterator[bytes]:
    """The frames of count text messages of size bytes, one per message."""
    d = Deflater()
    for i in range(count):
        m = message(i, size)
        yield frame(1, d(m), rsv1=True) if compress else frame(1, m)


class Client:
    """A raw client connection: handshake, frames out, messages in."""

    def __init__(self, port: int, *, deflate: bool = True, timeout: float = 60.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._buf = b""
        self._inflate = zlib.decompressobj(wbits=-15)
        key = base64.b64encode(os.urandom(16)).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else ""
        self.sock.sendall(
            (
                f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n{ext}\r\n"
            ).encode()
        )
        while b"\r\n\r\n" not in self._buf:
            self._fill()
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"handshake refused: {head!r}")
        self.deflate = b"permessage-deflate" in head.lower()

    def _fill(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("the server closed the connection")
        self._buf += data

    def _read(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill()
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def recv(self) -> Tuple[int, bytes]:
        """The next message from the server: (opcode, payload), inflated;
        control frames are returned as they come (a close: opcode 8)."""
        parts: List[bytes] = []
        op = 0
        compressed = False
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read(8))
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode >= 8:
                return opcode, payload
            if opcode:
                op, compressed = opcode, bool(b0 & 0x40)
            parts.append(payload)
            if b0 & 0x80:
                break
        data = b"".join(parts)
        if compressed:
            data = self._inflate.decompress(data + TAIL)
        return op, data

    def send_all(self, frames: Iterator[bytes]) -> None:
        for f in frames:
            self.sock.sendall(f)

    def send_in_thread(self, frames: Iterator[bytes]) -> threading.Thread:
        """Sends frames from a thread (a server that stops reading blocks
        it); join it to know every frame went out."""
        t = threading.Thread(target=self.send_all, args=(frames,), daemon=True)
        t.start()
        return t

    def close(self) -> None:
        self.sock.close()


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--size", type=int, default=8 << 20)
    ap.add_argument("--pid", type=int, help="print the VmHWM of this process at the end")
    ap.add_argument("--stall", type=float, default=5.0, help="seconds to wait for a blocked sender before reading")
    a = ap.parse_args(argv)
    frames = list(wire(a.count, a.size))  # made first: sent at full speed
    c = Client(a.port)
    sent = sum(len(f) for f in frames)
    t = c.send_in_thread(iter(frames))
    t.join(a.stall)
    for i in range(a.count):
        op, data = c.recv()
        if op != 1 or data != message(i, a.size):
            sys.exit(f"echo {i}: opcode {op}, {len(data)} bytes, not the message sent")
    t.join()
    c.close()
    hwm = f", server VmHWM {vm_hwm(a.pid) / 2**20:.0f} MiB" if a.pid else ""
    print(f"{a.count} messages of {a.size} bytes, {sent} bytes on the wire, all echoed{hwm}")


if __name__ == "__main__":
    main()
