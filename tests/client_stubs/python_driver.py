#!/usr/bin/python3
"""The Python token-source driver for run_stub_test.py (see its protocol)."""

import os
import sys
import time

import grpc
from tokend_client import TokenAuthPlugin, TokenSource, TokenSourceError


def out(*fields):
    print(*fields, flush=True)


def echo(source):
    creds = grpc.composite_channel_credentials(
        grpc.local_channel_credentials(grpc.LocalConnectionType.UDS),
        grpc.metadata_call_credentials(TokenAuthPlugin(source)))
    with grpc.secure_channel(os.environ["ECHO_TARGET"], creds) as ch:
        call = ch.unary_unary("/tokend.test.Echo/Echo")
        try:
            return call(b"hi", timeout=10).decode()
        except grpc.RpcError as e:
            return f"error {e.code().name} {e.details()}"


def wait_until(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def terminal(tenant, spec_tenant):
    src = TokenSource(os.environ["TOKEND_TARGET"], tenant=tenant, subject="alice",
                      spec=None, initial_backoff=0.05, max_backoff=0.2)
    src._request.spec.tenant = spec_tenant
    wait_until(lambda: src.terminal_error is not None, 10)
    time.sleep(0.5)  # any retry would have happened by now (backoff <= 0.2 s)
    code = src.terminal_error[0].name if src.terminal_error else "NONE"
    attempts = src.attempts
    src.close()
    return code, attempts


def full():
    dead = TokenSource(os.environ["TOKEND_DEAD_TARGET"], tenant="app", subject="alice")
    t0 = time.monotonic()
    try:
        dead.current()
        out("FAILFAST 9999 got-a-token")
    except TokenSourceError as e:
        out("FAILFAST", (time.monotonic() - t0) * 1000, str(e).replace("\n", " "))
    dead.close()
    out("NORETRY_DENIED", *terminal("other", "other"))
    out("NORETRY_INVALID", *terminal("", ""))  # tenant is required

    # The default backoff, as users get it.
    src = TokenSource(os.environ["TOKEND_TARGET"], tenant="app", subject="alice")
    tok = src.wait_for_token(15)
    out("TOKEN", tok.token_id, tok.sequence)
    out("ECHO", echo(src))
    out("STOP_TOKEND")
    sys.stdin.readline()
    worst, same = 0.0, True
    for _ in range(50):
        t0 = time.monotonic()
        same = same and src.current().token_id == tok.token_id
        worst = max(worst, (time.monotonic() - t0) * 1000)
    out("DOWN", int(same), worst)
    out("START_TOKEND")
    sys.stdin.readline()
    wait_until(lambda: src.streams_with_event >= 2, 40)
    out("RESUMED", src.streams_with_event, src.attempts, src._last_error)
    out("ECHO2", echo(src))
    t0 = time.monotonic()
    src.close()
    out("CLOSED", (time.monotonic() - t0) * 1000)


def renewal():
    src = TokenSource(os.environ["TOKEND_TARGET"], tenant="short", subject="alice")
    tok = src.wait_for_token(15)
    out("TOKEN", tok.token_id, tok.expires_at)
    renewed = wait_until(
        lambda: src._current is not None and src._current.token_id != tok.token_id,
        max(0.0, tok.expires_at - time.time()))
    cur = src._current
    out("RENEWAL", int(renewed), cur.token_id if cur else "-", cur.sequence if cur else 0)
    src.close()


if __name__ == "__main__":
    full() if os.environ.get("STUB_MODE") == "full" else renewal()
    out("DONE")
