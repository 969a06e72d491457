"""packaging/wheeltag.py on small libraries built here with cc: the tag
follows the newest GLIBC version (never below manylinux_2_17), a needed
library off the manylinux list gives linux_<arch> unless it is bundled
too, a blacklisted import keeps manylinux2014 out, --require refuses, and
the ELF reading matches objdump -T (elf_agrees.py).

    python3 tests/packaging/test_wheeltag.py
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "packaging"))
import wheeltag  # noqa: E402

ARCH = {"x86_64": "x86_64", "aarch64": "aarch64", "i686": "i686"}.get(platform.machine(), platform.machine())
M2014 = f"manylinux_2_17_{ARCH}.manylinux2014_{ARCH}"


class WheelTagTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        cls.d = cls.tmp.name

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def so(self, name: str, code: str, *args: str) -> str:
        src = os.path.join(self.d, name + ".c")
        out = os.path.join(self.d, name)
        with open(src, "w") as f:
            f.write(code)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", out, src, f"-Wl,-soname,{name}", *args], check=True, cwd=self.d)
        return out

    def tag(self, *libs: str) -> str:
        return wheeltag.decide(list(libs))[0]

    def main(self, *argv: str) -> int:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return wheeltag.main(list(argv))

    def test_old_symbols_get_the_floor(self) -> None:
        lib = self.so("libold.so.1", "#include <stdio.h>\nint f(void) { return puts(\"x\"); }\n")
        self.assertEqual(self.tag(lib), M2014)
        self.assertEqual(self.main(*["--require", "manylinux2014", lib]), 0)

    def test_newest_glibc_sets_x(self) -> None:
        # reallocarray is GLIBC_2.26 (2.29 on some CPUs): the tag follows it.
        lib = self.so("libnew.so.1", "#define _GNU_SOURCE\n#include <stdlib.h>\nvoid *f(void *p) { return reallocarray(p, 2, 8); }\n")
        minor = wheeltag.newest_glibc([wheeltag.read_elf(lib)])[1]
        self.assertGreater(minor, 17)
        self.assertEqual(self.tag(lib), f"manylinux_2_{minor}_{ARCH}")
        self.assertEqual(self.main(*["--require", "manylinux2014", lib]), 1)
        self.assertEqual(self.main(*["--require", f"manylinux_2_{minor}", lib]), 0)

    def test_unlisted_library_unless_bundled(self) -> None:
        dep = self.so("libdep.so.1", "int g(void) { return 1; }\n")
        lib = self.so("libuser.so.1", "int g(void);\nint f(void) { return g(); }\n", dep)
        self.assertEqual(wheeltag.read_elf(lib).needed, ["libdep.so.1"])
        self.assertEqual(self.tag(lib), f"linux_{ARCH}")
        self.assertEqual(self.tag(lib, dep), M2014)

    def test_blacklisted_import(self) -> None:
        lib = self.so(
            "libbl.so.1",
            "extern int __cxa_thread_atexit_impl(void (*)(void *), void *, void *);\n"
            "int f(void) { return __cxa_thread_atexit_impl(0, 0, 0); }\n",
        )
        self.assertNotEqual(self.tag(lib), M2014)
        why = wheeltag.decide([lib])[1][M2014]
        self.assertTrue(any("__cxa_thread_atexit_impl" in w for w in why), why)

    def test_reader_agrees_with_binutils(self) -> None:
        libs = [os.path.join(self.d, n) for n in sorted(os.listdir(self.d)) if ".so" in n and not n.endswith(".c")]
        self.assertTrue(libs)
        subprocess.run([sys.executable, os.path.join(HERE, "elf_agrees.py"), *libs], check=True, stdout=subprocess.DEVNULL)

    def test_not_elf(self) -> None:
        self.assertEqual(self.main(*[os.path.join(HERE, "hello.c")]), 2)


if __name__ == "__main__":
    unittest.main()
