#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/seeds/<target>/ that are generated
rather than copied from official vectors (fuzz_agora's and fuzz_json's are
hand-kept). Run from the repository root; needs protoc and python3-
cryptography (both installed by ./setup.sh). The output is committed, so
CI does not run this; rerun it when a format changes.

  fuzz_token   signed JWTs (HS256, ES256, unsigned) and, for the harness's
               second path, "header\\npayload" pairs that verify under its
               policy (iss fuzz-iss, aud fuzz-aud, 24 h max lifetime)
  fuzz_jwk     JWKs and JWK Sets of every key type, private and public
  fuzz_config  the shipped example configs plus one that sets every section
  fuzz_grants  an IssueTokenRequest per vendor (protoc --encode)
  fuzz_http    every route, with the headers it reads
"""
import base64
import glob
import json
import os
import shutil
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, utils

SEEDS = "tests/fuzz/seeds"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint_b64(n, size):
    return b64(n.to_bytes(size, "big"))


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def reset(target):
    shutil.rmtree(os.path.join(SEEDS, target), ignore_errors=True)


def token_seeds():
    reset("fuzz_token")
    now = 1700000000
    claims = {"iss": "fuzz-iss", "aud": "fuzz-aud", "sub": "alice",
              "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
              "jti": "t-1"}
    variants = {
        "hs256": ({"alg": "HS256", "typ": "JWT"}, claims),
        "hs256_kid": ({"alg": "HS256", "kid": "hs"}, claims),
        "aud_list": ({"alg": "HS256"}, dict(claims, aud=["x", "fuzz-aud"])),
        "expired": ({"alg": "HS256"}, dict(claims, exp=now - 3600)),
        "long": ({"alg": "HS256"}, dict(claims, exp=now + 7 * 86400)),
        "no_iat": ({"alg": "HS256"},
                   {k: v for k, v in claims.items() if k != "iat"}),
        "crit": ({"alg": "HS256", "crit": ["exp"]}, claims),
        "b64": ({"alg": "HS256", "b64": False, "crit": ["b64"]}, claims),
        "none": ({"alg": "none"}, claims),
        "es256": ({"alg": "ES256", "kid": "ec"}, claims),
        "float_exp": ({"alg": "HS256"}, dict(claims, exp=now + 0.5)),
    }
    secret = os.urandom(32)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    for name, (header, payload) in variants.items():
        h = json.dumps(header, separators=(",", ":"))
        p = json.dumps(payload, separators=(",", ":"))
        # The harness's second path: it signs header\npayload itself.
        write("fuzz_token", name + ".pair", h + "\n" + p)
        signing_input = (b64(h.encode()) + "." + b64(p.encode())).encode()
        if header["alg"] == "ES256":
            r, s = utils.decode_dss_signature(
                ec_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        elif header["alg"] == "none":
            sig = b""
        else:
            mac = hmac.HMAC(secret, hashes.SHA256())
            mac.update(signing_input)
            sig = mac.finalize()
        write("fuzz_token", name + ".jwt", signing_input + b"." + b64(sig).encode())


def jwk_seeds():
    reset("fuzz_jwk")
    keys = []
    for curve, size, alg in ((ec.SECP256R1(), 32, "ES256"),
                             (ec.SECP384R1(), 48, "ES384"),
                             (ec.SECP521R1(), 66, "ES512")):
        k = ec.generate_private_key(curve)
        n = k.public_key().public_numbers()
        pub = {"kty": "EC", "crv": curve.name.replace("secp", "P-")
               .replace("r1", "").replace("P-256", "P-256"),
               "x": uint_b64(n.x, size), "y": uint_b64(n.y, size),
               "alg": alg, "kid": alg.lower(), "use": "sig"}
        pub["crv"] = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
        keys.append((alg, pub, dict(pub, d=uint_b64(k.private_numbers().private_value, size))))
    r = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pn = r.private_numbers()
    def u(v):
        return uint_b64(v, (v.bit_length() + 7) // 8)
    rpub = {"kty": "RSA", "n": u(pn.public_numbers.n), "e": u(pn.public_numbers.e),
            "alg": "RS256", "kid": "rs256"}
    keys.append(("RS256", rpub, dict(rpub, d=u(pn.d), p=u(pn.p), q=u(pn.q),
                                     dp=u(pn.dmp1), dq=u(pn.dmq1), qi=u(pn.iqmp))))
    keys.append(("PS256", dict(rpub, alg="PS256", kid="ps256"), None))
    ed = ed25519.Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization as ser
    x = ed.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    d = ed.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
    epub = {"kty": "OKP", "crv": "Ed25519", "x": b64(x), "alg": "EdDSA", "kid": "ed"}
    keys.append(("EdDSA", epub, dict(epub, d=b64(d))))
    keys.append(("HS256", None, {"kty": "oct", "k": b64(os.urandom(32)),
                                  "alg": "HS256", "kid": "hs"}))
    # The harness reads the first byte as options: bit 0 set = public only.
    for alg, pub, priv in keys:
        if pub:
            write("fuzz_jwk", alg + "_public.json", "\x01" + json.dumps(pub))
        if priv:
            write("fuzz_jwk", alg + "_private.json", json.dumps(priv))
    write("fuzz_jwk", "jwks_public.json",
          "\x01" + json.dumps({"keys": [p for _, p, _ in keys if p]}))
    write("fuzz_jwk", "jwks_private.json",
          json.dumps({"keys": [p for a, _, p in keys if p and a != "HS256"]}))
    write("fuzz_jwk", "jwks_hmac.json",
          json.dumps({"keys": [p for a, _, p in keys if a == "HS256"]}))


FULL_CONFIG = """\
listeners:
  unix_socket: /run/tokend/tokend.sock
  tcp: 127.0.0.1:50051
  tls: {address: 0.0.0.0:50443, cert_file: tls.crt, key_file: tls.key,
        client_ca_file: ca.crt}
  health: 0.0.0.0:50052
  http: 0.0.0.0:9090
  http_public_url: https://keys.example.com/
  reflection: false
