#!/usr/bin/python3
"""Runs one language's token-source driver against the real tokend.

The harness starts tokend (temp dir, unix socket, free loopback ports, a
YAML config) and an echo service that accepts a call only when its
`authorization: Bearer <token>` verifies through tokend's VerifyToken. It
then runs the driver (a small program per language, in tests/client_stubs)
and steers it line by line: the driver prints what it observed, and asks
the harness to stop and restart tokend mid-stream.

Modes:
  full     fail-fast without a token, no retry on INVALID_ARGUMENT and
           PERMISSION_DENIED, first token, attach + verify through echo,
           tokend killed: the token keeps coming without blocking, tokend
           restarted: the source resumes, attach again, clean close.
  renewal  a 4 s token must be replaced on the stream (tokend's scheduled
           renewal) before it expires.

Usage: run_stub_test.py --tokend=BIN --proto-python=DIR --mode=full|renewal
                        --transport=unix|tcp -- DRIVER ARGS...
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent import futures

import grpc

MARKER = ("tokend-request", "1")
# How soon after tokend is back a token source must have a new stream up.
RESUME_BOUND_S = 3.0
ECHO_METHOD = "/tokend.test.Echo/Echo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(tmp, tcp_port, health_port):
    return f"""
listeners:
  unix_socket: {tmp}/run/tokend.sock
  tcp: 127.0.0.1:{tcp_port}
  health: 127.0.0.1:{health_port}
state_dir: {tmp}/state
tenants:
  - name: app
    profile: jwt
    issuer: https://stubs.test
    audience: [echo]
    credentials: {{private_key: file:{tmp}/key.pem}}
    ttl: {{default: 60s, max: 1h}}
    session_cap: 1h
    renew_grace: 1m
  - name: short
    profile: jwt
    issuer: https://stubs.test
    audience: [echo]
    credentials: {{private_key: file:{tmp}/key.pem}}
    ttl: {{default: 4s, max: 10s}}
    session_cap: 1h
    renew_grace: 1m
    leeway: 0s
  - name: other
    profile: jwt
    issuer: https://other.test
    credentials: {{private_key: file:{tmp}/key.pem}}
renewal:
  refresh_fraction: 0.5
  min_refresh_fraction: 0.5
  max_refresh_fraction: 0.8
  min_lead: 1s
callers:
  - name: me
    uid: {os.getuid()}
    issue: [app, short]
    revoke: [app]
    verify: ["*"]
  - name: loopback
    loopback: true
    issue: [app, short]
    verify: ["*"]
"""


class Tokend:
    def __init__(self, binary, tmp):
        self.binary, self.tmp = binary, tmp
        self.health = f"127.0.0.1:{free_port()}"
        self.tcp_port = free_port()
        os.makedirs(f"{tmp}/run", exist_ok=True)
        os.makedirs(f"{tmp}/state", exist_ok=True)
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", f"{tmp}/key.pem"],
                       check=True, capture_output=True)
        with open(f"{tmp}/tokend.yaml", "w") as f:
            f.write(config(tmp, self.tcp_port, self.health.split(":")[1]))
        self.proc = None

    def start(self):
        log = open(f"{self.tmp}/tokend.log", "a")
        self.proc = subprocess.Popen(
            [self.binary, f"--config={self.tmp}/tokend.yaml"],
            stdout=subprocess.DEVNULL, stderr=log)
        log.close()
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("tokend exited:\n" + self.log())
            try:
                with grpc.insecure_channel(self.health) as ch:
                    grpc.channel_ready_future(ch).result(timeout=0.5)
                    return
            except grpc.FutureTimeoutError:
                pass
        raise SystemExit("tokend did not come up:\n" + self.log())

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self):
        with open(f"{self.tmp}/tokend.log") as f:
            return f.read()[-3000:]


def echo_server(tmp, tokend_target, pb2, pb2_grpc):
    """Echo on a unix socket with local credentials (so clients may attach
    call credentials), accepting only tokens that tokend verifies."""
    verify_channel = grpc.insecure_channel(tokend_target)
    stub = pb2_grpc.TokenServiceStub(verify_channel)

    def echo(request, context):
        auth = dict(context.invocation_metadata()).get("authorization", "")
        if not auth.startswith("Bearer "):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "no bearer token")
        resp = stub.VerifyToken(
            pb2.VerifyTokenRequest(tenant="app", token=auth[len("Bearer "):]),
            metadata=[MARKER], timeout=5)
        if not resp.valid:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, resp.reason)
        return b"ok " + resp.subject.encode()

    handler = grpc.method_handlers_generic_handler("tokend.test.Echo", {
        "Echo": grpc.unary_unary_rpc_method_handler(echo)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    server.add_secure_port(f"unix:{tmp}/echo.sock",
                           grpc.local_server_credentials(grpc.LocalConnectionType.UDS))
    server.start()
    return server


class Driver:
    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)

    def expect(self, word, timeout=60):
        """The next line that starts with `word`, as its fields."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f"driver ended before {word} "
                                 f"(exit {self.proc.wait()})")
            print("driver: " + line.rstrip())
            if line.startswith(word + " ") or line.strip() == word:
                return line.split()[1:]
        raise SystemExit(f"driver: no {word} within {timeout}s")

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()


