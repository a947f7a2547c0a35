"""What the check_<lang>_package.py scripts share: running a command that
must succeed, reporting a check, and running the receiving-side test
(run_verifier_test.py) with a driver that uses an installed package."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(argv, **kw):
    """stdout of `argv`, which must exit 0 (else the check fails with its
    output)."""
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit("FAIL: %s (exit %d)\n%s%s" % (" ".join(argv), r.returncode,
                                                    r.stdout[-3000:], r.stderr[-3000:]))
    return r.stdout


def require(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)
    print("ok: " + what)


def verifier_test_passes(repo, tokend, driver, **kw):
    """True when run_verifier_test.py passes with `driver` (argv)."""
    r = subprocess.run(
        [sys.executable, os.path.join(HERE, "run_verifier_test.py"),
         "--tokend=" + os.path.abspath(tokend),
         "--proto-python=" + os.path.join(repo, "client_stubs/python"), "--"] + driver, **kw)
    return r.returncode == 0
