#!/usr/bin/python3
"""Runs the README's Quickstart as a new user would.

The section's fenced blocks tagged ```sh quickstart-<name> are run with
bash, as written, from a scratch copy of the repository root (symlinks to
the checkout, `build` pointing at the build directory, the Python package
copied, since pip builds in its folder). First on PATH is a `python3` that is
not Debian's, as for a user of pyenv, conda or a venv: pyenv's when it is
installed (as on the development machines), else a venv without the system's
site-packages; either has neither grpc nor jwt. The blocks must not depend on
which python3 comes first, and the example run with that python3 must say
what to run instead of failing with a bare ModuleNotFoundError:

  * quickstart-tokend starts tokend in development mode; the test runs it
    in the background and waits until it logs that it started. So that
    parallel tests cannot collide, the test adds `--listen=none` (the
    development default's fixed 127.0.0.1:50051) and moves the HTTP port
    (9090 in the README) to a free one, in this block and the others;
  * every other block must exit 0 and print what the README says it prints;
  * a ```python file=PATH block must equal that file.

It also checks the README's two commands: the Run command builds only what
it runs (`--target tokend tokenctl`, and runs nothing else from the build),
and the Test command equals the copy in .ci/run.

Usage: check_quickstart.py --repo=<source dir> --build=<build dir>
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

FAILURES = []

# What each block must print (regular expressions, searched in stdout).
EXPECT = {
    "python": [r"^token id [A-Za-z0-9_-]+ expires at \d+$", r"^backend says: hello alice$"],
    "k8s": [r"restartPolicy: Always", r"grpc:", r"unix:/run/tokend/tokend\.sock"],
    "jwks": [r"^verified: alice issuer tokend-dev kid \S+$"],
}


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        FAILURES.append(what)
    return condition


def quickstart_blocks(readme):
    with open(readme) as f:
        text = f.read()
    m = re.search(r"^## Quickstart\n(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        return {}, {}
    section = m.group(1)
    shell, files = {}, {}
    for info, body in re.findall(r"^```([^\n]*)\n(.*?)^```$", section, re.S | re.M):
        words = info.split()
        if len(words) == 2 and words[0] == "sh" and words[1].startswith("quickstart-"):
            shell[words[1][len("quickstart-"):]] = body
        elif len(words) == 2 and words[1].startswith("file="):
            files[words[1][len("file="):]] = body
    return shell, files


def two_commands(repo):
    """The Run and Test commands: the sh blocks of "## Two commands"."""
    with open(os.path.join(repo, "README.md")) as f:
        text = f.read()
    m = re.search(r"^## Two commands.*?\n(.*?)(?=^## )", text, re.S | re.M)
    blocks = re.findall(r"^```sh\n(.*?)^```$", m.group(1), re.S | re.M) if m else []
    return [b.strip() for b in blocks]


def check_two_commands(repo):
    blocks = two_commands(repo)
    if not check(len(blocks) == 2, "the README has the Run and Test commands (%d)" % len(blocks)):
        return
    run, test = blocks
    builds = re.findall(r"cmake --build build\b([^&]*)", run)
    targets = re.findall(r"--target((?:\s+[\w-]+)+)", builds[0])[0].split() if (
        builds and "--target" in builds[0]) else []
    check(len(builds) == 1 and sorted(targets) == ["tokenctl", "tokend"],
          "the Run command builds only --target tokend tokenctl (%s)" % builds)
    ran = set(re.findall(r"\./build/\S*/([\w-]+)", run))
    check(ran and ran <= set(targets),
          "the Run command runs only what it built (%s)" % sorted(ran))
    with open(os.path.join(repo, ".ci/run")) as f:
        ci = re.search(r"# --- README test command.*?\n(.*?)\n# --- end ---", f.read(), re.S)
    check(ci and ci.group(1).strip() == test,
          "the README's Test command equals .ci/run's copy")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_root(repo, build, tmp):
    root = os.path.join(tmp, "repo")
    os.makedirs(root)
    for name in os.listdir(repo):
        if name.startswith("build") or name in (".tokend", ".git", ".venv", "client_stubs"):
            continue
        os.symlink(os.path.join(repo, name), os.path.join(root, name))
    os.makedirs(os.path.join(root, "client_stubs"))
    for name in os.listdir(os.path.join(repo, "client_stubs")):
        src = os.path.join(repo, "client_stubs", name)
        if name == "python":
            shutil.copytree(src, os.path.join(root, "client_stubs", name),
                            ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
        else:
            os.symlink(src, os.path.join(root, "client_stubs", name))
    os.symlink(build, os.path.join(root, "build"))
    return root


def foreign_python(tmp):
    """A bin/ folder whose python3 is not Debian's and has no grpc: the
    user's own (pyenv's, conda's: the python3 first on the PATH, else
    pyenv's shims) when there is one, else a venv without the system's
    site-packages (no grpc, no jwt), like theirs."""
    candidates = []
    first = shutil.which("python3")
    if first and os.path.dirname(os.path.realpath(first)) != "/usr/bin":
        candidates.append(os.path.dirname(first))
    pyenv = os.path.join(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv")),
                         "shims")
    if os.path.exists(os.path.join(pyenv, "python3")):
        candidates.append(pyenv)
    for folder in candidates:
        python = os.path.join(folder, "python3")
        r = subprocess.run([python, "-c", "import grpc"], capture_output=True)
        if r.returncode != 0 and b"No module named" in r.stderr:
            print("the foreign python3: %s" % python)
            return folder
    venv = os.path.join(tmp, "foreign-python")
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", venv], check=True)
    r = subprocess.run([os.path.join(venv, "bin/python3"), "-c", "import grpc"],
                       capture_output=True)
    assert r.returncode != 0, "the foreign python3 must not see Debian's grpc"
    print("the foreign python3: a venv without site-packages")
    return os.path.join(venv, "bin")


def check_clear_message(root, env):
    """The example run with the foreign python3 says what to do instead of
    a bare ModuleNotFoundError."""
    r = subprocess.run(["python3", "deploy/examples/python_service.py"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 1 and "No module named" in r.stderr
          and ".venv/bin/python deploy/examples/python_service.py" in r.stderr
          and "Traceback" not in r.stderr,
          "python_service.py under a python3 without grpc explains what to run (%s)"
          % r.stderr.strip()[-400:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    repo, build = os.path.abspath(args.repo), os.path.abspath(args.build)
    check_two_commands(repo)
    shell, files = quickstart_blocks(os.path.join(repo, "README.md"))
    check(sorted(shell) == ["jwks", "k8s", "python", "tokend"],
          "the Quickstart has the blocks tokend, python, k8s, jwks (%s)" % sorted(shell))
    for path, body in files.items():
        with open(os.path.join(repo, path)) as f:
            check(f.read() == body, "the README shows %s verbatim" % path)
    check("deploy/examples/python_service.py" in files,
          "the README shows the Python example")
    if "tokend" not in shell:
        return 1

    http = free_port()
    env = dict(os.environ)
    env.pop("TOKEND_STATE_DIR", None)
    env.pop("TOKEND_TARGET", None)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    tmp = tempfile.mkdtemp(prefix="tkd-quickstart-")
    tokend = None
    try:
        env["PATH"] = foreign_python(tmp) + ":" + env.get("PATH", "")
        root = scratch_root(repo, build, tmp)
        check_clear_message(root, env)
        start = shell["tokend"].strip().replace("127.0.0.1:9090", "127.0.0.1:%d" % http)
        log_path = os.path.join(tmp, "tokend.log")
        with open(log_path, "w") as log:
            tokend = subprocess.Popen(["bash", "-c", "exec " + start + " --listen=none"],
                                      cwd=root, env=env, stdout=log, stderr=log,
                                      start_new_session=True)
        deadline = time.time() + 30
        started = False
        while time.time() < deadline and tokend.poll() is None:
            with open(log_path) as f:
                if "tokend started" in f.read():
                    started = True
                    break
            time.sleep(0.05)
        with open(log_path) as f:
            log_text = f.read()
        if not check(started, "tokend starts as the Quickstart says: %s" % log_text[-400:]):
            return 1
        for name in ("python", "k8s", "jwks"):
            if name not in shell:
                continue
            script = shell[name].replace("127.0.0.1:9090", "127.0.0.1:%d" % http)
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=root,
                               env=env, capture_output=True, text=True, timeout=120)
            ok = check(r.returncode == 0, "quickstart-%s exits 0 (exit %d): %s"
                       % (name, r.returncode, r.stderr.strip()[-600:]))
            for pattern in EXPECT[name]:
                check(ok and re.search(pattern, r.stdout, re.M),
                      "quickstart-%s prints /%s/ (stdout: %s)"
                      % (name, pattern, r.stdout.strip()[-400:]))
            check(not re.search(r"eyJ[\w-]+\.[\w-]+\.", r.stdout + r.stderr),
                  "quickstart-%s prints no token" % name)
    finally:
        if tokend is not None and tokend.poll() is None:
            os.killpg(tokend.pid, signal.SIGTERM)
            try:
                tokend.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(tokend.pid, signal.SIGKILL)
                tokend.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("the Quickstart works as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
