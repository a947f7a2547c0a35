#!/usr/bin/python3
"""tokend's command line as a new user meets it, through the real binaries:

  * `tokend --help` and `-h` list every flag tokend defines (and none of
    Abseil's or gRPC's) and exit 0;
  * `tokend --version` prints project(VERSION) and the configure-time git
    commit, which are also the labels of `tokend_build_info` on /metrics;
  * every command the development banner prints works when pasted, run
    by bash from the folder tokend was started in (see check_banner);
  * tokenctl issues a token for every profile of the development default
    (flags, or --grants JSON for Vonage, Twilio, ApiRTC and Zoom), and
    `tokenctl decode` shows each one's vendor and grants offline, saying
    NOT VERIFIED.

Usage: check_tokend_cli.py --tokend=<binary> --tokenctl=<binary>
           --version=<project version> --commit=<configured commit>
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FAILURES = []
FLAGS = ["check_config", "config", "drain_timeout", "health_port", "http_port", "listen",
         "log_level", "socket", "state_dir"]


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        FAILURES.append(what)
    return condition


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_help_and_version(tokend, version, commit):
    for flag in ("--help", "-h"):
        r = run(tokend, flag)
        check(r.returncode == 0, "tokend %s exits 0 (exit %d: %s)"
              % (flag, r.returncode, r.stderr.strip()[-300:]))
        listed = re.findall(r"^  --(\w+)(?: \(default: .*\))?$", r.stdout, re.M)
        check(sorted(listed) == FLAGS,
              "tokend %s lists exactly tokend's flags (%s)" % (flag, listed))
        check("No flags matched" not in r.stdout + r.stderr,
              "tokend %s does not say 'No flags matched'" % flag)
    r = run(tokend, "--version")
    check(r.returncode == 0 and r.stdout.startswith("tokend %s (commit %s," % (version, commit)),
          "tokend --version prints version %s and commit %s (%r, exit %d)"
          % (version, commit, r.stdout, r.returncode))
    check(re.fullmatch(r"[0-9a-f]{12}|unknown", commit) is not None,
          "the configured commit is a short sha or 'unknown' (%s)" % commit)
    r = run(tokend, "--no_such_flag")
    check(r.returncode != 0, "an unknown flag still fails (exit %d)" % r.returncode)


def start_tokend(tokend, tmp, http):
    log_path = os.path.join(tmp, "tokend.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([tokend, "--listen=none", "--http_port=127.0.0.1:%d" % http],
                                cwd=tmp, stdout=log, stderr=log, start_new_session=True,
                                env={k: v for k, v in os.environ.items()
                                     if k not in ("TOKEND_STATE_DIR", "TOKEND_TARGET")})
    deadline = time.time() + 30
    while time.time() < deadline and proc.poll() is None:
        with open(log_path) as f:
            if "tokend started" in f.read():
                break
        time.sleep(0.05)
    with open(log_path) as f:
        return proc, f.read()


def check_build_info(http, version, commit):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http, timeout=10) as r:
        text = r.read().decode()
    line = [l for l in text.splitlines() if l.startswith("tokend_build_info{")]
    check(len(line) == 1 and 'version="%s"' % version in line[0]
          and 'commit="%s"' % commit in line[0] and line[0].endswith(" 1"),
          "tokend_build_info has the version and commit labels (%s)" % line)


def banner_commands(log):
    """The command lines under the banner's "try" heading."""
    m = re.search(r"^   try\b[^\n]*\n((?:     \S[^\n]*\n)+)", log, re.M)
    return [l.strip() for l in m.group(1).splitlines()] if m else []


