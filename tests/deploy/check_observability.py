#!/usr/bin/python3
"""deploy/observability against a real tokend: the Grafana dashboard is
valid JSON whose every panel has a Prometheus query; the alert rules file is
valid YAML with the structure Prometheus loads (groups of named rules with
expr, severity and summary) and has the alerts issue 18 asks for; the
ServiceMonitor/PodMonitor scrape /metrics on the `http` port; and every
metric name any of their PromQL expressions uses is exposed on the /metrics
of a tokend started here (after a few real calls through tokenctl).

Names are taken from PromQL coarsely: string literals, label matchers
{...}, ranges [...], grouping clauses (by/without/on/ignoring/group_*
(...)) and Grafana variables are removed; the remaining identifiers not
followed by "(" and not PromQL keywords are metric names.

With promtool (Debian's `prometheus` package; on PATH or --promtool, not
installed by setup.sh: 96 MB for one check) it also runs `promtool check
rules` on the alerts, parses every dashboard query as a recording rule,
and lints the live /metrics with `promtool check metrics`.

Usage: check_observability.py --repo=<root> --tokend=<bin> --tokenctl=<bin>
                              [--promtool=<bin>]
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

FAILURES = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        FAILURES.append(what)
    return condition


KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan"}
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr):
    """The metric names a PromQL expression reads (coarse)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?", " ", e)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
               " ", e)
    names = set()
    for m in IDENT.finditer(e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("("):
            continue  # a function
        if word.lower() in KEYWORDS:
            continue
        if m.start() > 0 and (e[m.start() - 1].isdigit() or
                              e[m.start() - 1] == "."):
            continue  # a number's exponent or unit, e.g. 1e3
        names.add(word)
    return names


def label_values_metric(query):
    """label_values(metric{...}, label) → metric; None for other forms."""
    m = re.match(r"\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", query)
    return m.group(1) if m else None


def exposed(text):
    """(sample names, {family: type}) of a Prometheus text exposition."""
    samples, types = set(), {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            samples.add(IDENT.match(line).group(0))
    return samples, types


def exists(name, samples, types):
    if name in samples or name in types:
        return True
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) in (
                "histogram", "summary"):
            return True
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                timeout=5) as r:
        return r.read().decode()


def dashboard_exprs(path):
    with open(path) as f:
        dash = json.load(f)
    return [t["expr"] for p in dash.get("panels", [])
            for t in p.get("targets") or [] if t.get("expr")]


def run_promtool(promtool, rules_path, dash_path, metrics_text):
    r = subprocess.run([promtool, "check", "rules", rules_path],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "promtool check rules " + r.stdout.strip() +
          r.stderr.strip())
    # Unit tests: the rules without annotations (promtool compares them
    # exactly; the tests are about when alerts fire).
    with open(rules_path) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            yaml.safe_dump(rules, f)
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "tokend_alerts_test.yaml"), tmp)
        r = subprocess.run([promtool, "test", "rules", "tokend_alerts_test.yaml"],
                           cwd=tmp, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "promtool test rules (when alerts fire) " +
          r.stdout.strip() + r.stderr.strip())
    # Grafana's variables replaced by values PromQL accepts.
    exprs = [e.replace("$__rate_interval", "5m").replace("$job", ".*")
             .replace("$instance", ".*") for e in dashboard_exprs(dash_path)]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:expr{i}", "expr": e}
            for i, e in enumerate(exprs)]}]}, f)
        f.flush()
        r = subprocess.run([promtool, "check", "rules", f.name],
                           capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"promtool parses the {len(exprs)} dashboard "
          "queries " + r.stderr.strip())
    if metrics_text:
        r = subprocess.run([promtool, "check", "metrics"], input=metrics_text,
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and not r.stdout.strip(),
              "promtool check metrics on /metrics " + r.stdout.strip() +
              r.stderr.strip())


