// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0

#include "perf_report.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "perf_workloads.h"

namespace ckpt_perf {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

HostInfo GetHostInfo(std::string notes) {
  HostInfo host;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) host.cpus = CPU_COUNT(&set);
  if (host.cpus <= 0) {
    host.cpus = static_cast<int>(std::thread::hardware_concurrency());
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) {
    host.mem_bytes = static_cast<int64_t>(pages) * page_size;
  }
  struct utsname u;
  if (uname(&u) == 0) {
    host.kernel = absl::StrCat(u.sysname, " ", u.release, " ", u.machine);
  }
  host.notes = std::move(notes);
  return host;
}

std::string ResultsJson(const HostInfo& host,
                        const std::vector<Result>& results) {
  std::string out = absl::StrCat(
      "{\"producer\": \"ckpt_perf\",\n \"host\": {\"cpus\": ", host.cpus,
      ", \"mem_bytes\": ", host.mem_bytes,
      ", \"kernel\": ", JsonString(host.kernel),
      ", \"notes\": ", JsonString(host.notes), "},\n \"results\": [");
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    absl::StrAppend(
        &out, i > 0 ? ",\n" : "\n",
        "   {\"workload\": ", JsonString(r.workload),
        ", \"system\": ", JsonString(r.system), ", \"op\": ", JsonString(r.op),
        ", \"bytes\": ", r.bytes, ", \"tensors\": ", r.tensors,
        ", \"seconds\": ", r.seconds ? JsonNumber(*r.seconds) : "null",
        ", \"runs\": [");
    for (size_t k = 0; k < r.runs.size(); ++k) {
      absl::StrAppend(&out, k > 0 ? ", " : "", JsonNumber(r.runs[k]));
    }
    absl::StrAppend(&out, "], \"peak_rss_delta_bytes\": ",
                    r.peak_rss_delta_bytes
                        ? absl::StrCat(*r.peak_rss_delta_bytes)
                        : std::string("null"));
    if (!r.skipped.empty()) {
      absl::StrAppend(&out, ", \"skipped\": ", JsonString(r.skipped));
    }
    out.append("}");
  }
  out.append("\n ]}\n");
  return out;
}

void PrintTableHeader() {
  std::printf("%-11s %-6s %-19s %12s %9s %12s\n", "workload", "system", "op",
              "median s", "GiB/s", "peak RSS MiB");
  std::fflush(stdout);
}

void PrintTableRow(const Result& r) {
  if (!r.seconds) {
    std::printf("%-11s %-6s %-19s %12s (skipped: %s)\n", r.workload.c_str(),
                r.system.c_str(), r.op.c_str(), "-", r.skipped.c_str());
  } else {
    const double gib_s =
        *r.seconds > 0 ? static_cast<double>(r.bytes) / *r.seconds / (1 << 30)
                       : 0;
    std::string rss = "-";
    if (r.peak_rss_delta_bytes) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.1f",
                    static_cast<double>(*r.peak_rss_delta_bytes) / (1 << 20));
      rss = buf;
    }
    std::printf("%-11s %-6s %-19s %12.6f %9.3f %12s\n", r.workload.c_str(),
                r.system.c_str(), r.op.c_str(), *r.seconds, gib_s, rss.c_str());
  }
  std::fflush(stdout);
}

bool WriteWholeFile(const std::string& path, const std::string& contents,
                    std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    *error = absl::StrCat("cannot open ", path, ": ", std::strerror(errno));
    return false;
  }
  const bool wrote =
      std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    *error = absl::StrCat("cannot write ", path, ": ", std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace ckpt_perf
