#!/usr/bin/python3
"""Verifies tokens against a remote JWKS with PyJWT's PyJWKClient.

  remote_jwks.py JWKS_URL ISSUER AUDIENCE < tokens (one per line)

Prints the kid of each verified token, one per line, and exits 0; on the
first failure prints "error: <ExceptionClass>: <message>" and exits 1.
"""

import sys

import jwt


def main():
    url, issuer, audience = sys.argv[1:4]
    client = jwt.PyJWKClient(url)
    for token in sys.stdin.read().split():
        try:
            key = client.get_signing_key_from_jwt(token)
            # The algorithm comes from the published JWK, never the token.
            jwt.decode(token, key.key, algorithms=[key._jwk_data["alg"]],
                       issuer=issuer, audience=audience)
        except Exception as e:  # pylint: disable=broad-except
            print(f"error: {type(e).__name__}: {e}")
            return 1
        print(jwt.get_unverified_header(token)["kid"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
