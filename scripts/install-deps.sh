#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages bftsim builds and runs with, when any is
# missing (libhiredis-dev for the runner's RESP door; redis-tools for the
# runner tests' redis-cli and for redis-benchmark; redis-server as the speed
# reference). Runs apt-get directly as root, through sudo otherwise.
#   scripts/install-deps.sh           what demo.sh and test.sh need
#   scripts/install-deps.sh --bench   also the optional LevelDB that bench_storage
#                                     compares against (without it, bftsim rows only)
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config
  libsodium-dev libfmt-dev libyaml-cpp-dev libboost-program-options-dev
  libexpected-dev doctest-dev libisal-dev libbenchmark-dev libasio-dev
  libhiredis-dev redis-tools redis-server
  python3 python3-pandas python3-matplotlib
)
# Optional: used only by bench/ (bench_storage), never by the build or the tests.
optional_bench_packages=(libleveldb-dev)
if [ "${1:-}" = "--bench" ]; then
  packages+=("${optional_bench_packages[@]}")
elif [ $# -gt 0 ]; then
  echo "install-deps: unknown argument $1 (known: --bench)" >&2
  exit 2
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and not root, and no sudo" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
