"""The receiving side: verify the bearer token of incoming calls through
tokend.

    verifier = TokenVerifier(tenant="app")          # $TOKEND_TARGET
    server = grpc.server(pool, interceptors=[AuthInterceptor(verifier)])
    ...
    def Hello(self, request, context):
        who = tokend_client.verified().subject      # the verified caller

Every call (except the skipped methods, health by default) must carry
`authorization: Bearer <token>`; the interceptor asks tokend's VerifyToken
and refuses the call with UNAUTHENTICATED and "<REASON>: <detail>" (e.g.
"TOKEN_EXPIRED: ...", "REVOKED: ...", "MISSING_TOKEN: ...") when the token is
missing or invalid; the message never contains the token. When tokend cannot
answer, the call fails UNAVAILABLE: it is never let through unverified.
Verdicts are not cached, so a revocation applies to the next call.
"""

import contextvars
import dataclasses

import grpc
from google.protobuf import json_format
from tokend.v1 import token_service_pb2 as pb2
from tokend.v1 import token_service_pb2_grpc as pb2_grpc

from tokend_client.token_source import MARKER, default_target

# The reason of a call without a bearer token (the stubs' own: tokend's
# catalogue has no such verdict, since it never sees the call).
MISSING_TOKEN = "MISSING_TOKEN"


@dataclasses.dataclass(frozen=True)
class Verified:
    """What tokend said about a valid token. Holds no token."""
    subject: str
    token_id: str
    tenant: str
    expires_at: float  # unix seconds
    claims: dict
    response: pb2.VerifyTokenResponse = dataclasses.field(repr=False)


class Unauthenticated(Exception):
    """The token is missing or invalid: `reason` (e.g. "TOKEN_EXPIRED") and
    `detail`, neither of which contains the token."""

    def __init__(self, reason, detail):
        # tokend's details already start with the reason.
        super().__init__(detail if detail.startswith(reason + ":") else f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def bearer_token(metadata):
    """The token of `authorization: Bearer <token>` in call metadata, or
    None."""
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class TokenVerifier:
    """Asks tokend (VerifyToken, tenant `tenant`) about tokens. `audience`:
    an audience the token must have (default: the tenant's). Thread-safe."""

    def __init__(self, tenant, target=None, channel=None, audience="", timeout=5.0):
        self._tenant, self._audience, self._timeout = tenant, audience, timeout
        self._own_channel = channel is None
        self._channel = channel or grpc.insecure_channel(target or default_target())
        self._stub = pb2_grpc.TokenServiceStub(self._channel)

    def verify(self, token):
        """Returns Verified, or raises Unauthenticated (invalid token) or
        grpc.RpcError (tokend did not answer)."""
        if not token:
            raise Unauthenticated(MISSING_TOKEN, "no authorization: Bearer <token> metadata")
        request = pb2.VerifyTokenRequest(tenant=self._tenant, token=token)
        if self._audience:
            request.expectations.audience = self._audience
        r = self._stub.VerifyToken(request, metadata=[MARKER], timeout=self._timeout)
        if not r.valid:
            raise Unauthenticated(r.reason or "INVALID", r.detail)
        return Verified(subject=r.subject, token_id=r.token_id, tenant=r.tenant,
                        expires_at=r.expires_at.seconds + r.expires_at.nanos / 1e9,
                        claims=json_format.MessageToDict(r.claims), response=r)

    def close(self):
        if self._own_channel:
            self._channel.close()


_current = contextvars.ContextVar("tokend_verified", default=None)


def verified():
    """The Verified of the call being handled (inside a handler behind
    AuthInterceptor), or None."""
    return _current.get()


class AuthInterceptor(grpc.ServerInterceptor):
    """A grpc server interceptor that lets a call through only when its
    bearer token verifies; the handler reads the result with verified().
    `skip`: method-name prefixes left alone (health checks by default)."""

    def __init__(self, verifier, skip=("/grpc.health.v1.Health/",)):
        self._verifier, self._skip = verifier, tuple(skip)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(self._skip):
            return handler
        return _guarded(handler, self._verifier)


def _authenticate(verifier, context):
    """The call's Verified, or aborts the call (which raises)."""
    try:
        return verifier.verify(bearer_token(context.invocation_metadata()))
    except Unauthenticated as e:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, str(e))
    except grpc.RpcError as e:
        context.abort(grpc.StatusCode.UNAVAILABLE,
                      "tokend could not verify the token: %s" % e.code().name)


def _guarded(handler, verifier):
    def unary_response(behavior):
        def run(request, context):
            v = _authenticate(verifier, context)
            token = _current.set(v)
            try:
                return behavior(request, context)
            finally:
                _current.reset(token)
        return run

    def stream_response(behavior):
        def run(request, context):
            v = _authenticate(verifier, context)
            token = _current.set(v)
            try:
                # The handler's generator runs while the responses are
                # drawn, on this call's thread.
                yield from behavior(request, context)
            finally:
                _current.reset(token)
        return run

    kw = dict(request_deserializer=handler.request_deserializer,
              response_serializer=handler.response_serializer)
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary_response(handler.unary_unary), **kw)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(stream_response(handler.unary_stream), **kw)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary_response(handler.stream_unary), **kw)
    return grpc.stream_stream_rpc_method_handler(stream_response(handler.stream_stream), **kw)
