#!/usr/bin/env python3
"""Fails when vendor dispatch appears outside the vendor table files.

A vendor lives in one row of each of the table files (README "Adding a
vendor"): core/profiles/vendor_table.cc (name, traits),
server/wire/vendor_table.cc (profile enum, grants oneof case, conversions),
server/runtime/tenant_vendors.cc (tenant builder, development tenant).
Anywhere else under core/ and server/ this check refuses:

  * a `switch` over an IssueTokenRequest / VerifyTokenResponse grants case
    or a v1::Profile value (a `case ...::kAgora:` or `case v1::PROFILE_...:`);
  * a `std::get_if<...Grants>` chain in server/ (core's profiles each read
    their own grants and are not a dispatch);
  * a comparison (== or !=) with a vendor name string literal, the names
    being read from core/profiles/vendor_table.cc. "jwt" is not a vendor:
    it is the built-in generic profile whose managed keys and JWKS the
    runtime treats apart.

Ask the table instead (FindVendor, FindVendorWire, a VendorTraits field).

usage: check_vendor_dispatch.py --repo=REPO
"""

import argparse
import os
import re
import sys
import tempfile

TABLE_FILES = {
    "core/profiles/vendor_table.cc",
    "core/profiles/vendor_table.h",
    "server/wire/vendor_table.cc",
    "server/wire/vendor_table.h",
    "server/runtime/tenant_vendors.cc",
}
# Known dispatch outside the table, with the number of lines allowed, so that
# it cannot grow. None: the exchange policy asks the vendor table
# (VendorOfGrants) too.
ALLOWED = {}
NOT_VENDORS = {"jwt"}
CASE = re.compile(
    r"\bcase\s+(?:tokend::)?(?:v1::)?(?:"
    r"(?:IssueTokenRequest|VerifyTokenResponse|\w*Grants\w*)::"
    r"(?:k[A-Z]\w*|GRANTS_NOT_SET)|PROFILE_[A-Z_]+)\s*:")
SWITCH = re.compile(r"\bswitch\s*\([^)]*(?:grants_case\(\)|profile\(\))")
GET_IF = re.compile(r"\bstd::get_if<\s*\w+Grants\s*>")
NAME = re.compile(r'\.name\s*=\s*"([a-z0-9_]+)"')


def vendor_names(repo):
    path = os.path.join(repo, "core/profiles/vendor_table.cc")
    with open(path, encoding="utf-8") as f:
        names = set(NAME.findall(f.read()))
    return sorted(names - NOT_VENDORS)


def compare_pattern(names):
    alt = "|".join(re.escape(n) for n in names)
    return re.compile(
        rf'(?:[!=]=\s*"(?:{alt})")|(?:"(?:{alt})"\s*[!=]=)')


def scan(repo, names):
    """(files scanned, one message per finding) under `repo`."""
    compare = compare_pattern(names)
    bad, scanned = [], 0
    for top in ("core", "server"):
        for d, _, files in os.walk(os.path.join(repo, top)):
            for name in sorted(files):
                if not name.endswith((".cc", ".h")):
                    continue
                path = os.path.join(d, name)
                rel = os.path.relpath(path, repo)
                if rel in TABLE_FILES:
                    continue
                scanned += 1
                found = []
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        code = line.split("//", 1)[0]
                        what = None
                        if CASE.search(code) or SWITCH.search(code):
                            what = "a switch over a grants case or profile"
                        elif top == "server" and GET_IF.search(code):
                            what = "a std::get_if chain over grants"
                        elif compare.search(code):
                            what = "a comparison with a vendor name"
                        if what:
                            found.append(f"{rel}:{number}: {what}: "
                                         f"{line.strip()}")
                if len(found) > ALLOWED.get(rel, 0):
                    bad.extend(found)
    return scanned, bad


def self_test():
    """The check itself fails on planted dispatch and passes the table."""
    with tempfile.TemporaryDirectory() as repo:
        cases = {
            "core/profiles/vendor_table.cc":
                '{.name = "agora"}, {.name = "zoom"}, {.name = "jwt"},\n'
                'if (v.name == "agora") {}\n',
            "server/wire/vendor_table.cc":
                "case v1::IssueTokenRequest::kAgora:\n",
            "server/wire/switch.cc":
                "  switch (request.grants_case()) {\n",
            "server/wire/case.cc":
                "    case v1::IssueTokenRequest::kZoom:\n",
            "server/api/profile_case.cc":
                "    case v1::PROFILE_AGORA: return 1;\n",
            "server/api/get_if.cc":
                "  } else if (auto* z = std::get_if<ZoomGrants>(&g)) {\n",
            "server/config/name.cc":
                '  if (t.profile != "agora") {\n',
            "core/name.cc":
                '  if ("zoom" == profile) {\n',
            "server/runtime/jwt.cc":
                '  if (tc.profile == "jwt") {  // the generic profile\n',
            "server/runtime/comment.cc":
                '  x = 1;  // unlike profile == "agora"\n',
            "core/profiles/zoom_profile.cc":
                "  const ZoomGrants* g = std::get_if<ZoomGrants>(&grants);\n",
        }
        for rel, text in cases.items():
            os.makedirs(os.path.dirname(os.path.join(repo, rel)),
                        exist_ok=True)
            with open(os.path.join(repo, rel), "w", encoding="utf-8") as f:
                f.write(text)
        names = vendor_names(repo)
        if names != ["agora", "zoom"]:
            print(f"self-test: vendor names {names}", file=sys.stderr)
            return False
        _, bad = scan(repo, names)
        flagged = sorted(b.split(":")[0] for b in bad)
        want = ["core/name.cc", "server/api/get_if.cc",
                "server/api/profile_case.cc", "server/config/name.cc",
                "server/wire/case.cc", "server/wire/switch.cc"]
        if flagged != want:
            print(f"self-test: flagged {flagged}, want {want}",
                  file=sys.stderr)
            return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    args = parser.parse_args()
    if not self_test():
        return 1
    names = vendor_names(args.repo)
    if len(names) < 2:
        print(f"no vendor names read from core/profiles/vendor_table.cc: "
              f"{names}", file=sys.stderr)
        return 1
    scanned, bad = scan(args.repo, names)
    for b in bad:
        print(f"VENDOR {b}", file=sys.stderr)
    if bad:
        print("ask the vendor table instead (README, 'Adding a vendor')",
              file=sys.stderr)
    print(f"check_vendor_dispatch: {scanned} files scanned, "
          f"{len(names)} vendors, {len(bad)} findings")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
