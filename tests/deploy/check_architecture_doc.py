#!/usr/bin/env python3
"""Keeps docs/ARCHITECTURE.md from naming files that do not exist.

Every backticked span that starts with a top-level folder of the repo
(core/, server/, proto/, ...) must exist (a `*` is a glob; `x.*` means
x.h and/or x.cc). In the table whose header names "files in `server/`",
bare names are relative to server/. Spans holding `<` (placeholders such
as `<vendor>_profile.*`) are not paths. Planned folders are written
without backticks in the doc, so they are not checked.

Informational only (never fails): server/ sources (in any layer folder)
the server table does not name, so a new file is noticed without breaking the build
of a branch that adds one.

usage: check_architecture_doc.py --repo=REPO
"""

import argparse
import glob
import os
import re
import sys

TOP = ("core/", "server/", "tools/", "proto/", "client_stubs/", "deploy/", "bench/",
       "tests/", "docs/", ".ci/")
TOP_FILES = ("README.md", ".clang-format", ".clang-tidy", "setup.sh",
             "CMakeLists.txt")
SPAN = re.compile(r"`([^`]+)`")


def exists(repo, path):
    return bool(glob.glob(os.path.join(repo, path)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    args = parser.parse_args()
    doc_path = os.path.join(args.repo, "docs", "ARCHITECTURE.md")
    with open(doc_path, encoding="utf-8") as f:
        lines = f.read().splitlines()

    missing = []
    checked = 0
    server_named = set()
    in_server_table = False
    for number, line in enumerate(lines, 1):
        if "files in `server/`" in line:
            in_server_table = True
            continue
        if in_server_table and not line.startswith("|"):
            in_server_table = False
        for span in SPAN.findall(line):
            if "<" in span or " " in span:
                continue
            if span.startswith(TOP) or span in TOP_FILES:
                path = span
            elif in_server_table and re.fullmatch(r"[\w./*]+", span):
                path = "server/" + span
            else:
                continue
            checked += 1
            if exists(args.repo, path):
                if path.startswith("server/"):
                    server_named.update(
                        os.path.relpath(p, args.repo)
                        for p in glob.glob(os.path.join(args.repo, path)))
            else:
                missing.append(f"docs/ARCHITECTURE.md:{number}: `{span}`")

    readme = os.path.join(args.repo, "README.md")
    with open(readme, encoding="utf-8") as f:
        if "docs/ARCHITECTURE.md" not in f.read():
            missing.append("README.md: no link to docs/ARCHITECTURE.md")

    unnamed = sorted(
        os.path.relpath(p, args.repo)
        for p in glob.glob(os.path.join(args.repo, "server", "**", "*"),
                           recursive=True)
        if os.path.isfile(p) and p.endswith((".cc", ".h", ".h.in")) and
        os.path.relpath(p, args.repo) not in server_named)
    for path in unnamed:
        print(f"note: {path} is not in the doc's server/ table")

    for m in missing:
        print(f"MISSING {m}", file=sys.stderr)
    print(f"check_architecture_doc: {checked} paths checked, "
          f"{len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
