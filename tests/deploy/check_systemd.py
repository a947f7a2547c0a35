#!/usr/bin/python3
"""Checks deploy/systemd/tokend.service and the config it runs:

  * `systemd-analyze verify` accepts the unit (with the built binary in
    place of /usr/local/bin/tokend) without a warning, and `systemd-analyze
    security --offline` rates it below 3.0 (when systemd-analyze exists;
    otherwise only the static checks run);
  * the required settings: Type=exec (tokend does not speak sd_notify),
    a non-root User= or DynamicUser=, StateDirectory, RuntimeDirectory,
    ExecReload sending SIGHUP, ExecStartPre running --check-config on the
    config ExecStart runs, and the hardening set;
  * the paths agree: the config is in ConfigurationDirectory, its socket in
    RuntimeDirectory and named like tokend's default, its state_dir is
    StateDirectory, its loopback TCP is tokend's default; every flag the
    unit passes is one tokend knows;
  * the config passes `tokend --check-config` and starts the real tokend.

Usage: check_systemd.py --repo=<source dir> [--tokend=<binary>]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_deploy  # noqa: E402
from check_deploy import check  # noqa: E402

BINARY = "/usr/local/bin/tokend"

HARDENING = {
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "SystemCallFilter": "@system-service",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
}


def parse_unit(path):
    """section -> key -> [values] (keys may repeat)."""
    unit, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = unit.setdefault(line.strip("[]"), {})
                continue
            key, _, value = line.partition("=")
            section.setdefault(key.strip(), []).append(value.strip())
    return unit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tokend", default="")
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    unit_path = os.path.join(repo, "deploy/systemd/tokend.service")
    unit = parse_unit(unit_path)
    svc = unit.get("Service", {})
    one = lambda k: svc.get(k, [None])[-1]

    check(one("Type") == "exec", "Type=exec (no sd_notify in tokend)")
    check(one("DynamicUser") == "yes" or one("User") not in (None, "", "root", "0"),
          "runs as a non-root User= or DynamicUser=yes")
    for key, want in HARDENING.items():
        check(one(key) == want, "%s=%s (is %r)" % (key, want, one(key)))
    check(one("ExecReload") in ("/bin/kill -HUP $MAINPID", "/usr/bin/kill -HUP $MAINPID"),
          "ExecReload sends SIGHUP to tokend")
    check(unit.get("Install", {}).get("WantedBy") == ["multi-user.target"],
          "WantedBy=multi-user.target")

    start = one("ExecStart") or ""
    pre = svc.get("ExecStartPre", [])
    config_arg = re.search(r"--config=(\S+)", start)
    check(start.startswith(BINARY + " ") and config_arg,
          "ExecStart runs %s --config=FILE" % BINARY)
    config_path = config_arg.group(1) if config_arg else ""
    check(any(p.startswith(BINARY + " ") and "--check-config" in p.split() and
              "--config=" + config_path in p.split() for p in pre),
          "ExecStartPre runs --check-config on the same config")

    state = one("StateDirectory")
    runtime = one("RuntimeDirectory")
    conf_dir = one("ConfigurationDirectory")
    check(state and runtime and conf_dir,
          "StateDirectory, RuntimeDirectory and ConfigurationDirectory are set")
    check(os.path.dirname(config_path) == "/etc/" + str(conf_dir),
          "the config lives in /etc/%s" % conf_dir)
    check("TOKEND_STATE_DIR=/var/lib/%s" % state in svc.get("Environment", []),
          "TOKEND_STATE_DIR is the StateDirectory (tokenctl finds the socket)")

    defaults = check_deploy.server_defaults(repo)
    with open(os.path.join(repo, "deploy/systemd/tokend.yaml")) as f:
        text = f.read()
    config = yaml.safe_load(text)
    lst = config["listeners"]
    check(lst["unix_socket"] == "/run/%s/%s" % (runtime, defaults["socket_name"]),
          "the socket %s is in RuntimeDirectory, named like the default" % lst["unix_socket"])
    check(config["state_dir"] == "/var/lib/%s" % state, "state_dir is StateDirectory")
    check(lst.get("tcp") == defaults["tcp"], "loopback TCP is the default %s" % defaults["tcp"])
    unknown = set(config) - check_deploy.config_keys(repo)
    check(not unknown, "config: unknown top-level keys %s" % sorted(unknown))
    for t in config.get("tenants", []):
        for ref in t.get("credentials", {}).values():
            check(ref.startswith("file:/etc/%s/" % conf_dir),
                  "key %s lives under /etc/%s (readable, ProtectSystem=strict)" % (ref, conf_dir))

    if args.tokend:
        for command in [start] + pre:
            check_deploy.check_flags(args.tokend, "systemd", command.split())
        check_deploy.check_config(args.tokend, "systemd", text)
        check_deploy.starts(args.tokend, "systemd", text)

    analyze = shutil.which("systemd-analyze")
    if analyze and args.tokend:
        tmp = tempfile.mkdtemp(prefix="tkd-unit-")
        try:
            copy = os.path.join(tmp, "tokend.service")
            with open(unit_path) as f:
                body = f.read().replace(BINARY, os.path.abspath(args.tokend))
            with open(copy, "w") as f:
                f.write(body)
            r = subprocess.run([analyze, "verify", copy], capture_output=True,
                               text=True, cwd=tmp)
            out = (r.stdout + r.stderr).strip()
            check(r.returncode == 0 and out == "",
                  "systemd-analyze verify: no error or warning (%s)" % out)
            r = subprocess.run([analyze, "security", "--offline=yes", copy],
                               capture_output=True, text=True, cwd=tmp)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
            if check(m, "systemd-analyze security rates the unit (%s)" % r.stderr.strip()):
                print("systemd-analyze security: exposure %s" % m.group(1))
                check(float(m.group(1)) < 3.0, "exposure %s < 3.0" % m.group(1))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("note: systemd-analyze or --tokend missing; static checks only")

    if check_deploy.FAILURES:
        print("%d check(s) failed" % len(check_deploy.FAILURES))
        return 1
    print("all systemd checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
