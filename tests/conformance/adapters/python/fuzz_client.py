#!/usr/bin/env python3
"""The Python surface's echo client for the conformance suite's fuzzing
server, written with libws.sync as bindings/python/examples/wscat.py is.

    fuzz_client.py ws://127.0.0.1:PORT AGENT   Autobahn's fuzzingclient protocol
    fuzz_client.py -e URL                      one connection: echo until the server closes

It stands in for an "echo what you receive" mode of the Python examples
(see tests/conformance/README.md).
"""

from __future__ import annotations

import sys

import libws
from libws.sync import connect


def run(url: str, echo: bool) -> str | None:
    """One connection: echo every message (if echo) until the server
    closes; returns the first message."""
    first = None
    try:
        ws = connect(url, compression=libws.Deflate(), ping_interval=None, close_timeout=5.0)
    except (libws.LibwsError, OSError) as e:
        print(f"fuzz_client: {url}: {e}", file=sys.stderr)
        return None
    try:
        for message in ws:
            if first is None:
                first = message
            if echo:
                ws.send(message)
    except libws.ConnectionClosed:
        pass  # the server (or we) failed the connection: the case judges that
    finally:
        ws.close()
    return first


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "-e":
        run(sys.argv[2], True)
        return
    if len(sys.argv) != 3:
        sys.exit("usage: fuzz_client.py BASE-URL AGENT | fuzz_client.py -e URL")
    base, agent = sys.argv[1], sys.argv[2]
    count = run(f"{base}/getCaseCount", False)
    if not isinstance(count, str) or not count.isdigit():
        sys.exit(f"fuzz_client: getCaseCount answered {count!r}")
    for n in range(1, int(count) + 1):
        run(f"{base}/runCase?case={n}&agent={agent}", True)
    run(f"{base}/updateReports?agent={agent}", False)


if __name__ == "__main__":
    main()
