// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt_perf: the benchmark harness behind the performance report. For each
// workload of the benchmark data contract (docs/performance.md, "Data
// files") it times ckpt's object-graph save and restore against the
// machine's own limit: plain POSIX calls and CRC-32C over the same bytes, in
// the same process state. Not a unit test; run by hand or by the report
// scripts:
//
//   ckpt_perf --dir DIR --out results.json --workloads-out workloads.json
//             [--only a,b] [--ops x,y] [--runs N] [--scale S] [--quick]
//
// DIR is scratch space: everything is written under DIR/ckpt_perf.<pid>,
// which is removed at the end. workloads.json (the tensors the python and
// libtorch peers build) is written first, the results JSON at the end; a
// table of medians is printed to stdout as each workload finishes.
//
// The scripts run this program with GLIBC_TUNABLES=glibc.malloc.hugetlb=1
// (large allocations on transparent huge pages, as the peers get them).
// Nothing here depends on it; its value is recorded in host.notes.
//
// Method, for each "tensors" workload:
//   * The model is built once: float32 tensors of the workload's shapes,
//     filled from fixed-seed splitmix64 streams, held as ckpt::Variable
//     objects named "t0", "t1", ... under one Trackable that a
//     ckpt::Checkpoint tracks as "model". Every buffer (model, limit
//     destinations) is touched before any timing, so first-touch page faults
//     count only where allocating is part of the op (read_fresh,
//     restore_fresh).
//   * limit ops use open/write/pread/fdatasync/close and
//     ckpt::crc32c::Extend on the model's own bytes and one file in DIR.
//     write_fsync_wb is the device's own durable ceiling: the bytes with no
//     CRC, handed to the file in pieces of at most 8 MiB, writeback of each
//     full 8 MiB stretch started at once (Linux sync_file_range, WRITE
//     only), then fdatasync; that is the fastest a durable save of these
//     bytes can be on this device, whatever the library does.
//     ckpt ops are Checkpoint::Write (durable, sync=false, num_threads =
//     hardware threads), WriteAsync then Wait, Read into the live or into
//     fresh uninitialized variables (copying, and mapped: restore_mapped,
//     RestoreOptions::map_values), and BundleReader::Verify of every entry.
//   * Every op runs once untimed first (page cache, allocator and the async
//     staging buffers warm, as in a training loop). Then the runs interleave:
//     each run times every op once, each limit op next to its ckpt
//     counterpart, so both see the same page cache and heap. The figure
//     reported is the median over the runs.
//   * Before each timed op, sync(2) (untimed) writes out the dirty pages of
//     the ops before it, so no op pays for another's writeback; then the
//     op's untimed `before` removes its previous file, so the page cache it
//     frees is reused at once, before this VM hands it back to the host
//     (perf_measure.cc, RunOnce).
//   * Peak RSS comes from one more, untimed, run of every op: the heap's
//     free pages are handed back (malloc_trim), "5" written to
//     /proc/self/clear_refs resets VmHWM, and the delta is VmHWM after the
//     op minus VmRSS before it; null where clear_refs is not writable.
//     Without the trim an op that reuses heap freed by an earlier op would
//     show no growth however much it allocates.
//   * After the runs, fresh restores of the checkpoints are compared byte for
//     byte with the model (and the limit reads with the model's bytes); a
//     difference fails the program.
//
// graph_100k times the object-graph overhead alone: 1000 modules (Trackables
// with children "v0".."v99", float32[4] each) in a vector tracked as
// "layers"; ops save and restore_existing, and save_restore, the sum of
// their medians.
//
// --ops x,y keeps only the ops of those names in the "tensors" workloads
// (for profiling one op: perf record ckpt_perf --only count_100k --ops
// restore_fresh); graph_100k always runs both of its ops.
//
// --scale S multiplies the tensor byte sizes of mixed_1g and bytes_*.
// --quick, for smoke tests, divides those byte sizes by 16 and the tensor
// counts of small_*, count_* and graph_100k by 10.
//
// Checkpoint::WriteAsync/Wait are left out when built with
// -DCKPT_PERF_NO_ASYNC; their records are then marked skipped.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"
#include "ckpt/external_variable.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "perf_measure.h"
#include "perf_report.h"
#include "perf_workloads.h"

