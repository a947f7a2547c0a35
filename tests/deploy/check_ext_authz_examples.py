#!/usr/bin/python3
"""Checks the Envoy / Istio examples of tokend's ext_authz (issue 16) as far
as this machine allows (neither Envoy nor Istio runs here):

  * every file under deploy/examples/envoy and deploy/examples/istio is
    strict YAML;
  * envoy.yaml: every field, @type and enum value exists in Envoy's own
    protos (@grpc/grpc-js-xds's deps/envoy-api, tests/interop/
    envoy_config_check.mjs); its ext_authz filter dials the `tokend`
    cluster, whose pipe is the socket tokend.yaml listens on; failure mode
    is deny; the route's context_extensions name a tenant of tokend.yaml;
  * Istio: the extension provider's fields are those of Istio's
    EnvoyExternalAuthorizationGrpcProvider (no Istio protos here: the list
    is istio/api mesh/v1alpha1/config.proto's); its service and port are
    the ServiceEntry's and tokend.yaml's loopback listener; the
    AuthorizationPolicy is CUSTOM with that provider, and its path is
    covered by an ext_authz.routes rule;
  * the Helm value config.extAuthz renders an ext_authz section;
  * each tokend config (the examples' and the Helm rendering) passes
    `tokend --check-config` (--tokend).

Usage: check_ext_authz_examples.py --repo=<source dir> [--tokend=<binary>]
"""

import argparse
import glob
import json
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_deploy  # noqa: E402
import check_helm  # noqa: E402
import helm_lite  # noqa: E402
from check_deploy import check  # noqa: E402

# istio/api mesh/v1alpha1/config.proto, EnvoyExternalAuthorizationGrpcProvider
# (JSON names).
ISTIO_GRPC_PROVIDER_FIELDS = {
    "service", "port", "timeout", "failOpen", "clearRouteCache",
    "statusOnError", "includeRequestBodyInCheck", "includeAdditionalHeadersInCheck",
}


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.load_all(f, Loader=check_helm.StrictLoader) if d]


def find_filter(hcm, name):
    return next((f for f in hcm["http_filters"] if f["name"] == name), None)


def check_envoy(repo, examples):
    envoy = load_all(os.path.join(examples, "envoy", "envoy.yaml"))[0]
    tokend = load_all(os.path.join(examples, "envoy", "tokend.yaml"))[0]
    r = subprocess.run(
        ["node", os.path.join(repo, "tests", "interop", "envoy_config_check.mjs"),
         "envoy.config.bootstrap.v3.Bootstrap"],
        input=json.dumps(envoy), capture_output=True, text=True, timeout=120)
    if check(r.returncode == 0, "envoy.yaml fields exist in Envoy's protos:\n" + r.stderr):
        print("ok: envoy.yaml: " + r.stdout.strip())
    hcm = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    authz = find_filter(hcm, "envoy.filters.http.ext_authz")
    check(authz is not None, "envoy.yaml has the ext_authz HTTP filter")
    if authz is None:
        return
    cfg = authz["typed_config"]
    check(cfg.get("failure_mode_allow", False) is False,
          "envoy.yaml: failure_mode_allow is false (never allow when tokend is down)")
    cluster_name = cfg["grpc_service"]["envoy_grpc"]["cluster_name"]
    clusters = {c["name"]: c for c in envoy["static_resources"]["clusters"]}
    check(cluster_name in clusters, "envoy.yaml: the ext_authz cluster exists")
    cluster = clusters.get(cluster_name, {})
    pipe = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["pipe"]["path"]
    check(pipe == tokend["listeners"]["unix_socket"],
          "envoy.yaml dials tokend.yaml's unix socket (%s)" % pipe)
    check("http2_protocol_options" in json.dumps(cluster),
          "envoy.yaml: the tokend cluster speaks HTTP/2 (gRPC)")
    tenants = {t["name"] for t in tokend["tenants"]}
    for vh in hcm["route_config"]["virtual_hosts"]:
        for route in vh["routes"]:
            per = route.get("typed_per_filter_config", {}).get("envoy.filters.http.ext_authz")
            if per and not per.get("disabled"):
                ext = per["check_settings"]["context_extensions"]
                check(ext.get("tokend_tenant") in tenants,
                      "envoy.yaml route %s names a tenant of tokend.yaml" % route["match"])


