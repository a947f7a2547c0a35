#!/usr/bin/python3
"""Installs the C++ client from the build tree and uses it as another
project would.

Checks: the client target exists in a tree configured without tests,
benchmarks or server (ninja's dry run plans it); `cmake --install --component
client` lays out the headers (tokend/client, the generated tokend/v1), the
two static libraries, tokendConfig.cmake with its version file and targets,
and tokend-client.pc, and nothing of google/rpc; a C++17 project
(cpp_consumer) finds it with find_package(tokend) and builds the receiving
side's driver against it, which then passes run_verifier_test.py against the
real tokend; and the same source compiles and links with the flags
`pkg-config --cflags --libs tokend-client` gives.

Usage: check_cpp_package.py --repo=DIR --build=DIR --tokend=BIN
"""

import argparse
import os
import shutil
import sys
import tempfile

from package_check import require, run, verifier_test_passes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--tokend", required=True)
    args = ap.parse_args()
    repo, build = os.path.abspath(args.repo), os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="tkcpp-")
    launcher = (["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] if shutil.which("ccache") else [])
    driver = os.path.join(repo, "tests/client_stubs/cpp_verifier_driver.cc")
    try:
        alone = os.path.join(tmp, "client-only")
        run(["cmake", "-S", repo, "-B", alone, "-G", "Ninja", "-DTOKEND_BUILD_TESTS=OFF",
             "-DTOKEND_BUILD_BENCH=OFF", "-DTOKEND_BUILD_SERVER=OFF",
             "-DTOKEND_BUILD_CLIENT=ON"])
        plan = run(["ninja", "-C", alone, "-n", "tokend_client"])
        require("libtokend_client.a" in plan and "libtokend_proto.a" in plan,
                "without tests, benchmarks or server the client library is a target")

        prefix = os.path.join(tmp, "prefix")
        run(["cmake", "--install", build, "--component", "client", "--prefix", prefix])
        for f in ("include/tokend/client/token_source.h", "include/tokend/client/call_credentials.h",
                  "include/tokend/client/auth_processor.h",
                  "include/tokend/v1/token_service.grpc.pb.h", "include/tokend/v1/subject.pb.h",
                  "lib/libtokend_client.a", "lib/libtokend_proto.a",
                  "lib/cmake/tokend/tokendConfig.cmake",
                  "lib/cmake/tokend/tokendConfigVersion.cmake",
                  "lib/cmake/tokend/tokendTargets.cmake", "lib/pkgconfig/tokend-client.pc"):
            require(os.path.exists(os.path.join(prefix, f)), "installed %s" % f)
        installed = [os.path.relpath(os.path.join(d, f), prefix)
                     for d, _, fs in os.walk(prefix) for f in fs]
        require(not any("google" in p for p in installed),
                "no google/rpc headers installed (they are private to the library)")
        require(not any(p.startswith("bin/") for p in installed),
                "the client component installs no server binaries")

        consumer = os.path.join(tmp, "consumer")
        run(["cmake", "-S", os.path.join(repo, "tests/client_stubs/cpp_consumer"), "-B",
             consumer, "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix,
             "-DCONSUMER_SOURCE=" + driver] + launcher)
        run(["cmake", "--build", consumer])
        require(True, "a C++17 project builds against find_package(tokend) / tokend::client")
        ok = verifier_test_passes(repo, args.tokend, [os.path.join(consumer, "consumer")],
                                  cwd=tmp)
        require(ok, "the consumer's TokenAuthProcessor verifies calls against tokend")

        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib/pkgconfig"))
        flags = run(["pkg-config", "--cflags", "--libs", "tokend-client"], env=env).split()
        require(os.path.join(prefix, "lib/pkgconfig/../../include") in " ".join(flags) or
                any(f.startswith("-I") and "prefix" in f for f in flags),
                "pkg-config points at the installed headers (%s)" % " ".join(flags[:3]))
        cxx = (["ccache"] if launcher else []) + ["g++"]
        run(cxx + ["-std=c++17", driver, "-o", os.path.join(tmp, "pc-consumer")] + flags +
            ["-lpthread"])
        require(True, "the same source compiles and links with pkg-config's flags")
        return 0
    except SystemExit as e:
        print(e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
