"""packaging/wheeltag.py's ELF reader against binutils: the undefined
dynamic symbols and their versions must be objdump -T's, and DT_NEEDED
readelf -d's.

    elf_agrees.py LIB...
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "packaging"))
import wheeltag  # noqa: E402


def main() -> int:
    bad = 0
    for lib in sys.argv[1:]:
        info = wheeltag.read_elf(lib)
        ours = {(i.name, i.version) for i in info.imports}
        theirs = set()
        for line in subprocess.run(["objdump", "-T", lib], capture_output=True, text=True, check=True).stdout.splitlines():
            m = re.match(r"^[0-9a-f]+ .{7} \*UND\*\s+[0-9a-f]+\s+(?:\(?([A-Za-z0-9_.]+)\)?\s+)?(\S+)$", line)
            if m:
                ver = m.group(1) or ""
                theirs.add((m.group(2), "" if ver in ("Base",) else ver))
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                            subprocess.run(["readelf", "-d", lib], capture_output=True, text=True, check=True).stdout)
        if ours != theirs or info.needed != needed:
            bad = 1
            print(f"elf_agrees: {lib}: wheeltag.py and binutils differ", file=sys.stderr)
            print(f"  only wheeltag: {sorted(ours - theirs)}\n  only objdump: {sorted(theirs - ours)}", file=sys.stderr)
            print(f"  needed: {info.needed} vs {needed}", file=sys.stderr)
        else:
            print(f"elf_agrees: {lib}: {len(ours)} imports, needs {', '.join(needed)}: as objdump -T and readelf -d")
    return bad


if __name__ == "__main__":
    sys.exit(main())