namespace ckpt_perf {
namespace {

// ---- data -------------------------------------------------------------------

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// 24 random bits to a float in [-1, 1).
float UnitFloat(uint64_t bits24) {
  return static_cast<float>(bits24) * (2.0f / 16777216.0f) - 1.0f;
}

void Fill(absl::Span<float> out, uint64_t seed) {
  uint64_t state = seed;
  size_t i = 0;
  for (; i + 2 <= out.size(); i += 2) {
    const uint64_t x = SplitMix64(&state);
    out[i] = UnitFloat(x >> 40);
    out[i + 1] = UnitFloat((x >> 8) & 0xffffff);
  }
  if (i < out.size()) out[i] = UnitFloat(SplitMix64(&state) >> 40);
}

// A zero-filled (so touched) float32 variable, then filled with the stream
// of `seed`.
void InitVariable(ckpt::Variable& v, const std::vector<int64_t>& dims,
                  uint64_t seed) {
  absl::StatusOr<ckpt::Tensor> t =
      ckpt::Tensor::Create(ckpt::DataType::kFloat, ckpt::TensorShape(dims));
  Check(t.status(), "Tensor::Create");
  Fill(t->mutable_flat<float>(), seed);
  v.mutable_value() = *std::move(t);
}

uint64_t Seed(size_t i) { return 0x5eedULL * 1000003ULL + i; }

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<char, FreeDeleter>;

// 64-byte aligned like ckpt's tensors; not touched.
Buffer Allocate(size_t n) {
  const size_t rounded = (std::max<size_t>(n, 1) + 63) / 64 * 64;
  char* p = static_cast<char*>(std::aligned_alloc(64, rounded));
  if (p == nullptr) Fail(absl::StrCat("out of memory (", rounded, " bytes)"));
  return Buffer(p);
}

// ---- models -----------------------------------------------------------------

// A "tensors" workload: children "t0", "t1", ..., as the peers name them.
class TensorModel : public ckpt::Trackable {
 public:
  // Uninitialized (dtype kInvalid) variables.
  explicit TensorModel(size_t n) : vars_(n) {
    names_.reserve(n);
    for (size_t i = 0; i < n; ++i) names_.push_back(absl::StrCat("t", i));
  }
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    for (size_t i = 0; i < vars_.size(); ++i) visit(names_[i], vars_[i]);
  }
  std::vector<ckpt::Variable>& vars() { return vars_; }

 private:
  std::vector<ckpt::Variable> vars_;
  std::vector<std::string> names_;
};

// The same children as a TensorModel, as ExternalVariables viewing its
// variables' memory (the caller-owned path of docs/guide.md, "Memory
// ownership").
class ExternalModel : public ckpt::Trackable {
 public:
  explicit ExternalModel(TensorModel& model) : vars_(model.vars().size()) {
    for (size_t i = 0; i < vars_.size(); ++i) {
      names_.push_back(absl::StrCat("t", i));
      ckpt::Tensor& t = model.vars()[i].mutable_value();
      const absl::Span<char> bytes = t.mutable_bytes();
      Check(vars_[i].BindWritable(t.dtype(), t.shape(), bytes.data(),
                                  bytes.size()),
            "ExternalVariable");
    }
  }
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    for (size_t i = 0; i < vars_.size(); ++i) visit(names_[i], vars_[i]);
  }

 private:
  std::vector<ckpt::ExternalVariable> vars_;
  std::vector<std::string> names_;
};

// One module of graph_100k: children "v0", "v1", ... (names shared).
class GraphModule : public ckpt::Trackable {
 public:
  explicit GraphModule(const std::vector<std::string>* names)
      : names_(names), vars_(names->size()) {}
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    for (size_t i = 0; i < vars_.size(); ++i) visit((*names_)[i], vars_[i]);
  }
  std::vector<ckpt::Variable>& vars() { return vars_; }

 private:
  const std::vector<std::string>* names_;
  std::vector<ckpt::Variable> vars_;
};

