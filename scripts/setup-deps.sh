#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test ckpt, plus any
# packages named as arguments (scripts/bench.sh passes its own).
#
#   scripts/setup-deps.sh [EXTRA_PACKAGE...]
#
# Idempotent: every package is checked with dpkg-query first; when all are
# installed nothing else happens (no apt-get update, no network). Otherwise
# the missing ones are installed non-interactively with apt-get, as root or
# through sudo.
set -euo pipefail

PACKAGES=(
  # build tools
  cmake ninja-build g++ clang clang-14 libclang-rt-14-dev pkg-config
  # libraries
  libabsl-dev libprotobuf-dev protobuf-compiler liblz4-dev libboost1.81-dev
  catch2 libsnappy-dev
  # tests: dot_test feeds the output of `ckpt dot` to Graphviz (required in CI)
  graphviz
  # optional component ckpt::mpi (multi-process saves; its tests run under
  # mpirun in CI)
  libopenmpi-dev openmpi-bin
  # optional adapters ckpt::eigen and ckpt::torch (their tests run in CI)
  libeigen3-dev libtorch-dev
  # optional ckpt::bridges (ckpt export/import: safetensors, npz)
  nlohmann-json3-dev zlib1g-dev
  # the Python module ckpt: build, pip install from the tree, pytest (with
  # numpy, and torch for the TF-weights-into-PyTorch test)
  python3-dev pybind11-dev python3-numpy python3-pytest python3-torch
  python3-pip python3-setuptools python3-wheel python3-venv
)
PACKAGES+=("$@")

log() { echo "setup-deps: $*"; }
die() { echo "setup-deps: error: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 ||
  die "dpkg-query not found; this script supports Debian 12 (bookworm) only"

if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  os_id=$(. /etc/os-release && echo "${ID:-}:${VERSION_ID:-}")
  [[ "$os_id" == debian:12 ]] ||
    log "warning: expected Debian 12, found '${os_id}'; trying anyway"
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  log "all ${#PACKAGES[@]} packages already installed"
  exit 0
fi
log "missing: ${missing[*]}"

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # Without a terminal a password prompt would hang: fail instead.
  if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  die "need root to install packages: run as root or install sudo" \
      "(missing: ${missing[*]})"
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
  die "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"

still_missing=()
for pkg in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || still_missing+=("$pkg")
done
((${#still_missing[@]} == 0)) ||
  die "still not installed after apt-get: ${still_missing[*]}"
log "installed: ${missing[*]}"
