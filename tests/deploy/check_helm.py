#!/usr/bin/python3
"""Checks the Helm chart deploy/helm/tokend without helm (none is
installed in CI):

  * values.yaml and every ci/*-values.yaml (merged over it) validate
    against values.schema.json; a few known-bad values are refused;
  * every value in values.yaml is documented by a comment, and every schema
    property has a description; the schema knows every key values.yaml has;
  * the templates are rendered with helm_lite (a Go-template subset that
    refuses what it does not implement): every `.Values` path a template
    reads exists in values.yaml and in the schema; every rendered document
    is strict YAML (no duplicate keys);
  * the rendering with the defaults passes check_deploy's sidecar checks,
    and the rendering with ci/central-values.yaml its central checks (ports
    and paths against tokend's defaults, security context, probes, Secret
    directory mounts, NetworkPolicy); the tokend config and container of
    each equal those of the matching kustomize overlay;
  * each rendered config passes `tokend --check-config` (--tokend).

Usage: check_helm.py --repo=<source dir> [--tokend=<binary>]
"""

import argparse
import copy
import glob
import json
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_deploy  # noqa: E402
import helm_lite  # noqa: E402
import schema_lite  # noqa: E402
from check_deploy import check  # noqa: E402


class StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys, which Kubernetes would resolve silently."""


def _no_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise yaml.constructor.ConstructorError(
            None, None, "duplicate keys %s" % sorted(dup), node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                             _no_duplicates)


def leaf_paths(values, prefix=()):
    """Paths of values.yaml (lists and empty maps are leaves)."""
    out = set()
    for k, v in values.items():
        out.add(prefix + (k,))
        if isinstance(v, dict):
            out |= leaf_paths(v, prefix + (k,))
    return out


# Maps whose keys are Kubernetes' or tokend's own (documented there): the
# map is documented, its keys need not be.
PASS_THROUGH = {"resources", "renewal", "annotations"}


def check_documented(path):
    """Every key line has a comment above it or inline, except inside list
    items (example data) and PASS_THROUGH maps."""
    with open(path) as f:
        lines = f.read().split("\n")
    stack = []  # (indent, key) of the enclosing keys
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        m = re.match(r"^\s*(- )?([A-Za-z_][\w]*):", line)
        if m is None or m.group(1):
            if m is not None or line.lstrip().startswith("- "):
                stack.append((indent, "-"))
            continue
        exempt = any(k == "-" or k in PASS_THROUGH for _, k in stack)
        stack.append((indent, m.group(2)))
        if exempt:
            continue
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        check(prev.strip().startswith("#") or " # " in line,
              "values.yaml:%d: `%s` is documented" % (i + 1, m.group(2)))


def check_schema_descriptions(schema, path="$"):
    for k, sub in schema.get("properties", {}).items():
        check(sub.get("description"), "schema %s.%s has a description" % (path, k))
        check_schema_descriptions(sub, path + "." + k)


def render_chart(chart_dir, values, namespace):
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    r = helm_lite.Renderer(values, "tokend", namespace, chart)
    for path in sorted(glob.glob(os.path.join(chart_dir, "templates", "_*.tpl"))):
        with open(path) as f:
            r.add_file(f.read())
    docs, notes = [], ""
    for path in sorted(glob.glob(os.path.join(chart_dir, "templates", "*"))):
        name = os.path.basename(path)
        if name.startswith("_"):
            continue
        with open(path) as f:
            out = r.render(f.read())
        if name == "NOTES.txt":
            notes = out
            continue
        try:
            docs += [d for d in yaml.load_all(out, Loader=StrictLoader) if d]
        except yaml.YAMLError as e:
            check(False, "%s renders strict YAML: %s" % (name, e))
    for d in docs:
        d["metadata"].setdefault("namespace", namespace)
    return docs, notes, r.used


def tokend_container(docs):
    dep = [d for d in docs if d["kind"] == "Deployment"][0]["spec"]["template"]["spec"]
    c = [c for c in dep.get("initContainers", []) + dep["containers"]
         if c["name"] == "tokend"][0]
    c = copy.deepcopy(c)
    c.pop("imagePullPolicy", None)
    return c


def policy_spec(docs):
    """The NetworkPolicy rules of tokend's pods, without the selector
    (whose labels differ between the chart and the overlay)."""
    pols = [copy.deepcopy(d["spec"]) for d in docs if d["kind"] == "NetworkPolicy"
            and d["metadata"]["name"] != "tokend-redis"]
    for p in pols:
        p.pop("podSelector", None)
    return pols


def config_text(docs):
    cms = [d for d in docs if d["kind"] == "ConfigMap"]
    return cms[0]["data"]["tokend.yaml"] if cms else ""


def pod_of(docs):
    return [d for d in docs if d["kind"] == "Deployment"][0]["spec"]["template"]


def check_values_render(chart_dir, values, known, defaults):
    """The values users expect reach the objects; checksum/config follows
    exactly the settings tokend applies only at a restart."""
    docs, _, _ = render_chart(chart_dir, values, "example")
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        app_version = yaml.safe_load(f)["appVersion"]
    image = tokend_container(docs)["image"]
    check(image == "%s:%s" % (values["image"]["repository"], app_version),
          "image.tag empty: the image is the chart's appVersion (%s)" % image)
    extra = {
        "image": {"tag": "1.2.3"},
        "imagePullSecrets": [{"name": "regcred"}],
        "podAnnotations": {"example.com/team": "auth"},
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
        "affinity": {"nodeAffinity": {}},
        "extraEnv": [{"name": "AGORA_CERT", "valueFrom": {"secretKeyRef": {
            "name": "vendors", "key": "agora"}}}],
        "extraVolumes": [{"name": "vendors", "secret": {"secretName": "vendors"}}],
        "extraVolumeMounts": [{"name": "vendors", "mountPath": "/etc/tokend/vendors"}],
        "serviceMonitor": {"enabled": True, "labels": {"release": "prom"}},
    }
    for mode, base in (("sidecar", values),
                       ("central", helm_lite.merge(values, {
                           "mode": "central", "tls": {"enabled": True}}))):
        vals = helm_lite.merge(base, extra)
        errors = schema_lite.validate(vals, SCHEMA)
        check(not errors, "%s: the extra values validate: %s" % (mode, errors))
        docs, _, _ = render_chart(chart_dir, vals, "example")
        pod = pod_of(docs)
        spec = pod["spec"]
        c = tokend_container(docs)
        check(c["image"].endswith(":1.2.3"), "%s: image.tag wins over appVersion" % mode)
        check(spec.get("imagePullSecrets") == extra["imagePullSecrets"],
              "%s: imagePullSecrets reach the pod" % mode)
        for key in ("nodeSelector", "tolerations", "affinity"):
            check(spec.get(key) == extra[key], "%s: %s reaches the pod" % (mode, key))
        ann = pod["metadata"].get("annotations", {})
        check(ann.get("example.com/team") == "auth" and ann.get("checksum/config"),
              "%s: podAnnotations and checksum/config on the pod" % mode)
        check(c.get("env") == extra["extraEnv"], "%s: extraEnv on tokend" % mode)
        check(extra["extraVolumeMounts"][0] in c["volumeMounts"] and
              extra["extraVolumes"][0] in spec["volumes"],
              "%s: extraVolumes and extraVolumeMounts" % mode)
        kind = "ServiceMonitor" if mode == "central" else "PodMonitor"
        mons = [d for d in docs if d["kind"] == kind]
        ok = len(mons) == 1
        if ok:
            m = mons[0]
            eps = m["spec"].get("endpoints") or m["spec"].get("podMetricsEndpoints")
            port = {p["name"]: p["containerPort"] for p in c["ports"]}.get(eps[0]["port"])
            ok = (port == vals["ports"]["http"] and eps[0]["path"] == "/metrics" and
                  m["metadata"]["labels"].get("release") == "prom" and
                  all(pod["metadata"]["labels"].get(k) == v for k, v in
                      m["spec"]["selector"]["matchLabels"].items()))
        check(ok, "%s: serviceMonitor renders a %s scraping tokend's /metrics" % (mode, kind))

    def checksum(override):
        docs, _, _ = render_chart(chart_dir, helm_lite.merge(values, override), "example")
        return pod_of(docs)["metadata"]["annotations"]["checksum/config"]

    same = checksum({})
    check(checksum({"ports": {"http": 9191}}) != same and
          checksum({"stateDir": "/var/lib/other"}) != same and
          checksum({"revocation": {"store": "redis://r:6379/0"}}) != same,
          "checksum/config changes with listeners, state_dir and revocation (restart-only)")
    check(checksum({"config": {"logLevel": "debug"}}) == same and
          checksum({"config": {"renewal": {"refresh_fraction": 0.5}}}) == same,
          "checksum/config ignores what tokend reloads by itself")


def check_include(repo, chart_dir, values, known, defaults):
    """deploy/README.md's helm-include block, rendered as a user's chart
    would with this chart as its dependency (app.create false), gives a
    pod that passes the sidecar checks against the dependency's ConfigMap."""
    with open(os.path.join(repo, "deploy/README.md")) as f:
        m = re.search(r"^```yaml helm-include\n(.*?)^```$", f.read(), re.S | re.M)
    if not check(m, "deploy/README.md has the helm-include block"):
        return
    sub = helm_lite.merge(values, {"app": {"create": False}, "image": {"tag": "0.1.0"}})
    docs, _, _ = render_chart(chart_dir, sub, "example")
    kinds = sorted(d["kind"] for d in docs)
    check(kinds == ["ConfigMap", "NetworkPolicy"],
          "app.create=false: the chart renders only tokend's ConfigMap and "
          "NetworkPolicy (%s)" % kinds)
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    parent = helm_lite.Renderer({"tokend": sub}, "tokend", "example",
                                {"name": "my-app", "version": "1.0.0"})
    for path in sorted(glob.glob(os.path.join(chart_dir, "templates", "_*.tpl"))):
        with open(path) as f:
            parent.add_file(f.read())
    try:
        dep = yaml.load(parent.render(m.group(1)), Loader=StrictLoader)
    except (helm_lite.TemplateError, helm_lite.Fail, yaml.YAMLError) as e:
        check(False, "the helm-include block renders: %s" % e)
        return
    dep.setdefault("metadata", {})["namespace"] = "example"
    before = len(check_deploy.FAILURES)
    check_deploy.check_sidecar([dep] + docs, known, defaults)
    check(len(check_deploy.FAILURES) == before,
          "the helm-include block gives a pod that passes the sidecar checks")
    del chart


