#!/usr/bin/env bash
# THE main job: installs missing dependencies, builds ckpt (GCC, build/gcc,
# same options as scripts/test.sh), trains a small MLP with Adam (the
# train_mlp sample) for 400 steps with a checkpoint every 50 through a
# CheckpointManager (newest 3 kept), kills the training with SIGKILL at step
# 230 (the sample does it to itself, like a preempted job), resumes it from
# the newest checkpoint (step 200), checks that the finished run is
# bit-identical to an uninterrupted 400-step run, and inspects the final
# checkpoint with `ckpt tree`, `ckpt ls` and `ckpt verify`. Then the same
# story across MPI processes (scripts/distributed.sh): killed, resumed
# bit-identically, restored on other process counts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

"$ROOT/scripts/setup-deps.sh"

BUILD=build/gcc
OUT=build/main-out
JOBS=${CKPT_JOBS:-$(nproc)}

# Same configuration as the gcc build of scripts/test.sh, so both share
# build/gcc. Start over if it was configured with another compiler/generator.
CC_PATH=$(command -v gcc)
CXX_PATH=$(command -v g++)
if [[ -f $BUILD/CMakeCache.txt ]]; then
  old_cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' $BUILD/CMakeCache.txt)
  [[ "$old_cxx" == /* ]] || old_cxx=$(command -v "$old_cxx" || true)
  old_gen=$(sed -n 's/^CMAKE_GENERATOR:[A-Z]*=//p' $BUILD/CMakeCache.txt)
  if [[ "$old_gen" != Ninja || -z "$old_cxx" ||
        "$(readlink -f "$old_cxx")" != "$(readlink -f "$CXX_PATH")" ]]; then
    echo "== $BUILD was configured with '$old_gen' / '$old_cxx'; starting over"
    rm -rf "$BUILD"
  fi
fi
echo "== configure + build ($BUILD)"
t0=$SECONDS
CC=$CC_PATH CXX=$CXX_PATH cmake -S "$ROOT" -B $BUILD -G Ninja \
  -DCMAKE_C_COMPILER="$CC_PATH" -DCMAKE_CXX_COMPILER="$CXX_PATH" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKPT_WERROR=ON -DCKPT_SANITIZE=OFF
# train_distributed needs MPI (installed by setup-deps; optional elsewhere).
targets=(train_mlp ckpt_cli)
if grep -q 'target ckpt_mpi' $BUILD/build.ninja 2>/dev/null; then
  targets+=(train_distributed)
fi
cmake --build $BUILD -j "$JOBS" --target "${targets[@]}"
echo "== build took $((SECONDS - t0))s"

rm -rf "$OUT"
mkdir -p "$OUT"
TRAIN=$BUILD/samples/train_mlp
CKPT=$BUILD/tools/ckpt

echo
echo "== $TRAIN $OUT/run --steps 400 --save-every 50 --kill-at 230"
set +e
$TRAIN "$OUT/run" --steps 400 --save-every 50 --kill-at 230 > "$OUT/part1.log"
rc=$?
set -e
cat "$OUT/part1.log"
if [[ $rc -ne 137 ]]; then
  echo "main.sh: expected the training to die by SIGKILL (status 137), got $rc" >&2
  exit 1
fi
echo "(the training died by SIGKILL at step 230, exit status $rc)"
echo "== files left behind:"
ls "$OUT/run"

echo
echo "== $TRAIN $OUT/run --steps 400 --save-every 50 --resume"
$TRAIN "$OUT/run" --steps 400 --save-every 50 --resume | tee "$OUT/part2.log"

echo
echo "== $TRAIN $OUT/uninterrupted --steps 400 --save-every 50 (for comparison)"
$TRAIN "$OUT/uninterrupted" --steps 400 --save-every 50 > "$OUT/full.log"
tail -n 1 "$OUT/full.log"
resumed=$(sed -n 's/.*state crc32c //p' "$OUT/part2.log")
full=$(sed -n 's/.*state crc32c //p' "$OUT/full.log")
if [[ -z "$resumed" || "$resumed" != "$full" ]]; then
  echo "main.sh: resumed run (crc32c $resumed) differs from uninterrupted run ($full)" >&2
  exit 1
fi
echo "killed-and-resumed run == uninterrupted run, bit for bit (state crc32c $full)"

echo
echo "== files in $OUT/run"
ls -l "$OUT/run"

echo
echo "== $CKPT tree $OUT/run"
$CKPT tree "$OUT/run"

echo
echo "== $CKPT ls $OUT/run"
$CKPT ls "$OUT/run"

echo
echo "== $CKPT verify $OUT/run"
$CKPT verify "$OUT/run"

if [[ -x $BUILD/samples/train_distributed ]]; then
  echo
  echo "== the same across MPI processes: scripts/distributed.sh"
  CKPT_BUILD_DIR=$BUILD CKPT_OUT_DIR=build/distributed-out \
    "$ROOT/scripts/distributed.sh" --no-build
else
  echo
  echo "(MPI not found: the multi-process job, scripts/distributed.sh, is skipped)"
fi

echo
echo "main.sh: OK"
