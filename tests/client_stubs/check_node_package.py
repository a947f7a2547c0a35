#!/usr/bin/python3
"""Packs client_stubs/node with `npm pack` and installs the tarball into a
fresh project, as a user would, then uses it.

Checks: the tarball carries the protos (tokend/v1 and google/rpc), the
TypeScript types and the license, and nothing of the repository's tests or
tooling; `npm install <tarball>` works (dependencies from npm's cache, which
./setup.sh's npm ci filled, or the registry); require('tokend-client') loads
the packaged protos without warnings; a TypeScript consumer type-checks
against index.d.ts with --strict; and the receiving-side test
(run_verifier_test.py) passes with the installed package.

Usage: check_node_package.py --repo=DIR --tokend=BIN
"""

import argparse
import json
import os
import shutil
import sys
import tarfile
import tempfile

from package_check import require, run, verifier_test_passes

CONSUMER_TS = """\
import {TokenSource, TokenVerifier, wrapService, bearerToken, defaultTarget,
        SourceToken, Verified, grpc} from 'tokend-client';

const source = new TokenSource({tenant: 'app', subject: 'alice'});
const first: Promise<SourceToken> = source.waitForToken(1000);
const md: grpc.Metadata = new grpc.Metadata();
const token: string | null = bearerToken(md);
const verifier = new TokenVerifier({tenant: 'app', target: defaultTarget()});
const checked: Promise<Verified> = verifier.verify(token);
const definition: grpc.ServiceDefinition = {};
const impl = wrapService(verifier, definition, {});
void first; void checked; void impl;
source.close();
verifier.close();
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tokend", required=True)
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    tmp = tempfile.mkdtemp(prefix="tknode-")
    npm_flags = ["--no-audit", "--no-fund", "--loglevel=error"]
    try:
        # Pack a copy, so the checkout (which other tests read) never holds
        # the prepack's copies.
        pkg = os.path.join(tmp, "pkg")
        shutil.copytree(os.path.join(repo, "client_stubs/node"), pkg,
                        ignore=shutil.ignore_patterns("node_modules", "proto", "LICENSE", "*.tgz"))
        env = dict(os.environ, TOKEND_REPO_ROOT=repo)
        out = run(["npm", "pack", "--json", "--pack-destination", tmp] + npm_flags,
                  cwd=pkg, env=env)
        tgz = os.path.join(tmp, json.loads(out)[0]["filename"])
        with tarfile.open(tgz) as t:
            names = set(t.getnames())
        for f in ("index.js", "index.d.ts", "token_source.js", "verifier.js", "LICENSE",
                  "package.json", "proto/tokend/v1/token_service.proto",
                  "proto/tokend/v1/agora_grants.proto", "proto/google/rpc/status.proto"):
            require("package/" + f in names, "the tarball holds %s" % f)
        require(not any(n.startswith(("package/scripts", "package/node_modules",
                                      "package/tsconfig")) for n in names),
                "the tarball holds no scripts, node_modules or tsconfig")
        require(not os.path.exists(os.path.join(pkg, "proto")),
                "postpack removed the copied protos")

        consumer = os.path.join(tmp, "consumer")
        os.makedirs(consumer)
        with open(os.path.join(consumer, "package.json"), "w") as f:
            json.dump({"name": "consumer", "version": "1.0.0", "private": True}, f)
        run(["npm", "install", "--prefer-offline"] + npm_flags + [tgz], cwd=consumer)
        installed = os.path.join(consumer, "node_modules", "tokend-client")
        require(os.path.isfile(os.path.join(installed, "proto/tokend/v1/token_service.proto")),
                "npm install put the package and its protos in node_modules")
        probe = ("process.on('warning', (w) => { console.error('WARNING ' + w.message); "
                 "process.exit(3); });"
                 "const c = require('tokend-client');"
                 "const v1 = c.tokendPackage();"
                 "if (!v1.TokenService || !v1.KeyService) process.exit(4);"
                 "console.log(require.resolve('tokend-client'));")
        where = run(["node", "-e", probe], cwd=consumer,
                    env={k: v for k, v in os.environ.items()
                         if k not in ("NODE_PATH", "TOKEND_PROTO_DIR")})
        require(where.strip().startswith(installed),
                "require('tokend-client') loads the installed package and its protos "
                "without warnings (%s)" % where.strip())

        with open(os.path.join(consumer, "consumer.ts"), "w") as f:
            f.write(CONSUMER_TS)
        tsc = os.path.join(repo, "client_stubs/node/node_modules/.bin/tsc")
        run([tsc, "--noEmit", "--strict", "--target", "es2020", "--module", "commonjs",
             "--moduleResolution", "node", "consumer.ts"], cwd=consumer)
        require(True, "a TypeScript consumer type-checks against index.d.ts (--strict)")

        env = {k: v for k, v in os.environ.items() if k != "TOKEND_CLIENT_MODULE"}
        ok = verifier_test_passes(
            repo, args.tokend,
            ["node", os.path.join(repo, "tests/client_stubs/node_verifier_driver.js")],
            cwd=consumer, env=dict(env, NODE_PATH=os.path.join(consumer, "node_modules")))
        require(ok, "the installed package verifies calls against tokend")
        return 0
    except SystemExit as e:
        print(e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
