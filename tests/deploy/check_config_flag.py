#!/usr/bin/python3
"""`tokend --check-config` through the real binary: a good config prints
"config OK: <file>" and exits 0 without listening or writing anything; a bad
one prints the field-named error and exits 1; every way a start would fail
on the config (unknown field, unreadable or malformed key file, unset env
reference, unreadable TLS file, a flag override) fails the check the same
way.

Usage: check_config_flag.py --tokend=<binary>
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile

FAILURES = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        FAILURES.append(what)
    return condition


CONFIG = """\
listeners:
  unix_socket: {tmp}/run/tokend.sock
  tcp: 127.0.0.1:{port}
  health: 127.0.0.1:{port}
state_dir: {tmp}/state
tenants:
  - name: app
    profile: jwt
    issuer: https://tokend.test
    audience: [app]
    credentials:
      private_key: {key}
callers:
  - name: app
    uid: {uid}
    issue: [app]
"""


def run(tokend, *args, env=None):
    r = subprocess.run([tokend] + list(args), capture_output=True, text=True,
                       timeout=60, env=env)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokend", required=True)
    args = ap.parse_args()
    tokend = args.tokend
    tmp = tempfile.mkdtemp(prefix="tkd-check-")
    # The listeners' port stays bound by this test: a check that tried to
    # listen would fail on it.
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen(1)
    port = held.getsockname()[1]
    try:
        key = os.path.join(tmp, "keys", "jwt.pem")
        os.makedirs(os.path.dirname(key))
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", key], check=True,
                       capture_output=True)

        def write(name, text):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            # Key files open to every user are warned about before any error.
            os.chmod(path, 0o600)
            return path

        def config(**kw):
            fields = {"tmp": tmp, "port": port, "key": "file:" + key,
                      "uid": os.getuid()}
            fields.update(kw)
            return CONFIG.format(**fields)

        good = write("good.yaml", config())
        code, out, err = run(tokend, "--check-config", "--config=" + good)
        check(code == 0 and out == "config OK: " + good and err == "",
              "a good config: exit 0 and 'config OK: <file>' (exit %d, %r, %r)"
              % (code, out, err))
        check(not os.path.exists(os.path.join(tmp, "state")) and
              not os.path.exists(os.path.join(tmp, "run")),
              "the check creates neither the state folder nor the socket folder")

        code, out, _ = run(tokend, "--check-config=" + good)
        check(code == 0 and out == "config OK: " + good,
              "--check-config=FILE is --check-config --config=FILE (exit %d)" % code)
        code, out, _ = run(tokend, "--check_config", "--config=" + good)
        check(code == 0 and out == "config OK: " + good,
              "--check_config is the same flag (exit %d)" % code)

        code, out, err = run(tokend, "--check-config")
        check(code == 2 and "--check-config needs --config=FILE" in err,
              "without --config: exit 2, naming --config (exit %d, %r)" % (code, err))

        cases = [
            ("unknown field",
             config().replace("    profile: jwt\n", "    profile: jwt\n    colour: blue\n"),
             [], "tenants[0].colour"),
            ("missing key file", config(key="file:" + tmp + "/keys/none.pem"),
             [], "tenants[0].credentials.private_key"),
            ("malformed key file", config(key="file:" + write("bad.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")),
             [], "tenants[0]"),
            ("unset env reference", config(key="env:TOKEND_TEST_NO_SUCH_VAR"),
             [], "tenants[0].credentials.private_key"),
            ("unreadable TLS certificate",
             config().replace("  health:", "  tls:\n    address: 127.0.0.1:%d\n"
                              "    cert_file: %s/tls/none.crt\n    key_file: %s\n  health:"
                              % (port, tmp, key)),
             [], "listeners.tls.cert_file"),
            ("a non-loopback --listen override", config(), ["--listen=0.0.0.0:%d" % port],
             "listeners.tcp (--listen)"),
        ]
        for name, text, extra, field in cases:
            path = write("case.yaml", text)
            code, out, err = run(tokend, "--check-config", "--config=" + path, *extra)
            check(code == 1 and out == "" and err.startswith("tokend: %s: %s" % (path, field)),
                  "%s: exit 1, the error names the file and %s (exit %d, %r)"
                  % (name, field, code, err))
            check("BEGIN" not in err and "AAAA" not in err,
                  "%s: the error carries no key material" % name)

        # An env reference that is set passes.
        with open(key) as f:
            pem = f.read()
        env = dict(os.environ, TOKEND_TEST_KEY=pem)
        path = write("env.yaml", config(key="env:TOKEND_TEST_KEY"))
        code, out, _ = run(tokend, "--check-config", "--config=" + path, env=env)
        check(code == 0 and out == "config OK: " + path,
              "a set env reference resolves (exit %d)" % code)
    finally:
        held.close()
        shutil.rmtree(tmp, ignore_errors=True)

    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all --check-config checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
