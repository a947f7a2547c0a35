#!/usr/bin/python3
"""Signs and verifies JWTs with Debian's PyJWT (python3-jwt), for interop tests.

Secrets and keys travel on stdin, never in argv.

  verify --alg ALG [--aud X] [--iss Y] [--require exp,iat] [--leeway S]
         [--with-header]
      stdin:  {"token": "...", "key": "..."}
      stdout: the decoded claims as JSON (or {"header":..., "claims":...}
              with --with-header); exit 0.
      On any PyJWT error: one line "error: <ExceptionClass>: <message>" on
      stdout, exit 1.

  sign --alg ALG
      stdin:  {"claims": {...}, "key": "...", "headers": {...}}
      stdout: the compact token; exit 0.

ALG is one of HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512,
EdDSA. HMAC keys are the secret string (UTF-8 bytes) or, with "key_hex"
instead of "key", raw bytes in hex. Asymmetric keys are PEM (SPKI / PKCS#8 /
traditional, whatever PyJWT's cryptography backend loads).

PyJWT checks exp, nbf and iat against the wall clock, so callers issue the
tokens they hand it at the real current time. Without --aud a token that
carries "aud" is refused (PyJWT's default), which keeps the check honest.
"""

import argparse
import json
import sys

import jwt

ALGORITHMS = [
    "HS256", "HS384", "HS512",
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512",
    "EdDSA",
]


def read_key(request):
    if "key_hex" in request:
        return bytes.fromhex(request["key_hex"])
    return request["key"]


def verify(args, request):
    options = {}
    if args.require:
        options["require"] = [c for c in args.require.split(",") if c]
    kwargs = {"algorithms": [args.alg], "options": options,
              "leeway": args.leeway}
    if args.aud is not None:
        kwargs["audience"] = args.aud
    if args.iss is not None:
        kwargs["issuer"] = args.iss
    try:
        decoded = jwt.PyJWT().decode_complete(request["token"],
                                              read_key(request),
                                              **kwargs)
    except jwt.PyJWTError as e:
        print("error: %s: %s" % (type(e).__name__, e))
        return 1
    if args.with_header:
        out = {"header": decoded["header"], "claims": decoded["payload"]}
    else:
        out = decoded["payload"]
    print(json.dumps(out, separators=(",", ":"), sort_keys=True))
    return 0


def sign(args, request):
    try:
        token = jwt.encode(request["claims"], read_key(request),
                           algorithm=args.alg,
                           headers=request.get("headers") or None)
    except (jwt.PyJWTError, ValueError, TypeError) as e:
        print("error: %s: %s" % (type(e).__name__, e))
        return 1
    if isinstance(token, bytes):
        token = token.decode("ascii")
    print(token)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--alg", required=True, choices=ALGORITHMS)
    v.add_argument("--aud")
    v.add_argument("--iss")
    v.add_argument("--require", default="",
                   help="comma-separated claims that must be present")
    v.add_argument("--leeway", type=int, default=0)
    v.add_argument("--with-header", action="store_true")
    s = sub.add_parser("sign")
    s.add_argument("--alg", required=True, choices=ALGORITHMS)
    args = parser.parse_args()
    request = json.load(sys.stdin)
    if args.command == "verify":
        return verify(args, request)
    return sign(args, request)


if __name__ == "__main__":
    sys.exit(main())