def check_dashboard(path):
    with open(path) as f:
        dash = json.load(f)
    check(dash.get("uid") and dash.get("title"), "dashboard has uid and title")
    exprs = []
    panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
    check(len(panels) >= 10, f"dashboard has {len(panels)} panels")
    for p in panels:
        targets = p.get("targets") or []
        check(targets and all(t.get("expr") for t in targets),
              f"panel '{p.get('title')}' has PromQL targets")
        check(p.get("datasource", {}).get("type") == "prometheus",
              f"panel '{p.get('title')}' uses the Prometheus data source")
        exprs += [t["expr"] for t in targets if t.get("expr")]
    names = set()
    for e in exprs:
        names |= metric_names(e)
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if var.get("type") == "query":
            m = label_values_metric(q or "")
            check(m is not None, f"variable {var['name']} is label_values()")
            if m:
                names.add(m)
    return names


REQUIRED_ALERTS = {
    "TokendConfigReloadFailed": "reload failures",
    "TokendRevocationStoreDown": "revocation store down",
    "TokendRenewalLagHigh": "renewal lag",
    "TokendSigningKeyExpiringSoon": "signing key about to expire",
    "TokendNoSigningKey": "no signing key",
}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def check_rules(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    names = set()
    if not check(isinstance(doc, dict) and isinstance(doc.get("groups"), list)
                 and set(doc) == {"groups"},
                 "rules file: a mapping with only `groups` (a list)"):
        return names
    seen = set()
    for group in doc["groups"]:
        check(isinstance(group.get("name"), str) and group["name"],
              "rule group has a name")
        check(set(group) <= {"name", "interval", "limit", "rules"},
              f"group {group.get('name')}: known keys only")
        for rule in group.get("rules", []):
            alert = rule.get("alert")
            check(isinstance(alert, str) and re.match(r"^[A-Za-z]\w*$", alert),
                  f"rule {alert}: alert name")
            check(alert not in seen, f"rule {alert}: unique")
            seen.add(alert)
            check(set(rule) <= {"alert", "expr", "for", "keep_firing_for",
                                "labels", "annotations"},
                  f"rule {alert}: known keys only")
            check(isinstance(rule.get("expr"), str) and rule["expr"].strip(),
                  f"rule {alert}: expr")
            if "for" in rule:
                check(DURATION.match(str(rule["for"])) is not None,
                      f"rule {alert}: for is a duration ({rule['for']})")
            check(rule.get("labels", {}).get("severity") in
                  ("warning", "critical"), f"rule {alert}: severity")
            check(bool(rule.get("annotations", {}).get("summary")),
                  f"rule {alert}: summary")
            check(rule["expr"].count("(") == rule["expr"].count(")"),
                  f"rule {alert}: balanced parentheses")
            names |= metric_names(rule.get("expr", ""))
    for alert, what in REQUIRED_ALERTS.items():
        check(alert in seen, f"an alert on {what} ({alert})")
    return names


def check_monitors(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    kinds = {d.get("kind"): d for d in docs}
    check(set(kinds) == {"ServiceMonitor", "PodMonitor"},
          "servicemonitor.yaml: a ServiceMonitor and a PodMonitor")
    for kind, key in (("ServiceMonitor", "endpoints"),
                      ("PodMonitor", "podMetricsEndpoints")):
        d = kinds.get(kind, {})
        check(d.get("apiVersion") == "monitoring.coreos.com/v1",
              f"{kind}: apiVersion")
        eps = d.get("spec", {}).get(key, [])
        check(eps and all(e.get("port") == "http" and
                          e.get("path") == "/metrics" for e in eps),
              f"{kind}: scrapes /metrics on the http port")
        check(bool(d.get("spec", {}).get("selector", {}).get("matchLabels")),
              f"{kind}: selects by labels")


CONFIG = """\
listeners:
  unix_socket: {tmp}/run/tokend.sock
  tcp: 127.0.0.1:{tcp}
  health: 127.0.0.1:{health}
  http: 127.0.0.1:{http}
state_dir: {tmp}/state
tenants:
  - name: app
    profile: jwt
    issuer: https://tokend.test
    audience: [app]
    keys: {{generate: true, rotation_period: 24h}}
callers:
  - name: me
    uid: {uid}
    issue: [app]
    verify: [app]
    revoke: [app]
"""


def live_metrics(tokend, tokenctl):
    tmp = tempfile.mkdtemp(prefix="tkobs", dir="/tmp")
    ports = {"tcp": free_port(), "health": free_port(), "http": free_port()}
    config = os.path.join(tmp, "tokend.yaml")
    with open(config, "w") as f:
        f.write(CONFIG.format(tmp=tmp, uid=os.getuid(), **ports))
    log = open(os.path.join(tmp, "tokend.log"), "w")
    proc = subprocess.Popen([tokend, f"--config={config}"], stdout=log,
                            stderr=log)
    try:
        deadline = time.monotonic() + 30
        text = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                text = scrape(ports["http"])
                break
            except OSError:
                time.sleep(0.1)  # polling tokend's start, with a deadline
        if not check(bool(text), "tokend serves /metrics"):
            log.flush()
            print(open(os.path.join(tmp, "tokend.log")).read())
            return "", ""
        addr = f"--addr=unix://{tmp}/run/tokend.sock"
        issued = subprocess.run([tokenctl, addr, "issue", "--tenant=app",
                                 "--sub=alice"], capture_output=True,
                                text=True, timeout=30)
        check(issued.returncode == 0 and issued.stdout.strip(),
              f"tokenctl issue ({issued.stderr.strip()})")
        verified = subprocess.run([tokenctl, addr, "verify", "--tenant=app"],
                                  input=issued.stdout, capture_output=True,
                                  text=True, timeout=30)
        check(verified.returncode == 0,
              f"tokenctl verify ({verified.stderr.strip()})")
        return text, scrape(ports["http"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tokend", required=True)
    ap.add_argument("--tokenctl", required=True)
    ap.add_argument("--promtool", default=shutil.which("promtool"))
    args = ap.parse_args()
    obs = os.path.join(args.repo, "deploy", "observability")
    dash_names = check_dashboard(os.path.join(obs, "tokend-dashboard.json"))
    rule_names = check_rules(os.path.join(obs, "tokend-alerts.yaml"))
    check_monitors(os.path.join(obs, "servicemonitor.yaml"))
    check(len(dash_names) >= 20, f"dashboard reads {len(dash_names)} metrics")
    check(len(rule_names) >= 8, f"rules read {len(rule_names)} metrics")

    first, text = live_metrics(args.tokend, args.tokenctl)
    if text:
        samples, types = exposed(text)
        first_samples, first_types = exposed(first)
        for name in sorted(dash_names | rule_names):
            where = ("dashboard" if name in dash_names else "") + (
                " rules" if name in rule_names else "")
            check(exists(name, samples, types),
                  f"{name} ({where.strip()}) is on /metrics")
            # Present from the very first scrape, before any call, so an
            # alert never waits for a metric to appear.
            check(exists(name, first_samples, first_types),
                  f"{name} is on the first scrape")
        # The calls made above show up under the gRPC-standard names.
        check('grpc_method="IssueToken"' in text and
              "grpc_server_handled_total{grpc_code=\"OK\"" in text,
              "the issue call is in grpc_server_handled_total")
        for name in ("process_cpu_seconds_total", "process_open_fds",
                     "process_resident_memory_bytes", "tokend_signing_key_"
                     "expiry_timestamp_seconds", "tokend_signing_key_available",
                     "tokend_config_last_reload_successful"):
            check(name in samples, f"{name} has a sample")
    if args.promtool:
        run_promtool(args.promtool, os.path.join(obs, "tokend-alerts.yaml"),
                     os.path.join(obs, "tokend-dashboard.json"), text)
    else:
        print("skipped: promtool checks (no promtool on PATH)")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all observability checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