def require(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)
    print("ok: " + what)


def run_full(d, tokend):
    ms, *msg = d.expect("FAILFAST")
    require(float(ms) < 100 and msg, "no token: Current() fails fast with a message")
    code, attempts = d.expect("NORETRY_DENIED")
    require(code == "PERMISSION_DENIED" and attempts == "1",
            "PERMISSION_DENIED is terminal after exactly one attempt")
    code, attempts = d.expect("NORETRY_INVALID")
    require(code == "INVALID_ARGUMENT" and attempts == "1",
            "INVALID_ARGUMENT is terminal after exactly one attempt")
    token_id, seq = d.expect("TOKEN")
    require(token_id and seq == "1", "first token from the stream (sequence 1)")
    reply = d.expect("ECHO")
    require(reply[:1] == ["ok"], "the token attached to a call verifies in echo")
    d.expect("STOP_TOKEND")
    tokend.kill()
    d.send("stopped")
    same, max_ms = d.expect("DOWN")
    require(same == "1" and float(max_ms) < 50,
            "tokend down: the same token, without blocking (max %s ms)" % max_ms)
    d.expect("START_TOKEND")
    tokend.start()
    started = time.monotonic()
    d.send("started")
    streams, attempts, *last_error = d.expect("RESUMED")
    resumed_s = time.monotonic() - started
    require(int(streams) >= 2, "after the restart a new stream delivered an event")
    # The outage lasted about a second; the source must not have let its
    # retry backoff grow past that (it once took up to 13.7 s).
    require(resumed_s < RESUME_BOUND_S,
            "resumed %.2f s after tokend was back (bound %.0f s)"
            % (resumed_s, RESUME_BOUND_S))
    reply = d.expect("ECHO2")
    require(reply[:1] == ["ok"], "after the restart the token still verifies")
    (ms,) = d.expect("CLOSED")
    require(float(ms) < 2000, "close is quick (%s ms)" % ms)


def run_renewal(d):
    token_id, expires = d.expect("TOKEN")
    renewed, *rest = d.expect("RENEWAL", timeout=30)
    require(renewed == "1", "a renewal arrived on the stream before the first token "
            "expired (%s)" % " ".join(rest))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokend", required=True)
    ap.add_argument("--proto-python", required=True)
    ap.add_argument("--mode", choices=["full", "renewal"], default="full")
    ap.add_argument("--transport", choices=["unix", "tcp"], default="unix")
    ap.add_argument("driver", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, args.proto_python)
    from tokend.v1 import token_service_pb2 as pb2
    from tokend.v1 import token_service_pb2_grpc as pb2_grpc

    tmp = tempfile.mkdtemp(prefix="tks-")
    tokend = Tokend(args.tokend, tmp)
    echo = None
    driver = None
    try:
        tokend.start()
        unix_target = f"unix:{tmp}/run/tokend.sock"
        echo = echo_server(tmp, unix_target, pb2, pb2_grpc)
        env = dict(os.environ)
        env.update({
            "TOKEND_TARGET": unix_target if args.transport == "unix"
            else f"127.0.0.1:{tokend.tcp_port}",
            "TOKEND_DEAD_TARGET": f"unix:{tmp}/nothing.sock",
            "ECHO_TARGET": f"unix:{tmp}/echo.sock",
            "STUB_MODE": args.mode,
        })
        driver = Driver(args.driver, env)
        rc = run_full(driver, tokend) if args.mode == "full" else run_renewal(driver)
        driver.expect("DONE")
        driver.proc.stdin.close()
        require(driver.proc.wait(timeout=10) == 0, "driver exits 0")
        return rc or 0
    except SystemExit as e:
        print(e)
        if tokend.proc is not None and tokend.proc.poll() is not None:
            print("tokend had exited with %s" % tokend.proc.returncode)
        print("tokend log:\n" + tokend.log())
        return 1
    finally:
        if driver and driver.proc.poll() is None:
            driver.proc.kill()
        if echo:
            echo.stop(None)
        tokend.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
