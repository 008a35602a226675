// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The measuring loop of ckpt_perf: ops timed with a steady clock, one
// untimed warm-up of each, then runs that interleave all ops of a workload;
// peak RSS from /proc/self (VmHWM reset through clear_refs); and the small
// POSIX helpers the limit ops use. Every failure exits the program with a
// message naming what failed (the harness uses no exceptions).

#ifndef CKPT_TOOLS_BENCH_PERF_MEASURE_H_
#define CKPT_TOOLS_BENCH_PERF_MEASURE_H_

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "perf_report.h"
#include "perf_workloads.h"

namespace ckpt_perf {

using Clock = std::chrono::steady_clock;

// Print "ckpt_perf: FAILED: ..." and exit(1).
[[noreturn]] void Fail(const std::string& message);
[[noreturn]] void FailErrno(const char* call, const std::string& path);
void Check(const absl::Status& s, const std::string& context);

// open/close/write/pread that retry on EINTR and short counts, and fail the
// program on errors. OpenOrDie adds O_CLOEXEC (mode 0644 when creating).
int OpenOrDie(const std::string& path, int flags);
void CloseOrDie(int fd, const std::string& path);
void WriteAll(int fd, const char* p, size_t n, const std::string& path);
void PreadAll(int fd, char* p, size_t n, off_t offset, const std::string& path);

// Resets VmHWM to the current RSS ("5" to /proc/self/clear_refs); false
// where that file is not writable.
bool ResetPeakRss();
// A "<field>:  N kB" line of /proc/self/status ("VmRSS", "VmHWM"), in
// bytes; -1 if absent.
int64_t ProcStatusBytes(const char* field);

struct Op {
  std::string system;
  // What it reports: one name, or two for an async save (the first is timed
  // up to the mark the op sets, the second to its end).
  std::vector<std::string> names;
  std::function<void()> before;                 // untimed
  std::function<void(Clock::time_point*)> run;  // timed
  std::function<void()> after;                  // untimed: checks, frees
  std::string skipped;                          // non-empty: not run
};

struct Series {
  std::vector<std::vector<double>> runs;  // per name
  std::optional<int64_t> peak_rss_delta;
};

// An op reporting one name.
Op TimedOp(std::string system, std::string name,
           std::function<void(Clock::time_point*)> run);

// One untimed warm-up of every op that is not skipped, then `runs` runs,
// each timing every op once in order (before each, untimed: sync(2), then
// the op's `before`). With `track_rss`, one more untimed run gives each op
// its peak RSS delta: the heap trimmed first (malloc_trim), then VmHWM
// after minus VmRSS before (negative noise from the kernel's lazily synced
// counters reads as 0).
std::vector<Series> Measure(const std::string& workload,
                            const std::vector<Op>& ops, int runs,
                            bool track_rss);

// A record of workload `w` (bytes and tensor count filled in).
Result MakeResult(const Workload& w, const std::string& system,
                  const std::string& op);

// Appends one record per op name (medians of its runs, or skipped) to
// `results`, printing each as a table row.
void Collect(const Workload& w, const std::vector<Op>& ops,
             const std::vector<Series>& series, std::vector<Result>* results);

}  // namespace ckpt_perf

#endif  // CKPT_TOOLS_BENCH_PERF_MEASURE_H_
