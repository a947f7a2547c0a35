#!/usr/bin/env python3
"""Fails when a file includes a header of a layer it may not depend on.

server/ is split into layer folders, each its own CMake library that links
only the layers below it (server/CMakeLists.txt), so a wrong-way include
fails to link; this check says so first, in one readable line per include.

  observability   metrics, logging                      (lowest)
  config          YAML config, credentials              -> observability
  transport       listeners, unix peers, caller         -> observability
  wire            proto <-> core conversions            (nothing of server/)
  runtime         the snapshot built from config, keys  -> the four above
  api             gRPC services, call admission         -> runtime and below
  ext_authz       Envoy's Check (a feature on the api)  -> api and below
  server/ itself  main.cc and the process wiring        -> everything

core/ includes nothing from server/ or tools/; tools/tokenctl/ includes
nothing from server/ (it links the core and the generated protos only).

usage: check_server_layers.py --repo=REPO
"""

import argparse
import os
import re
import sys
import tempfile

BELOW = {
    "observability": set(),
    "config": {"observability"},
    "transport": {"observability"},
    "wire": set(),
    "runtime": {"observability", "config", "transport", "wire"},
    "api": {"observability", "config", "transport", "wire", "runtime"},
    "ext_authz": {"observability", "config", "transport", "wire", "runtime",
                  "api"},
}
ROOT_LAYER = "server"  # server/*.cc, *.h: may include every layer
INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:server|tools)/[^"]+)"')


def layer_of(rel):
    """The layer of a repo-relative path: a server/ folder, "server" for
    server/ itself, "tools/<tool>", or the top folder (core, ...)."""
    parts = rel.split("/")
    if parts[0] == "tools":
        return "tools/" + parts[1] if len(parts) > 2 else "tools"
    if parts[0] != "server":
        return parts[0]
    if len(parts) == 2:
        return ROOT_LAYER
    return parts[1]


def allowed(src, dst):
    if src == dst:
        return True
    if src == ROOT_LAYER:
        return dst in BELOW
    if src in BELOW:
        return dst in BELOW[src]
    return False  # core/, tools/*: nothing of server/ or tools/ beyond itself


def scan(repo):
    """(files scanned, one message per wrong-way include) under `repo`."""
    bad, scanned = [], 0
    for top in ("core", "server", "tools"):
        for d, _, files in os.walk(os.path.join(repo, top)):
            for name in sorted(files):
                if not name.endswith((".cc", ".h")):
                    continue
                path = os.path.join(d, name)
                rel = os.path.relpath(path, repo)
                src = layer_of(rel)
                scanned += 1
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        dst = layer_of(m.group(1))
                        if not allowed(src, dst):
                            below = ", ".join(sorted(BELOW.get(src, ())))
                            if src.startswith("server") and src not in BELOW:
                                bad.append(
                                    f"{rel}:{number}: folder '{src}' is no "
                                    f"layer yet: add it to BELOW in "
                                    f"tests/deploy/check_server_layers.py and "
                                    f"a library to server/CMakeLists.txt")
                                continue
                            bad.append(
                                f"{rel}:{number}: layer '{src}' includes "
                                f"{m.group(1)} of layer '{dst}' ('{src}' may "
                                f"include: {below or 'no server/ layer'}); "
                                f"move the concept down instead")
    return scanned, bad


def self_test():
    """The check itself fails on a planted wrong-way include."""
    with tempfile.TemporaryDirectory() as repo:
        cases = {
            "server/wire/a.cc": '#include "server/wire/b.h"\n',
            "server/api/a.cc": '#include "server/runtime/b.h"\n',
            "server/runtime/up.cc": '#include "server/api/call_gate.h"\n',
            "server/config/up.h": '#include "server/ext_authz/x.h"\n',
            "core/up.cc": '#include "server/wire/grants_proto.h"\n',
            "tools/tokenctl/up.cc": '#include "server/config/config.h"\n',
        }
        for rel, text in cases.items():
            os.makedirs(os.path.dirname(os.path.join(repo, rel)), exist_ok=True)
            with open(os.path.join(repo, rel), "w", encoding="utf-8") as f:
                f.write(text)
        _, bad = scan(repo)
        flagged = sorted(b.split(":")[0] for b in bad)
        want = ["core/up.cc", "server/config/up.h", "server/runtime/up.cc",
                "tools/tokenctl/up.cc"]
        if flagged != want:
            print(f"self-test: flagged {flagged}, want {want}", file=sys.stderr)
            return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    args = parser.parse_args()
    if not self_test():
        return 1
    scanned, bad = scan(args.repo)
    for b in bad:
        print(f"LAYER {b}", file=sys.stderr)
    print(f"check_server_layers: {scanned} files scanned, "
          f"{len(bad)} wrong-way includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