void ExpectSameValue(const std::string& what, const ckpt::Variable& want,
                     const ckpt::Variable& got) {
  const absl::string_view a = want.value().bytes();
  const absl::string_view b = got.value().bytes();
  if (want.dtype() != got.dtype() || want.shape() != got.shape() ||
      a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size()) != 0) {
    Fail(absl::StrCat(what, ": the restored value differs from the saved one (",
                      got.value().DebugString(), " vs ",
                      want.value().DebugString(), ")"));
  }
}

void CheckRestore(const ckpt::RestoreStatus& status, const std::string& what) {
  Check(status.ExpectPartial(), absl::StrCat(what, ": ExpectPartial"));
  Check(status.AssertConsumed(), absl::StrCat(what, ": AssertConsumed"));
}

// ---- workloads --------------------------------------------------------------

struct Config {
  std::string scratch;  // DIR/ckpt_perf.<pid>
  int runs = 3;
  bool track_rss = false;
  int save_threads = 1;  // save_sharded's num_threads
  std::vector<std::string> ops;  // empty: every op
};

// Keeps the ops that report one of `names` (all of them if it is empty).
void KeepOps(const std::vector<std::string>& names, std::vector<Op>* ops) {
  if (names.empty()) return;
  std::vector<Op> kept;
  for (Op& op : *ops) {
    const bool wanted = std::any_of(
        op.names.begin(), op.names.end(), [&](const std::string& name) {
          return std::find(names.begin(), names.end(), name) != names.end();
        });
    if (wanted) kept.push_back(std::move(op));
  }
  *ops = std::move(kept);
}

// Removes `prefix`.index and its data files (any shard count) from `dir`.
void RemoveBundleFiles(const std::string& dir, const std::string& prefix) {
  absl::StatusOr<std::vector<std::string>> names =
      ckpt::Env::Default()->GetChildren(dir);
  Check(names.status(), "list " + dir);
  const std::string base = ckpt::Basename(prefix);
  for (const std::string& name : *names) {
    if (name == base + ".index" || absl::StartsWith(name, base + ".data-")) {
      ::unlink(ckpt::JoinPath(dir, name).c_str());
    }
  }
}

// "restore_existing": `checkpoint`.Read(prefix) into its initialized
// variables, timed; the result is checked (AssertConsumed) untimed.
Op RestoreExistingOp(ckpt::Checkpoint& checkpoint, const std::string& prefix) {
  auto restored = std::make_shared<std::optional<ckpt::RestoreStatus>>();
  Op op = TimedOp("ckpt", "restore_existing",
                  [&checkpoint, prefix, restored](Clock::time_point*) {
                    absl::StatusOr<ckpt::RestoreStatus> s =
                        checkpoint.Read(prefix);
                    Check(s.status(), "restore_existing");
                    *restored = *std::move(s);
                  });
  op.after = [restored] {
    CheckRestore(**restored, "restore_existing");
    restored->reset();
  };
  return op;
}

// A fresh restore of `prefix` must equal `model`.
void ExpectRestoresModel(const std::string& what, const std::string& prefix,
                         TensorModel& model) {
  TensorModel fresh(model.vars().size());
  ckpt::Checkpoint checkpoint;
  Check(checkpoint.Track("model", fresh), "Track");
  absl::StatusOr<ckpt::RestoreStatus> status = checkpoint.Read(prefix);
  Check(status.status(), absl::StrCat(what, ": Read ", prefix));
  CheckRestore(*status, absl::StrCat(what, ": Read ", prefix));
  for (size_t i = 0; i < fresh.vars().size(); ++i) {
    ExpectSameValue(absl::StrCat(what, " t", i, " from ", prefix),
                    model.vars()[i], fresh.vars()[i]);
  }
}

