#!/usr/bin/python3
"""Static checks of deploy/: the Dockerfile and the kustomize overlays.

No Docker engine or cluster runs in CI, so this test checks what it can
without one:
  * the Dockerfile: multi-stage on debian:12, every COPY source exists in the
    repository, a numeric non-root USER, EXPOSE equal to tokend's default
    ports, a HEALTHCHECK that runs `tokenctl health`;
  * every overlay rendered by `kubectl kustomize` (or, without kubectl, by
    the minimal merge in render_without_kubectl), then every requirement of
    the sidecar and central deployments on the rendered objects;
  * every config the manifests ship (and the image's default config), after
    its absolute paths are mapped into a temp directory, passes
    `tokend --check-config` and starts the real tokend binary (--tokend).

Usage: check_deploy.py --repo=<source dir> [--tokend=<binary>]
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

import yaml

FAILURES = []
# (where, args) of every tokend container checked, for check_flags.
ARGS = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL: " + what)
    return condition


# ---------------------------------------------------------------- defaults


def project_version(repo):
    """The version in the top-level CMakeLists.txt's project()."""
    with open(os.path.join(repo, "CMakeLists.txt")) as f:
        m = re.search(r"project\(tokend VERSION ([0-9.]+)", f.read())
    assert m, "project(tokend VERSION ...) not found in CMakeLists.txt"
    return m.group(1)


def server_source(repo, name):
    """The server source file `name`, wherever under server/ it lives (the
    server's layout may change; its file names say what they hold)."""
    found = [os.path.join(d, name) for d, _, files in os.walk(os.path.join(repo, "server"))
             if name in files]
    assert len(found) == 1, "expected one server/**/%s, found %s" % (name, found)
    return found[0]


def server_defaults(repo):
    """The defaults the server's source defines (development config)."""
    with open(server_source(repo, "dev_default.cc")) as f:
        src = f.read()
    tcp = re.search(r'listeners\.tcp = "([^"]+)"', src)
    sock = re.search(r'unix_socket = absl::StrCat\(state_dir, "([^"]+)"\)', src)
    with open(server_source(repo, "call_gate.h")) as f:
        gate = f.read()
    marker = re.search(r'kMarkerHeader\[\] = "([^"]+)"', gate)
    assert tcp and sock and marker, "server defaults not found in the source"
    return {
        "tcp": tcp.group(1),
        "socket_name": sock.group(1).lstrip("/"),
        "marker": marker.group(1),
    }


def config_keys(repo):
    """Top-level config keys ParseConfig accepts, read from config.cc."""
    with open(server_source(repo, "config.cc")) as f:
        src = f.read()
    m = re.search(r'Keys\(root,\s*"",\s*\{([^}]*)\}', src)
    assert m, "top-level config keys not found in server/config.cc"
    return set(re.findall(r'"([a-z_]+)"', m.group(1)))


def port_of(address):
    return int(address.rsplit(":", 1)[1])


# -------------------------------------------------------------- Dockerfile


def dockerfile_instructions(path):
    """(instruction, argument) pairs with continuation lines joined."""
    out, pending = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            line = pending + line
            pending = ""
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


# Packages every debian:12-slim image has.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# What --build-only must not install: tests, interop, fuzzing, client stubs.
TEST_ONLY = re.compile(r"^(python3.*|nodejs|npm|redis-server|sqlite3|clang.*|libclang.*|"
                       r"libgtest-dev|libgmock-dev|libbenchmark-dev|golang.*|protoc-gen-go.*|"
                       r"android-libboringssl-dev|git)$")


def stages(ins):
    """[(FROM argument, [instructions])] per stage."""
    out = []
    for i, a in ins:
        if i == "FROM":
            out.append((a, []))
        elif out:
            out[-1][1].append((i, a))
    return out


def labels_of(ins):
    out = {}
    for i, a in ins:
        if i == "LABEL":
            for k, v in re.findall(r'([\w.-]+)="([^"]*)"', a):
                out[k] = v
    return out


