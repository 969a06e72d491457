"""Library loading: lazy, the lookup order, the ABI check, clear errors."""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest

from helpers import BINDING, LIBRARY, run_python


class LoadingTest(unittest.TestCase):
    def run_ok(self, code: str, **kw: object) -> str:
        r = run_python(code, **kw)  # type: ignore[arg-type]
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_import_does_not_load(self) -> None:
        out = self.run_ok(
            """
            import libws, libws.sync, libws.asyncio
            print(libws.loaded_path())
            with open("/proc/self/maps") as f:
                print("libws.so" in f.read())
            """
        )
        self.assertEqual(out.split(), ["None", "False"])

    def test_first_use_loads_from_the_checkout(self) -> None:
        out = self.run_ok(
            """
            import libws
            libws.ServerConnection()
            print(libws.loaded_path())
            print(libws.version(), libws.abi_version())
            """,
            env={"LIBWS_LIBRARY": None},
        )
        path, version, abi = out.split()
        self.assertEqual(os.path.realpath(path), os.path.realpath(LIBRARY))
        self.assertEqual(abi, "1")
        self.assertRegex(version, r"^\d+\.\d+\.\d+")

    def test_explicit_path_and_env(self) -> None:
        out = self.run_ok(f"import libws; libws.load({LIBRARY!r}); print(libws.loaded_path())")
        self.assertEqual(out, LIBRARY)
        out = self.run_ok("import libws; libws.version(); print(libws.loaded_path())", env={"LIBWS_LIBRARY": LIBRARY})
        self.assertEqual(out, LIBRARY)

    def test_missing_library_is_a_clear_error(self) -> None:
        r = run_python(
            """
            import libws
            try:
                libws.ServerConnection()
            except libws.LibraryError as e:
                print("LibraryError", e)
            """,
            env={"LIBWS_LIBRARY": "/nonexistent/libws.so.1"},
        )
        self.assertIn("LibraryError cannot load libws.so", r.stdout)
        self.assertIn("LIBWS_LIBRARY", r.stdout)

    def test_not_libws(self) -> None:
        r = run_python(
            """
            import ctypes.util, libws
            try:
                libws.load(ctypes.util.find_library("c"))
            except libws.LibraryError as e:
                print("LibraryError", e)
            """
        )
        self.assertIn("not libws", r.stdout, r.stderr)

    def test_abi_mismatch(self) -> None:
        r = run_python(
            """
            import libws, libws._ffi as f
            f.ABI_VERSION = 2
            try:
                libws.ServerConnection()
            except libws.LibraryError as e:
                print("LibraryError", e)
            """
        )
        self.assertIn("has ABI version 1; this binding needs 2", r.stdout, r.stderr)

    def test_second_load_of_another_path(self) -> None:
        r = run_python(
            f"""
            import libws
            libws.load({LIBRARY!r})
            libws.load({LIBRARY!r})  # the same: fine
            try:
                libws.load("/elsewhere/libws.so.1")
            except libws.LibraryError as e:
                print("LibraryError", e)
            """
        )
        self.assertIn("already loaded", r.stdout, r.stderr)

    def test_lookup_order(self) -> None:
        # A fake checkout: <d>/include/ws.h, <d>/build/libws.so.1 and the
        # package in <d>/bindings/python/libws.
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "include"))
            open(os.path.join(d, "include", "ws.h"), "w").close()
            os.makedirs(os.path.join(d, "build"))
            shutil.copy(LIBRARY, os.path.join(d, "build", "libws.so.1"))
            pkg = os.path.join(d, "bindings", "python")
            shutil.copytree(os.path.join(BINDING, "libws"), os.path.join(pkg, "libws"))
            code = f"import sys; sys.path.insert(0, {pkg!r}); import libws; libws.version(); print(libws.loaded_path())"

            r = run_python(code, env={"LIBWS_LIBRARY": None})
            self.assertEqual(r.stdout.strip(), os.path.join(d, "build", "libws.so.1"), r.stderr)

            shutil.copy(LIBRARY, os.path.join(pkg, "libws", "libws.so.1"))
            r = run_python(code, env={"LIBWS_LIBRARY": None})
            self.assertEqual(r.stdout.strip(), os.path.join(pkg, "libws", "libws.so.1"), r.stderr)

            r = run_python(code, env={"LIBWS_LIBRARY": LIBRARY})
            self.assertEqual(r.stdout.strip(), LIBRARY, r.stderr)

            r = run_python(code.replace("libws.version()", f"libws.load({LIBRARY!r})"), env={"LIBWS_LIBRARY": "/nonexistent"})
            self.assertEqual(r.stdout.strip(), LIBRARY, r.stderr)

    def test_system_lookup_when_nothing_else(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(BINDING, "libws"), os.path.join(d, "libws"))
            r = run_python(
                f"""
                import sys; sys.path.insert(0, {d!r})
                import libws
                try:
                    libws.version()
                    print("loaded", libws.loaded_path())
                except libws.LibraryError as e:
                    print("LibraryError", e)
                """,
                env={"LIBWS_LIBRARY": None, "LD_LIBRARY_PATH": os.path.dirname(LIBRARY)},
            )
            # With LD_LIBRARY_PATH the dynamic loader finds libws.so.1.
            self.assertIn("loaded libws.so.1", r.stdout, r.stderr)


if __name__ == "__main__":
    unittest.main()
