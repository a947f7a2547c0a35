#!/usr/bin/env bash
# Regenerates the client packages' generated code from proto/ with Debian's
# protoc and plugins (./setup.sh installs them):
#   client_stubs/python/tokend/v1/  *_pb2.py, *_pb2.pyi, {token,key}_service_pb2_grpc.py
#   client_stubs/go/tokendv1/       *.pb.go, *_grpc.pb.go
# They are committed because pip, `go get` and friends install packages as
# they are, without running protoc. `generate.sh --check` regenerates into a
# temp folder and fails when the committed files differ (ctest
# client_stubs_generated): run `client_stubs/generate.sh` after editing a
# .proto, and commit the result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto=$(cd "$here/../proto" && pwd)
go_module=$(sed -n 's/^module //p' "$here/go/go.mod")

generate() {  # <python out> <go out>
  local py=$1 go=$2 f
  rm -rf "$py" "$go" && mkdir -p "$py" "$go"
  local protos=()
  for f in "$proto"/tokend/v1/*.proto; do protos+=("tokend/v1/$(basename "$f")"); done
  protoc -I "$proto" -I /usr/include --python_out="$py" --pyi_out="$py" \
    --grpc_python_out="$py" --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
    "${protos[@]}"
  # Files without services get an empty *_pb2_grpc.py: drop them.
  for f in "$py"/tokend/v1/*_pb2_grpc.py; do
    grep -q "Stub(object)" "$f" || rm "$f"
  done
  local maps=()
  for f in "${protos[@]}"; do
    maps+=("--go_opt=M$f=$go_module/tokendv1" "--go-grpc_opt=M$f=$go_module/tokendv1")
  done
  protoc -I "$proto" -I /usr/include --go_out="$go" --go_opt=paths=source_relative \
    --go-grpc_out="$go" --go-grpc_opt=paths=source_relative "${maps[@]}" "${protos[@]}"
  mv "$go"/tokend/v1/*.go "$go"/ && rm -rf "$go/tokend"
}

if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp/python" "$tmp/go"
  rc=0
  diff -r "$tmp/python/tokend/v1" "$here/python/tokend/v1" -x __pycache__ -x __init__.py \
    >/dev/null || rc=1
  diff -r "$tmp/go" "$here/go/tokendv1" >/dev/null || rc=1
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: the committed generated code differs from proto/;" \
         "run client_stubs/generate.sh and commit the result" >&2
    diff -r "$tmp/python/tokend/v1" "$here/python/tokend/v1" -x __pycache__ \
      -x __init__.py -q >&2 || true
    diff -r "$tmp/go" "$here/go/tokendv1" -q >&2 || true
    exit 1
  fi
  echo "ok: client_stubs' generated code matches proto/"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
generate "$tmp/python" "$tmp/go"
rm -rf "$here/python/tokend/v1"/*_pb2* "$here/go/tokendv1"
mkdir -p "$here/python/tokend/v1"
cp "$tmp"/python/tokend/v1/* "$here/python/tokend/v1/"
cp -r "$tmp/go" "$here/go/tokendv1"
echo "generated client_stubs/python/tokend/v1 and client_stubs/go/tokendv1"
