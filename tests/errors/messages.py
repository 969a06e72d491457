"""The Python surface's side of the error-message table (cases.tsv).

For each case: the libws text as the sans-I/O connection gives it
(``failure``, and the Rejected/Close event's ``reason`` and code), then
what a user of the binding reads: for a client case, ``str()`` of what
``libws.sync.connect`` raises against a server on loopback that answers
with the case's bytes; else the event's reason. Tab-separated lines, as
messages.c prints them plus that last column; check.py judges them.

    python3 messages.py CASES.TSV
"""

import socket
import sys
import threading
from typing import List, Tuple

import libws
import libws.sync


def cases(path: str) -> List[Tuple[str, str, bytes]]:
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, role, hexdata = line.rstrip("\n").split("\t")[:3]
            out.append((name, role, bytes.fromhex(hexdata)))
    return out


def sans_io(role: str, data: bytes) -> Tuple[str, str, int]:
    if role == "client":
        c: libws.Connection = libws.ClientConnection("ws://example.com/chat")
        c.data_to_send()
    elif role == "server":
        c = libws.ServerConnection()
    else:
        c = libws.ServerConnection.open()
    c.receive_data(data)
    reason, code = "", -1
    for ev in c.events():
        if isinstance(ev, libws.Rejected):
            reason, code = ev.reason, ev.status
            break
        if isinstance(ev, libws.Close):
            reason, code = ev.reason, ev.code
            break
    failure = c.failure
    c.free()
    return failure, reason, code


def connect_error(data: bytes) -> str:
    """What libws.sync.connect raises against a server that reads the
    request and answers with data."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def answer() -> None:
        s, _ = srv.accept()
        with s:
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    return
                buf += chunk
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        with libws.sync.connect(f"ws://127.0.0.1:{srv.getsockname()[1]}/chat", open_timeout=10):
            return "(no exception)"
    except Exception as e:  # the point: whatever the user gets
        return f"{type(e).__name__}: {e}"
    finally:
        t.join(10)
        srv.close()


def main() -> None:
    for name, role, data in cases(sys.argv[1]):
        failure, reason, code = sans_io(role, data)
        user = connect_error(data) if role == "client" else reason
        print("\t".join((name, failure, reason, str(code), user)))


if __name__ == "__main__":
    main()
