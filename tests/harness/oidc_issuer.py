#!/usr/bin/python3
"""A real, local OpenID Connect issuer for tokend's tests.

Serves an OIDC discovery document and a JWKS over HTTP (or HTTPS with
--tls-cert/--tls-key), mints third-party tokens with PyJWT (Debian's
python3-jwt, keys from python3-cryptography), and lets a test break it on
purpose through a control API. Standard library HTTP server
(ThreadingHTTPServer): a stalled request does not block the control API.

Start:  /usr/bin/python3 oidc_issuer.py [--port 0] [--issuer URL]
                                        [--tls-cert PEM --tls-key PEM]
        [--alg RS256|ES256]
When it is listening it prints one line "PORT <n>" on stdout and flushes
(tests wait for that line; no sleeps). The issuer ("iss", and the base of
the discovery document) defaults to http(s)://127.0.0.1:<n>.

Issuer endpoints:
  GET /.well-known/openid-configuration   {"issuer", "jwks_uri", ...}
  GET /jwks                               {"keys": [...]} (public keys)
Both answer as the current mode says (below), count every request, and
send the configured Cache-Control.

Control API (JSON bodies; answers JSON):
  POST /control/rotate   {"alg": "RS256"?, "keep_old": true?}
        adds a new signing key (the one /control/mint uses from now on);
        keep_old false drops the previous keys from the JWKS. -> {"kid"}
  POST /control/mode     {"path": "jwks"|"discovery", "mode": M, ...}
        M: "ok" | "fail" (HTTP "status", default 500) | "stall"
        ("seconds", default 30, then answers normally) | "garbage"
        (not JSON) | "html" (a 200 login page) | "empty" ({"keys": []}) |
        "huge" ("bytes", default 2 MiB of JSON-looking text) |
        "redirect" (302 to "location")
  POST /control/cache_control {"value": "max-age=60"}  ("" : no header)
  GET  /control/counts   {"/jwks": n, "/.well-known/openid-configuration": n}
  POST /control/reset_counts
  GET  /control/last_authorization  {"value": the last Authorization header
        the issuer endpoints received, or null}
  POST /control/mint     {"claims": {...}, "kid": k?, "headers": {...}?,
        "ttl": seconds?} -> {"token": "<JWS>"}: iss, iat, exp (iat + ttl,
        default 600) are added unless the claims set them; signed with the
        newest key (or "kid").
  GET  /control/keys     {"kids": [...]} in JWKS order.
"""

import argparse
import json
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks"


class Issuer:
    def __init__(self, alg):
        self.lock = threading.Lock()
        self.issuer = ""
        self.keys = []  # [(kid, alg, private_key)]
        self.modes = {"jwks": {"mode": "ok"}, "discovery": {"mode": "ok"}}
        self.cache_control = "max-age=300"
        self.counts = {JWKS: 0, DISCOVERY: 0}
        self.last_authorization = None
        self.rotate(alg, keep_old=True)

    def rotate(self, alg, keep_old):
        if alg.startswith("ES"):
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = uuid.uuid4().hex[:16]
        with self.lock:
            if not keep_old:
                self.keys = []
            self.keys.append((kid, alg, key))
        return kid

    def jwks(self):
        out = []
        with self.lock:
            keys = list(self.keys)
        for kid, alg, key in keys:
            algo = ECAlgorithm if alg.startswith("ES") else RSAAlgorithm
            jwk = json.loads(algo.to_jwk(key.public_key()))
            jwk.update({"kid": kid, "alg": alg, "use": "sig"})
            out.append(jwk)
        return {"keys": out}

    def mint(self, body):
        claims = dict(body.get("claims", {}))
        now = int(time.time())
        claims.setdefault("iss", self.issuer)
        claims.setdefault("iat", now)
        claims.setdefault("exp", now + int(body.get("ttl", 600)))
        with self.lock:
            keys = list(self.keys)
        want = body.get("kid")
        chosen = keys[-1]
        for entry in keys:
            if entry[0] == want:
                chosen = entry
        kid, alg, key = chosen
        headers = {"kid": kid}
        headers.update(body.get("headers", {}))
        return jwt.encode(claims, key, algorithm=alg, headers=headers)


