#!/usr/bin/env bash
# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
#
# Kill trials of collective saves (tests/mpi/mpi_kill_probe.cc):
#
#   kill_trials.sh WORKDIR FIRST_SEED TRIALS MPIRUN [MPIRUN ARGS...] -- PROBE
#
# Prepares WORKDIR/ckpt (ckpt-1 and the calibration), then runs TRIALS trials
# with seeds FIRST_SEED, FIRST_SEED + 1, ...: `MPIRUN... PROBE killsave` kills
# one rank at a moment drawn from the seed (the job exits nonzero, or 0 when
# a timer came after the save), then `MPIRUN... PROBE check` (a fresh job)
# must pass: the latest checkpoint is the previous one ("old") or the new one
# ("new"), complete, the previous one is kept and a new save commits. One line
# per trial; the first bad trial stops the run with its logs.

set -euo pipefail

if [[ $# -lt 6 ]]; then
  echo "usage: $0 WORKDIR FIRST_SEED TRIALS MPIRUN [ARGS...] -- PROBE" >&2
  exit 2
fi
work=$1
first_seed=$2
trials=$3
shift 3
mpirun=()
while [[ $# -gt 0 && $1 != -- ]]; do
  mpirun+=("$1")
  shift
done
if [[ $# -ne 2 ]]; then
  echo "$0: expected -- PROBE after the mpirun command" >&2
  exit 2
fi
probe=$2
dir=$work/ckpt

rm -rf "$work"
mkdir -p "$dir"

# The number N of the checkpoint the state file names (ckpt-N).
latest() {
  sed -n 's/^model_checkpoint_path: ".*ckpt-\([0-9]*\)"$/\1/p' "$dir/checkpoint"
}

fail() {
  echo "FAILED: $1" >&2
  shift
  for log in "$@"; do
    echo "---- $log" >&2
    cat "$log" >&2
  done
  echo "---- files in $dir" >&2
  ls -lR "$dir" >&2 || true
  exit 1
}

start=$SECONDS
if ! "${mpirun[@]}" "$probe" prepare "$dir" >"$work/prepare.log" 2>&1; then
  fail "prepare" "$work/prepare.log"
fi
grep -v '^rank [0-9]*: ok' "$work/prepare.log" || true

old=0 new=0 killed=0 survived=0 by_step=0 by_timer=0 after_save=0
for ((i = 0; i < trials; i++)); do
  seed=$((first_seed + i))
  prev=$(latest)
  [[ -n $prev ]] || fail "seed $seed: no checkpoint named before the trial"
  log=$work/killsave-$seed.log
  check_log=$work/check-$seed.log
  set +e
  "${mpirun[@]}" "$probe" killsave "$dir" "$seed" >"$log" 2>&1
  rc=$?
  set -e
  moment=$(sed -n 's/^.*mpi_kill_probe: rank \([0-9]*\) killed \(.*\)$/rank \1 killed \2/p' "$log" | head -n 1)
  if [[ -z $moment ]]; then
    moment=$(sed -n 's/^.*mpi_kill_probe: rank \([0-9]*\) not killed: \(.*\)$/rank \1 not killed: \2/p' "$log" | head -n 1)
  fi
  if [[ $rc -eq 0 ]]; then
    # Only a timer that came after the save lets the job end by itself.
    [[ $moment == *"not killed"* ]] ||
      fail "seed $seed: killsave exited 0 without a late timer" "$log"
    survived=$((survived + 1))
  else
    # Anything else than the kill (a failed save, restore or start) is bad.
    [[ $moment == *" killed "* ]] ||
      fail "seed $seed: killsave exited $rc without a kill" "$log"
    killed=$((killed + 1))
    case $moment in
      *"killed before step"*) by_step=$((by_step + 1)) ;;
      *"killed by the timer"*) by_timer=$((by_timer + 1)) ;;
      *) after_save=$((after_save + 1)) ;;
    esac
  fi
  if ! "${mpirun[@]}" "$probe" check "$dir" "$prev" >"$check_log" 2>&1; then
    fail "seed $seed: check after the kill" "$log" "$check_log"
  fi
  result=$(sed -n 's/^check: //p' "$check_log" | head -n 1)
  case $result in
    *"(old)"*) old=$((old + 1)) ;;
    *"(new)"*) new=$((new + 1)) ;;
    *) fail "seed $seed: no check line" "$log" "$check_log" ;;
  esac
  echo "seed $seed: prev ckpt-$prev, killsave exit $rc, $moment; $result"
  rm -f "$log" "$check_log"
done
echo "kill_trials: $trials trials in $((SECONDS - start)) s: $killed kills" \
  "($by_step before a step, $by_timer by a timer, $after_save after Save" \
  "returned), $survived timers later than the save; latest old $old, new $new"