def check_dockerfile(repo, defaults, build=""):
    path = os.path.join(repo, "deploy/docker/Dockerfile")
    ins = dockerfile_instructions(path)
    st = stages(ins)
    check(len(st) >= 2, "Dockerfile: multi-stage (two FROM)")
    check(st[0][0].split()[0] == "debian:12", "Dockerfile: the builder is FROM debian:12")
    runtime = st[-1][0].split()[0]
    check(runtime == "debian:12-slim" or runtime.startswith("gcr.io/distroless/"),
          "Dockerfile: a slim or distroless runtime (%s)" % runtime)
    builder = st[0][1]
    check(any(i == "RUN" and "./setup.sh --build-only" in a for i, a in builder),
          "Dockerfile: the builder installs through ./setup.sh --build-only")
    listed = subprocess.run(["bash", os.path.join(repo, "setup.sh"), "--build-only", "--list"],
                            capture_output=True, text=True, check=True).stdout.split()
    extra = [p for p in listed if TEST_ONLY.match(p)]
    check(listed and not extra, "setup.sh --build-only installs no test, interop or "
          "client-stub package (%s)" % extra)
    # Every source tree compiled into the binaries reaches the builder.
    copied = {a.split()[0].rstrip("/") for i, a in builder if i == "COPY" and "--from" not in a}
    if build and os.path.exists(os.path.join(build, "compile_commands.json")):
        import json
        with open(os.path.join(build, "compile_commands.json")) as f:
            files = [e["file"] for e in json.load(f)]
        tops = set()
        generated = os.path.realpath(build) + os.sep
        for f in files:
            if os.path.realpath(f).startswith(generated):
                continue  # generated (protoc) in the build tree
            rel = os.path.relpath(os.path.realpath(f), os.path.realpath(repo))
            if not rel.startswith("..") and rel.split(os.sep)[0] not in (
                    "tests", "bench", "client_stubs"):
                tops.add(rel.split(os.sep)[0])
        check(tops and tops <= copied, "Dockerfile: the builder copies every compiled "
              "source tree %s (copies %s)" % (sorted(tops), sorted(copied)))
    # OCI labels; the version is the project's.
    labels = labels_of(ins)
    for key in ("title", "description", "version", "revision", "licenses", "source"):
        check(labels.get("org.opencontainers.image." + key),
              "Dockerfile: OCI label org.opencontainers.image.%s" % key)
    check(labels.get("org.opencontainers.image.licenses") == "Apache-2.0",
          "Dockerfile: the license label is the repository's (Apache-2.0)")
    args = {m[0]: m[1] for i, a in st[-1][1] if i == "ARG"
            for m in [a.split("=", 1) + [""]]}
    check(args.get("VERSION") == project_version(repo),
          "Dockerfile: ARG VERSION defaults to the project's version %s (%s)"
          % (project_version(repo), args.get("VERSION")))
    # .dockerignore keeps build trees, node_modules and .git out, and no
    # COPY source in.
    ignore_path = os.path.join(repo, ".dockerignore")
    if check(os.path.exists(ignore_path), ".dockerignore exists"):
        import fnmatch
        with open(ignore_path) as f:
            pats = [l.strip().rstrip("/") for l in f if l.strip() and not l.startswith("#")]
        ignored = lambda p: any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(
            p, pat.replace("**/", "")) for pat in pats)
        for p in (".git", "build", "build-asan", "client_stubs/node/node_modules",
                  "tests/interop/node_modules", ".tokend"):
            check(ignored(p), ".dockerignore excludes %s" % p)
        for i, a in ins:
            if i == "COPY" and "--from" not in a:
                for src in a.split()[:-1]:
                    check(not ignored(src.rstrip("/")),
                          ".dockerignore keeps the COPY source %s" % src)
    for i, a in ins:
        if i != "COPY" or "--from=" in a:
            continue
        parts = a.split()
        for src in parts[:-1]:
            check(os.path.exists(os.path.join(repo, src)),
                  "Dockerfile: COPY source %s exists" % src)
    users = [a for i, a in ins if i == "USER"]
    check(users, "Dockerfile: USER set")
    if users:
        uid = users[-1].split(":")[0]
        check(uid.isdigit() and int(uid) != 0,
              "Dockerfile: final USER numeric and non-root (%s)" % users[-1])

    # The image's own config decides the health and HTTP ports; the API TCP
    # port is the server's default.
    with open(os.path.join(repo, "deploy/docker/tokend.yaml")) as f:
        image_config = yaml.safe_load(f)
    lst = image_config["listeners"]
    check(lst["tcp"] == defaults["tcp"],
          "image config: tcp %s == server default %s" % (lst["tcp"], defaults["tcp"]))
    want = {port_of(lst["tcp"]), port_of(lst["health"]), port_of(lst["http"])}
    exposed = set()
    for i, a in ins:
        if i == "EXPOSE":
            exposed |= {int(p.split("/")[0]) for p in a.split()}
    check(exposed == want, "Dockerfile: EXPOSE %s == default ports %s"
          % (sorted(exposed), sorted(want)))
    hc = [a for i, a in ins if i == "HEALTHCHECK"]
    check(hc and "tokenctl" in hc[0] and "health" in hc[0],
          "Dockerfile: HEALTHCHECK runs `tokenctl health`")
    if hc:
        m = re.search(r"--socket=unix:(\S+?)\"", hc[0])
        check(m and m.group(1) == lst["unix_socket"],
              "Dockerfile: HEALTHCHECK uses the image config's socket")
    cmd = [a for i, a in ins if i == "CMD"]
    check(cmd and "/etc/tokend/tokend.yaml" in cmd[-1],
          "Dockerfile: CMD runs the image config")
    check(any(i == "COPY" and a.endswith("/etc/tokend/tokend.yaml") for i, a in ins),
          "Dockerfile: the image config is copied to /etc/tokend/tokend.yaml")
    state = image_config["state_dir"]
    vols = " ".join(a for i, a in ins if i == "VOLUME")
    check(state in vols and os.path.dirname(lst["unix_socket"]) in vols,
          "Dockerfile: state dir and socket dir are volumes (read-only root)")
    return image_config


def runtime_packages(path):
    """The packages the runtime stage's apt-get install names."""
    ins = dockerfile_instructions(path)
    runs = [a for i, a in stages(ins)[-1][1] if i == "RUN" and "apt-get install" in a]
    if not runs:
        return set()
    words = runs[0].split("apt-get install", 1)[1].split("&&")[0].split()
    return {w for w in words if not w.startswith("-") and w != "\\"}


