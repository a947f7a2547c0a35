#!/usr/bin/env bash
# Installs every Debian package tokend's build, tests and benchmarks need.
# Idempotent: when everything is present it changes nothing and does not
# touch the network; otherwise it runs `apt-get update` once and installs
# what is missing. Run as root (or with sudo) on Debian 12.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git ca-certificates
  # core
  libabsl-dev libssl-dev zlib1g-dev libsimdjson-dev
  # core against BoringSSL (CI builds the core twice)
  android-libboringssl-dev
  # server
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto
  libyaml-cpp-dev libsqlite3-dev libhiredis-dev prometheus-cpp-dev
  # tests, fuzzing and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  python3 python3-jwt python3-grpcio python3-protobuf redis-server redis-sentinel
  sqlite3
  # deploy checks
  python3-yaml
  # Go client stub (Debian's packaged modules, built offline)
  golang-go golang-google-grpc-dev golang-google-protobuf-dev
  protoc-gen-go protoc-gen-go-grpc
)
# Interop tests run the vendors' own npm packages; Debian's Node.js serves
# when the machine has none of its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The vendors' npm packages, pinned by tests/interop/package-lock.json.
install_npm_packages() {
  local dir
  dir="$(cd "$(dirname "$0")" && pwd)/tests/interop"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     ! cmp -s <(sed -n '/"packages"/,$p' "$dir/package-lock.json" | grep -c '"node_modules/') \
              <(grep -c '"node_modules/' "$dir/node_modules/.package-lock.json"); then
    echo "setup: npm ci in tests/interop"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # The Node client stub's gRPC packages, pinned by
  # client_stubs/node/package-lock.json.
  dir="$(cd "$(dirname "$0")" && pwd)/client_stubs/node"
  if [ -f "$dir/package-lock.json" ] &&
     { [ ! -f "$dir/node_modules/.package-lock.json" ] ||
       ! cmp -s <(sed -n '/"packages"/,$p' "$dir/package-lock.json" | grep -c '"node_modules/') \
                <(grep -c '"node_modules/' "$dir/node_modules/.package-lock.json"); }; then
    echo "setup: npm ci in client_stubs/node"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages present"
  install_npm_packages
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
install_npm_packages
echo "setup: done"
