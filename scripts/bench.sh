#!/usr/bin/env bash
# The ckpt benchmark: ckpt against the machine's own limit and against
# torch.save, numpy .npz, h5py and libtorch, then a report.
#
#   scripts/bench.sh [--quick] [--only a,b] [--runs N] [--scale S]
#                    [--max-seconds S] [--out DIR] [--scratch DIR]
#                    [--no-install]
#
# Steps:
#   1. Dependencies (skipped with --no-install): scripts/setup-deps.sh with
#      the benchmark's own Debian packages added (python3-torch
#      python3-numpy python3-h5py python3-matplotlib libtorch-dev); it
#      installs what dpkg-query says is missing, as root or through sudo.
#   2. A Release build of ckpt_perf in build/release (tests and samples
#      off), and the separate libtorch peer project in build/libtorch-peer.
#      BENCH_JOBS=N passes -j N to the builds (default: the build tool's).
#   3. With GLIBC_TUNABLES=glibc.malloc.hugetlb=1: ckpt_perf (which writes
#      OUT/workloads.json and OUT/ckpt.json), tools/bench/peers.py
#      (OUT/peers.json) and libtorch_peer (OUT/libtorch.json). Files are
#      written under the scratch directory (default: a fresh mktemp -d under
#      /var/tmp; with --scratch DIR, a fresh directory inside DIR), removed
#      at the end.
#   4. tools/bench/report.py: OUT/report.md, OUT/report.json, OUT/plot.svg.
#
# --quick (smoke test): ckpt_perf divides byte sizes by 16 and tensor counts
# by 10, and the peers' per-op cap (--max-seconds) defaults to 30 s instead
# of 120 s. --only, --runs and --scale are passed to ckpt_perf (which writes
# the workloads the peers read); --only and --runs also to the peers.
#
# A peer that fails is reported and left out of the report (its partial
# results file, rewritten after every workload, is kept); the script then
# exits 1 after writing the report.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=/usr/bin/python3  # Debian's python3-torch/numpy/h5py live there
BENCH_PACKAGES=(python3-torch python3-numpy python3-h5py python3-matplotlib
                libtorch-dev)

log() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

install=1
quick=0
only=""
runs=""
scale=""
max_seconds=""
out="$ROOT/bench-out"
scratch_parent=""
while (($#)); do
  case "$1" in
    --no-install) install=0 ;;
    --quick) quick=1 ;;
    --only) only=${2:?--only needs a value}; shift ;;
    --only=*) only=${1#*=} ;;
    --runs) runs=${2:?--runs needs a value}; shift ;;
    --runs=*) runs=${1#*=} ;;
    --scale) scale=${2:?--scale needs a value}; shift ;;
    --scale=*) scale=${1#*=} ;;
    --max-seconds) max_seconds=${2:?--max-seconds needs a value}; shift ;;
    --max-seconds=*) max_seconds=${1#*=} ;;
    --out) out=${2:?--out needs a value}; shift ;;
    --out=*) out=${1#*=} ;;
    --scratch) scratch_parent=${2:?--scratch needs a value}; shift ;;
    --scratch=*) scratch_parent=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
if [[ -z "$max_seconds" ]]; then
  if ((quick)); then max_seconds=30; else max_seconds=120; fi
fi

cd "$ROOT"

# ---- 1. dependencies ----
if ((install)); then
  scripts/setup-deps.sh "${BENCH_PACKAGES[@]}"
fi

# ---- 2. builds ----
jobs=()
[[ -n "${BENCH_JOBS:-}" ]] && jobs=(-j "$BENCH_JOBS")
log "building ckpt_perf (build/release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCKPT_BUILD_TESTS=OFF -DCKPT_BUILD_SAMPLES=OFF >/dev/null
cmake --build build/release --target ckpt_perf "${jobs[@]}"
log "building libtorch_peer (build/libtorch-peer)"
cmake -S tools/bench/libtorch_peer -B build/libtorch-peer -G Ninja \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/libtorch-peer "${jobs[@]}"

# ---- 3. runs ----
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ -n "$scratch_parent" ]]; then
  mkdir -p "$scratch_parent"
  scratch=$(mktemp -d "$scratch_parent/ckpt-bench.XXXXXX")
else
  scratch=$(mktemp -d /var/tmp/ckpt-bench.XXXXXX)
fi
trap 'rm -rf -- "$scratch"' EXIT
log "output in $out, scratch in $scratch"
export GLIBC_TUNABLES=glibc.malloc.hugetlb=1

perf_args=()
peer_args=(--max-seconds "$max_seconds")
((quick)) && perf_args+=(--quick)
[[ -n "$only" ]] && perf_args+=(--only "$only") && peer_args+=(--only "$only")
[[ -n "$runs" ]] && perf_args+=(--runs "$runs") && peer_args+=(--runs "$runs")
[[ -n "$scale" ]] && perf_args+=(--scale "$scale")

rm -f "$out"/{workloads,ckpt,peers,libtorch}.json \
  "$out"/report.{md,json} "$out"/plot.svg
log "running ckpt_perf ${perf_args[*]}"
build/release/tools/ckpt_perf --dir "$scratch" --out "$out/ckpt.json" \
  --workloads-out "$out/workloads.json" "${perf_args[@]}"

failed=()
log "running peers.py ${peer_args[*]}"
"$PYTHON" tools/bench/peers.py --workloads "$out/workloads.json" \
  --dir "$scratch" --out "$out/peers.json" "${peer_args[@]}" ||
  failed+=(peers.py)
log "running libtorch_peer ${peer_args[*]}"
build/libtorch-peer/libtorch_peer --workloads "$out/workloads.json" \
  --dir "$scratch" --out "$out/libtorch.json" "${peer_args[@]}" ||
  failed+=(libtorch_peer)

# ---- 4. report ----
results=()
for f in ckpt peers libtorch; do
  [[ -s "$out/$f.json" ]] && results+=("$out/$f.json")
done
"$PYTHON" tools/bench/report.py --out-md "$out/report.md" \
  --out-json "$out/report.json" --plot "$out/plot.svg" "${results[@]}"
log "report:   $out/report.md"
log "combined: $out/report.json"
log "plot:     $out/plot.svg"
if ((${#failed[@]})); then
  die "failed: ${failed[*]} (left out of the report or partial)"
fi
