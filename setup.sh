#!/usr/bin/env bash
# Installs every Debian package tokend's build, tests and benchmarks need.
# Idempotent: when everything is present it changes nothing and does not
# touch the network; otherwise it runs `apt-get update` once and installs
# what is missing. Run as root (or with sudo) on Debian 12.
#   ./setup.sh               everything: build, tests, benchmarks, client stubs
#   ./setup.sh --build-only  only what building tokend and tokenctl needs
#                            (the container image's builder)
#   ./setup.sh [--build-only] --list   print the package list, install nothing
set -euo pipefail

build_only=0
list_only=0
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=1 ;;
    --list) list_only=1 ;;
    *) echo "setup: unknown argument $arg (--build-only, --list)" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # core
  libabsl-dev libssl-dev zlib1g-dev libsimdjson-dev
  # server
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libyaml-cpp-dev libsqlite3-dev libhiredis-dev prometheus-cpp-dev
  # the trusted issuers' JWKS fetcher (HTTPS with the system CAs)
  libcurl4-openssl-dev
  # grpc/health/v1/health.proto, compiled into tokend so that reflection
  # describes the health service
  grpc-proto
)
if [ "$build_only" -eq 0 ]; then
packages+=(
  git ca-certificates
  # core against BoringSSL (CI builds the core twice)
  android-libboringssl-dev
  # tests, fuzzing and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  python3 python3-jwt python3-cryptography python3-grpcio python3-protobuf redis-server redis-sentinel
  sqlite3
  # the Python client installed by pip into a venv (its test, the Quickstart)
  python3-venv python3-pip python3-setuptools python3-wheel
  # deploy checks
  python3-yaml
  # tokenctl's zsh and fish completion scripts are loaded in those shells
  zsh fish
  # Go client stub (Debian's packaged modules, built offline)
  golang-go golang-google-grpc-dev golang-google-protobuf-dev
  protoc-gen-go protoc-gen-go-grpc
)
# Interop tests run the vendors' own npm packages; Debian's Node.js serves
# when the machine has none of its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
fi

if [ "$list_only" -eq 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
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
  if [ "$build_only" -eq 0 ]; then install_npm_packages; fi
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
if [ "$build_only" -eq 0 ]; then install_npm_packages; fi
echo "setup: done"