void RunTensorsWorkload(const Workload& w, const Config& cfg,
                        std::vector<Result>* results) {
  ckpt::Env* env = ckpt::Env::Default();
  const size_t n = w.shapes.size();
  TensorModel model(n);
  for (size_t i = 0; i < n; ++i) {
    InitVariable(model.vars()[i], w.shapes[i], Seed(i));
  }
  ckpt::Checkpoint checkpoint;
  Check(checkpoint.Track("model", model), "Track");

  // The model's own bytes for the limit ops, and pre-touched destinations.
  std::vector<const char*> src(n);
  std::vector<size_t> len(n);
  std::vector<off_t> offset(n);
  std::vector<Buffer> dest;
  dest.reserve(n);
  off_t file_size = 0;
  for (size_t i = 0; i < n; ++i) {
    const absl::string_view bytes = model.vars()[i].value().bytes();
    src[i] = bytes.data();
    len[i] = bytes.size();
    offset[i] = file_size;
    file_size += static_cast<off_t>(len[i]);
    dest.push_back(Allocate(len[i]));
    std::memset(dest.back().get(), 1, len[i]);
  }

  const std::string limit_path = ckpt::JoinPath(cfg.scratch, "limit.bin");
  const std::string prefix = ckpt::JoinPath(cfg.scratch, "ckpt");
  const std::string sharded_prefix = ckpt::JoinPath(cfg.scratch, "sharded");
  volatile uint32_t crc_sink = 0;

  // Every write, the limit's and ckpt's, goes to a new file name: the
  // previous file is removed untimed, before the run (RemoveOld). That is
  // what a training job does (CheckpointManager numbers every checkpoint),
  // and it keeps ext4 out of the comparison: a rename that replaces an
  // existing file makes ext4 (auto_da_alloc) start writeback of the new
  // file at once, about a second per GiB here (docs/performance.md).
  const auto limit_write = [&](bool crc, bool sync) {
    const int fd = OpenOrDie(limit_path, O_WRONLY | O_CREAT | O_TRUNC);
    uint32_t c = 0;
    for (size_t i = 0; i < n; ++i) {
      if (crc) c ^= ckpt::crc32c::Extend(0, src[i], len[i]);
      WriteAll(fd, src[i], len[i], limit_path);
    }
    if (sync && ::fdatasync(fd) != 0) FailErrno("fdatasync", limit_path);
    CloseOrDie(fd, limit_path);
    crc_sink = crc_sink ^ c;
  };
  // The durable ceiling (see the header): no CRC, writeback started every
  // kWritebackBytes as the bytes go in, one fdatasync at the end.
  constexpr size_t kWritebackBytes = size_t{8} << 20;
  const auto limit_write_wb = [&] {
    const int fd = OpenOrDie(limit_path, O_WRONLY | O_CREAT | O_TRUNC);
    off_t written = 0;
    off_t hinted = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t done = 0;
      while (done < len[i]) {
        const size_t piece = std::min(kWritebackBytes, len[i] - done);
        WriteAll(fd, src[i] + done, piece, limit_path);
        done += piece;
        written += static_cast<off_t>(piece);
        if (written - hinted >= static_cast<off_t>(kWritebackBytes)) {
#ifdef __linux__
          // A hint: errors surface in the fdatasync below.
          (void)::sync_file_range(fd, hinted, written - hinted,
                                  SYNC_FILE_RANGE_WRITE);
#endif
          hinted = written;
        }
      }
    }
    if (::fdatasync(fd) != 0) FailErrno("fdatasync", limit_path);
    CloseOrDie(fd, limit_path);
  };
  std::vector<Buffer> fresh_buffers;
  const auto limit_read = [&](bool fresh, bool crc) {
    const int fd = OpenOrDie(limit_path, O_RDONLY);
    uint32_t c = 0;
    for (size_t i = 0; i < n; ++i) {
      char* p;
      if (fresh) {
        fresh_buffers.push_back(Allocate(len[i]));
        p = fresh_buffers.back().get();
      } else {
        p = dest[i].get();
      }
      PreadAll(fd, p, len[i], offset[i], limit_path);
      if (crc) c ^= ckpt::crc32c::Extend(0, p, len[i]);
    }
    CloseOrDie(fd, limit_path);
    crc_sink = crc_sink ^ c;
  };

  ckpt::SaveOptions nosync;
  nosync.bundle.sync = false;
  ckpt::SaveOptions sharded;
  sharded.num_threads = cfg.save_threads;
  std::optional<ckpt::RestoreStatus> restored;
  std::unique_ptr<TensorModel> fresh_model;
  std::unique_ptr<ckpt::Checkpoint> fresh_checkpoint;

  const auto remove_limit = [&] { ::unlink(limit_path.c_str()); };
  const auto remove_bundle = [&](const std::string& p) {
    return [&cfg, p] { RemoveBundleFiles(cfg.scratch, p); };
  };
  const auto untimed_before = [](Op op, std::function<void()> before) {
    op.before = std::move(before);
    return op;
  };

  std::vector<Op> ops;
  ops.push_back(TimedOp("limit", "memcpy", [&](Clock::time_point*) {
    for (size_t i = 0; i < n; ++i) std::memcpy(dest[i].get(), src[i], len[i]);
  }));
  ops.push_back(untimed_before(
      TimedOp("limit", "write",
              [&](Clock::time_point*) { limit_write(false, false); }),
      remove_limit));
  ops.push_back(untimed_before(TimedOp("ckpt", "save_nosync",
                                       [&](Clock::time_point*) {
                                         Check(checkpoint.Write(prefix, nosync),
                                               "save_nosync");
                                       }),
                               remove_bundle(prefix)));
  ops.push_back(untimed_before(
      TimedOp("limit", "write_crc",
              [&](Clock::time_point*) { limit_write(true, false); }),
      remove_limit));
  ops.push_back(untimed_before(
      TimedOp("limit", "write_crc_fsync",
              [&](Clock::time_point*) { limit_write(true, true); }),
      remove_limit));
  ops.push_back(
      untimed_before(TimedOp("limit", "write_fsync_wb",
                             [&](Clock::time_point*) { limit_write_wb(); }),
                     remove_limit));
  ops.push_back(untimed_before(TimedOp("ckpt", "save",
                                       [&](Clock::time_point*) {
                                         Check(checkpoint.Write(prefix),
                                               "save");
                                       }),
                               remove_bundle(prefix)));
  ops.push_back(
      untimed_before(TimedOp("ckpt", "save_sharded",
                             [&](Clock::time_point*) {
                               Check(checkpoint.Write(sharded_prefix, sharded),
                                     "save_sharded");
                             }),
                     remove_bundle(sharded_prefix)));
  Op async;
  async.system = "ckpt";
  async.names = {"save_async_blocked", "save_async_total"};
  async.before = remove_bundle(prefix);