def packages_of(paths):
    """{path: the Debian package owning it}, in one dpkg call (each path is
    tried as given, resolved, and as its usr-merged twin)."""
    twins = {}
    for path in paths:
        real = os.path.realpath(path)
        for p in (path, real, re.sub(r"^/usr/lib/", "/lib/", real),
                  re.sub(r"^/lib/", "/usr/lib/", real)):
            twins.setdefault(p, path)
    r = subprocess.run(["dpkg", "-S"] + sorted(twins), capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        pkg, _, owned = line.partition(": ")
        if owned in twins:
            out.setdefault(twins[owned], pkg.split(":")[0])
    return out


def check_runtime_libraries(repo, binaries):
    """The runtime stage installs exactly the packages of the shared
    libraries the binaries link directly (ELF NEEDED), less the base."""
    libs = set()
    for b in binaries:
        r = subprocess.run(["readelf", "-d", b], capture_output=True, text=True, check=True)
        sonames = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)
        ldd = subprocess.run(["ldd", b], capture_output=True, text=True, check=True).stdout
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
        libs |= {paths.get(so, so) for so in sonames}
    owners = packages_of(libs)
    for lib in sorted(libs - set(owners)):
        check(False, "the package of %s is known" % lib)
    needed = set(owners.values())
    # Data, not libraries: the system CAs libcurl verifies issuers' HTTPS with.
    listed = runtime_packages(os.path.join(repo, "deploy/docker/Dockerfile")) - {
        "ca-certificates"}
    want = needed - BASE_PACKAGES
    check(listed == want, "Dockerfile: the runtime stage installs exactly the binaries' "
          "libraries (missing %s, not needed %s)" % (sorted(want - listed), sorted(listed - want)))


# --------------------------------------------------------------- rendering


def render(overlay):
    # TOKEND_DEPLOY_NO_KUBECTL=1 exercises the fallback on a machine that
    # has kubectl.
    kubectl = None if os.environ.get("TOKEND_DEPLOY_NO_KUBECTL") else shutil.which("kubectl") or (
        "/usr/local/bin/kubectl" if os.access("/usr/local/bin/kubectl", os.X_OK)
        else None)
    if kubectl:
        out = subprocess.run([kubectl, "kustomize", overlay], check=True,
                             capture_output=True, text=True).stdout
        return [d for d in yaml.safe_load_all(out) if d]
    print("note: kubectl not found; rendering %s with the minimal merge" % overlay)
    return render_without_kubectl(overlay)


