#!/usr/bin/env bash
# The multi-process job (docs/distributed.md): the train_distributed sample
# trains a model with data-parallel weights and an embedding table
# partitioned over MPI processes, checkpointing every 10 steps through a
# collective CheckpointManager.
#
#   scripts/distributed.sh [--no-build]
#
#   1. 60 steps on 2 processes, uninterrupted (for comparison);
#   2. the same job killed with SIGKILL at step 35 (rank 0 kills itself;
#      mpirun ends the others), then resumed on 2 processes from step 30: the
#      final state is bit-identical to the uninterrupted run's;
#   3. the newest checkpoint restored on 4 processes and on 1, each process
#      checking that what it holds is what the files store, bit for bit;
#      then training continued on 3 processes (another layout of the table);
#   4. `ckpt tree`, `ckpt ls` and `ckpt verify` of the result.
#
# Installs missing dependencies and builds build/gcc (as scripts/main.sh)
# unless --no-build. Runs mpirun as root when needed (CI).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${CKPT_BUILD_DIR:-build/gcc}
OUT=${CKPT_OUT_DIR:-build/distributed-out}

if [[ "${1:-}" != --no-build ]]; then
  "$ROOT/scripts/setup-deps.sh"
  if [[ ! -f $BUILD/CMakeCache.txt ]]; then
    cmake -S "$ROOT" -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCKPT_WERROR=ON -DCKPT_SANITIZE=OFF
  fi
  cmake --build $BUILD -j "${CKPT_JOBS:-$(nproc)}" --target train_distributed ckpt_cli
fi
TRAIN=$BUILD/samples/train_distributed
CKPT=$BUILD/tools/ckpt
[[ -x $TRAIN ]] || { echo "distributed.sh: $TRAIN not built (is MPI installed?)" >&2; exit 1; }

# Open MPI on one host without network or ssh (containers, CI).
export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1 OMPI_MCA_osc=^ucx \
  OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm=isolated \
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 \
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() {
  local n=$1
  shift
  echo "== mpirun -n $n $TRAIN $*"
  mpirun -n "$n" --oversubscribe --allow-run-as-root "$TRAIN" "$@"
}

rm -rf "$OUT"
mkdir -p "$OUT"

run 2 "$OUT/uninterrupted" --steps 60 | tee "$OUT/full.log"

set +e
run 2 "$OUT/run" --steps 60 --kill-at 35 > "$OUT/killed.log" 2>&1
rc=$?
set -e
grep -v '^$' "$OUT/killed.log" | grep -E "^(initialized|step)" || true
if [[ $rc -eq 0 ]]; then
  echo "distributed.sh: the job was to die at step 35, but exited 0" >&2
  exit 1
fi
echo "(the job died at step 35: mpirun exit status $rc)"
echo "== files left behind:"
ls "$OUT/run"

run 2 "$OUT/run" --steps 60 | tee "$OUT/resumed.log"
full=$(sed -n 's/.*state crc32c //p' "$OUT/full.log")
resumed=$(sed -n 's/.*state crc32c //p' "$OUT/resumed.log")
if [[ -z "$full" || "$full" != "$resumed" ]]; then
  echo "distributed.sh: resumed run (crc32c $resumed) differs from the uninterrupted one ($full)" >&2
  exit 1
fi
echo "killed-and-resumed == uninterrupted, bit for bit (final state crc32c $full)"

run 4 "$OUT/run" --check-only
run 1 "$OUT/run" --check-only
run 3 "$OUT/run" --steps 80

echo "== $CKPT tree $OUT/run"
$CKPT tree "$OUT/run"
echo "== $CKPT ls $OUT/run"
$CKPT ls "$OUT/run"
echo "== $CKPT verify $OUT/run"
$CKPT verify "$OUT/run"
echo "distributed.sh: OK"
