#!/usr/bin/env bash
# Builds a Go module that uses the tokend client, in module mode, offline,
# against the Go modules Debian packages under /usr/share/gocode (./setup.sh
# installs golang-google-grpc-dev and golang-google-protobuf-dev).
#
#   client_stubs/go/build_offline.sh <module dir> <go build args...>
#   (TOKEND_GO_CMD=vet runs `go vet` the same way)
#   e.g. client_stubs/go/build_offline.sh client_stubs/go ./...
#        client_stubs/go/build_offline.sh tests/client_stubs/go -o /tmp/v ./verifier
#
# How: `go build -modfile=<temp copy of go.mod>` with GOFLAGS=-mod=mod and
# GOPROXY=off. The copy adds `replace` directives: every module Debian ships
# points at its /usr/share/gocode/src folder, and every other module the
# module graph names (grpc 1.33's go.mod predates graph pruning, so the graph
# includes envoy, glog, uuid, x/tools, ...) points at an empty stub module:
# none of their packages is compiled, Go only reads their go.mod. The stubs
# are found by asking Go: each round adds those it reports missing. The
# module's own go.mod and go.sum are left untouched; with a module proxy,
# `go build` in the module needs none of this.
set -euo pipefail
dir=$(cd "$1" && pwd)
shift
gocode=/usr/share/gocode/src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$dir/go.mod" "$work/go.mod"
# Relative replace targets in the module's go.mod stay relative to it.
sed -i -E "s#=> (\.\.?/[^ ]*)#=> $dir/\1#" "$work/go.mod"
{
  echo
  echo "// Debian's packaged modules (added by build_offline.sh)"
  for m in $(cd "$gocode" && find . -name go.mod -printf '%h\n' | sed 's#^\./##' | sort); do
    grep -q "^replace $m " "$work/go.mod" || echo "replace $m => $gocode/$m"
  done
} >> "$work/go.mod"
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GONOSUMCHECK=1 GOWORK=off
export GOCACHE=${GOCACHE:-$work/cache}
for round in $(seq 1 20); do
  if out=$(cd "$dir" && go "${TOKEND_GO_CMD:-build}" -modfile="$work/go.mod" "$@" 2>&1); then
    [ -n "$out" ] && echo "$out"
    exit 0
  fi
  missing=$(echo "$out" | grep -oE '[A-Za-z0-9._/~-]+@v[^: ]+: (module lookup disabled|reading)' |
            sed 's/@.*//' | sort -u || true)
  if [ -z "$missing" ]; then
    echo "$out" >&2
    exit 1
  fi
  for m in $missing; do
    mkdir -p "$work/stub/$m"
    echo "module $m" > "$work/stub/$m/go.mod"
    echo "replace $m => $work/stub/$m" >> "$work/go.mod"
  done
done
echo "build_offline.sh: still missing modules after 20 rounds" >&2
exit 1
