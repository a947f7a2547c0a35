#!/usr/bin/python3
"""Runs one language's receiving side (a server behind the stub's
interceptor or middleware) against the real tokend, and calls it as a
client would, with every kind of token.

The driver (tests/client_stubs/*verifier*) serves two methods behind the
stub's verification, on a unix socket it is given (VERIFIER_ADDRESS):
  /tokend.test.Echo/Hello   unary: answers "hello <verified subject>"
  /tokend.test.Echo/Stream  server streaming: two such messages
and prints "LISTENING" once it accepts calls. The harness then checks:
  * a valid token passes, and the handler sees the verified subject (unary
    and streaming);
  * no token, a malformed one, a bad signature, an expired one (signed with
    the tenant's own key, so only the expiry is wrong) and a revoked one are
    refused with UNAUTHENTICATED and the reason (MISSING_TOKEN, MALFORMED,
    BAD_SIGNATURE, TOKEN_EXPIRED, REVOKED), on both methods, and the status
    message never contains the token or a piece of it;
  * with tokend stopped, a valid token is refused UNAVAILABLE (fail closed).

Usage: run_verifier_test.py --tokend=BIN --proto-python=DIR -- DRIVER ARGS...
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc
import jwt  # Debian's python3-jwt, to sign an expired token with the tenant's key

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_stub_test import MARKER, Tokend, require  # noqa: E402

HELLO, STREAM = "/tokend.test.Echo/Hello", "/tokend.test.Echo/Stream"


def b64json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def call(channel, method, token):
    """(code name, [replies], details) of one call with `token` (None: no
    authorization metadata)."""
    md = [] if token is None else [("authorization", "Bearer " + token)]
    try:
        if method == HELLO:
            out = [channel.unary_unary(HELLO)(b"hi", metadata=md, timeout=10)]
        else:
            out = list(channel.unary_stream(STREAM)(b"hi", metadata=md, timeout=10))
        return "OK", [r.decode() for r in out], ""
    except grpc.RpcError as e:
        return e.code().name, [], e.details() or ""


def leaks(details, token):
    """True when `details` holds the token or any 8-character piece of it."""
    if not token:
        return False
    return token in details or any(token[i:i + 8] in details
                                   for i in range(0, max(1, len(token) - 7)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokend", required=True)
    ap.add_argument("--proto-python", required=True)
    ap.add_argument("driver", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, args.proto_python)
    from tokend.v1 import token_service_pb2 as pb2
    from tokend.v1 import subject_pb2, token_service_pb2_grpc as pb2_grpc

    tmp = tempfile.mkdtemp(prefix="tkv-")
    tokend = Tokend(args.tokend, tmp)
    driver = None
    try:
        tokend.start()
        target = f"unix:{tmp}/run/tokend.sock"
        admin = pb2_grpc.TokenServiceStub(grpc.insecure_channel(target))

        def issue(subject):
            r = admin.IssueToken(pb2.IssueTokenRequest(
                tenant="app", subject=subject_pb2.Subject(user_id=subject)),
                metadata=[MARKER], timeout=10)
            return r.token, r.token_id

        valid, _ = issue("alice")
        revoked, revoked_id = issue("mallory")
        admin.RevokeToken(pb2.RevokeTokenRequest(tenant="app", token_id=revoked_id),
                          metadata=[MARKER], timeout=10)
        header_b64, payload_b64, sig = valid.split(".")
        header, payload = b64json(header_b64), b64json(payload_b64)
        now = int(time.time())
        payload.update(iat=now - 7200, exp=now - 3600)
        if "nbf" in payload:
            payload["nbf"] = now - 7200
        with open(f"{tmp}/key.pem") as f:
            expired = jwt.encode(payload, f.read(), algorithm=header["alg"],
                                 headers={k: v for k, v in header.items() if k != "alg"})
        tampered = f"{header_b64}.{payload_b64}.{sig[:-6]}{'AAAAAA' if sig[-6:] != 'AAAAAA' else 'BBBBBB'}"
        cases = [("no token", None, "MISSING_TOKEN"),
                 ("a malformed token", "not-a-token-at-all", "MALFORMED"),
                 ("a bad signature", tampered, "BAD_SIGNATURE"),
                 ("an expired token", expired, "TOKEN_EXPIRED"),
                 ("a revoked token", revoked, "REVOKED")]

        address = f"unix:{tmp}/protected.sock"
        env = dict(os.environ, TOKEND_TARGET=target, VERIFIER_ADDRESS=address,
                   VERIFIER_TENANT="app")
        driver = subprocess.Popen(args.driver, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, env=env)
        line = driver.stdout.readline()
        require(line.strip() == "LISTENING", "the driver serves (%r)" % line)
        channel = grpc.secure_channel(address, grpc.local_channel_credentials(
            grpc.LocalConnectionType.UDS))

        for method, want in ((HELLO, ["hello alice"]), (STREAM, ["hello alice"] * 2)):
            code, replies, details = call(channel, method, valid)
            require(code == "OK" and replies == want,
                    "%s: a valid token passes and the handler sees subject alice "
                    "(%s %s %s)" % (method, code, replies, details))
        for what, token, reason in cases:
            for method in (HELLO, STREAM):
                code, replies, details = call(channel, method, token)
                require(code == "UNAUTHENTICATED" and details.startswith(reason + ":"),
                        "%s: %s is refused UNAUTHENTICATED %s (%s: %s)"
                        % (method, what, reason, code, details))
                require(not leaks(details, token),
                        "%s: the refusal of %s does not echo the token" % (method, what))
        tokend.kill()
        code, _, details = call(channel, HELLO, valid)
        require(code == "UNAVAILABLE",
                "tokend down: the call fails UNAVAILABLE, never passes unverified "
                "(%s: %s)" % (code, details))
        require(not leaks(details, valid), "the UNAVAILABLE message does not echo the token")
        channel.close()
        return 0
    except SystemExit as e:
        print(e)
        print("tokend log:\n" + tokend.log())
        return 1
    finally:
        if driver and driver.poll() is None:
            driver.kill()
            driver.wait()
        tokend.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
