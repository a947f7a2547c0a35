#!/usr/bin/env python3
"""Every header under core/ and server/ carries the guard its path names.

The guard of core/profiles/agora/agora_packer.h is
TOKEND_CORE_PROFILES_AGORA_AGORA_PACKER_H_: "TOKEND_" plus the path from the
repo root, upper-cased, with every character outside [A-Z0-9] written as
"_". A header must open with `#ifndef G` / `#define G` (after its comment)
and close with `#endif  // G`. A moved header that kept its old guard
fails, naming the header, the guard found and the one expected.

  check_header_guards.py --repo=REPO          # check; exit 1 on a finding
  check_header_guards.py --repo=REPO --fix    # rewrite wrong guards in place
  check_header_guards.py --self-test          # plants a bad guard, expects
                                              # the check to catch it
"""

import argparse
import os
import re
import sys
import tempfile

ROOTS = ("core", "server")
IFNDEF = re.compile(r"^#ifndef[ \t]+(\S+)[ \t]*$", re.M)
DEFINE = re.compile(r"^#define[ \t]+(\S+)[ \t]*$", re.M)
ENDIF = re.compile(r"^#endif(?:[ \t]*//[ \t]*(\S+))?[ \t]*$", re.M)


def expected_guard(relative_path):
    return "TOKEND_" + re.sub(r"[^A-Z0-9]", "_", relative_path.upper()) + "_"


def headers(repo):
    for root in ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(repo, root)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".h"):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, repo).replace(os.sep, "/")


def check_text(text, guard):
    """The problem with `text`'s guard, or None when it is `guard`."""
    ifndef = IFNDEF.search(text)
    if ifndef is None:
        return "no #ifndef guard"
    define = DEFINE.search(text, ifndef.end())
    if define is None or define.group(1) != ifndef.group(1):
        return "#define does not follow #ifndef %s" % ifndef.group(1)
    endifs = list(ENDIF.finditer(text))
    if not endifs:
        return "no closing #endif"
    closing = endifs[-1].group(1)
    if ifndef.group(1) != guard:
        return "guard %s, expected %s" % (ifndef.group(1), guard)
    if closing != guard:
        return "closing #endif comment %s, expected // %s" % (closing, guard)
    return None


def fix_text(text, guard):
    ifndef = IFNDEF.search(text)
    if ifndef is None:
        return text
    old = ifndef.group(1)
    text = text[:ifndef.start()] + "#ifndef " + guard + text[ifndef.end():]
    define = DEFINE.search(text, ifndef.start())
    if define is not None and define.group(1) == old:
        text = text[:define.start()] + "#define " + guard + text[define.end():]
    endifs = list(ENDIF.finditer(text))
    if endifs:
        last = endifs[-1]
        text = text[:last.start()] + "#endif  // " + guard + text[last.end():]
    return text


def run(repo, fix):
    findings = []
    count = 0
    for header in headers(repo):
        count += 1
        path = os.path.join(repo, header)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        guard = expected_guard(header)
        problem = check_text(text, guard)
        if problem is None:
            continue
        if fix:
            fixed = fix_text(text, guard)
            if check_text(fixed, guard) is None:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(fixed)
                print("fixed %s" % header)
                continue
        findings.append("%s: %s" % (header, problem))
    for finding in findings:
        print(finding)
    print("check_header_guards: %d headers checked, %d wrong" %
          (count, len(findings)))
    return 1 if findings else 0


def self_test():
    with tempfile.TemporaryDirectory() as repo:
        os.makedirs(os.path.join(repo, "core", "jose"))
        os.makedirs(os.path.join(repo, "server", "api"))
        good = os.path.join(repo, "core", "jose", "good.h")
        with open(good, "w") as f:
            f.write("// x\n#ifndef TOKEND_CORE_JOSE_GOOD_H_\n"
                    "#define TOKEND_CORE_JOSE_GOOD_H_\n\nint x;\n\n"
                    "#endif  // TOKEND_CORE_JOSE_GOOD_H_\n")
        if run(repo, fix=False) != 0:
            print("self-test: a correct guard was refused")
            return 1
        # A header moved into server/api/ that kept its old guard.
        bad = os.path.join(repo, "server", "api", "moved.h")
        with open(bad, "w") as f:
            f.write("#ifndef TOKEND_SERVER_MOVED_H_\n"
                    "#define TOKEND_SERVER_MOVED_H_\n"
                    "#endif  // TOKEND_SERVER_MOVED_H_\n")
        if run(repo, fix=False) != 1:
            print("self-test: the planted bad guard was not caught")
            return 1
        # The right #ifndef with a stale closing comment.
        with open(bad, "w") as f:
            f.write("#ifndef TOKEND_SERVER_API_MOVED_H_\n"
                    "#define TOKEND_SERVER_API_MOVED_H_\n"
                    "#endif  // TOKEND_SERVER_MOVED_H_\n")
        if run(repo, fix=False) != 1:
            print("self-test: the stale #endif comment was not caught")
            return 1
        if run(repo, fix=True) != 0 or run(repo, fix=False) != 0:
            print("self-test: --fix did not repair the guard")
            return 1
    print("self-test: passed")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo")
    parser.add_argument("--fix", action="store_true")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.repo:
        parser.error("--repo is required")
    return run(args.repo, args.fix)


if __name__ == "__main__":
    sys.exit(main())