def render_without_kubectl(overlay):
    """The subset of kustomize deploy/k8s uses: resources (files or
    directories), namespace, configMapGenerator (files, no hash suffix),
    images (name -> newName:newTag) and labels without selectors."""
    with open(os.path.join(overlay, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    docs = []
    for res in k.get("resources", []):
        path = os.path.join(overlay, res)
        if os.path.isdir(path):
            docs += render_without_kubectl(path)
        else:
            with open(path) as f:
                docs += [d for d in yaml.safe_load_all(f) if d]
    for gen in k.get("configMapGenerator", []):
        data = {}
        for name in gen.get("files", []):
            with open(os.path.join(overlay, name)) as f:
                data[os.path.basename(name)] = f.read()
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": gen["name"]}, "data": data})
    for doc in docs:
        if k.get("namespace"):
            doc["metadata"]["namespace"] = k["namespace"]
        for lab in k.get("labels", []):
            doc["metadata"].setdefault("labels", {}).update(lab["pairs"])
        for spec in pod_specs([doc]):
            for c in spec.get("initContainers", []) + spec.get("containers", []):
                for img in k.get("images", []):
                    if c["image"] == img["name"]:
                        c["image"] = "%s:%s" % (img["newName"], img["newTag"])
    return docs


def pod_specs(docs):
    return [d["spec"]["template"]["spec"] for d in docs if d["kind"] == "Deployment"]


def one(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    check(len(found) == 1, "exactly one %s (found %d)" % (kind, len(found)))
    return found[0] if found else None


# -------------------------------------------------------- shared container


def config_of(docs, spec, container):
    """The tokend config the container runs: --config=<mount>/<key> inside
    the ConfigMap volume."""
    arg = [a for a in container.get("args", []) if a.startswith("--config=")]
    if not check(arg, "%s: --config flag" % container["name"]):
        return None
    path = arg[0].split("=", 1)[1]
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    mount = mounts.get(os.path.dirname(path))
    if not check(mount, "%s: the config directory is mounted" % container["name"]):
        return None
    vol = {v["name"]: v for v in spec["volumes"]}[mount["name"]]
    if not check("configMap" in vol, "config volume is a ConfigMap"):
        return None
    cms = [d for d in docs if d["kind"] == "ConfigMap"
           and d["metadata"]["name"] == vol["configMap"]["name"]]
    if not check(cms, "the ConfigMap %s exists" % vol["configMap"]["name"]):
        return None
    text = cms[0]["data"].get(os.path.basename(path))
    if not check(text, "ConfigMap has the key %s" % os.path.basename(path)):
        return None
    return yaml.safe_load(text), text


def check_tokend_container(name, spec, c, config, known_keys):
    sc = c.get("securityContext", {})
    psc = spec.get("securityContext", {})
    check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True,
          name + ": runAsNonRoot")
    uid = sc.get("runAsUser", psc.get("runAsUser"))
    check(isinstance(uid, int) and uid != 0, name + ": numeric non-root runAsUser")
    check(sc.get("readOnlyRootFilesystem") is True, name + ": readOnlyRootFilesystem")
    check(sc.get("allowPrivilegeEscalation") is False,
          name + ": allowPrivilegeEscalation false")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"],
          name + ": capabilities drop ALL")
    res = c.get("resources", {})
    check(res.get("requests", {}).get("cpu") and res.get("requests", {}).get("memory"),
          name + ": resource requests")
    check(res.get("limits", {}).get("memory"), name + ": memory limit")
    health = port_of(config["listeners"]["health"])
    for probe in ("startupProbe", "readinessProbe"):
        p = c.get(probe, {})
        check(p.get("grpc", {}).get("port") == health,
              "%s: %s uses grpc on the health port %d" % (name, probe, health))
    ports = {p["containerPort"] for p in c.get("ports", [])}
    check(health in ports, name + ": the health port is a containerPort")
    check(port_of(config["listeners"]["http"]) in ports,
          name + ": the HTTP port is a containerPort")
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = c.get("volumeMounts", [])
    for m in mounts:
        check("subPath" not in m and "subPathExpr" not in m,
              "%s: mount %s has no subPath" % (name, m["name"]))
    by_path = {m["mountPath"]: m for m in mounts}

    def volume_at(path):
        for mp, m in by_path.items():
            if path == mp or path.startswith(mp.rstrip("/") + "/"):
                return volumes[m["name"]], m
        return None, None

    # Every key file comes from a Secret mounted as a directory, and a
    # managed key directory (tenants[].keys.dir) is such a mount itself.
    for t in config.get("tenants", []):
        for ref in t.get("credentials", {}).values():
            path = ref[5:] if ref.startswith("file:") else ref
            vol, m = volume_at(path)
            check(vol is not None and "secret" in vol and
                  m["mountPath"] == os.path.dirname(path),
                  "%s: %s is in a Secret volume mounted as its directory"
                  % (name, os.path.basename(path)))
        key_dir = (t.get("keys") or {}).get("dir")
        if key_dir:
            vol, m = volume_at(key_dir)
            check(vol is not None and "secret" in vol and
                  m["mountPath"].rstrip("/") == key_dir.rstrip("/"),
                  "%s: keys.dir %s is a Secret volume's mount point" % (name, key_dir))
    # The state dir is writable although the root filesystem is not.
    vol, m = volume_at(config["state_dir"])
    check(vol is not None and "emptyDir" in vol and not m.get("readOnly"),
          name + ": state_dir on a writable emptyDir")
    unknown = set(config) - known_keys
    return unknown


def check_network_policy(pols, pod_labels, ports):
    check(pols, "a NetworkPolicy")
    for pol in pols:
        sel = pol["spec"]["podSelector"].get("matchLabels", {})
        check(sel and all(pod_labels.get(k) == v for k, v in sel.items()),
              "NetworkPolicy %s selects the pods" % pol["metadata"]["name"])
        allowed = {p["port"] for rule in pol["spec"].get("ingress", [])
                   for p in rule.get("ports", [])}
        check(ports <= allowed, "NetworkPolicy admits ports %s (has %s)"
              % (sorted(ports), sorted(allowed)))


def _port_matches(entry, port, protocol):
    if entry.get("protocol", "TCP") != protocol:
        return False
    if "port" not in entry:
        return True
    if not isinstance(entry["port"], int):
        return False  # a named port: not used by these policies
    return entry["port"] <= port <= entry.get("endPort", entry["port"])


def admitting_rules(pols, port, protocol="TCP"):
    """The ingress rules of the policies that admit `port`."""
    out = []
    for pol in pols:
        for rule in pol["spec"].get("ingress", []):
            entries = rule.get("ports")
            if entries is None or any(_port_matches(e, port, protocol) for e in entries):
                out.append(rule)
    return out


def check_sidecar_network_policy(docs, pod_labels, config, app_ports):
    """The sidecar's policy selects the app's pod, so it must restrict
    tokend's ports only: every other port stays open to every source, the
    API port (loopback only) is admitted by no rule, the health port is
    admitted (kubelet probes), and the HTTP port only from named sources."""
    pols = [d for d in docs if d["kind"] == "NetworkPolicy"]
    check(pols, "sidecar: a NetworkPolicy")
    for pol in pols:
        sel = pol["spec"]["podSelector"].get("matchLabels", {})
        check(sel and all(pod_labels.get(k) == v for k, v in sel.items()),
              "NetworkPolicy %s selects the pods" % pol["metadata"]["name"])
    lst = config["listeners"]
    api, health, http = port_of(lst["tcp"]), port_of(lst["health"]), port_of(lst["http"])
    tokend_ports = {api, health, http}
    closed = []
    for protocol in ("TCP", "UDP"):
        for port in range(1, 65536):
            if protocol == "TCP" and port in tokend_ports:
                continue
            if not any("from" not in r for r in admitting_rules(pols, port, protocol)):
                closed.append("%s/%d" % (protocol, port))
    check(not closed, "sidecar NetworkPolicy: every port but tokend's stays open to "
          "the app's clients (%d closed, e.g. %s)" % (len(closed), closed[:3]))
    for port in app_ports:
        check(any("from" not in r for r in admitting_rules(pols, port)),
              "sidecar NetworkPolicy: the app's port %d is open" % port)
    check(not admitting_rules(pols, api),
          "sidecar NetworkPolicy: no rule admits the loopback API port %d" % api)
    check(admitting_rules(pols, health),
          "sidecar NetworkPolicy: the health port %d is admitted (probes)" % health)
    rules = admitting_rules(pols, http)
    check(rules and all(r.get("from") for r in rules),
          "sidecar NetworkPolicy: the HTTP port %d only from named sources" % http)


# ----------------------------------------------------------------- overlays


def check_sidecar(docs, known_keys, defaults):
    dep = one(docs, "Deployment")
    if dep is None:
        return []
    spec = dep["spec"]["template"]["spec"]
    sidecars = [c for c in spec.get("initContainers", [])
                if c.get("restartPolicy") == "Always"]
    check(len(sidecars) == 1, "sidecar: one native sidecar (initContainers, "
          "restartPolicy: Always)")
    if not sidecars:
        return []
    tokend = sidecars[0]
    ARGS.append(("sidecar", tokend.get("args", [])))
    got = config_of(docs, spec, tokend)
    if got is None:
        return []
    config, text = got
    unknown = check_tokend_container("sidecar", spec, tokend, config, known_keys)
    check(not unknown, "sidecar config: unknown top-level keys %s" % sorted(unknown))
    socket_path = config["listeners"]["unix_socket"]
    check(os.path.basename(socket_path) == defaults["socket_name"],
          "sidecar: socket named like the server default (%s)" % defaults["socket_name"])
    check(config["listeners"].get("tcp", defaults["tcp"]) == defaults["tcp"],
          "sidecar: loopback TCP on the default address")
    sock_dir = os.path.dirname(socket_path)
    volumes = {v["name"]: v for v in spec["volumes"]}
    apps = spec.get("containers", [])
    check(apps, "sidecar: an app container")
    for c in [tokend] + apps:
        m = [m for m in c.get("volumeMounts", []) if m["mountPath"] == sock_dir]
        check(m and "emptyDir" in volumes[m[0]["name"]],
              "sidecar: %s mounts the socket emptyDir at %s" % (c["name"], sock_dir))
    app_uids = set()
    for c in apps:
        sc = c.get("securityContext", {})
        check(sc.get("runAsNonRoot", spec.get("securityContext", {}).get("runAsNonRoot")),
              "app %s: runAsNonRoot" % c["name"])
        check(sc.get("readOnlyRootFilesystem") is True,
              "app %s: readOnlyRootFilesystem" % c["name"])
        check(sc.get("allowPrivilegeEscalation") is False,
              "app %s: allowPrivilegeEscalation false" % c["name"])
        check(sc.get("capabilities", {}).get("drop") == ["ALL"],
              "app %s: capabilities drop ALL" % c["name"])
        check(c.get("resources", {}).get("requests"), "app %s: requests" % c["name"])
        app_uids.add(sc.get("runAsUser"))
        for m in c.get("volumeMounts", []):
            check("subPath" not in m, "app %s: no subPath" % c["name"])
    # The socket is 0660: tokend and the app must share its group, and the
    # app's uid must be a configured caller.
    gid = lambda c: c.get("securityContext", {}).get(
        "runAsGroup", spec.get("securityContext", {}).get("runAsGroup"))
    check(all(gid(c) == gid(tokend) and gid(c) is not None for c in apps),
          "sidecar: app and tokend run with the same group (socket mode 0660)")
    caller_uids = {c.get("uid") for c in config.get("callers", [])}
    check(app_uids <= caller_uids, "sidecar: the app's uid %s is a configured caller"
          % sorted(app_uids))
    app_ports = {p["containerPort"] for c in apps for p in c.get("ports", [])}
    check(app_ports, "sidecar: the example app declares the port it serves")
    check_sidecar_network_policy(docs, dep["spec"]["template"]["metadata"]["labels"],
                                 config, app_ports)
    return [("sidecar", text)]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_central(docs, known_keys, redis_server="", redis_example=True):
    deps = [d for d in docs if d["kind"] == "Deployment"]
    check(len(deps) == 1, "central: one Deployment (found %d)" % len(deps))
    if not deps:
        return []
    dep = deps[0]
    check(dep["spec"]["replicas"] == 3, "central: 3 replicas")
    spec = dep["spec"]["template"]["spec"]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    tokend = [c for c in spec["containers"] if c["name"] == "tokend"]
    if not check(tokend, "central: a tokend container"):
        return []
    ARGS.append(("central", tokend[0].get("args", [])))
    got = config_of(docs, spec, tokend[0])
    if got is None:
        return []
    config, text = got
    unknown = check_tokend_container("central", spec, tokend[0], config, known_keys)
    check(not unknown, "central config: unknown top-level keys %s" % sorted(unknown))
    store = config.get("revocation", {}).get("store", "")
    check(store.startswith("redis://"), "central: Redis-backed revocation store")
    named = {p["name"]: p["containerPort"] for p in tokend[0]["ports"]}
    tls = port_of(config["listeners"]["tls"]["address"])
    check(named.get("grpc-tls") == tls, "central: the TLS port matches the config")

    # A ClusterIP Service (HTTP and the API) and a headless one for
    # client-side round robin over every ready pod.
    services = [d for d in docs if d["kind"] == "Service"
                and selects(d["spec"].get("selector"), labels)]
    for svc in services:
        for p in svc["spec"]["ports"]:
            check(p["targetPort"] in named or p["targetPort"] in named.values(),
                  "central: Service %s targetPort %s exists"
                  % (svc["metadata"]["name"], p["targetPort"]))
    headless = [s for s in services if s["spec"].get("clusterIP") == "None"]
    virtual = [s for s in services if s["spec"].get("clusterIP") != "None"]
    check(len(virtual) == 1, "central: one ClusterIP Service selects the pods")
    check(len(headless) == 1 and not headless[0]["spec"].get("publishNotReadyAddresses")
          and any(p["targetPort"] in ("grpc-tls", tls) for p in headless[0]["spec"]["ports"]),
          "central: a headless Service of the ready pods exposes the TLS API "
          "(client-side round robin)")

    # Voluntary disruptions leave at least two replicas serving.
    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"
            and selects(d["spec"]["selector"].get("matchLabels"), labels)]
    if check(len(pdbs) == 1, "central: a PodDisruptionBudget selects the pods"):
        pdb = pdbs[0]["spec"]
        replicas = dep["spec"]["replicas"]
        if "maxUnavailable" in pdb:
            serving = replicas - pdb["maxUnavailable"]
        else:
            serving = pdb.get("minAvailable", 0)
        check(isinstance(serving, int) and 2 <= serving < replicas,
              "central: the PDB keeps >= 2 of %d replicas and still lets a node drain "
              "(%s)" % (replicas, pdb))

    pols = [d for d in docs if d["kind"] == "NetworkPolicy"
            and selects(d["spec"]["podSelector"].get("matchLabels"), labels)]
    check_network_policy(pols, labels, {tls, port_of(config["listeners"]["health"])})
    redis_args = check_redis_example(docs, store, labels) if redis_example else None
    if redis_server and redis_args is not None:
        text = run_with_redis(redis_server, redis_args, text)
    return [("central", text)]