#ifndef CKPT_PERF_NO_ASYNC
  async.run = [&](Clock::time_point* mark) {
    Check(checkpoint.WriteAsync(prefix), "WriteAsync");
    *mark = Clock::now();
    Check(checkpoint.Wait(), "Wait");
  };
#else
  async.skipped = "not built: Checkpoint::WriteAsync (CKPT_PERF_NO_ASYNC)";
#endif
  ops.push_back(std::move(async));
  ops.push_back(TimedOp("limit", "read_reused",
                        [&](Clock::time_point*) { limit_read(false, false); }));
  ops.push_back(RestoreExistingOp(checkpoint, prefix));
  // The same restore into caller-owned memory (ExternalVariable), in place
  // and through scratch buffers (RestoreOptions::stage_external).
  ExternalModel external(model);
  ckpt::Checkpoint external_checkpoint;
  Check(external_checkpoint.Track("model", external), "Track");
  for (bool staged : {false, true}) {
    ops.push_back(
        TimedOp("ckpt", staged ? "restore_external_staged" : "restore_external",
                [&external_checkpoint, &prefix, staged](Clock::time_point*) {
                  ckpt::RestoreOptions options;
                  options.stage_external = staged;
                  Check(external_checkpoint.Read(prefix, options).status(),
                        "restore_external");
                }));
  }
  ops.push_back(TimedOp("limit", "read_fresh",
                        [&](Clock::time_point*) { limit_read(true, false); }));
  ops.back().before = [&] { fresh_buffers.reserve(n); };
  ops.back().after = [&] { fresh_buffers.clear(); };
  ops.push_back(TimedOp("ckpt", "restore_fresh", [&](Clock::time_point*) {
    absl::StatusOr<ckpt::RestoreStatus> s = fresh_checkpoint->Read(prefix);
    Check(s.status(), "restore_fresh");
    restored = *std::move(s);
  }));
  ops.back().before = [&] {
    fresh_model = std::make_unique<TensorModel>(n);
    fresh_checkpoint = std::make_unique<ckpt::Checkpoint>();
    Check(fresh_checkpoint->Track("model", *fresh_model), "Track");
  };
  ops.back().after = [&] {
    CheckRestore(*restored, "restore_fresh");
    restored.reset();
    fresh_checkpoint.reset();
    fresh_model.reset();
  };
  // The mapped restore (RestoreOptions::map_values) into fresh variables:
  // views of the data file, every checksum verified before Read returns.
  ops.push_back(TimedOp("ckpt", "restore_mapped", [&](Clock::time_point*) {
    ckpt::RestoreOptions mapped;
    mapped.map_values = true;
    absl::StatusOr<ckpt::RestoreStatus> s =
        fresh_checkpoint->Read(prefix, mapped);
    Check(s.status(), "restore_mapped");
    restored = *std::move(s);
  }));
  ops.back().before = ops[ops.size() - 2].before;
  ops.back().after = ops[ops.size() - 2].after;
  ops.push_back(TimedOp("limit", "read_crc",
                        [&](Clock::time_point*) { limit_read(false, true); }));
  ops.push_back(TimedOp("ckpt", "verify", [&](Clock::time_point*) {
    absl::StatusOr<std::unique_ptr<ckpt::BundleReader>> reader =
        ckpt::BundleReader::Open(env, prefix);
    Check(reader.status(), "verify: Open");
    const ckpt::BundleReader& r = **reader;
    size_t entries = 0;
    Check(r.ForEachEntry(
              [&](absl::string_view key, const ckpt::BundleEntry& entry) {
                ++entries;
                return r.Verify(key, entry);
              }),
          "verify");
    if (entries < n) Fail(absl::StrCat("verify: only ", entries, " entries"));
  }));

  if (!cfg.ops.empty()) {
    // The read ops kept may follow no write op: their files, untimed.
    limit_write(false, false);
    Check(checkpoint.Write(prefix, nosync), "save_nosync (setup)");
    KeepOps(cfg.ops, &ops);
  }
  const std::vector<Series> series =
      Measure(w.name, ops, cfg.runs, cfg.track_rss);
  Collect(w, ops, series, results);
  if (!cfg.ops.empty()) return;  // the files the checks read may be missing

  absl::StatusOr<std::unique_ptr<ckpt::BundleReader>> sharded_reader =
      ckpt::BundleReader::Open(env, sharded_prefix);
  Check(sharded_reader.status(), "open " + sharded_prefix);
  std::printf("# %s: save_sharded (num_threads %d) wrote %d data file(s)\n",
              w.name.c_str(), cfg.save_threads,
              (*sharded_reader)->num_shards());
  sharded_reader->reset();

  ExpectRestoresModel(w.name, prefix, model);
  ExpectRestoresModel(w.name, sharded_prefix, model);
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(dest[i].get(), src[i], len[i]) != 0) {
      Fail(absl::StrCat(w.name, ": limit read of t", i, " differs"));
    }
  }
}

