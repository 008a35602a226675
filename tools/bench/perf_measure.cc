// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0

#include "perf_measure.h"

#include <malloc.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ckpt_perf {

[[noreturn]] void Fail(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "ckpt_perf: FAILED: %s\n", message.c_str());
  std::exit(1);
}

[[noreturn]] void FailErrno(const char* call, const std::string& path) {
  Fail(absl::StrCat(call, " ", path, ": ", std::strerror(errno)));
}

void Check(const absl::Status& s, const std::string& context) {
  if (!s.ok()) Fail(absl::StrCat(context, ": ", s.ToString()));
}

// ---- POSIX helpers ----------------------------------------------------------

int OpenOrDie(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) FailErrno("open", path);
  return fd;
}

void CloseOrDie(int fd, const std::string& path) {
  if (::close(fd) != 0) FailErrno("close", path);
}

void WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      FailErrno("write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void PreadAll(int fd, char* p, size_t n, off_t offset,
              const std::string& path) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, p, n, offset);
    if (r < 0) {
      if (errno == EINTR) continue;
      FailErrno("pread", path);
    }
    if (r == 0) Fail(absl::StrCat("pread ", path, ": unexpected end of file"));
    p += r;
    n -= static_cast<size_t>(r);
    offset += r;
  }
}

// ---- peak RSS
// -----------------------------------------------------------------

// Resets VmHWM to the current RSS; false where clear_refs is not writable.
bool ResetPeakRss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

// A "<field>:  N kB" line of /proc/self/status, in bytes; -1 if absent.
int64_t ProcStatusBytes(const char* field) {
  char buf[16384];
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t used = 0;
  ssize_t r;
  while (used + 1 < sizeof(buf) &&
         (r = ::read(fd, buf + used, sizeof(buf) - 1 - used)) > 0) {
    used += static_cast<size_t>(r);
  }
  ::close(fd);
  buf[used] = '\0';
  const size_t len = std::strlen(field);
  for (const char* line = buf; *line != '\0';) {
    if (std::strncmp(line, field, len) == 0 && line[len] == ':') {
      return std::strtoll(line + len + 1, nullptr, 10) * 1024;
    }
    const char* next = std::strchr(line, '\n');
    if (next == nullptr) break;
    line = next + 1;
  }
  return -1;
}

// ---- measuring --------------------------------------------------------------

namespace {

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Runs `op` once; records its time into `series` unless it is null
// (warm-up). Dirty pages of earlier ops are written out first (sync(2),
// untimed), so one op's writeback does not slow the next. Only then does
// `before` run (it removes the op's previous file), right before the clock
// starts: the page-cache pages it frees are reused by the op while they are
// still backed by the host. Freed the other way round, they sit idle for as
// long as the sync takes, and a VM that reports free pages to its host
// (this one does, after about 2 s) faults them back in at first touch,
// several times the cost of the write itself (docs/performance.md, Method).
void RunOnce(const Op& op, Series* series) {
  ::sync();
  if (op.before) op.before();
  Clock::time_point mark{};
  const Clock::time_point start = Clock::now();
  op.run(&mark);
  const Clock::time_point end = Clock::now();
  if (op.after) op.after();
  if (series == nullptr) return;
  series->runs.resize(op.names.size());
  if (op.names.size() == 2) series->runs[0].push_back(Seconds(mark - start));
  series->runs.back().push_back(Seconds(end - start));
}

// Runs `op` once, untimed, for its peak RSS. The heap's free pages are
// handed back first (malloc_trim), so memory the op allocates shows as
// growth even when an earlier op freed as much: otherwise a transient
// allocation reusing freed heap would not be seen at all.
void MeasureRss(const Op& op, Series* series) {
  if (op.before) op.before();
  ::malloc_trim(0);
  ResetPeakRss();
  const int64_t rss_before = ProcStatusBytes("VmRSS");
  Clock::time_point mark{};
  op.run(&mark);
  const int64_t peak = ProcStatusBytes("VmHWM");
  if (op.after) op.after();
  // VmHWM is never below VmRSS; a small negative difference is the
  // kernel's lazily synced per-thread RSS counters, read as 0.
  series->peak_rss_delta = std::max<int64_t>(0, peak - rss_before);
}

}  // namespace

std::vector<Series> Measure(const std::string& workload,
                            const std::vector<Op>& ops, int runs,
                            bool track_rss) {
  for (const Op& op : ops) {
    if (op.skipped.empty()) RunOnce(op, nullptr);
  }
  std::vector<Series> series(ops.size());
  for (int r = 0; r < runs; ++r) {
    std::fprintf(stderr, "# %s: run %d/%d\n", workload.c_str(), r + 1, runs);
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].skipped.empty()) RunOnce(ops[i], &series[i]);
    }
  }
  if (track_rss) {
    std::fprintf(stderr, "# %s: peak RSS run\n", workload.c_str());
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].skipped.empty()) MeasureRss(ops[i], &series[i]);
    }
  }
  return series;
}

Result MakeResult(const Workload& w, const std::string& system,
                  const std::string& op) {
  Result r;
  r.workload = w.name;
  r.system = system;
  r.op = op;
  r.bytes = w.TotalBytes();
  r.tensors = w.num_tensors();
  return r;
}

// Appends (and prints) one record per op name.
void Collect(const Workload& w, const std::vector<Op>& ops,
             const std::vector<Series>& series, std::vector<Result>* results) {
  for (size_t i = 0; i < ops.size(); ++i) {
    for (size_t k = 0; k < ops[i].names.size(); ++k) {
      Result r = MakeResult(w, ops[i].system, ops[i].names[k]);
      if (!ops[i].skipped.empty()) {
        r.skipped = ops[i].skipped;
      } else {
        r.runs = series[i].runs[k];
        r.seconds = Median(r.runs);
        r.peak_rss_delta_bytes = series[i].peak_rss_delta;
      }
      PrintTableRow(r);
      results->push_back(std::move(r));
    }
  }
}

Op TimedOp(std::string system, std::string name,
           std::function<void(Clock::time_point*)> run) {
  Op op;
  op.system = std::move(system);
  op.names = {std::move(name)};
  op.run = std::move(run);
  return op;
}

}  // namespace ckpt_perf