def check_istio(examples):
    mesh_docs = load_all(os.path.join(examples, "istio", "mesh-config.yaml"))
    policy = load_all(os.path.join(examples, "istio", "authorization-policy.yaml"))[0]
    tokend = load_all(os.path.join(examples, "istio", "tokend.yaml"))[0]
    operator = next(d for d in mesh_docs if d["kind"] == "IstioOperator")
    entry = next(d for d in mesh_docs if d["kind"] == "ServiceEntry")
    providers = {p["name"]: p for p in operator["spec"]["meshConfig"]["extensionProviders"]}
    name = policy["spec"]["provider"]["name"]
    check(policy["spec"]["action"] == "CUSTOM", "AuthorizationPolicy action is CUSTOM")
    check(name in providers, "AuthorizationPolicy's provider %s is declared" % name)
    grpc = providers.get(name, {}).get("envoyExtAuthzGrpc", {})
    unknown = set(grpc) - ISTIO_GRPC_PROVIDER_FIELDS
    check(not unknown, "Istio provider fields exist: unknown %s" % sorted(unknown))
    check(grpc.get("failOpen") is False, "Istio provider: failOpen false")
    check(grpc.get("service") in entry["spec"]["hosts"],
          "the provider's service is the ServiceEntry's host")
    check(grpc.get("port") in [p["number"] for p in entry["spec"]["ports"]],
          "the provider's port is the ServiceEntry's")
    check(check_deploy.port_of(tokend["listeners"]["tcp"]) == grpc.get("port"),
          "tokend.yaml listens on the provider's port")
    check(entry["spec"]["endpoints"][0]["address"] == "127.0.0.1",
          "the ServiceEntry points at the pod's loopback (tokend's plaintext TCP)")
    prefixes = [r.get("path_prefix", "") for r in tokend["ext_authz"]["routes"]]
    for rule in policy["spec"]["rules"]:
        for to in rule["to"]:
            for path in to["operation"]["paths"]:
                check(any(path.rstrip("*").startswith(p) for p in prefixes),
                      "the policy's path %s has an ext_authz.routes rule" % path)
    print("ok: Istio provider, ServiceEntry, AuthorizationPolicy and tokend.yaml agree")


def helm_config(repo):
    chart_dir = os.path.join(repo, "deploy", "helm", "tokend")
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = yaml.safe_load(f)
    values = helm_lite.merge(values, {"config": {"extAuthz": {
        "remove_token": True,
        "routes": [{"host": "api.example.com", "tenant": "app"}]}}})
    docs, _, _ = check_helm.render_chart(chart_dir, values, "example")
    text = check_helm.config_text(docs)
    section = yaml.safe_load(text).get("ext_authz")
    check(section == values["config"]["extAuthz"],
          "the Helm value config.extAuthz renders the ext_authz section")
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--tokend")
    args = parser.parse_args()
    examples = os.path.join(args.repo, "deploy", "examples")
    for path in sorted(glob.glob(os.path.join(examples, "envoy", "*.yaml")) +
                       glob.glob(os.path.join(examples, "istio", "*.yaml"))):
        try:
            load_all(path)
        except yaml.YAMLError as e:
            check(False, "%s is strict YAML: %s" % (path, e))
    check_envoy(args.repo, examples)
    check_istio(examples)
    helm_text = helm_config(args.repo)
    if args.tokend:
        for name in ("envoy", "istio"):
            with open(os.path.join(examples, name, "tokend.yaml")) as f:
                check_deploy.check_config(args.tokend, name + " example", f.read())
        check_deploy.check_config(args.tokend, "Helm with config.extAuthz", helm_text)
    if check_deploy.FAILURES:
        print("%d check(s) failed" % len(check_deploy.FAILURES))
        return 1
    print("all ext_authz example checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