def check_redis_example(docs, store, tokend_labels):
    """The example Redis the store URL names: persistent (append-only file,
    fsync per write, on a PersistentVolume), its Service at the URL's host
    and port, and reachable from tokend's pods only. Returns its args."""
    sets = [d for d in docs if d["kind"] == "StatefulSet"]
    if not check(len(sets) == 1, "central: one StatefulSet (the example Redis)"):
        return None
    sts = sets[0]
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    c = sts["spec"]["template"]["spec"]["containers"][0]
    args = c.get("args", [])
    opts = {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2)
            if args[i].startswith("--")}
    check(opts.get("--appendonly") == "yes", "redis: appendonly yes")
    check(opts.get("--appendfsync") == "always",
          "redis: appendfsync always (an acknowledged revocation survives a crash)")
    image = c["image"]
    check(":" in image and not image.endswith(":latest"), "redis: a pinned image tag")
    claims = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])]
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    check(opts.get("--dir") and mounts.get(claims[0] if claims else "") == opts["--dir"],
          "redis: its --dir is a PersistentVolumeClaim mount")
    sc = c.get("securityContext", {})
    check(sc.get("readOnlyRootFilesystem") is True and
          sc.get("allowPrivilegeEscalation") is False,
          "redis: read-only root, no privilege escalation")
    host_port = store[len("redis://"):].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    svcs = [d for d in docs if d["kind"] == "Service"
            and selects(d["spec"].get("selector"), pod_labels)]
    want = {"%s.%s.svc.cluster.local" % (s["metadata"]["name"], s["metadata"].get("namespace"))
            for s in svcs} | {s["metadata"]["name"] for s in svcs}
    check(host in want, "redis: the store URL's host %s is its Service (%s)"
          % (host, sorted(want)))
    check(any(p["port"] == int(port or 6379) for s in svcs for p in s["spec"]["ports"]),
          "redis: its Service serves the store URL's port")
    pols = [d for d in docs if d["kind"] == "NetworkPolicy"
            and selects(d["spec"]["podSelector"].get("matchLabels"), pod_labels)]
    rules = [r for p in pols for r in p["spec"].get("ingress", [])]
    check(rules and all(r.get("from") and all(
        selects(f.get("podSelector", {}).get("matchLabels"), tokend_labels)
        for f in r["from"]) for r in rules),
          "redis: its NetworkPolicy admits tokend's pods only")
    return args