state_dir: state
log_level: debug
drain_timeout: 20s
tenants:
  - name: api
    profile: jwt
    issuer: https://issuer.example
    audience: [a, b]
    algorithm: ES256
    typ: at+jwt
    keys: {generate: true, rotation_period: 24h, jwks_max_age: 5m,
           publish_margin: 30s}
    ttl: {default: 15m, max: 1h}
    session_cap: 12h
    renew_grace: 5m
    leeway: 30s
    verify_open: false
  - name: room
    profile: livekit
    credentials: {api_secret: "env:LK_SECRET"}
    params: {api_key: APIkey}
renewal:
  refresh_fraction: 0.75
  jitter: 0.05
  min_lead: 10s
  retry_initial: 500ms
  retry_max: 1m
  max_subscriptions_per_caller: 50
  max_subscriptions: 0
limits:
  max_message_bytes: 65536
  rate_qps: 100
  rate_burst: 200
  max_streams: 100
revocation:
  store: redis://127.0.0.1:6379/0
callers:
  - name: app
    uid: 10001
    issue: [api]
    verify: [api, room]
    revoke: [api]
"""


def config_seeds():
    reset("fuzz_config")
    for path in sorted(glob.glob("deploy/examples/vendors/*.yaml") +
                       glob.glob("deploy/examples/envoy/tokend.yaml")):
        name = path.replace("deploy/examples/", "").replace("/", "_")
        with open(path, "rb") as f:
            write("fuzz_config", name, f.read())
    write("fuzz_config", "full.yaml", FULL_CONFIG)
    write("fuzz_config", "duplicate_key.yaml", "tenants: []\ntenants: []\n")
    write("fuzz_config", "anchors.yaml",
          "x: &t {name: a, profile: jwt, keys: {generate: true}}\n"
          "tenants: [*t]\n")


GRANTS = {
    "agora_rtc": 'agora { version: AGORA_TOKEN_VERSION_007 app_id: "970CA35de60c44645bbae8a215061b33" salt: 1 '
                 'services { rtc { channel_name: "room" uid: 42 role: AGORA_RTC_ROLE_PUBLISHER } } '
                 'services { rtm { user_id: "alice" privileges { login { seconds: 3600 } } } } '
                 'services { chat { user_id: "alice" kind: AGORA_CHAT_KIND_USER privileges { user { seconds: 60 } } } } '
                 'services { rtm2 { user_id: "a" permissions { resource_type: AGORA_RTM2_RESOURCE_TYPE_USERS access: AGORA_RTM2_ACCESS_READ resources: "x" } } } }',
    "agora_006": 'agora { version: AGORA_TOKEN_VERSION_006 services { rtc { channel_name: "c" user_account: "bob" '
                 'explicit_privileges { join_channel { seconds: 60 } publish_audio_stream { seconds: 30 } } } } }',
    "agora_more": 'agora { services { streaming { channel_name: "c" account: "a" uid: 7 privileges { publish_mix_stream { seconds: 1 } } } } '
                  'services { fpa { privileges { login { seconds: 1 } } } } '
                  'services { fcdn { channel_name: "c" privileges { play { seconds: 1 } } } } '
                  'services { apaas { kind: AGORA_APAAS_KIND_ROOM_USER room_uuid: "r" user_uuid: "u" role: 1 privileges { room_user { seconds: 1 } } } } '
                  'services { unknown { type: 99 body: "\\001\\000" } } }',
    "apirtc": "apirtc { all_users: true }",
    "vonage_app": 'vonage { application { acl { paths { key: "/*/users/**" value { methods: "GET" filters { fields { key: "a" value { string_value: "b" } } } } } } } }',
    "vonage_video": 'vonage { video { session_id: "1_MX4x" role: VONAGE_VIDEO_ROLE_MODERATOR data: "name=a" initial_layout_class_list: "focus" } }',
    "daily": 'daily { room_name: "r" user_name: "u" is_owner: true enable_recording: DAILY_RECORDING_CLOUD '
             'eject_after_elapsed { seconds: 600 } lang: "en" start_cloud_recording_opts { fields { key: "k" value { number_value: 1 } } } '
             'permissions { has_presence: true can_send { media { media: DAILY_MEDIA_VIDEO media: DAILY_MEDIA_AUDIO } } '
             'can_receive { base_all: true by_user_id { fields { key: "u" value { bool_value: false } } } } '
             'can_admin { areas { areas: DAILY_ADMIN_AREA_PARTICIPANTS } } } }',
    "livekit": 'livekit { name: "n" kind: LIVE_KIT_PARTICIPANT_KIND_AGENT kind_details: "x" metadata: "m" '
               'attributes { key: "k" value: "v" } room_config { fields { key: "name" value { string_value: "r" } } } '
               'video { room_join: true room: "r" can_publish: true can_publish_sources: LIVE_KIT_TRACK_SOURCE_CAMERA hidden: true } }',
    "twilio": 'twilio { chat { service_sid: "IS1" endpoint_id: "e" } video { room: "r" } data_sync { service_sid: "IS2" } '
              'voice { incoming_allow: true outgoing_application_sid: "AP1" outgoing_params { fields { key: "a" value { string_value: "b" } } } } '
              'task_router { workspace_sid: "WS1" worker_sid: "WK1" role: "worker" } region: "us1" }',
    "zoom": 'zoom { topic: "t" role_type: ZOOM_ROLE_TYPE_HOST session_key: "k" geo_regions: "US" cloud_recording_option: true video_webrtc_mode: false }',
    "jwt": 'jwt { audience: "a" audience: "b" extra_claims { fields { key: "scope" value { list_value { values { string_value: "x" } } } } '
           'fields { key: "n" value { null_value: NULL_VALUE } } } }',
    "none": "",
}


def grants_seeds():
    reset("fuzz_grants")
    for name, grants in GRANTS.items():
        text = ('tenant: "t" subject { user_id: "alice" } ttl { seconds: 600 } '
                + grants)
        out = subprocess.run(
            ["protoc", "-Iproto", "-I/usr/include",
             "--encode=tokend.v1.IssueTokenRequest",
             "proto/tokend/v1/token_service.proto"],
            input=text.encode(), capture_output=True, check=False)
        if out.returncode != 0:
            sys.exit("protoc: %s: %s" % (name, out.stderr.decode()))
        write("fuzz_grants", name + ".pb", out.stdout)


def http_seeds():
    reset("fuzz_http")
    seeds = {
        "metrics": "/metrics",
        "healthz": "/healthz",
        "readyz": "/readyz",
        "jwks": "/.well-known/jwks.json\nIf-None-Match: W/\"0\", *",
        "jwks_etag": "/.well-known/jwks.json\nIf-None-Match: \"0123456789abcdef\"",
        "openid": "/.well-known/openid-configuration\nHost: evil.example",
        "tenant_jwks": "/t/demo/.well-known/jwks.json",
        "tenant_openid": "/t/demo/.well-known/openid-configuration\nhost: a:1",
        "unknown_tenant": "/t/nobody/.well-known/jwks.json",
        "other": "/t/demo/x",
        "oauth2_token": "POST /oauth2/token\n"
        "Content-Type: application/x-www-form-urlencoded\n\n"
        "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
        "&subject_token=eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl"
        "&subject_token_type=urn:ietf:params:oauth:token-type:jwt"
        "&audience=demo",
        "oauth2_repeat": "POST /oauth2/token\n"
        "Content-Type: application/x-www-form-urlencoded\n\n"
        "subject_token=a&subject_token=b%zz",
        "preflight": "OPTIONS /oauth2/token\nOrigin: https://app.example\n"
        "Access-Control-Request-Method: POST",
        "agora_rtc": "GET /rtc/room/publisher/uid/42/?expiry=600\n"
        "Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln\n"
        "Origin: https://app.example",
        "agora_rte": "/rte/room/subscriber/userAccount/bob/bob2/\n"
        "Authorization: Bearer abcdefgh",
        "agora_post": "POST /getToken\nAuthorization: Bearer abcdefgh\n"
        "Content-Type: application/json\n\n"
        '{"tokenType":"rtm","uid":"alice","channel":"c"}',
        "ping": "/ping",
    }
    for name, text in seeds.items():
        write("fuzz_http", name, text)


def main():
    token_seeds()
    jwk_seeds()
    config_seeds()
    grants_seeds()
    http_seeds()


if __name__ == "__main__":
    main()
