#!/usr/bin/env python3
"""Writes the hostile-peer byte streams of the memory tests (issue 11).

    python3 gen.py OUTDIR

Each file is what a client sends after the opening handshake: masked
frames (RFC 6455 §5.3), permessage-deflate data (RFC 7692) with RSV1 on
the first frame of each message, ending with a close frame (1000). Every
byte is deterministic (fixed masking keys), so two runs write the same
files; OUTDIR/stamp holds the hash of this script, and files are only
rewritten when it changes.

  takeover.bin   200 binary messages of 8 MiB of zeros, one frame each,
                 compressed by one compressor for all of them (context
                 takeover, RFC 7692 §7.2.3.2): about 1.6 MB on the wire.
  bomb.bin       one frame of about 1 MB that inflates to 1 GiB of zeros.
  bombfrag.bin   the same compressed bytes as continuation frames of
                 16 KiB (RFC 6455 §5.4), RSV1 on the first only.
  pings.bin      100,000 pings of 125 bytes (the largest control payload,
                 §5.5), as in issue 11: 12.7 MB of pongs if all answered.
  warmup.bin     one small compressed message and a ping: fed (C host) or
                 sent (servers) before the baseline is read, so one-time
                 costs (inflate tables, pools) belong to the baseline.
  OUTDIR/index.json  per file: its size and, for takeover.bin, the byte
                 offset where each message ends (the lockstep client).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import zlib

MiB = 1 << 20
TAKEOVER_MESSAGES = 200
TAKEOVER_SIZE = 8 * MiB
BOMB_SIZE = 1024 * MiB
BOMB_FRAGMENT = 16 * 1024
PINGS = 100_000
LEVEL = 6

OP_CONT, OP_BINARY, OP_CLOSE, OP_PING = 0x0, 0x2, 0x8, 0x9


def mask(key: bytes, data: bytes) -> bytes:
    """XOR with the 4-byte key (§5.3), with big integers instead of a
    byte loop."""
    n = len(data)
    if n == 0:
        return data
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(keys, "little")).to_bytes(n, "little")


class Frames:
    """Masked client frames; the masking key of frame i is a function of
    i, so the output does not depend on a random source."""

    def __init__(self) -> None:
        self.count = 0

    def frame(self, opcode: int, payload: bytes, fin: bool = True, rsv1: bool = False) -> bytes:
        key = struct.pack(">I", (0x9E3779B9 * (self.count + 1)) & 0xFFFFFFFF)
        self.count += 1
        b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
        n = len(payload)
        if n < 126:
            head = struct.pack(">BB", b0, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack(">BBH", b0, 0x80 | 126, n)
        else:
            head = struct.pack(">BBQ", b0, 0x80 | 127, n)
        return head + key + mask(key, payload)

    def close(self, code: int = 1000) -> bytes:
        return self.frame(OP_CLOSE, struct.pack(">H", code))


def deflate_message(z: "zlib._Compress", data: bytes, step: int = MiB) -> bytes:
    """One message's compressed payload: the data, a sync flush, and the
    flush's trailing 00 00 ff ff removed (RFC 7692 §7.2.1)."""
    parts = [z.compress(data[i : i + step]) for i in range(0, len(data), step)]
    parts.append(z.flush(zlib.Z_SYNC_FLUSH))
    out = b"".join(parts)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def compressor() -> "zlib._Compress":
    return zlib.compressobj(LEVEL, zlib.DEFLATED, -15)  # raw deflate, 32 KiB window


def takeover() -> tuple[bytes, list[int]]:
    f = Frames()
    z = compressor()  # one for all messages: context takeover
    zeros = bytes(TAKEOVER_SIZE)
    out, ends, size = [], [], 0
    for _ in range(TAKEOVER_MESSAGES):
        fr = f.frame(OP_BINARY, deflate_message(z, zeros), rsv1=True)
        out.append(fr)
        size += len(fr)
        ends.append(size)
    out.append(f.close())
    return b"".join(out), ends


def bomb_payload() -> bytes:
    z = compressor()
    zeros = bytes(MiB)
    parts = [z.compress(zeros) for _ in range(BOMB_SIZE // MiB)]
    parts.append(z.flush(zlib.Z_SYNC_FLUSH))
    out = b"".join(parts)
    return out[:-4]


def bomb(payload: bytes) -> bytes:
    f = Frames()
    return f.frame(OP_BINARY, payload, rsv1=True) + f.close()


def bombfrag(payload: bytes) -> bytes:
    f = Frames()
    pieces = [payload[i : i + BOMB_FRAGMENT] for i in range(0, len(payload), BOMB_FRAGMENT)]
    out = []
    for i, p in enumerate(pieces):
        out.append(f.frame(OP_BINARY if i == 0 else OP_CONT, p, fin=i == len(pieces) - 1, rsv1=i == 0))
    out.append(f.close())
    return b"".join(out)


def pings() -> bytes:
    f = Frames()
    out = []
    for i in range(PINGS):
        payload = (b"%08d" % i) * 16  # 128 bytes: cut to 125
        out.append(f.frame(OP_PING, payload[:125]))
    out.append(f.close())
    return b"".join(out)


def warmup() -> bytes:
    f = Frames()
    z = compressor()
    return f.frame(OP_BINARY, deflate_message(z, b"warm up " * 512), rsv1=True) + f.frame(OP_PING, b"warm")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.abspath(__file__), "rb") as fh:
        stamp = hashlib.sha256(fh.read()).hexdigest()
    stamp_path = os.path.join(outdir, "stamp")
    names = ["takeover.bin", "bomb.bin", "bombfrag.bin", "pings.bin", "warmup.bin", "index.json"]
    try:
        with open(stamp_path) as fh:
            if fh.read().strip() == stamp and all(os.path.exists(os.path.join(outdir, n)) for n in names):
                return
    except OSError:
        pass

    index: dict[str, dict[str, object]] = {}

    def write(name: str, data: bytes, **extra: object) -> None:
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(data)
        index[name] = {"size": len(data), **extra}

    data, ends = takeover()
    write("takeover.bin", data, message_ends=ends)
    payload = bomb_payload()
    write("bomb.bin", bomb(payload), compressed=len(payload))
    write("bombfrag.bin", bombfrag(payload), compressed=len(payload))
    write("pings.bin", pings())
    write("warmup.bin", warmup())
    with open(os.path.join(outdir, "index.json"), "w") as fh:
        json.dump(index, fh)
    with open(stamp_path, "w") as fh:
        fh.write(stamp + "\n")
    for name in names[:-1]:
        print(f"gen.py: {name}: {index[name]['size']} bytes")


if __name__ == "__main__":
    main()
