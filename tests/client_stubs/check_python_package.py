#!/usr/bin/python3
"""Installs client_stubs/python the way a user would, into a fresh venv, and
runs the installed package against the real tokend.

PyPI is out of reach here, so the venv is made from Debian's python3 with
--system-site-packages (grpcio and protobuf come from python3-grpcio and
python3-protobuf) and pip runs with --no-index --no-build-isolation (the
build backend is Debian's setuptools). With a registry, `pip install
./client_stubs/python` into any venv fetches the two dependencies instead.

Checks: the wheel holds the generated tokend.v1 modules (and .pyi, py.typed)
and declares grpcio, protobuf and the license; pip installs it; the installed
package imports from outside the repository with no PYTHONPATH; and the
receiving-side test (run_verifier_test.py) passes with the venv's python
running the installed package.

Usage: check_python_package.py --repo=DIR --tokend=BIN
"""

import argparse
import os
import shutil
import sys
import tempfile
import zipfile

from package_check import require, run, verifier_test_passes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tokend", required=True)
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    tmp = tempfile.mkdtemp(prefix="tkpy-")
    try:
        # A copy: setuptools writes build/ and *.egg-info next to the sources.
        src = os.path.join(tmp, "src")
        shutil.copytree(os.path.join(repo, "client_stubs/python"), src,
                        ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
        venv = os.path.join(tmp, "venv")
        run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv])
        py, pip = os.path.join(venv, "bin/python"), [os.path.join(venv, "bin/python"), "-m",
                                                      "pip", "--disable-pip-version-check"]
        offline = ["--no-index", "--no-build-isolation"]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

        wheels = os.path.join(tmp, "wheels")
        run(pip + ["wheel", "--no-deps", "-w", wheels] + offline + [src], env=env)
        names = os.listdir(wheels)
        require(len(names) == 1 and names[0].startswith("tokend_client-0.1.0-"),
                "pip builds one wheel (%s)" % names)
        with zipfile.ZipFile(os.path.join(wheels, names[0])) as z:
            files = set(z.namelist())
            meta = z.read([n for n in files if n.endswith(".dist-info/METADATA")][0]).decode()
        for f in ("tokend/v1/token_service_pb2.py", "tokend/v1/token_service_pb2.pyi",
                  "tokend/v1/token_service_pb2_grpc.py", "tokend/v1/key_service_pb2_grpc.py",
                  "tokend_client/verifier.py", "tokend_client/py.typed"):
            require(f in files, "the wheel holds %s" % f)
        require(not any(n.startswith("google/") for n in files),
                "the wheel ships no google.* modules (they belong to other packages)")
        # (older setuptools write "grpcio (>=1.51)", newer "grpcio>=1.51")
        flat = meta.replace(" (", "").replace(")", "")
        for line in ("Requires-Dist: grpcio>=1.51", "Requires-Dist: protobuf>=4.21",
                     "License: Apache-2.0"):
            require(line in flat, "the wheel's METADATA says %r" % line)

        run(pip + ["install"] + offline + [src], env=env)
        shown = run(pip + ["show", "tokend-client"], env=env)
        require("Requires: grpcio, protobuf" in shown, "pip show lists the dependencies")
        where = run([py, "-c", "import tokend_client, tokend.v1.token_service_pb2_grpc as g; "
                     "print(tokend_client.__file__); print(g.__file__)"], cwd=tmp, env=env)
        require(all(os.path.join(venv, "lib") in line for line in where.split()),
                "the installed package imports from the venv (%s)" % where.split())

        # The installed package against the real tokend (the harness itself
        # runs on Debian's python with the repository's copy).
        # -I: isolated, so only the installed package can be imported.
        ok = verifier_test_passes(repo, args.tokend, [py, "-I", os.path.join(
            repo, "tests/client_stubs/python_verifier_driver.py")], env=env, cwd=tmp)
        require(ok, "the installed package verifies calls against tokend")
        return 0
    except SystemExit as e:
        print(e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
