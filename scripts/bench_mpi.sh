#!/usr/bin/env bash
# The multi-process benchmark: collective saves and restores on 1, 2 and 4
# MPI ranks against the plain-write limit measured in the same run
# (docs/performance.md, "Multi-process saves and restores"). Run by hand;
# not part of CI.
#
#   scripts/bench_mpi.sh [--ranks "1 2 4"] [--bytes 1G] [--runs 3]
#                        [--parts 8] [--out DIR] [--scratch DIR]
#                        [--build-dir DIR]
#
# Steps:
#   1. A Release build of ckpt_mpi_bench in build/release (or --build-dir;
#      tests and samples off, CKPT_MPI=ON: MPI must be installed, Debian:
#      libopenmpi-dev openmpi-bin). BENCH_JOBS=N passes -j N to the build.
#   2. For each rank count R: mpirun -n R ckpt_mpi_bench --bytes B --runs N
#      --dir SCRATCH, with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (as
#      scripts/bench.sh) and, under Open MPI, --bind-to none (every rank may
#      run on every core; Open MPI would otherwise bind 1 or 2 ranks to one
#      core each), --oversubscribe (more ranks than cores),
#      --allow-run-as-root and the environment of the ctest MPI tests (shared
#      memory between local ranks only, the local launcher). Writes
#      OUT/mpi-R.json (the --json document) and OUT/mpi-R.txt (the table).
#   3. OUT/mpi.md: one table of the figures of every rank count.
#
# Defaults: ranks "1 2 4", 1G, 3 runs, 8 embedding parts, OUT bench-out,
# scratch a fresh mktemp -d under /var/tmp (inside DIR with --scratch),
# removed at the end. The model is --bytes in all, whatever the rank count:
# the page cache holds about three copies of it (limit files, two
# checkpoints) and each rank its share plus the replicated tenth, twice
# (model and limit buffers), three times during the fresh restores.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { echo "bench_mpi: $*"; }
die() { echo "bench_mpi: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

ranks="1 2 4"
bytes=1G
runs=3
parts=8
out="$ROOT/bench-out"
scratch_parent=""
build_dir=build/release
while (($#)); do
  case "$1" in
    --ranks) ranks=${2:?--ranks needs a value}; shift ;;
    --ranks=*) ranks=${1#*=} ;;
    --bytes) bytes=${2:?--bytes needs a value}; shift ;;
    --bytes=*) bytes=${1#*=} ;;
    --runs) runs=${2:?--runs needs a value}; shift ;;
    --runs=*) runs=${1#*=} ;;
    --parts) parts=${2:?--parts needs a value}; shift ;;
    --parts=*) parts=${1#*=} ;;
    --out) out=${2:?--out needs a value}; shift ;;
    --out=*) out=${1#*=} ;;
    --scratch) scratch_parent=${2:?--scratch needs a value}; shift ;;
    --scratch=*) scratch_parent=${1#*=} ;;
    --build-dir) build_dir=${2:?--build-dir needs a value}; shift ;;
    --build-dir=*) build_dir=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

cd "$ROOT"

# ---- 1. build ----
jobs=()
[[ -n "${BENCH_JOBS:-}" ]] && jobs=(-j "$BENCH_JOBS")
log "building ckpt_mpi_bench ($build_dir)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCKPT_BUILD_TESTS=OFF -DCKPT_BUILD_SAMPLES=OFF -DCKPT_MPI=ON >/dev/null
cmake --build "$build_dir" --target ckpt_mpi_bench "${jobs[@]}"
bench=$build_dir/tools/ckpt_mpi_bench

# ---- 2. runs ----
mpirun=$(command -v mpirun || command -v mpiexec) || die "no mpirun on PATH"
mpi_flags=()
if "$mpirun" --version 2>&1 | grep -q "Open MPI\|OpenRTE"; then
  mpi_flags=(--bind-to none --oversubscribe --allow-run-as-root)
  # As ckpt_mpi_test_env in tests/CMakeLists.txt.
  export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1 OMPI_MCA_osc=^ucx \
    OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm=isolated \
    OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 \
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ -n "$scratch_parent" ]]; then
  mkdir -p "$scratch_parent"
  scratch=$(mktemp -d "$scratch_parent/ckpt-bench-mpi.XXXXXX")
else
  scratch=$(mktemp -d /var/tmp/ckpt-bench-mpi.XXXXXX)
fi
trap 'rm -rf -- "$scratch"' EXIT
log "output in $out, scratch in $scratch"
export GLIBC_TUNABLES=glibc.malloc.hugetlb=1

results=()
for r in $ranks; do
  log "ranks $r: $(uptime)"
  rm -f "$out/mpi-$r.json" "$out/mpi-$r.txt"
  "$mpirun" -n "$r" "${mpi_flags[@]}" "$bench" --bytes "$bytes" \
    --runs "$runs" --parts "$parts" --dir "$scratch" \
    --out "$out/mpi-$r.json" | tee "$out/mpi-$r.txt"
  results+=("$out/mpi-$r.json")
done

# ---- 3. summary ----
python3 - "$out/mpi.md" "${results[@]}" <<'EOF'
import json
import sys

docs = [json.load(open(p)) for p in sys.argv[2:]]
ops = ["write_fsync", "write_fsync_wb", "save", "write", "save_nosync",
       "read_reused", "read_crc", "restore_existing", "read_fresh",
       "restore_fresh"]
ratios = [("save / write_fsync", "save_vs_write_fsync"),
          ("save / write_fsync_wb", "save_vs_write_fsync_wb"),
          ("save_nosync / write", "save_nosync_vs_write"),
          ("restore_existing / read_reused", "restore_existing_vs_read_reused"),
          ("restore_existing / read_crc", "restore_existing_vs_read_crc"),
          ("restore_fresh / read_fresh", "restore_fresh_vs_read_fresh")]
head = ["ranks"] + [f"{o} s" for o in ops] + [n for n, _ in ratios] + [
    "merge % of save", "peak RSS save MiB", "peak RSS restore MiB"]
rows = []
for d in docs:
    sec = {r["op"]: r["seconds"] for r in d["results"]}
    q = d["ratios"]
    rows.append([str(d["config"]["ranks"])] +
                [f"{sec[o]:.3f}" for o in ops] +
                [f"{q[k]:.2f}" for _, k in ratios] + [
        f"{100 * q['merge_share_of_save']:.2f}",
        f"{q['worst_save_rss_delta_bytes'] / 2**20:.1f}",
        f"{q['worst_restore_rss_delta_bytes'] / 2**20:.1f}"])
lines = []
if docs:
    h = docs[0]["host"]
    c = docs[0]["config"]
    lines.append(
        f"{h['cpus']} CPUs, {h['mem_bytes'] / 2**30:.1f} GiB, {h['kernel']}; "
        f"{c['bytes'] / 2**20:.0f} MiB: embedding float32 "
        f"[{c['emb_rows']}, {c['emb_cols']}] in {c['emb_parts']} parts, "
        f"{c['dense_tensors']} replicated float32 [1024, 1024]; "
        f"{c['runs']} runs, medians")
    lines.append("")
lines.append("| " + " | ".join(head) + " |")
lines.append("|" + "---|" * len(head))
for row in rows:
    lines.append("| " + " | ".join(row) + " |")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
log "summary: $out/mpi.md"
