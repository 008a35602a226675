// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Results of ckpt_perf: one record per (workload, system, op), the human
// table printed as the benchmark goes, and the results JSON of the benchmark
// data contract (docs/performance.md, "Data files").

#ifndef CKPT_TOOLS_BENCH_PERF_REPORT_H_
#define CKPT_TOOLS_BENCH_PERF_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt_perf {

struct Result {
  std::string workload;
  std::string system;  // "limit" or "ckpt"
  std::string op;
  int64_t bytes = 0;    // payload bytes
  int64_t tensors = 0;  // tensor count
  // Median of `runs`; unset when skipped.
  std::optional<double> seconds;
  std::vector<double> runs;
  // Max over runs of VmHWM after the op minus VmRSS before it; unset when
  // /proc/self/clear_refs cannot reset VmHWM.
  std::optional<int64_t> peak_rss_delta_bytes;
  std::string skipped;  // non-empty: why the op was not measured
};

// The median (mean of the two middle values for an even count); 0 if empty.
double Median(std::vector<double> v);

struct HostInfo {
  int cpus = 0;           // CPUs this process may run on
  int64_t mem_bytes = 0;  // physical memory
  std::string kernel;     // "Linux 6.1.0-18-amd64 x86_64"
  std::string notes;
};
HostInfo GetHostInfo(std::string notes);

// The results JSON document, producer "ckpt_perf".
std::string ResultsJson(const HostInfo& host,
                        const std::vector<Result>& results);

// The human table on stdout.
void PrintTableHeader();
void PrintTableRow(const Result& r);

// Writes `contents` to `path` (replacing it); false with `*error` set on
// failure.
bool WriteWholeFile(const std::string& path, const std::string& contents,
                    std::string* error);

}  // namespace ckpt_perf

#endif  // CKPT_TOOLS_BENCH_PERF_REPORT_H_
