"""TokenSource: one SubscribeToken stream that keeps a fresh token.

Behaves like every tokend stub (see client_stubs/README.md): subscribes once
with the marker header over a unix socket or TCP; reconnects with
exponential backoff and full jitter, resetting the backoff only after a
valid event; resumes with its current token; current() never blocks and
returns the token while it is valid even with tokend down, else raises
TokenSourceError at once; INVALID_ARGUMENT, PERMISSION_DENIED and reason
REVOKED stop it (no retry); close() cancels the stream and joins the thread.
"""

import dataclasses
import os
import random
import threading
import time

import grpc
from tokend.v1 import token_service_pb2 as pb2
from tokend.v1 import token_service_pb2_grpc as pb2_grpc

from tokend_client._status import error_info_reason

MARKER = ("tokend-request", "1")
# Where tokend is when no target is given and $TOKEND_TARGET is unset: the
# socket the Kubernetes manifests and the image share with the app.
DEFAULT_TARGET = "unix:/run/tokend/tokend.sock"


def default_target():
    """$TOKEND_TARGET (the manifests set it), else DEFAULT_TARGET."""
    return os.environ.get("TOKEND_TARGET") or DEFAULT_TARGET
_TERMINAL = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED)


class TokenSourceError(Exception):
    """No valid token. `code` is the grpc.StatusCode that stopped the
    source, or UNAVAILABLE while it is still trying."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True)
class SourceToken:
    token: str = dataclasses.field(repr=False)  # a secret: never log it
    token_id: str
    expires_at: float  # unix seconds
    next_refresh_at: float
    sequence: int


def error_reason(error):
    """The ErrorInfo reason of a failed call (e.g. "REVOKED"), or ""."""
    for key, value in (error.trailing_metadata() or ()):
        if key == "grpc-status-details-bin":
            return error_info_reason(value)
    return ""


def _seconds(ts):
    return ts.seconds + ts.nanos / 1e9


class TokenSource:
    def __init__(self, target=None, tenant=None, subject=None, spec=None, channel=None,
                 initial_backoff=0.1, max_backoff=30.0, expiry_margin=1.0,
                 refresh_fraction=None, connect_timeout=5.0):
        """`target`: "unix:/path" or "host:port" (plaintext; default
        $TOKEND_TARGET, else unix:/run/tokend/tokend.sock), or pass an
        existing `channel`. `spec`: an IssueTokenRequest; by default one for
        `tenant` and the user id `subject`."""
        if tenant is None:
            raise TypeError("TokenSource: tenant is required")
        target = target or default_target()
        if spec is None:
            spec = pb2.IssueTokenRequest(tenant=tenant)
            if subject is not None:
                spec.subject.user_id = subject
        self._request = pb2.SubscribeTokenRequest(tenant=tenant, spec=spec)
        if refresh_fraction is not None:
            self._request.refresh_fraction = refresh_fraction
        self._target = target
        self._initial, self._max = initial_backoff, max_backoff
        self._connect_timeout = connect_timeout
        self._own_channel = channel is None
        self._channel = channel or self._new_channel()
        self._stub = pb2_grpc.TokenServiceStub(self._channel)
        self._margin = expiry_margin
        self._cv = threading.Condition()
        self._current = None
        self._terminal = None  # (code, message)
        self._last_error = ""
        self._closing = False
        self._call = None
        self.attempts = 0
        self.events = 0
        self.streams_with_event = 0
        self._thread = threading.Thread(target=self._run, name="tokend-source",
                                        daemon=True)
        self._thread.start()

    def _new_channel(self):
        # gRPC's own reconnect backoff (1 s growing to 120 s by default)
        # would hide a restarted tokend from our retries: keep it within ours.
        return grpc.insecure_channel(self._target, options=[
            ("grpc.initial_reconnect_backoff_ms", int(self._initial * 1000)),
            ("grpc.max_reconnect_backoff_ms", int(self._max * 1000)),
            # Also the connect timeout: a connection tokend accepted but
            # never answers (seen while it restarts) is dropped after this.
            ("grpc.min_reconnect_backoff_ms", int(self._connect_timeout * 1000))])

    # ------------------------------------------------------------- callers

    def _valid(self):
        c = self._current
        return c is not None and time.time() < c.expires_at - self._margin

    def current(self):
        """The current token; raises TokenSourceError at once when none is
        valid. Never waits on the network."""
        with self._cv:
            if self._valid():
                return self._current
            if self._terminal:
                code, msg = self._terminal
                raise TokenSourceError(code, "tokend token source stopped: " + msg)
            why = "the last one expired" if self._current else "none received yet"
            last = "; last error: " + self._last_error if self._last_error else ""
            raise TokenSourceError(grpc.StatusCode.UNAVAILABLE,
                                   f"tokend token source holds no valid token ({why}){last}")

    def wait_for_token(self, timeout):
        """Waits up to `timeout` seconds for a token (start-up only)."""
        with self._cv:
            self._cv.wait_for(lambda: self._valid() or self._terminal or self._closing,
                              timeout)
        return self.current()

    @property
    def terminal_error(self):
        with self._cv:
            return self._terminal

    def close(self):
        with self._cv:
            self._closing = True
            if self._call is not None:
                self._call.cancel()
            self._cv.notify_all()
        self._thread.join()
        if self._own_channel:
            self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------- background

    def _stream(self):
        """One stream; returns (error or None, had_event)."""
        request = pb2.SubscribeTokenRequest()
        request.CopyFrom(self._request)
        with self._cv:
            if self._closing:
                return None, False
            self.attempts += 1
            if self._current and time.time() < self._current.expires_at:
                request.current_token = self._current.token
            # wait_for_ready: while tokend is down the call waits for the
            # channel's own reconnects (bounded by our backoff, above)
            # instead of failing at once; failing at once let every
            # attempt of a short outage double our ceiling, so a 1 s
            # restart could take 13 s to resume.
            call = self._stub.SubscribeToken(request, metadata=[MARKER],
                                             wait_for_ready=True)
            self._call = call
        had_event = False
        try:
            for event in call:
                expires = _seconds(event.expires_at)
                with self._cv:
                    token = event.token
                    # A resumed stream may confirm the token we presented
                    # by its id alone, without sending it back.
                    if (not token and self._current is not None
                            and event.token_id == self._current.token_id):
                        token = self._current.token
                    if not token or expires <= time.time():
                        continue
                    self._current = SourceToken(
                        token, event.token_id, expires,
                        _seconds(event.next_refresh_at), event.sequence)
                    self.events += 1
                    if not had_event:
                        self.streams_with_event += 1
                    had_event = True
                    self._cv.notify_all()
            return None, had_event
        except grpc.RpcError as e:
            return e, had_event
        finally:
            with self._cv:
                self._call = None

    def _run(self):
        ceiling = self._initial
        while True:
            error, had_event = self._stream()
            with self._cv:
                if self._closing:
                    return
                if error is not None:
                    self._last_error = f"{error.code().name}: {error.details()}"
                    reason = error_reason(error)
                    if error.code() in _TERMINAL or reason == "REVOKED":
                        self._terminal = (error.code(), self._last_error)
                        if reason == "REVOKED":
                            self._current = None
                        self._cv.notify_all()
                        return
                else:
                    self._last_error = "stream ended"
                # Full jitter; the ceiling restarts only after a valid event.
                if had_event:
                    ceiling = self._initial
                delay = random.uniform(0, ceiling)
                ceiling = min(ceiling * 2, self._max)
                if self._cv.wait_for(lambda: self._closing, delay):
                    return


class TokenAuthPlugin(grpc.AuthMetadataPlugin):
    """Adds "authorization: Bearer <token>" to every call; fails the call
    with the source's message when it holds no valid token. gRPC sends call
    credentials only on secure channels (TLS or local credentials)."""

    def __init__(self, source):
        self._source = source

    def __call__(self, context, callback):
        try:
            token = self._source.current()
        except TokenSourceError as e:
            callback((), e)
            return
        callback((("authorization", "Bearer " + token.token),), None)