def run_with_redis(redis_server, args, text):
    """Starts the real redis-server with the manifest's arguments (the
    data directory and port moved into a temp folder); checks it persists as
    the manifest says; returns the config pointed at it. The server stays
    up until the process exits."""
    tmp = tempfile.mkdtemp(prefix="tkd-redis-")
    port = free_port()
    local = list(args)
    for i, a in enumerate(local[:-1]):
        if a == "--dir":
            local[i + 1] = tmp
        elif a == "--port":
            local[i + 1] = str(port)
    local += ["--bind", "127.0.0.1", "--daemonize", "no"]
    proc = subprocess.Popen([redis_server] + local, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    REDIS.append((proc, tmp))
    deadline = time.time() + 10
    reply = ""
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"CONFIG GET appendfsync\r\n")
                reply = s.recv(256).decode()
                break
        except OSError:
            time.sleep(0.05)
    check("always" in reply, "redis-server runs with the manifest's args (appendfsync "
          "always: %r)" % reply)
    config = yaml.safe_load(text)
    config["revocation"]["store"] = "redis://127.0.0.1:%d/0" % port
    return yaml.safe_dump(config)


REDIS = []


# ------------------------------------------------------- the real binary


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def localize(text, tmp):
    """Maps the config's absolute paths into `tmp` and its ports to free
    loopback ports, creating keys and certificates where it points."""
    config = yaml.safe_load(text)
    lst = config["listeners"]
    for key in ("tcp", "health", "http"):
        if lst.get(key):
            lst[key] = "127.0.0.1:%d" % free_port()
    if lst.get("unix_socket"):
        lst["unix_socket"] = os.path.join(tmp, "run", os.path.basename(lst["unix_socket"]))
        os.makedirs(os.path.dirname(lst["unix_socket"]), exist_ok=True)
    config["state_dir"] = os.path.join(tmp, "state")
    os.makedirs(config["state_dir"], exist_ok=True)
    # A Redis store points at a free port nobody listens on: tokend starts
    # with the store down (fail-closed until it connects) and resolves no
    # cluster DNS name.
    # (unless it already points at a local Redis run_with_redis started).
    store = config.get("revocation", {}).get("store", "")
    if store.startswith("redis://") and not store.startswith("redis://127.0.0.1:"):
        config["revocation"]["store"] = "redis://127.0.0.1:%d/0" % free_port()
    if lst.get("tls"):
        tls = lst["tls"]
        tls["address"] = "127.0.0.1:%d" % free_port()
        d = os.path.join(tmp, "tls")
        os.makedirs(d, exist_ok=True)
        subprocess.run(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
            "-nodes -days 1 -subj /CN=tokend -addext subjectAltName=DNS:localhost "
            "-keyout key.pem -out cert.pem >/dev/null 2>&1", shell=True,
            check=True, cwd=d)
        tls["cert_file"] = os.path.join(d, "cert.pem")
        tls["key_file"] = os.path.join(d, "key.pem")
        if tls.get("client_ca_file"):
            tls["client_ca_file"] = os.path.join(d, "cert.pem")
    for t in config.get("tenants", []):
        for name, ref in t.get("credentials", {}).items():
            if ref.startswith("env:"):
                continue  # the caller sets the variable (vendor_env)
            path = os.path.join(tmp, "keys", os.path.basename(ref.split(":", 1)[-1]))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if not os.path.exists(path):
                # Vonage signs RS256; the jwt examples use ES256.
                algo = (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
                        if t.get("profile") == "vonage" else
                        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
                subprocess.run(["openssl", "genpkey"] + algo + ["-out", path], check=True,
                               capture_output=True)
            t["credentials"][name] = "file:" + path
        if (t.get("keys") or {}).get("dir"):
            d = os.path.join(tmp, "keydirs", t["name"])
            os.makedirs(d, exist_ok=True)
            subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-out",
                            os.path.join(d, "jwt-es256.pem")],
                           check=True, capture_output=True)
            t["keys"]["dir"] = d
    return yaml.safe_dump(config)