SCHEMA = {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tokend", default="")
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    chart_dir = os.path.join(repo, "deploy/helm/tokend")
    defaults = check_deploy.server_defaults(repo)
    known = check_deploy.config_keys(repo)

    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = yaml.load(f, Loader=StrictLoader)
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    version = check_deploy.project_version(repo)
    check(chart.get("annotations", {}).get("artifacthub.io/license") == "Apache-2.0",
          "Chart.yaml declares the repository's license (Apache-2.0)")
    check(chart["appVersion"] == version,
          "Chart.yaml appVersion %s == the project's version %s" % (chart["appVersion"], version))
    check(values["image"]["tag"] == "",
          "image.tag defaults to empty, i.e. the chart's appVersion")
    for overlay in ("base", "overlays/central"):
        with open(os.path.join(repo, "deploy/k8s", overlay, "kustomization.yaml")) as f:
            tags = [i.get("newTag") for i in yaml.safe_load(f).get("images", [])
                    if i["name"] == "tokend"]
        check(tags == [version], "deploy/k8s/%s: the tokend image tag is the project's "
              "version %s (%s)" % (overlay, version, tags))
    with open(os.path.join(chart_dir, "values.schema.json")) as f:
        schema = json.load(f)
    SCHEMA.update(schema)
    check(schema.get("$schema") == "http://json-schema.org/draft-07/schema#",
          "values.schema.json is draft-07")
    errors = schema_lite.validate(values, schema)
    check(not errors, "values.yaml validates against the schema: %s" % errors)
    check_documented(os.path.join(chart_dir, "values.yaml"))
    check_schema_descriptions(schema)
    schema_paths = schema_lite.property_paths(schema)
    value_paths = leaf_paths(values)
    missing = value_paths - schema_paths
    check(not missing, "the schema knows every value: missing %s"
          % sorted(".".join(p) for p in missing))

    # Known-bad values are refused by the schema.
    bad = [({"mode": "mesh"}, "mode"),
           ({"ports": {"health": 70000}}, "ports.health"),
           ({"revocation": {"store": "mysql://x"}}, "revocation.store"),
           ({"revocation": {"onStoreUnavailable": "maybe"}}, "revocation.onStoreUnavailable"),
           ({"mode": "central"}, "tls.enabled"),
           ({"colour": "blue"}, "colour")]
    for override, field in bad:
        errs = schema_lite.validate(helm_lite.merge(values, override), schema)
        check(any(field.split(".")[-1] in e for e in errs),
              "the schema refuses %s (errors: %s)" % (override, errs))

    overlays = os.path.join(repo, "deploy/k8s/overlays")
    renders = [("sidecar", values, "example")]
    for path in sorted(glob.glob(os.path.join(chart_dir, "ci", "*-values.yaml"))):
        with open(path) as f:
            extra = yaml.load(f, Loader=StrictLoader)
        merged = helm_lite.merge(values, extra)
        errors = schema_lite.validate(merged, schema)
        check(not errors, "%s validates: %s" % (os.path.basename(path), errors))
        renders.append((merged["mode"], merged, "tokend"))
    check([m for m, _, _ in renders] == ["sidecar", "central"],
          "the chart renders the sidecar (defaults) and central (ci/central-values.yaml)")

    configs = []
    for mode, vals, namespace in renders:
        try:
            docs, notes, used = render_chart(chart_dir, vals, namespace)
        except (helm_lite.TemplateError, helm_lite.Fail) as e:
            check(False, "the %s chart renders: %s" % (mode, e))
            continue
        print("rendered the chart (%s): %s" % (mode, sorted(d["kind"] for d in docs)))
        for p in sorted(used):
            check(p in value_paths, ".Values.%s exists in values.yaml" % ".".join(p))
            check(p in schema_paths, ".Values.%s exists in the schema" % ".".join(p))
        check("tokend-request: 1" in notes or mode == "central",
              "NOTES.txt (%s) renders" % mode)
        kinds = sorted(d["kind"] for d in docs)
        for kind in ("ConfigMap", "Deployment", "NetworkPolicy", "ServiceAccount"):
            check(kind in kinds, "%s chart has a %s" % (mode, kind))
        if mode == "sidecar":
            configs += check_deploy.check_sidecar(docs, known, defaults)
        else:
            # The chart brings no Redis (deploy/README.md names the overlay's).
            configs += check_deploy.check_central(docs, known, redis_example=False)
        # The same content as the kustomize overlay.
        kdocs = check_deploy.render(os.path.join(overlays, mode))
        check(yaml.safe_load(config_text(docs)) == yaml.safe_load(config_text(kdocs)),
              "%s: the chart's tokend.yaml equals the overlay's" % mode)
        check(tokend_container(docs) == tokend_container(kdocs),
              "%s: the chart's tokend container equals the overlay's" % mode)
        check(policy_spec(docs) == policy_spec(kdocs),
              "%s: the chart's NetworkPolicy rules equal the overlay's" % mode)

    # Other ports: the sidecar policy still restricts exactly tokend's.
    moved = helm_lite.merge(values, {"ports": {"http": 8081, "health": 1, "api": 65535}})
    docs, _, _ = render_chart(chart_dir, moved, "example")
    dep = [d for d in docs if d["kind"] == "Deployment"][0]
    config = yaml.safe_load(config_text(docs))
    check_deploy.check_sidecar_network_policy(
        docs, dep["spec"]["template"]["metadata"]["labels"], config, {8080})

    check_values_render(chart_dir, values, known, defaults)
    check_include(repo, chart_dir, values, known, defaults)

    # A central chart without TLS refuses to render.
    try:
        render_chart(chart_dir, helm_lite.merge(values, {"mode": "central"}), "tokend")
        check(False, "mode central without tls.enabled fails to render")
    except helm_lite.Fail as e:
        check("tls.enabled" in str(e), "the render failure names tls.enabled")

    if args.tokend:
        for where, argv in check_deploy.ARGS:
            check_deploy.check_flags(args.tokend, "chart " + where, argv)
        for name, text in configs:
            check_deploy.check_config(args.tokend, "chart " + name, text)
    else:
        print("note: no --tokend given; configs not checked by tokend")

    if check_deploy.FAILURES:
        print("%d check(s) failed" % len(check_deploy.FAILURES))
        return 1
    print("all helm checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
