#!/usr/bin/python3
"""The Python receiving side for run_verifier_test.py: a server behind
tokend_client.AuthInterceptor whose handlers answer with verified()."""

import os
import sys
from concurrent import futures

import grpc
import tokend_client


def hello(request, context):
    return ("hello " + tokend_client.verified().subject).encode()


def stream(request, context):
    for _ in range(2):
        yield ("hello " + tokend_client.verified().subject).encode()


def main():
    verifier = tokend_client.TokenVerifier(tenant=os.environ["VERIFIER_TENANT"])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         interceptors=[tokend_client.AuthInterceptor(verifier)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "tokend.test.Echo", {
            "Hello": grpc.unary_unary_rpc_method_handler(hello),
            "Stream": grpc.unary_stream_rpc_method_handler(stream),
        }),))
    server.add_secure_port(os.environ["VERIFIER_ADDRESS"],
                           grpc.local_server_credentials(grpc.LocalConnectionType.UDS))
    server.start()
    print("LISTENING", flush=True)
    sys.stdin.read()  # until the harness ends us
    server.stop(None)


if __name__ == "__main__":
    main()
