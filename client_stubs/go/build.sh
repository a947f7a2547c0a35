#!/usr/bin/env bash
# Builds Go programs against the tokend client offline, with Debian's
# packaged modules (/usr/share/gocode) in GOPATH mode: no module proxy.
#   client_stubs/go/build.sh <out-dir> <package dir> <binary>
# Lays out <out-dir>/src/tokend.dev/{gen/tokendv1,client,main} (generated
# stubs, this directory, the program) and runs `go build`.
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
pkg=$(cd "$2" && pwd)
bin=$3
here=$(cd "$(dirname "$0")" && pwd)
proto=$(cd "$here/../../proto" && pwd)
gen="$out/src/tokend.dev/gen/tokendv1"
mkdir -p "$gen"
maps=()
for f in $(cd "$proto" && ls tokend/v1/*.proto); do
  maps+=("--go_opt=M$f=tokend.dev/gen/tokendv1" "--go-grpc_opt=M$f=tokend.dev/gen/tokendv1")
done
protoc -I "$proto" -I /usr/include --go_out="$gen" --go_opt=paths=source_relative \
  --go-grpc_out="$gen" --go-grpc_opt=paths=source_relative "${maps[@]}" \
  $(cd "$proto" && ls tokend/v1/*.proto)
# source_relative keeps tokend/v1/; flatten into the package directory.
mv "$gen"/tokend/v1/*.go "$gen"/ && rm -rf "$gen/tokend"
ln -sfn "$here" "$out/src/tokend.dev/client"
ln -sfn "$pkg" "$out/src/tokend.dev/main"
cd "$out/src/tokend.dev/main"
GO111MODULE=off GOPATH="$out:/usr/share/gocode" GOPROXY=off GOFLAGS= \
  GOCACHE="$out/cache" go build -o "$bin" .