def tokend_flags(tokend):
    """The flag names `tokend --helpfull` lists."""
    r = subprocess.run([tokend, "--helpfull"], capture_output=True, text=True)
    return set(re.findall(r"^\s+--([a-z_]+)", r.stdout + r.stderr, re.M))


def check_flags(tokend, where, argv):
    """Every --flag in `argv` is one tokend knows (--check-config is also
    spelled with a dash)."""
    known = tokend_flags(tokend)
    for a in argv:
        if a.startswith("--"):
            flag = a[2:].split("=", 1)[0].replace("-", "_")
            check(flag in known, "%s: tokend knows --%s" % (where, flag))


def vendor_env(text):
    """Fake secrets for the config's `env:` credentials: 32 hex characters
    for Agora's App Certificate, 64 (32 bytes) for the HMAC secrets."""
    env = dict(os.environ)
    for t in yaml.safe_load(text).get("tenants", []):
        for name, ref in t.get("credentials", {}).items():
            if ref.startswith("env:"):
                env[ref[4:]] = ("5" * 32) if name == "app_certificate" else ("a1" * 32)
    return env


def check_package_metadata(repo):
    """The LICENSE is Apache-2.0 and every package says so, at the
    project's version."""
    import json
    version = project_version(repo)
    with open(os.path.join(repo, "LICENSE")) as f:
        check("Apache License" in f.read(200), "LICENSE is the Apache License")
    with open(os.path.join(repo, "client_stubs/python/pyproject.toml")) as f:
        py = f.read()
    check(re.search(r'^version = "%s"$' % re.escape(version), py, re.M) and
          'license = {text = "Apache-2.0"}' in py,
          "client_stubs/python: version %s, Apache-2.0" % version)
    with open(os.path.join(repo, "client_stubs/node/package.json")) as f:
        node = json.load(f)
    check(node.get("version") == version and node.get("license") == "Apache-2.0",
          "client_stubs/node: version %s, Apache-2.0" % version)
    with open(os.path.join(repo, "README.md")) as f:
        check("Apache License, Version 2.0" in f.read(), "the README names the license")


