#!/usr/bin/env bash
# THE test command: installs missing dependencies, then builds ckpt and runs
#   gcc   GCC, RelWithDebInfo, -Werror: every test            (build/gcc)
#   asan  clang, Debug, -Werror, AddressSanitizer + UBSan:
#         every test                                           (build/asan)
#   tsan  clang, RelWithDebInfo, ThreadSanitizer: the tests of the
#         concurrent paths (readers during rotation, thread-safe Envs,
#         the table block cache, the kill -9 loop, asynchronous saves,
#         parallel shard writes and restores, the restore's index
#         scan and read helper, mmap reads and mapped restores,
#         caller-owned memory; the libtorch and Eigen adapters, which
#         have no threads of their own, are not built here) (build/tsan)
# The gcc and asan builds include the optional components (ckpt::mpi,
# ckpt::eigen, ckpt::torch, ckpt::bridges), whose packages setup-deps.sh
# installs; the gcc build also the Python module and its pytest suite
# (python/*: the module, the bridges against numpy and an independent
# safetensors parser, `pip install` into a fresh venv), which sanitizer
# builds leave out (an instrumented extension needs its runtime preloaded).
#   fuzz  clang + libFuzzer (checksums skipped): every fuzz target over its
#         corpus and regressions, then a short fresh run each  (build/fuzz)
# Existing build directories are reused (incremental builds). Every build
# runs even if an earlier one fails; the exit status is non-zero if anything
# failed.
#
# Environment: CKPT_JOBS (parallel jobs, default: number of CPUs),
#              CKPT_BUILDS (default "gcc asan tsan fuzz"; e.g. "gcc" for one),
#              CKPT_FUZZ_SECONDS (fresh run per fuzz target, default 30).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

"$ROOT/scripts/setup-deps.sh"

JOBS=${CKPT_JOBS:-$(nproc)}
BUILDS=${CKPT_BUILDS:-gcc asan tsan fuzz}
CTEST_FILTER=()  # extra ctest arguments of the current build
declare -A SUMMARY=()
failed=0

# configure BUILD_DIR C_COMPILER CXX_COMPILER [cmake args...]
# Starts from scratch if the directory was configured with another compiler
# or generator; otherwise re-runs CMake in place (cheap, keeps objects).
configure() {
  local dir=$1 cc cxx
  cc=$(command -v "$2") || { echo "test.sh: C compiler '$2' not found" >&2; return 1; }
  cxx=$(command -v "$3") || { echo "test.sh: C++ compiler '$3' not found" >&2; return 1; }
  shift 3
  local cache="$dir/CMakeCache.txt"
  if [[ -f "$cache" ]]; then
    local old_cxx old_gen
    old_cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$cache")
    [[ "$old_cxx" == /* ]] || old_cxx=$(command -v "$old_cxx" || true)
    old_gen=$(sed -n 's/^CMAKE_GENERATOR:[A-Z]*=//p' "$cache")
    if [[ "$old_gen" != Ninja || -z "$old_cxx" ||
          "$(readlink -f "$old_cxx")" != "$(readlink -f "$cxx")" ]]; then
      echo "== $dir was configured with '$old_gen' / '$old_cxx'; starting over"
      rm -rf "$dir"
    fi
  fi
  CC=$cc CXX=$cxx cmake -S "$ROOT" -B "$dir" -G Ninja \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" "$@"
}

# run_build NAME BUILD_DIR C_COMPILER CXX_COMPILER [cmake args...]
# Never exits the script; records the outcome in SUMMARY[NAME].
run_build() {
  local name=$1 dir=$2 cc=$3 cxx=$4
  shift 4
  local t0 t1 t2
  echo
  echo "==================== $name: configure + build ($dir) ===================="
  t0=$SECONDS
  if ! configure "$dir" "$cc" "$cxx" "$@"; then
    SUMMARY[$name]="FAIL (configure)"
    return 1
  fi
  if ! cmake --build "$dir" -j "$JOBS"; then
    SUMMARY[$name]="FAIL (build after $((SECONDS - t0))s)"
    return 1
  fi
  t1=$SECONDS
  echo "== $name: build took $((t1 - t0))s"
  echo
  echo "==================== $name: ctest ===================="
  local log="$dir/ctest-summary.log"
  if ctest --test-dir "$dir" --output-on-failure --no-tests=error \
       -j 2 --timeout 900 "${CTEST_FILTER[@]}" 2>&1 | tee "$log"; then
    t2=$SECONDS
    SUMMARY[$name]="PASS ($(grep -Eo '[0-9]+% tests passed.*' "$log" | tail -1);"
    SUMMARY[$name]+=" build $((t1 - t0))s, tests $((t2 - t1))s)"
    return 0
  fi
  t2=$SECONDS
  SUMMARY[$name]="FAIL ($(grep -Eo '[0-9]+% tests passed.*' "$log" | tail -1);"
  SUMMARY[$name]+=" build $((t1 - t0))s, tests $((t2 - t1))s)"
  return 1
}

for b in $BUILDS; do
  case $b in
    gcc)
      run_build gcc build/gcc gcc g++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKPT_WERROR=ON \
        -DCKPT_SANITIZE=OFF || failed=1
      ;;
    asan)
      # The MPI kill trials test crash consistency, not memory: the gcc
      # build runs them; under ASan they would only double CI time.
      CTEST_FILTER=(-E '^mpi_kill/')
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_build asan build/asan clang clang++ \
        -DCMAKE_BUILD_TYPE=Debug -DCKPT_WERROR=ON -DCKPT_SANITIZE=ON ||
        failed=1
      CTEST_FILTER=()
      ;;
    tsan)
      CTEST_FILTER=(-R '^(checksum_pool_test|checkpoint_manager_test|manager_crash_test|env_test|fault_env_test|table_test|async_saver_test|bundle_round_trip_test|bundle_writer_test|bundle_reader_test|read_many_test|mapped_bundle_test|restore_test|mapped_restore_test|external_restore_test|index_scan_test|read_batches_test|save_test|checkpoint_test|communicator_test|collective_save_test|collective_fault_test|manager_collective_test)/')
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
      run_build tsan build/tsan clang clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKPT_WERROR=ON -DCKPT_TSAN=ON \
        -DCKPT_BUILD_SAMPLES=OFF -DCKPT_TORCH=OFF -DCKPT_EIGEN=OFF ||
        failed=1
      CTEST_FILTER=()
      ;;
    fuzz)
      echo
      echo "==================== fuzz: build/fuzz ===================="
      t0=$SECONDS
      if CKPT_JOBS=$JOBS "$ROOT/scripts/fuzz.sh" "${CKPT_FUZZ_SECONDS:-30}"; then
        SUMMARY[fuzz]="PASS (corpus regression + ${CKPT_FUZZ_SECONDS:-30}s per target; $((SECONDS - t0))s)"
      else
        SUMMARY[fuzz]="FAIL (see above; $((SECONDS - t0))s)"
        failed=1
      fi
      ;;
    *)
      echo "test.sh: unknown build '$b' in CKPT_BUILDS (use gcc, asan, tsan, fuzz)" >&2
      exit 2
      ;;
  esac
done

echo
echo "==================== summary ===================="
for b in $BUILDS; do
  printf '%-5s %s\n' "$b:" "${SUMMARY[$b]:-not run}"
done
exit "$failed"
