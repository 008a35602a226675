#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (build/fuzz: clang, ASan+UBSan,
# checksums skipped) and runs them; see docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS]      default 30; 0 = regression replay only
#
#   1. configure + build build/fuzz (CC=clang CXX=clang++, -DCKPT_FUZZ=ON)
#   2. regression: every target replays each file of
#      tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/ once
#   3. fresh run: every target fuzzes for SECONDS on a scratch copy of its
#      corpus and regressions (build/fuzz/run/<target>/corpus), with
#      -rss_limit_mb=2048 -timeout=10 and a per-target -max_len
#
# Exit status non-zero if the build fails or any target crashes, leaks,
# times out or runs out of memory; the crash input is left under
# build/fuzz/run/<target>/artifacts/ and its path printed.
#
# Environment:
#   CKPT_JOBS         build parallelism (default: number of CPUs)
#   FUZZ_TARGETS      space-separated subset of the targets (default: all)
#   FUZZ_FORK         N > 0: fresh runs use libFuzzer's -fork=N (N worker
#                     processes; for long runs on many cores)
#   FUZZ_EXTRA_ARGS   extra libFuzzer flags for the fresh runs
#   FUZZ_KEEP_CORPUS  1: keep build/fuzz/run/<target>/corpus from the last
#                     run instead of starting again from the committed seeds
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SECONDS_PER_TARGET=${1:-30}
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi
JOBS=${CKPT_JOBS:-$(nproc)}
BUILD=build/fuzz
FUZZ_DIR=tests/fuzz
# fuzz_safetensors and fuzz_npz are ckpt::bridges' (configured with
# -DCKPT_BRIDGES=ON below: a missing nlohmann-json or zlib fails the
# configure instead of silently dropping them).
ALL_TARGETS="fuzz_table fuzz_bundle fuzz_entry fuzz_string_tensor fuzz_variant_tensor fuzz_object_graph fuzz_state_file fuzz_lz4 fuzz_safetensors fuzz_npz"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}
COMMON_FLAGS=(-rss_limit_mb=2048 -timeout=10)

# Largest input each target mutates to (the targets ignore > 1 MiB anyway).
max_len() {
  case "$1" in
    fuzz_bundle) echo 65536 ;;
    fuzz_table | fuzz_object_graph | fuzz_lz4 | fuzz_safetensors) echo 16384 ;;
    fuzz_npz) echo 65536 ;;
    fuzz_string_tensor | fuzz_variant_tensor | fuzz_state_file) echo 4096 ;;
    fuzz_entry) echo 1024 ;;
    *) echo 4096 ;;
  esac
}

# ---- 1. build ----
echo "fuzz.sh: building $BUILD (clang, -DCKPT_FUZZ=ON, -j$JOBS)"
if [[ -f "$BUILD/CMakeCache.txt" ]] &&
   ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$BUILD/CMakeCache.txt"; then
  echo "fuzz.sh: $BUILD was configured with another compiler; starting afresh"
  rm -rf "$BUILD"
fi
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCKPT_FUZZ=ON \
  -DCKPT_BRIDGES=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD.configure.log" 2>&1 || {
  cat "$BUILD.configure.log" >&2
  echo "fuzz.sh: configure failed" >&2
  exit 1
}
# shellcheck disable=SC2086
cmake --build "$BUILD" --parallel "$JOBS" --target $TARGETS

failed=()
declare -A RESULT=()

# files_of DIR...: the input files (not .gitkeep) under the directories.
files_of() {
  local d
  for d in "$@"; do
    [[ -d "$d" ]] && find "$d" -type f ! -name .gitkeep
  done | sort
}

# ---- 2. regression replay ----
for t in $TARGETS; do
  bin="$BUILD/tests/fuzz/$t"
  mapfile -t inputs < <(files_of "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/regressions/$t")
  if ((${#inputs[@]} == 0)); then
    echo "fuzz.sh: $t: no corpus files (tests/fuzz/corpus/$t)" >&2
    failed+=("$t(no corpus)")
    continue
  fi
  log="$BUILD/run/$t.regression.log"
  mkdir -p "$BUILD/run"
  # Files given explicitly are each run once, without fuzzing.
  if "$bin" "${COMMON_FLAGS[@]}" "${inputs[@]}" >"$log" 2>&1; then
    echo "fuzz.sh: $t: regression OK (${#inputs[@]} inputs)"
    RESULT[$t]="regression ${#inputs[@]} ok"
  else
    echo "fuzz.sh: $t: REGRESSION FAILED; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    crashed=$(grep -o 'Running: .*' "$log" | tail -n 1 | sed 's/^Running: //')
    [[ -n "$crashed" ]] && echo "fuzz.sh: $t: failing input: $crashed" >&2
    failed+=("$t(regression)")
    RESULT[$t]="regression FAILED"
  fi
done

# ---- 3. fresh runs ----
if ((SECONDS_PER_TARGET > 0)); then
  for t in $TARGETS; do
    bin="$BUILD/tests/fuzz/$t"
    run="$BUILD/run/$t"
    if [[ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]]; then rm -rf "$run/corpus"; fi
    rm -rf "$run/artifacts"
    mkdir -p "$run/corpus" "$run/artifacts"
    while IFS= read -r f; do
      cp -f "$f" "$run/corpus/"
    done < <(files_of "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/regressions/$t")
    log="$run/fuzz.log"
    args=("${COMMON_FLAGS[@]}" -max_total_time="$SECONDS_PER_TARGET"
          -max_len="$(max_len "$t")" -print_final_stats=1
          -artifact_prefix="$run/artifacts/")
    if [[ -n "${FUZZ_FORK:-}" && "${FUZZ_FORK}" != 0 ]]; then
      args+=(-fork="$FUZZ_FORK")
    fi
    # shellcheck disable=SC2206
    args+=(${FUZZ_EXTRA_ARGS:-})
    echo "fuzz.sh: $t: fuzzing ${SECONDS_PER_TARGET}s ($bin ${args[*]} $run/corpus)"
    t0=$SECONDS
    if "$bin" "${args[@]}" "$run/corpus" >"$log" 2>&1; then
      status=ok
    else
      status=FAILED
    fi
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    [[ -z "$done_line" ]] &&
      done_line=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1 || true)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$done_line")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$done_line")
    corp=$(sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")
    summary="${execs:-?} execs, ${speed:-?}/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, $((SECONDS - t0))s"
    if [[ $status == ok ]]; then
      echo "fuzz.sh: $t: OK: $summary"
      RESULT[$t]="${RESULT[$t]}; fresh: $summary"
    else
      echo "fuzz.sh: $t: FAILED after $((SECONDS - t0))s; last lines of $log:" >&2
      tail -n 60 "$log" >&2
      for a in "$run"/artifacts/*; do
        [[ -f "$a" ]] && echo "fuzz.sh: $t: crash input: $a" >&2
      done
      echo "fuzz.sh: reproduce: $bin <input>; keep it: copy it to" \
           "$FUZZ_DIR/regressions/$t/ with the fix (docs/fuzzing.md)" >&2
      failed+=("$t(fresh)")
      RESULT[$t]="${RESULT[$t]}; fresh: FAILED"
    fi
  done
fi

echo
echo "fuzz.sh: summary"
for t in $TARGETS; do
  printf '  %-20s %s\n' "$t" "${RESULT[$t]:-not run}"
done
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all targets passed"