class Handler(BaseHTTPRequestHandler):
    server_version = "oidc-issuer-harness"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: tests read stdout
        pass

    def reply(self, status, body, content_type="application/json",
              extra=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        return json.loads(raw or b"{}")

    def issuer_endpoint(self, which, document):
        iss = self.server.issuer
        with iss.lock:
            iss.counts[self.path] = iss.counts.get(self.path, 0) + 1
            iss.last_authorization = self.headers.get("Authorization")
            mode = dict(iss.modes[which])
            cache_control = iss.cache_control
        extra = {"Cache-Control": cache_control} if cache_control else {}
        m = mode["mode"]
        if m == "fail":
            return self.reply(int(mode.get("status", 500)),
                              '{"error":"harness failure"}')
        if m == "stall":
            time.sleep(float(mode.get("seconds", 30)))
        if m == "garbage":
            return self.reply(200, "this is { not json", extra=extra)
        if m == "html":
            return self.reply(200, "<html><body>Sign in</body></html>",
                              "text/html", extra)
        if m == "empty":
            return self.reply(200, '{"keys":[]}', extra=extra)
        if m == "huge":
            size = int(mode.get("bytes", 2 << 20))
            return self.reply(200, '{"keys":[' + " " * size + "]}",
                              extra=extra)
        if m == "redirect":
            return self.reply(302, "", extra={"Location": mode["location"]})
        return self.reply(200, json.dumps(document()), extra=extra)

    def do_GET(self):
        iss = self.server.issuer
        if self.path == DISCOVERY:
            return self.issuer_endpoint("discovery", lambda: {
                "issuer": iss.issuer,
                "jwks_uri": iss.issuer + JWKS,
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
            })
        if self.path == JWKS:
            return self.issuer_endpoint("jwks", iss.jwks)
        if self.path == "/control/counts":
            with iss.lock:
                return self.reply(200, json.dumps(iss.counts))
        if self.path == "/control/last_authorization":
            with iss.lock:
                return self.reply(200, json.dumps(
                    {"value": iss.last_authorization}))
        if self.path == "/control/keys":
            return self.reply(200, json.dumps(
                {"kids": [k["kid"] for k in iss.jwks()["keys"]]}))
        return self.reply(404, '{"error":"not found"}')

    def do_POST(self):
        iss = self.server.issuer
        try:
            body = self.body()
        except ValueError:
            return self.reply(400, '{"error":"body is not JSON"}')
        if self.path == "/control/rotate":
            kid = iss.rotate(body.get("alg", "RS256"),
                             bool(body.get("keep_old", True)))
            return self.reply(200, json.dumps({"kid": kid}))
        if self.path == "/control/mode":
            which = body.get("path", "jwks")
            with iss.lock:
                iss.modes[which] = body
            return self.reply(200, "{}")
        if self.path == "/control/cache_control":
            with iss.lock:
                iss.cache_control = body.get("value", "")
            return self.reply(200, "{}")
        if self.path == "/control/reset_counts":
            with iss.lock:
                iss.counts = {JWKS: 0, DISCOVERY: 0}
            return self.reply(200, "{}")
        if self.path == "/control/mint":
            return self.reply(200, json.dumps({"token": iss.mint(body)}))
        return self.reply(404, '{"error":"not found"}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--issuer", default="")
    parser.add_argument("--alg", default="RS256")
    parser.add_argument("--tls-cert", default="")
    parser.add_argument("--tls-key", default="")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    scheme = "http"
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    port = server.server_address[1]
    server.issuer = Issuer(args.alg)
    server.issuer.issuer = args.issuer or f"{scheme}://127.0.0.1:{port}"
    print(f"PORT {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
