#!/usr/bin/python3
"""Example: a Python service getting tokens from tokend and attaching them.

  PYTHONPATH=client_stubs/python:<build>/proto/python \
    python3 client_stubs/python/example.py [target] [tenant] [subject]
"""

import sys
import time

import grpc
from tokend_client import TokenAuthPlugin, TokenSource, TokenSourceError


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "unix:.tokend/tokend.sock"
    tenant = sys.argv[2] if len(sys.argv) > 2 else "dev-jwt"
    subject = sys.argv[3] if len(sys.argv) > 3 else "example"
    with TokenSource(target, tenant=tenant, subject=subject) as source:
        # Channel credentials for your own service: the token rides on every
        # call (use TLS credentials for a TCP service).
        creds = grpc.composite_channel_credentials(
            grpc.local_channel_credentials(grpc.LocalConnectionType.UDS),
            grpc.metadata_call_credentials(TokenAuthPlugin(source)))
        del creds
        try:
            token = source.wait_for_token(10)
        except TokenSourceError as e:
            print("no token:", e, file=sys.stderr)
            return 1
        last = None
        while True:
            try:
                token = source.current()
            except TokenSourceError as e:
                print(e, file=sys.stderr)
                if source.terminal_error:
                    return 1
            else:
                if token.token_id != last:
                    last = token.token_id
                    print(f"token {last} (#{token.sequence}) expires "
                          f"{time.ctime(token.expires_at)}", flush=True)
            time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