void RunGraphWorkload(const Workload& w, const Config& cfg,
                      std::vector<Result>* results) {
  std::vector<std::string> names;
  for (int64_t j = 0; j < w.vars_per_module; ++j) {
    names.push_back(absl::StrCat("v", j));
  }
  const size_t modules = static_cast<size_t>(w.modules);
  const auto make_layers = [&](bool init) {
    std::vector<GraphModule> layers;
    layers.reserve(modules);  // no reallocation: addresses are identities
    for (size_t m = 0; m < modules; ++m) {
      layers.emplace_back(&names);
      if (!init) continue;
      for (size_t j = 0; j < names.size(); ++j) {
        const size_t i = m * names.size() + j;
        InitVariable(layers.back().vars()[j], w.shapes[i], Seed(i));
      }
    }
    return layers;
  };
  std::vector<GraphModule> layers = make_layers(true);
  ckpt::Checkpoint checkpoint;
  Check(checkpoint.Track("layers", layers), "Track");
  const std::string prefix = ckpt::JoinPath(cfg.scratch, "graph");

  std::vector<Op> ops;
  ops.push_back(TimedOp("ckpt", "save", [&](Clock::time_point*) {
    Check(checkpoint.Write(prefix), "save");
  }));
  ops.push_back(RestoreExistingOp(checkpoint, prefix));
  const std::vector<Series> series =
      Measure(w.name, ops, cfg.runs, cfg.track_rss);
  Collect(w, ops, series, results);

  Result sum = MakeResult(w, "ckpt", "save_restore");
  const std::vector<double>& save_runs = series[0].runs[0];
  const std::vector<double>& restore_runs = series[1].runs[0];
  sum.seconds = Median(save_runs) + Median(restore_runs);
  for (size_t r = 0; r < save_runs.size(); ++r) {
    sum.runs.push_back(save_runs[r] + restore_runs[r]);
  }
  if (series[0].peak_rss_delta && series[1].peak_rss_delta) {
    sum.peak_rss_delta_bytes =
        std::max(*series[0].peak_rss_delta, *series[1].peak_rss_delta);
  }
  PrintTableRow(sum);
  results->push_back(std::move(sum));

  std::vector<GraphModule> fresh = make_layers(false);
  ckpt::Checkpoint fresh_checkpoint;
  Check(fresh_checkpoint.Track("layers", fresh), "Track");
  absl::StatusOr<ckpt::RestoreStatus> status = fresh_checkpoint.Read(prefix);
  Check(status.status(), "graph: Read " + prefix);
  CheckRestore(*status, "graph: Read " + prefix);
  for (size_t m = 0; m < modules; ++m) {
    for (size_t j = 0; j < names.size(); ++j) {
      ExpectSameValue(absl::StrCat(w.name, " layers/", m, "/", names[j]),
                      layers[m].vars()[j], fresh[m].vars()[j]);
    }
  }
}

