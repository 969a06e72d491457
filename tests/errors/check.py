"""Judges the error-message table (cases.tsv) on every surface.

    python3 check.py CASES.TSV SURFACE=FILE...

Each FILE holds one surface's lines (messages.c, .py, .pl): name, libws's
failure text, the rejected/close event's reason, its code, and (Python,
Perl) what the binding's user reads. For every case and surface:

- the code is the table's (HTTP status or close code);
- the failure text and the event's reason are the same words, and are the
  same on every surface (one libws, one voice);
- every wanted substring is in the failure text and in what the user reads;
- messages are one short line of printable text: no "ws: " prefix, the
  word "handshake" at most once, at most 200 characters, no control
  characters (a peer's bytes arrive escaped);
- Perl's Net::WebSocket exception class is the table's (open cases).
"""

import re
import sys
from typing import Dict, List

# The Sec-WebSocket-Accept value a client expects depends on its random key.
ACCEPT = re.compile(r'"[A-Za-z0-9+/]{27}="')


def load_cases(path: str) -> List[List[str]]:
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            rows.append(cols + [""] * (6 - len(cols)))
    return rows


def load_surface(path: str) -> Dict[str, List[str]]:
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            out[cols[0]] = cols[1:]
    return out


def judge_text(where: str, text: str, wants: List[str]) -> List[str]:
    bad = []
    for w in wants:
        if w not in text:
            bad.append(f"{where}: {text!r} lacks {w!r}")
    if text.startswith("ws: ") or " ws: " in text:
        bad.append(f"{where}: {text!r} has a 'ws: ' prefix")
    if text.count("handshake") > 1:
        bad.append(f"{where}: {text!r} says 'handshake' more than once")
    if len(text) > 200:
        bad.append(f"{where}: {len(text)} characters (over 200): {text[:80]!r}...")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        bad.append(f"{where}: {text!r} has a control character")
    if not text:
        bad.append(f"{where}: empty message")
    return bad


def main() -> int:
    cases = load_cases(sys.argv[1])
    surfaces = {}
    for arg in sys.argv[2:]:
        name, _, path = arg.partition("=")
        surfaces[name] = load_surface(path)
    bad: List[str] = []
    for name, _role, _hex, code, wants_s, perl_class in cases:
        wants = [w for w in wants_s.split("|") if w]
        seen = {}
        for s, lines in surfaces.items():
            where = f"{name} ({s})"
            if name not in lines:
                bad.append(f"{where}: no line")
                continue
            cols = lines[name] + [""] * 4
            failure, reason, got_code, user = cols[0], cols[1], cols[2], cols[3] or cols[0]
            if got_code != code:
                bad.append(f"{where}: code {got_code}, want {code}")
            if failure != reason:
                bad.append(f"{where}: failure {failure!r} and event reason {reason!r} differ")
            bad += judge_text(where + " failure", failure, wants)
            bad += judge_text(where + " user", user, wants)
            if s == "perl" and perl_class and not user.startswith(f"Net::WebSocket::X::{perl_class}:"):
                bad.append(f"{where}: {user!r}, want Net::WebSocket::X::{perl_class}")
            seen[s] = ACCEPT.sub('"<accept>"', failure)
        if len(set(seen.values())) > 1:
            bad.append(f"{name}: the surfaces disagree: {seen}")
        print(f"errors: {name}: {seen.get('c', next(iter(seen.values()), ''))}")
    for b in bad:
        print(f"errors: FAIL: {b}", file=sys.stderr)
    print(f"errors: {len(cases)} cases x {len(surfaces)} surfaces: " + ("FAILED" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
