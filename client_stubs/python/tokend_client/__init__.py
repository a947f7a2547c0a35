"""tokend token source for Python services.

    from tokend_client import TokenSource, TokenAuthPlugin
    source = TokenSource("unix:/run/tokend/tokend.sock", tenant="app",
                         subject="svc-a")
    creds = grpc.composite_channel_credentials(
        grpc.local_channel_credentials(grpc.LocalConnectionType.UDS),
        grpc.metadata_call_credentials(TokenAuthPlugin(source)))

Needs the generated modules of proto/ (tokend.v1.token_service_pb2 and
_pb2_grpc, google.rpc.*) on sys.path: the build generates them into
<build>/proto/python.
"""

from tokend_client.token_source import (SourceToken, TokenAuthPlugin,
                                        TokenSource, TokenSourceError)

__all__ = ["SourceToken", "TokenAuthPlugin", "TokenSource", "TokenSourceError"]