// Removes every file in the scratch directory (flat: ckpt writes no
// subdirectories there).
void CleanScratch(const std::string& scratch) {
  ckpt::Env* env = ckpt::Env::Default();
  absl::StatusOr<std::vector<std::string>> children = env->GetChildren(scratch);
  Check(children.status(), "list " + scratch);
  for (const std::string& name : *children) {
    Check(env->DeleteFile(ckpt::JoinPath(scratch, name)), "remove");
  }
}

// ---- command line
// -------------------------------------------------------------

struct Flags {
  std::string dir;
  std::string out;
  std::string workloads_out;
  std::vector<std::string> only;
  std::vector<std::string> ops;
  int runs = 3;
  double scale = 1.0;
  bool quick = false;
};

constexpr char kUsage[] =
    "usage: ckpt_perf --dir DIR --out results.json "
    "--workloads-out workloads.json\n"
    "                 [--only a,b] [--ops x,y] [--runs N (3)] [--scale S (1)]\n"
    "                 [--quick]\n";

// Parses "--flag value" and "--flag=value"; an error message or "".
std::string ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::optional<std::string> value;
    const size_t eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--quick" && !value) {
      flags->quick = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) return absl::StrCat(flag, " needs a value");
      value = argv[++i];
    }
    if (flag == "--dir") {
      flags->dir = *value;
    } else if (flag == "--out") {
      flags->out = *value;
    } else if (flag == "--workloads-out") {
      flags->workloads_out = *value;
    } else if (flag == "--only") {
      flags->only = absl::StrSplit(*value, ',', absl::SkipEmpty());
    } else if (flag == "--ops") {
      flags->ops = absl::StrSplit(*value, ',', absl::SkipEmpty());
    } else if (flag == "--runs") {
      if (!absl::SimpleAtoi(*value, &flags->runs) || flags->runs < 1) {
        return absl::StrCat("bad --runs ", *value);
      }
    } else if (flag == "--scale") {
      if (!absl::SimpleAtod(*value, &flags->scale) || !(flags->scale > 0)) {
        return absl::StrCat("bad --scale ", *value);
      }
    } else {
      return absl::StrCat("unknown flag ", flag);
    }
  }
  if (flags->dir.empty() || flags->out.empty() ||
      flags->workloads_out.empty()) {
    return "--dir, --out and --workloads-out are required";
  }
  for (const std::string& name : flags->only) {
    const std::vector<std::string>& known = WorkloadNames();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::StrCat("unknown workload ", name);
    }
  }
  return "";
}