def check_banner(log, tokenctl, tmp):
    """Each command the banner prints, pasted into bash in the folder tokend
    runs in, in the order shown, with a PATH that has no tokenctl."""
    commands = banner_commands(log)
    check(len(commands) == 4, "the banner prints 4 commands (%s)" % commands)
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
    expect = [(r"issue ", r"^$"),
              (r"verify ", r"^valid token_id=[\w-]+ subject=alice expires="),
              (r" jwks$", r'^\{"keys":\[\{'),
              (r" health$", r"^SERVING$")]
    for command in commands:
        check(command.startswith(os.path.realpath(tokenctl) + " "),
              "the banner names the built tokenctl by its path: %s" % command)
        r = subprocess.run(["bash", "-c", command], cwd=tmp, env=env, capture_output=True,
                           text=True, timeout=60)
        check(r.returncode == 0, "pasted, exits 0: %s (exit %d: %s)"
              % (command, r.returncode, r.stderr.strip()[-300:]))
        patterns = [p for k, p in expect if re.search(k, command)]
        check(len(patterns) == 1 and re.search(patterns[0], r.stdout, re.M),
              "prints what it should: %s (%r)" % (command, r.stdout[-300:]))
        if "issue" in command:
            with open(os.path.join(tmp, "token.txt")) as f:
                check(re.match(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+\n?$", f.read()),
                      "the issue example writes the token into token.txt")


# tokenctl issue for every profile of the development default (its flags or
# --grants JSON), then the offline decode: (tenant, issue args, vendor, what
# the decoded grants must show).
VENDORS = [
    ("dev-jwt", ["--aud=dev", "--claim=role=admin"], "jwt", '"role": "admin"'),
    ("dev-agora", ["--agora_channel=c1", "--agora_uid=42", "--agora_role=publisher"],
     "agora", '"channel": "c1"'),
    ("dev-agora", ['--grants={"agora":{"version":"AGORA_TOKEN_VERSION_006",'
                   '"services":[{"rtc":{"channel_name":"c1","uid":42}}]}}'],
     "agora", '"privileges": {\n   "1": '),
    ("dev-daily", ["--daily_room=room1"], "daily", '"r": "room1"'),
    ("dev-livekit", ["--livekit_room=room1", "--livekit_room_join"], "livekit",
     '"room": "room1"'),
    ("dev-vonage", ['--grants={"vonage":{"application":{"acl":{"paths":{"/*/users/**":{}}}}}}'],
     "vonage", '"/*/users/**"'),
    ("dev-twilio", ['--grants={"twilio":{"video":{"room":"room1"}}}'], "twilio",
     '"room": "room1"'),
    ("dev-apirtc", ['--grants={"apirtc":{}}'], "apirtc", '"apiRTC_UserAgent_Id": "alice"'),
    ("dev-zoom", ['--grants={"zoom":{"topic":"topic1","role_type":"ZOOM_ROLE_TYPE_HOST"}}'],
     "zoom", '"tpc": "topic1"'),
]


def check_vendor_issue_and_decode(tokenctl, tmp):
    ctl = [tokenctl, "--socket=unix:" + os.path.join(tmp, ".tokend/tokend.sock")]
    for tenant, flags, vendor, shows in VENDORS:
        r = run(*ctl, "issue", "--tenant=" + tenant, "--sub=alice", *flags)
        if not check(r.returncode == 0, "tokenctl issue %s %s exits 0 (exit %d: %s)"
                     % (tenant, flags, r.returncode, r.stderr.strip()[-300:])):
            continue
        token = r.stdout.strip()
        d = run(tokenctl, "decode", input=token)
        check(d.returncode == 0 and d.stdout.startswith("*** NOT VERIFIED"),
              "decode of the %s token exits 0 and starts with NOT VERIFIED (exit %d: %s)"
              % (tenant, d.returncode, d.stderr.strip()[-300:]))
        check('"vendor": "%s"' % vendor in d.stdout and '"verified": false' in d.stdout,
              "decode names the vendor %s and says verified false" % vendor)
        grants = re.search(r'^ "grants": (.*?)^ \S', d.stdout + " x", re.S | re.M)
        check(grants and shows in grants.group(1),
              "decode shows the %s grants (%s): %s" % (vendor, shows, d.stdout[-500:]))
        check(token not in d.stdout + d.stderr, "decode does not echo the %s token" % vendor)
        if token.startswith("006"):
            check('"format": "Agora AccessToken (006)"' in d.stdout, "decode reads Agora 006")
        j = run(tokenctl, "decode", "--json", "--token=" + token)
        check(j.returncode == 0 and j.stdout.startswith("{") and '"verified":false' in j.stdout
              and "NOT VERIFIED" in j.stderr,
              "decode --json of %s prints JSON, NOT VERIFIED on stderr" % vendor)
    r = run(*ctl, "issue", "--tenant=dev-zoom", "--sub=alice", '--grants={"zoom":{"nope":1}}')
    check(r.returncode == 1 and "--grants" in r.stderr and "nope" in r.stderr,
          "a bad --grants field is a usage error naming it (%s)" % r.stderr.strip())
    r = run(*ctl, "issue", "--tenant=dev-jwt", "--sub=alice", "--aud=x",
            '--grants={"jwt":{}}')
    check(r.returncode == 1 and "--grants" in r.stderr,
          "--grants with another profile flag is refused (%s)" % r.stderr.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokend", required=True)
    ap.add_argument("--tokenctl", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--commit", required=True)
    args = ap.parse_args()
    check_help_and_version(args.tokend, args.version, args.commit)

    tmp = tempfile.mkdtemp(prefix="tkd-cli-")
    http = free_port()
    proc = None
    try:
        proc, log = start_tokend(args.tokend, tmp, http)
        if check("tokend started" in log, "development tokend starts: %s" % log[-400:]):
            check_build_info(http, args.version, args.commit)
            check_banner(log, args.tokenctl, tmp)
            check_vendor_issue_and_decode(args.tokenctl, tmp)
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("tokend's command line works as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