def check_vendor_examples(repo, tokend):
    """deploy/examples/vendors: one config per profile, each accepted by
    `tokend --check-config` (secrets from the environment or files)."""
    d = os.path.join(repo, "deploy/examples/vendors")
    profiles = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name)) as f:
            text = f.read()
        tenants = yaml.safe_load(text).get("tenants", [])
        check(len(tenants) == 1, "vendors/%s: one tenant" % name)
        for t in tenants:
            profiles[t["profile"]] = name
        if tokend:
            check_config(tokend, "vendors/" + name, text)
    want = {"jwt", "agora", "apirtc", "vonage", "daily", "livekit", "twilio", "zoom"}
    check(set(profiles) == want, "deploy/examples/vendors: one config per profile "
          "(missing %s)" % sorted(want - set(profiles)))
    with open(os.path.join(repo, "README.md")) as f:
        readme = f.read()
    for name in profiles.values():
        check("deploy/examples/vendors/" + name in readme,
              "the README names deploy/examples/vendors/%s" % name)


def check_config(tokend, name, text):
    """`tokend --check-config` accepts the config (paths localized) and
    writes nothing into its state folder."""
    tmp = tempfile.mkdtemp(prefix="tkd-")
    try:
        path = os.path.join(tmp, "tokend.yaml")
        with open(path, "w") as f:
            f.write(localize(text, tmp))
        r = subprocess.run([tokend, "--check-config", "--config=" + path],
                           capture_output=True, text=True, timeout=60,
                           env=vendor_env(text))
        check(r.returncode == 0 and r.stdout.strip() == "config OK: " + path,
              "tokend --check-config accepts the %s config (exit %d): %s"
              % (name, r.returncode, (r.stdout + r.stderr).strip()[-400:]))
        check(os.listdir(os.path.join(tmp, "state")) == [],
              "tokend --check-config wrote nothing into the %s state folder" % name)
        if r.returncode == 0:
            print("ok: tokend --check-config accepts the %s config" % name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def starts(tokend, name, text):
    """Runs tokend with the config; True when it logs that it started."""
    tmp = tempfile.mkdtemp(prefix="tkd-")
    try:
        path = os.path.join(tmp, "tokend.yaml")
        with open(path, "w") as f:
            f.write(localize(text, tmp))
        log = os.path.join(tmp, "log")
        with open(log, "w") as err:
            p = subprocess.Popen([tokend, "--config=" + path], stderr=err,
                                 stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        started = False
        while time.time() < deadline:
            with open(log) as f:
                out = f.read()
            if "tokend started" in out:
                started = True
                break
            if p.poll() is not None:
                break
            time.sleep(0.05)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        with open(log) as f:
            out = f.read()
        if started:
            print("ok: tokend starts with the %s config" % name)
            return
        check(False, "tokend starts with the %s config: %s" % (name, out.strip()[-400:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tokend", default="")
    ap.add_argument("--tokenctl", default="")
    ap.add_argument("--build", default="", help="the build tree (compile_commands.json)")
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    defaults = server_defaults(repo)
    known = config_keys(repo)

    image_config = check_dockerfile(repo, defaults, args.build)
    if args.tokend and args.tokenctl:
        check_runtime_libraries(repo, [args.tokend, args.tokenctl])
    configs = [("image", yaml.safe_dump(image_config))]
    overlays = os.path.join(repo, "deploy/k8s/overlays")
    names = sorted(os.listdir(overlays))
    check(names == ["central", "sidecar"], "overlays: central and sidecar (%s)" % names)
    for name in names:
        docs = render(os.path.join(overlays, name))
        print("rendered overlay %s: %d objects" % (name, len(docs)))
        if name == "sidecar":
            configs += check_sidecar(docs, known, defaults)
        elif name == "central":
            configs += check_central(docs, known,
                                     shutil.which("redis-server") if args.tokend else "")
    check_vendor_examples(repo, args.tokend)
    check_package_metadata(repo)
    if args.tokend:
        for where, argv in ARGS:
            check_flags(args.tokend, where, argv)
        for name, text in configs:
            check_config(args.tokend, name, text)
            starts(args.tokend, name, text)
    else:
        print("note: no --tokend given; configs not started")

    stop_redis()
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all deploy checks passed")
    return 0


def stop_redis():
    for proc, tmp in REDIS:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    del REDIS[:]


if __name__ == "__main__":
    sys.exit(main())