int Main(int argc, char** argv) {
  Flags flags;
  const std::string error = ParseFlags(argc, argv, &flags);
  if (!error.empty()) {
    std::fprintf(stderr, "ckpt_perf: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  const double byte_scale = flags.quick ? flags.scale / 16 : flags.scale;
  std::vector<Workload> workloads;
  for (Workload& w : MakeWorkloads(byte_scale, flags.quick ? 10 : 1)) {
    if (flags.only.empty() || std::find(flags.only.begin(), flags.only.end(),
                                        w.name) != flags.only.end()) {
      workloads.push_back(std::move(w));
    }
  }
  std::string write_error;
  if (!WriteWholeFile(flags.workloads_out, WorkloadsJson(workloads, byte_scale),
                      &write_error)) {
    Fail(write_error);
  }

  ckpt::Env* env = ckpt::Env::Default();
  const bool dir_existed = env->FileExists(flags.dir).ok();
  Check(env->CreateDirs(flags.dir), "create " + flags.dir);
  Config cfg;
  cfg.scratch =
      ckpt::JoinPath(flags.dir, absl::StrCat("ckpt_perf.", ::getpid()));
  Check(env->CreateDir(cfg.scratch), "create " + cfg.scratch);
  cfg.runs = flags.runs;
  cfg.ops = flags.ops;
  cfg.track_rss = ResetPeakRss() && ProcStatusBytes("VmRSS") > 0 &&
                  ProcStatusBytes("VmHWM") > 0;
  cfg.save_threads =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const HostInfo host = GetHostInfo(absl::StrCat(
      "crc32c ", ckpt::crc32c::IsHardwareAccelerated() ? "SSE4.2" : "portable",
      "; runs ", cfg.runs, "; scale ", flags.scale,
      flags.quick ? "; quick (byte sizes / 16, counts / 10)" : "",
      "; save_sharded num_threads ", cfg.save_threads, "; GLIBC_TUNABLES=",
      tunables != nullptr ? tunables : "(unset)", "; dir ", flags.dir,
#ifdef CKPT_PERF_NO_ASYNC
      "; async saves not built",
#endif
      cfg.track_rss ? "" : "; peak RSS not measured (clear_refs)"));
  std::printf("# ckpt_perf: %s\n", host.notes.c_str());
  PrintTableHeader();

  std::vector<Result> results;
  for (const Workload& w : workloads) {
    std::printf("# %s: %lld tensors, %.1f MiB\n", w.name.c_str(),
                static_cast<long long>(w.num_tensors()),
                static_cast<double>(w.TotalBytes()) / (1 << 20));
    std::fflush(stdout);
    if (w.kind == WorkloadKind::kGraph) {
      RunGraphWorkload(w, cfg, &results);
    } else {
      RunTensorsWorkload(w, cfg, &results);
    }
    CleanScratch(cfg.scratch);
  }
  Check(env->DeleteDir(cfg.scratch), "remove " + cfg.scratch);
  if (!dir_existed) ::rmdir(flags.dir.c_str());

  if (!WriteWholeFile(flags.out, ResultsJson(host, results), &write_error)) {
    Fail(write_error);
  }
  return 0;
}

}  // namespace
}  // namespace ckpt_perf

int main(int argc, char** argv) { return ckpt_perf::Main(argc, argv); }
