"""Runs the Python binding's test suite (tests/python, copied next to this
process's working directory) against the libws installed in this
interpreter's environment, not a checkout.

    <venv>/bin/python run_installed.py TESTS-DIR

First checks that ``import libws`` comes from this environment's
site-packages, that the first use loads the bundled libws/libws.so.1 with
no LIBWS_LIBRARY or LD_LIBRARY_PATH, and that the version is ws.h's. Then
runs every test but the three that build a fake source checkout around the
package sources (test_loading's checkout lookups: there is no checkout
here, and the installed lookup is what the first checks test).
"""

from __future__ import annotations

import os
import sys
import sysconfig
import unittest

CHECKOUT_ONLY = {
    "test_loading.LoadingTest.test_first_use_loads_from_the_checkout",
    "test_loading.LoadingTest.test_lookup_order",
    "test_loading.LoadingTest.test_system_lookup_when_nothing_else",
}


def fail(msg: str) -> None:
    print(f"run_installed: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check_installed(version: str) -> None:
    import libws

    site = os.path.realpath(sysconfig.get_paths()["purelib"])
    where = os.path.realpath(libws.__file__)
    if not where.startswith(site + os.sep) or sys.prefix == sys.base_prefix:
        fail(f"libws imported from {where}, not this venv's {site}")
    if libws.__version__ != version:
        fail(f"libws.__version__ is {libws.__version__}, ws.h says {version}")
    libws.ServerConnection()
    loaded = os.path.realpath(libws.loaded_path() or "")
    if loaded != os.path.join(site, "libws", "libws.so.1"):
        fail(f"the first use loaded {loaded}, not the bundled {site}/libws/libws.so.1")
    if libws.version() != version:
        fail(f"the bundled library says {libws.version()}, ws.h {version}")
    print(f"run_installed: libws {version} from {where}, library {loaded}")


def flatten(suite: unittest.TestSuite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def main() -> int:
    tests, version = sys.argv[1], sys.argv[2]
    for var in ("LIBWS_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH"):
        if os.environ.get(var):
            fail(f"{var} is set")
    check_installed(version)
    sys.path.insert(0, tests)
    found = unittest.defaultTestLoader.discover(tests, pattern="test_*.py", top_level_dir=tests)
    suite = unittest.TestSuite()
    skipped = []
    for t in flatten(found):
        if isinstance(t, unittest.loader._FailedTest):  # type: ignore[attr-defined]
            suite.addTest(t)  # an import error is a failure, not a skip
        elif t.id() in CHECKOUT_ONLY:
            skipped.append(t.id())
        else:
            suite.addTest(t)
    if len(skipped) != len(CHECKOUT_ONLY):
        fail(f"checkout-only tests not found: {sorted(CHECKOUT_ONLY - set(skipped))}")
    r = unittest.TextTestRunner(verbosity=1).run(suite)
    # The suite's own imports must have used the installed copy too.
    import libws

    if not os.path.realpath(libws.__file__).startswith(os.path.realpath(sysconfig.get_paths()["purelib"])):
        fail(f"the tests imported libws from {libws.__file__}")
    print(f"run_installed: {r.testsRun} tests against the installed wheel ({len(skipped)} checkout-only left out)")
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
