"""tokend's Python client.

Calling side: a TokenSource keeps a fresh token; TokenAuthPlugin attaches it
to every call on a channel.

    source = TokenSource(tenant="app", subject="svc-a")   # $TOKEND_TARGET
    creds = grpc.composite_channel_credentials(
        grpc.local_channel_credentials(grpc.LocalConnectionType.UDS),
        grpc.metadata_call_credentials(TokenAuthPlugin(source)))

Receiving side: AuthInterceptor verifies each incoming call's bearer token
through tokend; the handler reads verified().subject.

    server = grpc.server(pool, interceptors=[AuthInterceptor(TokenVerifier("app"))])

The generated tokend.v1 modules come with the package.
"""

from tokend_client.token_source import (DEFAULT_TARGET, SourceToken, TokenAuthPlugin,
                                        TokenSource, TokenSourceError, default_target)
from tokend_client.verifier import (MISSING_TOKEN, AuthInterceptor, TokenVerifier,
                                    Unauthenticated, Verified, bearer_token, verified)

__all__ = ["AuthInterceptor", "DEFAULT_TARGET", "MISSING_TOKEN", "SourceToken",
           "TokenAuthPlugin", "TokenSource", "TokenSourceError", "TokenVerifier",
           "Unauthenticated", "Verified", "bearer_token", "default_target", "verified"]
