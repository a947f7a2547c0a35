"""A Python service that gets tokens from tokend and attaches them to its
calls, and a backend that accepts a call only when tokend verifies the token.

  .venv/bin/python deploy/examples/python_service.py [tokend target]

with the client package installed in .venv (see the README's Quickstart).
"""
import sys
import tempfile
from concurrent import futures

try:
    import grpc
    from tokend_client import (AuthInterceptor, TokenAuthPlugin, TokenSource, TokenVerifier,
                               verified)
except ImportError as e:  # e.g. pyenv's or conda's python3, without the venv
    sys.exit("python_service.py: %s (this is %s). Run it with the venv's Python, made from "
             "Debian's /usr/bin/python3 as in the README's Quickstart:\n"
             "  /usr/bin/python3 -m venv --system-site-packages .venv\n"
             "  .venv/bin/pip install --no-index --no-build-isolation ./client_stubs/python\n"
             "  .venv/bin/python deploy/examples/python_service.py" % (e, sys.executable))

TOKEND = sys.argv[1] if len(sys.argv) > 1 else "unix:.tokend/tokend.sock"
TENANT = "dev-jwt"  # the development default's JWT tenant


def start_backend(address):
    """The receiving side: AuthInterceptor asks tokend (VerifyToken) about
    each call's `authorization: Bearer <token>` and refuses it with
    UNAUTHENTICATED and the reason unless it is valid."""

    def hello(request, context):
        return b"hello " + verified().subject.encode()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2),
                         interceptors=[AuthInterceptor(TokenVerifier(TENANT, target=TOKEND))])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "example.Backend", {"Hello": grpc.unary_unary_rpc_method_handler(hello)}),))
    server.add_secure_port(address, grpc.local_server_credentials(
        grpc.LocalConnectionType.UDS))
    server.start()
    return server


def main():
    backend_address = "unix:" + tempfile.mkdtemp() + "/backend.sock"
    backend = start_backend(backend_address)
    # The calling side: one subscription keeps a fresh token; the plugin
    # attaches it to every call on the channel.
    with TokenSource(TOKEND, tenant=TENANT, subject="alice") as source:
        token = source.wait_for_token(10)
        print("token id", token.token_id, "expires at", int(token.expires_at))
        creds = grpc.composite_channel_credentials(
            grpc.local_channel_credentials(grpc.LocalConnectionType.UDS),
            grpc.metadata_call_credentials(TokenAuthPlugin(source)))
        with grpc.secure_channel(backend_address, creds) as channel:
            reply = channel.unary_unary("/example.Backend/Hello")(b"", timeout=10)
            print("backend says:", reply.decode())
    backend.stop(None)


if __name__ == "__main__":
    main()
