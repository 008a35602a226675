// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt_mpi_bench: collective saves and restores (docs/distributed.md) on R
// MPI ranks against the machine's own limit, measured in the same run: each
// rank writing (reading) its share of the same bytes with plain POSIX calls.
// Not a unit test; run by hand or by scripts/bench_mpi.sh
// (docs/performance.md, "Multi-process saves and restores"):
//
//   mpirun -n R ckpt_mpi_bench --bytes 1G --runs 3 --dir DIR
//                              [--parts N] [--json] [--out FILE]
//
// DIR is scratch space: everything goes under DIR/ckpt_mpi_bench.<pid of
// rank 0>, removed at the end. Rank 0 prints a table (to stderr with --json,
// which prints the JSON document on stdout instead); --out FILE writes the
// JSON document to FILE as well.
//
// The model (--bytes in all): an embedding table, float32 [rows, 256], in
// --parts parts (default 8, at least R) split over the ranks with
// ShardedVariable::CreateLocal (about 90 % of the bytes), and replicated
// dense weights, float32 [1024, 1024] (4 MiB) each, about 10 % of the bytes,
// identical on every rank, under one Trackable tracked as "model".
//
// Ops, each run by every rank; the time of an op is the largest over the
// ranks of MPI_Wtime after it minus MPI_Wtime before it, both ends right
// after a barrier:
//   limit write_fsync  each rank writes the bytes its part of the collective
//                      save writes (its embedding parts and the replicated
//                      tensors the save assigns to it, learned from the
//                      merged index of the warm-up save) with one write()
//                      per tensor into a new file of its own, fdatasync,
//                      close. The files are kept for the limit reads and
//                      removed before the next write.
//   limit write_fsync_wb  the same bytes in pieces of at most 8 MiB, the
//                      writeback of each full 8 MiB started at once
//                      (sync_file_range, WRITE), then fdatasync: ckpt_perf's
//                      durable ceiling of the device (a durable ckpt save
//                      starts writeback as it goes, so it can beat
//                      write_fsync).
//   ckpt save          Checkpoint::Save with the communicator (durable: the
//                      default bundle.sync = true): parts written side by
//                      side, merged by rank 0, the state file written.
//   limit write        write_fsync without the fdatasync.
//   ckpt save_nosync   the same save with bundle.sync = false.
//   limit read_reused  each rank reads what its restore reads: its parts'
//                      bytes from its own file, and every replicated tensor
//                      from the file of the rank that wrote it, with pread
//                      into pre-touched buffers.
//   limit read_crc     read_reused plus CRC-32C of every tensor (a restore
//                      checks the checksum of every byte it reads).
//   ckpt restore_existing  Checkpoint::Restore with the communicator into
//                      the live model.
//   limit read_fresh   read_reused into buffers allocated inside the op.
//   ckpt restore_fresh a new model (CreateLocal's zero-filled parts,
//                      uninitialized dense variables) and Restore into it,
//                      both inside the op, as a restarted job does.
// Page cache: nothing is dropped; reads are served from memory, as in
// ckpt_perf. Only the durable ops wait for the device.
//
// Method (as ckpt_perf's, docs/performance.md "Method"): every op runs once
// untimed, then --runs runs each time every op once. The ops come in
// groups, a ckpt op and the limits that bound it (write_fsync,
// write_fsync_wb | save; write | save_nosync; read_reused, read_crc |
// restore_existing; read_fresh | restore_fresh); even runs time the limits
// first, odd runs the ckpt op first, so drift does not favour one side. Before
// each op, untimed: rank 0 calls sync(2) (dirty pages of earlier ops written
// out), then each op's previous file is removed right before the clock starts
// (the page cache it frees is reused at once, before this VM hands it back to
// the host). Before each fresh op (read_fresh, restore_fresh), as much memory
// as it allocates is touched and freed, untimed, so that both find free pages
// still backed by the host: otherwise whichever ran first after memory idled
// paid about 2.3 s per GiB of first-touch faults. Waits between ops are
// MPI_Ibarrier polled with 50 us naps, so a rank done early does not spin on
// a core another rank needs. restore_fresh also reports how long building
// the model took (CreateLocal zero-fills its parts).
//
// The save's steps are taken from a trace of its file-system calls
// (SaveOptions::env is a recording EnvWrapper; lib/ is not changed): on
// every rank, "plan" is the time up to its first part file (PlanSave, the
// plan and parts agreements, rank 0's temporary directory), "write" from
// there to the end of the last call on its part files (data and index
// written, synced, closed); on rank 0, "wait" up to the end of the next
// collective (the agreement that every part is written: the slowest rank),
// "merge" from there to the end of its last file-system call before the
// collective after it (MergeBundles: index written and synced, data files
// renamed, directory synced, inputs deleted; then the empty temporary
// directory removed), and "state" the rest (the merge agreement, the state
// file, its agreement). The collectives are timed by a Communicator that
// wraps the MPI one (SaveOptions/RestoreOptions::communicator); "plan"
// reports its share in collectives, and every collective op the time each
// rank spends outside collectives ("work", slowest and fastest rank).
//
// Peak RSS: one more untimed run of the ckpt ops on every rank: heap
// trimmed (malloc_trim), VmHWM reset (/proc/self/clear_refs), then VmHWM
// after the op minus VmRSS before it; the largest over the ranks is
// reported. The fresh ops' figures have the rank's payload (its parts and
// every replicated tensor, which they must allocate) taken off. The limit
// ops allocate nothing (their buffers are made beforehand) and are not
// measured, except read_fresh.
//
// CKPT_MPI_BENCH_VERBOSE set in the environment (mpirun -x): every rank
// prints each op's time, each save's steps and each collective to stderr.
//
// At the end a fresh restore on every rank is compared byte for byte with
// the model, and the limit reads with the model's bytes.

#include <fcntl.h>
#include <malloc.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/communicator.h"
#include "ckpt/crc32c.h"
#include "ckpt/env.h"
#include "ckpt/mpi_communicator.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "perf_measure.h"
#include "perf_report.h"
#include "perf_workloads.h"

namespace ckpt_perf {
namespace {

int g_rank = 0;
int g_size = 1;
// CKPT_MPI_BENCH_VERBOSE set: each rank prints its time of every op and
// the steps of every save to stderr.
bool g_verbose = false;
// True while RunOnce runs a timed (not a warm-up) op.
bool g_recording = false;

[[noreturn]] void Die(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "ckpt_mpi_bench: rank %d: FAILED: %s\n", g_rank,
               message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

void CheckOk(const absl::Status& s, const std::string& context) {
  if (!s.ok()) Die(absl::StrCat(context, ": ", s.ToString()));
}

// A barrier that naps instead of spinning: with more ranks than cores, a
// rank that is done must leave the cores to those that are not.
void QuietBarrier() {
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  for (;;) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    const struct timespec nap = {0, 50 * 1000};
    nanosleep(&nap, nullptr);
  }
}

double MaxOverRanks(double v) {
  double out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

double MinOverRanks(double v) {
  double out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  return out;
}

// ---- data -------------------------------------------------------------------

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void Fill(absl::Span<float> out, uint64_t seed) {
  uint64_t state = seed;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] =
        static_cast<float>(SplitMix64(&state) >> 40) * (1.0f / 8388608.0f) -
        1.0f;
  }
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<char, FreeDeleter>;

// 64-byte aligned, not touched.
Buffer Allocate(size_t n) {
  const size_t rounded = (std::max<size_t>(n, 1) + 63) / 64 * 64;
  char* p = static_cast<char*>(std::aligned_alloc(64, rounded));
  if (p == nullptr) Die(absl::StrCat("out of memory (", rounded, " bytes)"));
  return Buffer(p);
}

// ---- the model --------------------------------------------------------------

constexpr int64_t kCols = 256;       // embedding row: 1 KiB
constexpr int64_t kDenseDim = 1024;  // dense tensor: [1024, 1024], 4 MiB
constexpr int64_t kDenseBytes = kDenseDim * kDenseDim * 4;

struct Layout {
  int64_t rows = 0;  // embedding [rows, kCols]
  int parts = 0;
  int num_dense = 0;
  int64_t emb_bytes() const { return rows * kCols * 4; }
  int64_t dense_bytes() const { return num_dense * kDenseBytes; }
  int64_t total() const { return emb_bytes() + dense_bytes(); }
};

Layout MakeLayout(int64_t bytes, int parts) {
  Layout l;
  l.parts = parts;
  l.num_dense = std::max<int>(
      1, static_cast<int>((bytes / 10 + kDenseBytes / 2) / kDenseBytes));
  l.rows = (bytes - l.dense_bytes()) / (kCols * 4);
  return l;
}

struct BenchModel : ckpt::Trackable {
  std::vector<ckpt::Variable> dense;
  std::vector<std::string> names;
  ckpt::ShardedVariable emb;
  void VisitChildren(ckpt::ChildVisitor& visit) override {
    for (size_t i = 0; i < dense.size(); ++i) visit(names[i], dense[i]);
    visit("emb", emb);
  }
};

// This rank's model: its embedding parts (zero-filled, then filled when
// `with_values`) and the dense tensors (uninitialized unless `with_values`).
std::unique_ptr<BenchModel> MakeModel(const Layout& l, bool with_values) {
  auto m = std::make_unique<BenchModel>();
  absl::StatusOr<ckpt::ShardedVariable> emb =
      ckpt::ShardedVariable::CreateLocal(ckpt::DataType::kFloat,
                                         ckpt::TensorShape{l.rows, kCols},
                                         l.parts, g_rank, g_size);
  CheckOk(emb.status(), "CreateLocal");
  m->emb = *std::move(emb);
  m->dense.resize(static_cast<size_t>(l.num_dense));
  for (int i = 0; i < l.num_dense; ++i) {
    m->names.push_back(absl::StrCat("dense_", i));
  }
  if (!with_values) return m;
  for (int i = 0; i < l.num_dense; ++i) {
    ckpt::Variable& v = m->dense[static_cast<size_t>(i)];
    v = ckpt::Variable(ckpt::DataType::kFloat,
                       ckpt::TensorShape{kDenseDim, kDenseDim});
    Fill(v.mutable_value().mutable_flat<float>(),
         0xde45eULL * 1000003ULL + static_cast<uint64_t>(i));
  }
  for (int p = 0; p < m->emb.num_parts(); ++p) {
    Fill(m->emb.mutable_part(p).mutable_flat<float>(),
         0xe3bULL * 1000003ULL + static_cast<uint64_t>(m->emb.row_offset(p)));
  }
  return m;
}

int64_t PartBytes(const BenchModel& m) {
  int64_t n = 0;
  for (int p = 0; p < m.emb.num_parts(); ++p) {
    n += static_cast<int64_t>(m.emb.part(p).bytes().size());
  }
  return n;
}

// "" if `got` holds `want`'s values, else the first difference.
std::string Mismatch(const BenchModel& want, const BenchModel& got) {
  const auto same = [](const ckpt::Tensor& a, const ckpt::Tensor& b) {
    return a.dtype() == b.dtype() && a.shape() == b.shape() &&
           a.bytes() == b.bytes();
  };
  for (size_t i = 0; i < want.dense.size(); ++i) {
    if (!same(want.dense[i].value(), got.dense[i].value())) {
      return want.names[i];
    }
  }
  if (want.emb.num_parts() != got.emb.num_parts()) return "emb part count";
  for (int p = 0; p < want.emb.num_parts(); ++p) {
    if (!same(want.emb.part(p), got.emb.part(p))) {
      return absl::StrCat("emb part ", p);
    }
  }
  return "";
}

// ---- the save's file-system trace -------------------------------------------

struct Event {
  std::string call;  // "NewWritableFile", "Sync", "Close", ..., "AllGather"
  std::string path;  // "" for a collective
  double begin = 0;
  double end = 0;
  bool collective = false;  // a call on TimingCommunicator
};

class TraceEnv;

// A file of TraceEnv: Sync and Close recorded, everything forwarded.
class TracedFile : public ckpt::WritableFile {
 public:
  TracedFile(TraceEnv* env, std::unique_ptr<ckpt::WritableFile> file)
      : env_(env), file_(std::move(file)) {}
  absl::Status Append(absl::string_view data) override {
    return file_->Append(data);
  }
  absl::Status Sync() override;
  void StartWriteback(uint64_t offset, uint64_t n) override {
    file_->StartWriteback(offset, n);
  }
  absl::Status Close() override;
  const std::string& path() const override { return file_->path(); }

 private:
  TraceEnv* env_;
  std::unique_ptr<ckpt::WritableFile> file_;
};

// Records the begin and end (MPI_Wtime) of every Env call and of Sync and
// Close on the files it opens for writing.
class TraceEnv : public ckpt::EnvWrapper {
 public:
  TraceEnv() : EnvWrapper(ckpt::Env::Default()) {}

  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    events_.clear();
  }
  std::vector<Event> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  template <typename F>
  auto Traced(const char* call, const std::string& path, F&& f,
              bool collective = false) {
    const double begin = MPI_Wtime();
    auto result = f();
    const double end = MPI_Wtime();
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(Event{call, path, begin, end, collective});
    return result;
  }

  absl::StatusOr<std::unique_ptr<ckpt::WritableFile>> NewWritableFile(
      const std::string& path) override {
    absl::StatusOr<std::unique_ptr<ckpt::WritableFile>> f =
        Traced("NewWritableFile", path,
               [&] { return EnvWrapper::NewWritableFile(path); });
    if (!f.ok()) return f;
    return std::unique_ptr<ckpt::WritableFile>(
        new TracedFile(this, *std::move(f)));
  }
  absl::StatusOr<std::unique_ptr<ckpt::RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return Traced("NewRandomAccessFile", path,
                  [&] { return EnvWrapper::NewRandomAccessFile(path); });
  }
  absl::StatusOr<std::unique_ptr<ckpt::ReadOnlyMemoryRegion>>
  NewReadOnlyMemoryRegion(const std::string& path) override {
    return Traced("NewReadOnlyMemoryRegion", path,
                  [&] { return EnvWrapper::NewReadOnlyMemoryRegion(path); });
  }
  absl::Status FileExists(const std::string& path) override {
    return Traced("FileExists", path,
                  [&] { return EnvWrapper::FileExists(path); });
  }
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    return Traced("GetFileSize", path,
                  [&] { return EnvWrapper::GetFileSize(path); });
  }
  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    return Traced("GetChildren", dir,
                  [&] { return EnvWrapper::GetChildren(dir); });
  }
  absl::Status DeleteFile(const std::string& path) override {
    return Traced("DeleteFile", path,
                  [&] { return EnvWrapper::DeleteFile(path); });
  }
  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override {
    return Traced("RenameFile", src,
                  [&] { return EnvWrapper::RenameFile(src, target); });
  }
  absl::Status CreateDir(const std::string& dir) override {
    return Traced("CreateDir", dir, [&] { return EnvWrapper::CreateDir(dir); });
  }
  absl::Status DeleteDir(const std::string& dir) override {
    return Traced("DeleteDir", dir, [&] { return EnvWrapper::DeleteDir(dir); });
  }
  absl::Status SyncDir(const std::string& dir) override {
    return Traced("SyncDir", dir, [&] { return EnvWrapper::SyncDir(dir); });
  }

 private:
  std::mutex mu_;
  std::vector<Event> events_;
};

// A Communicator that records each collective (begin, end) in a TraceEnv
// and forwards it.
class TimingCommunicator : public ckpt::Communicator {
 public:
  TimingCommunicator(ckpt::Communicator* target, TraceEnv* trace)
      : target_(target), trace_(trace) {}
  int rank() const override { return target_->rank(); }
  int size() const override { return target_->size(); }
  absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view mine) override {
    return trace_->Traced(
        "AllGather", "", [&] { return target_->AllGather(mine); }, true);
  }
  absl::StatusOr<std::string> Broadcast(int root,
                                        absl::string_view data) override {
    return trace_->Traced(
        "Broadcast", "", [&] { return target_->Broadcast(root, data); }, true);
  }
  absl::Status Barrier() override {
    return trace_->Traced(
        "Barrier", "", [&] { return target_->Barrier(); }, true);
  }
  void Abort(const absl::Status& why) override { target_->Abort(why); }
  absl::Status CheckBackgroundUse() const override {
    return target_->CheckBackgroundUse();
  }

 private:
  ckpt::Communicator* target_;
  TraceEnv* trace_;
};

absl::Status TracedFile::Sync() {
  return env_->Traced("Sync", file_->path(), [&] { return file_->Sync(); });
}
absl::Status TracedFile::Close() {
  return env_->Traced("Close", file_->path(), [&] { return file_->Close(); });
}

// The steps of one save on this rank, in seconds (see the file comment);
// -1 where a step was not seen (rank > 0 has no wait/merge/state).
struct SavePhases {
  double plan = -1, write = -1, wait = -1, merge = -1, state = -1;
  double plan_collectives = -1;  // of `plan`, the time in collectives
};

SavePhases AnalyzeSave(const std::vector<Event>& events,
                       const std::string& prefix, double t0, double t1) {
  SavePhases ph;
  const std::string temp = prefix + "_temp";
  double part_begin = -1;
  for (const Event& e : events) {
    if (!e.collective && e.call == "NewWritableFile" &&
        absl::StartsWith(e.path, temp)) {
      part_begin = e.begin;
      break;
    }
  }
  if (part_begin < 0) return ph;
  // The collectives after the part: the agreement that every part is
  // written, then (rank 0 having merged) the merge agreement.
  const Event* written = nullptr;
  const Event* merged = nullptr;
  ph.plan_collectives = 0;
  for (const Event& e : events) {
    if (!e.collective) continue;
    if (e.end <= part_begin) ph.plan_collectives += e.end - e.begin;
    if (e.begin < part_begin) continue;
    if (written == nullptr) {
      written = &e;
    } else if (merged == nullptr) {
      merged = &e;
    }
  }
  if (written == nullptr) return ph;
  double part_end = part_begin;
  for (const Event& e : events) {
    if (!e.collective && e.begin >= part_begin && e.begin < written->begin &&
        absl::StartsWith(e.path, temp)) {
      part_end = std::max(part_end, e.end);
    }
  }
  ph.plan = part_begin - t0;
  ph.write = part_end - part_begin;
  if (g_rank != 0 || merged == nullptr) return ph;
  double merge_end = written->end;
  for (const Event& e : events) {
    if (!e.collective && e.begin >= written->end && e.begin < merged->begin) {
      merge_end = std::max(merge_end, e.end);
    }
  }
  ph.wait = written->end - part_end;
  ph.merge = merge_end - written->end;
  ph.state = t1 - merge_end;
  return ph;
}

// ---- measuring --------------------------------------------------------------

struct Op {
  std::string system;  // "limit" or "ckpt"
  std::string name;
  std::function<void()> before;  // untimed, on every rank, after the sync
  std::function<void()> run;     // timed
  std::function<void()> after;   // untimed
  // A collective save: its prefix (set by run) is traced and analyzed.
  const std::string* traced_prefix = nullptr;
  // A collective op: the time each rank spends in collectives is recorded.
  bool collective = false;
  int64_t payload_bytes = 0;  // taken off the peak RSS (restore_fresh)
  bool track_rss = false;
  // Results (rank 0's copies are the reported ones).
  std::vector<double> runs;            // max over ranks
  std::vector<SavePhases> phases_max;  // max over ranks (rank 0 for merge)
  std::vector<double> write_min;       // fastest rank's write
  // Collective ops: time outside collectives on the slowest and the fastest
  // rank, and the largest time in collectives.
  std::vector<double> work_max, work_min, in_collectives_max;
  std::optional<int64_t> peak_rss_delta;
};

TraceEnv* g_trace = nullptr;

// One run of `op` on every rank; recorded unless `warmup`.
void RunOnce(Op& op, bool warmup) {
  QuietBarrier();
  if (g_rank == 0) ::sync();
  QuietBarrier();
  if (op.before) op.before();
  g_trace->Clear();
  QuietBarrier();
  g_recording = !warmup;
  const double t0 = MPI_Wtime();
  op.run();
  const double t1 = MPI_Wtime();
  QuietBarrier();
  const double seconds = MaxOverRanks(t1 - t0);
  if (op.collective) {
    double in_collectives = 0;
    std::string listed;
    for (const Event& e : g_trace->events()) {
      if (!e.collective) continue;
      in_collectives += e.end - e.begin;
      absl::StrAppendFormat(&listed, " %s@%.4f:%.4f", e.call, e.begin - t0,
                            e.end - e.begin);
    }
    if (g_verbose) {
      std::fprintf(stderr, "#   rank %d %s collectives (at:took):%s\n", g_rank,
                   op.name.c_str(), listed.c_str());
    }
    const double work = t1 - t0 - in_collectives;
    const double work_max = MaxOverRanks(work);
    const double work_min = MinOverRanks(work);
    const double in_max = MaxOverRanks(in_collectives);
    if (!warmup) {
      op.work_max.push_back(work_max);
      op.work_min.push_back(work_min);
      op.in_collectives_max.push_back(in_max);
    }
  }
  if (g_verbose && op.traced_prefix == nullptr) {
    std::fprintf(stderr, "#   rank %d %s%s: %.4f s\n", g_rank, op.name.c_str(),
                 warmup ? " (warm-up)" : "", t1 - t0);
  }
  if (op.traced_prefix != nullptr) {
    const SavePhases mine =
        AnalyzeSave(g_trace->events(), *op.traced_prefix, t0, t1);
    if (g_verbose) {
      std::fprintf(stderr,
                   "#   rank %d %s%s: %.4f s; plan %.4f (collectives %.4f) "
                   "write %.4f wait %.4f merge %.4f state %.4f\n",
                   g_rank, op.name.c_str(), warmup ? " (warm-up)" : "", t1 - t0,
                   mine.plan, mine.plan_collectives, mine.write, mine.wait,
                   mine.merge, mine.state);
    }
    SavePhases all;
    all.plan = MaxOverRanks(mine.plan);
    all.plan_collectives = MaxOverRanks(mine.plan_collectives);
    all.write = MaxOverRanks(mine.write);
    all.wait = MaxOverRanks(mine.wait);
    all.merge = MaxOverRanks(mine.merge);
    all.state = MaxOverRanks(mine.state);
    const double write_min = MinOverRanks(mine.write);
    if (!warmup) {
      op.phases_max.push_back(all);
      op.write_min.push_back(write_min);
    }
  }
  if (op.after) op.after();
  g_recording = false;
  if (!warmup) op.runs.push_back(seconds);
}

void MeasureRss(Op& op) {
  QuietBarrier();
  if (g_rank == 0) ::sync();
  QuietBarrier();
  if (op.before) op.before();
  ::malloc_trim(0);
  ResetPeakRss();
  const int64_t rss_before = ProcStatusBytes("VmRSS");
  QuietBarrier();
  op.run();
  const int64_t peak = ProcStatusBytes("VmHWM");
  QuietBarrier();
  if (op.after) op.after();
  const double mine = static_cast<double>(
      std::max<int64_t>(0, peak - rss_before - op.payload_bytes));
  if (g_verbose) {
    std::fprintf(stderr,
                 "#   rank %d %s: VmRSS before %.1f MiB, VmHWM after %.1f MiB, "
                 "payload %.1f MiB\n",
                 g_rank, op.name.c_str(),
                 static_cast<double>(rss_before) / (1 << 20),
                 static_cast<double>(peak) / (1 << 20),
                 static_cast<double>(op.payload_bytes) / (1 << 20));
  }
  op.peak_rss_delta = static_cast<int64_t>(MaxOverRanks(mine));
}

// Removes `prefix`.index and its data files from the prefix's directory.
void RemoveCheckpoint(const std::string& prefix) {
  if (prefix.empty()) return;
  const std::string dir = ckpt::Dirname(prefix);
  const std::string base = ckpt::Basename(prefix);
  absl::StatusOr<std::vector<std::string>> names =
      ckpt::Env::Default()->GetChildren(dir);
  CheckOk(names.status(), "list " + dir);
  for (const std::string& name : *names) {
    if (name == base + ".index" || absl::StartsWith(name, base + ".data-")) {
      ::unlink(ckpt::JoinPath(dir, name).c_str());
    }
  }
}

// ---- flags ------------------------------------------------------------------

struct Flags {
  int64_t bytes = int64_t{1} << 30;
  int runs = 3;
  int parts = 8;
  std::string dir;
  bool json = false;
  std::string out;
};

constexpr char kUsage[] =
    "usage: mpirun -n R ckpt_mpi_bench --dir DIR [--bytes 1G] [--runs 3]\n"
    "                  [--parts 8] [--json] [--out FILE]\n";

// "1G", "512M", "64MiB", "1048576".
bool ParseBytes(std::string s, int64_t* out) {
  s = absl::AsciiStrToUpper(s);
  if (absl::EndsWith(s, "IB")) s.resize(s.size() - 2);
  int shift = 0;
  if (!s.empty() && (s.back() == 'K' || s.back() == 'M' || s.back() == 'G')) {
    shift = s.back() == 'K' ? 10 : s.back() == 'M' ? 20 : 30;
    s.pop_back();
  }
  double v = 0;
  if (!absl::SimpleAtod(s, &v) || !(v > 0)) return false;
  *out = static_cast<int64_t>(v * static_cast<double>(int64_t{1} << shift));
  return true;
}

std::string ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::optional<std::string> value;
    const size_t eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--json" && !value) {
      flags->json = true;
      continue;
    }
    if (flag != "--dir" && flag != "--out" && flag != "--bytes" &&
        flag != "--runs" && flag != "--parts") {
      return absl::StrCat("unknown flag ", flag);
    }
    if (!value) {
      if (i + 1 >= argc) return absl::StrCat(flag, " needs a value");
      value = argv[++i];
    }
    if (flag == "--dir") {
      flags->dir = *value;
    } else if (flag == "--out") {
      flags->out = *value;
    } else if (flag == "--bytes") {
      if (!ParseBytes(*value, &flags->bytes)) {
        return absl::StrCat("bad --bytes ", *value);
      }
    } else if (flag == "--runs") {
      if (!absl::SimpleAtoi(*value, &flags->runs) || flags->runs < 1) {
        return absl::StrCat("bad --runs ", *value);
      }
    } else if (flag == "--parts") {
      if (!absl::SimpleAtoi(*value, &flags->parts) || flags->parts < 1) {
        return absl::StrCat("bad --parts ", *value);
      }
    } else {
      return absl::StrCat("unknown flag ", flag);
    }
  }
  if (flags->dir.empty()) return "--dir is required";
  return "";
}

// ---- report -----------------------------------------------------------------

constexpr double kMiB = 1 << 20;
constexpr double kGiB = 1 << 30;

struct Target {
  std::string name;
  std::string measured;
  bool pass = false;
};

std::string Fixed(double v, int digits) {
  return absl::StrFormat("%.*f", digits, v);
}

std::string RunsJson(const std::vector<double>& runs) {
  std::string out = "[";
  for (size_t k = 0; k < runs.size(); ++k) {
    absl::StrAppend(&out, k > 0 ? ", " : "", JsonNumber(runs[k]));
  }
  return out + "]";
}

int Main(int argc, char** argv) {
  Flags flags;
  const std::string error = ParseFlags(argc, argv, &flags);
  if (!error.empty()) {
    if (g_rank == 0) {
      std::fprintf(stderr, "ckpt_mpi_bench: %s\n%s", error.c_str(), kUsage);
    }
    return 2;
  }
  const int parts = std::max(flags.parts, g_size);
  const Layout layout = MakeLayout(flags.bytes, parts);
  if (layout.rows < parts) Die("--bytes too small for the part count");
  std::FILE* table = flags.json ? stderr : stdout;

  absl::StatusOr<std::unique_ptr<ckpt::Communicator>> comm =
      ckpt::NewMpiCommunicator(MPI_COMM_WORLD);
  CheckOk(comm.status(), "NewMpiCommunicator");
  TraceEnv trace;
  g_trace = &trace;

  // Scratch directory, named by rank 0.
  ckpt::Env* env = ckpt::Env::Default();
  const bool dir_existed = env->FileExists(flags.dir).ok();
  long long root_pid = ::getpid();
  MPI_Bcast(&root_pid, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  const std::string scratch =
      ckpt::JoinPath(flags.dir, absl::StrCat("ckpt_mpi_bench.", root_pid));
  if (g_rank == 0) {
    CheckOk(env->CreateDirs(scratch), "create " + scratch);
  }
  QuietBarrier();

  // The model: built, filled and so touched before any timing.
  std::unique_ptr<BenchModel> model = MakeModel(layout, true);
  ckpt::Checkpoint checkpoint;
  CheckOk(checkpoint.Track("model", *model), "Track");
  const int64_t my_part_bytes = PartBytes(*model);
  std::vector<int64_t> part_bytes(static_cast<size_t>(g_size));
  MPI_Allgather(&my_part_bytes, 1, MPI_INT64_T, part_bytes.data(), 1,
                MPI_INT64_T, MPI_COMM_WORLD);
  const int64_t restore_bytes = my_part_bytes + layout.dense_bytes();

  ckpt::SaveOptions save_sync;
  TimingCommunicator timing_comm(comm->get(), &trace);
  save_sync.communicator = &timing_comm;
  save_sync.env = &trace;
  ckpt::SaveOptions save_nosync = save_sync;
  save_nosync.bundle.sync = false;
  ckpt::RestoreOptions restore_options;
  restore_options.communicator = &timing_comm;

  const std::string save_base = ckpt::JoinPath(scratch, "model");
  std::string last_prefix;         // the newest checkpoint (restores)
  std::string prev_sync_prefix;    // removed before the next durable save
  std::string prev_nosync_prefix;  // ... before the next save_nosync
  std::string traced_prefix;       // the save being traced

  // Who writes each dense tensor (from the merged index of a save), and so
  // where it lies in the limit files: file w holds rank w's parts, then
  // the dense tensors w writes, by index.
  std::vector<int> dense_writer(static_cast<size_t>(layout.num_dense), -1);
  std::vector<int64_t> dense_offset(static_cast<size_t>(layout.num_dense), 0);
  const auto learn_writers = [&](const std::string& prefix) {
    absl::StatusOr<std::unique_ptr<ckpt::BundleReader>> reader =
        ckpt::BundleReader::Open(env, prefix);
    CheckOk(reader.status(), "open " + prefix);
    if ((*reader)->num_shards() != g_size) {
      Die(absl::StrCat(prefix, " has ", (*reader)->num_shards(),
                       " data files, expected one per rank (", g_size, ")"));
    }
    CheckOk((*reader)->ForEachEntry([&](absl::string_view key,
                                        ckpt::BundleEntry&& entry) {
      if (!absl::StartsWith(key, "model/dense_")) return absl::OkStatus();
      key.remove_prefix(std::strlen("model/dense_"));
      int i = 0;
      if (!absl::SimpleAtoi(key.substr(0, key.find('/')), &i) || i < 0 ||
          i >= layout.num_dense) {
        return absl::InternalError(absl::StrCat("unexpected key ", key));
      }
      dense_writer[static_cast<size_t>(i)] = entry.shard_id;
      return absl::OkStatus();
    }),
            "read the index of " + prefix);
    std::vector<int64_t> end(part_bytes.begin(), part_bytes.end());
    for (int i = 0; i < layout.num_dense; ++i) {
      const int w = dense_writer[static_cast<size_t>(i)];
      if (w < 0 || w >= g_size) Die(absl::StrCat("no writer for dense_", i));
      dense_offset[static_cast<size_t>(i)] = end[static_cast<size_t>(w)];
      end[static_cast<size_t>(w)] += kDenseBytes;
    }
  };

  // ---- limit ops ----
  const auto limit_path = [&](int rank) {
    return ckpt::JoinPath(scratch, absl::StrCat("limit-", rank, ".bin"));
  };
  const std::string my_limit = limit_path(g_rank);
  const auto remove_limit = [&] { ::unlink(my_limit.c_str()); };
  // kWriteback: the bytes in pieces of at most kWritebackBytes, the
  // writeback of every full stretch of kWritebackBytes started at once
  // (sync_file_range, WRITE only), then fdatasync: ckpt_perf's
  // write_fsync_wb, the device's durable ceiling.
  enum class Sync { kNone, kFsync, kWriteback };
  constexpr size_t kWritebackBytes = size_t{8} << 20;
  const auto limit_write = [&](Sync sync) {
    const int fd = OpenOrDie(my_limit, O_WRONLY | O_CREAT | O_TRUNC);
    off_t written = 0, hinted = 0;
    const auto put = [&](absl::string_view b) {
      if (sync != Sync::kWriteback) {
        WriteAll(fd, b.data(), b.size(), my_limit);
        return;
      }
      for (size_t done = 0; done < b.size();) {
        const size_t piece = std::min(kWritebackBytes, b.size() - done);
        WriteAll(fd, b.data() + done, piece, my_limit);
        done += piece;
        written += static_cast<off_t>(piece);
        if (written - hinted >= static_cast<off_t>(kWritebackBytes)) {
          // A hint: errors surface in the fdatasync below.
          (void)::sync_file_range(fd, hinted, written - hinted,
                                  SYNC_FILE_RANGE_WRITE);
          hinted = written;
        }
      }
    };
    for (int p = 0; p < model->emb.num_parts(); ++p) {
      put(model->emb.part(p).bytes());
    }
    for (int i = 0; i < layout.num_dense; ++i) {
      if (dense_writer[static_cast<size_t>(i)] != g_rank) continue;
      put(model->dense[static_cast<size_t>(i)].value().bytes());
    }
    if (sync != Sync::kNone && ::fdatasync(fd) != 0) {
      FailErrno("fdatasync", my_limit);
    }
    CloseOrDie(fd, my_limit);
  };
  // Destinations: one per part, then one per dense tensor.
  std::vector<Buffer> reused;
  std::vector<size_t> dest_size;
  for (int p = 0; p < model->emb.num_parts(); ++p) {
    dest_size.push_back(model->emb.part(p).bytes().size());
  }
  for (int i = 0; i < layout.num_dense; ++i) {
    dest_size.push_back(static_cast<size_t>(kDenseBytes));
  }
  for (size_t n : dest_size) {
    reused.push_back(Allocate(n));
    std::memset(reused.back().get(), 1, n);
  }
  std::vector<Buffer> fresh;
  volatile uint32_t crc_sink = 0;
  const auto limit_read = [&](bool into_fresh, bool crc) {
    uint32_t c = 0;
    std::vector<int> fds(static_cast<size_t>(g_size), -1);
    const auto fd_of = [&](int rank) {
      int& fd = fds[static_cast<size_t>(rank)];
      if (fd < 0) fd = OpenOrDie(limit_path(rank), O_RDONLY);
      return fd;
    };
    const auto dest = [&](size_t k) {
      if (!into_fresh) return reused[k].get();
      fresh.push_back(Allocate(dest_size[k]));
      return fresh.back().get();
    };
    size_t k = 0;
    off_t offset = 0;
    for (int p = 0; p < model->emb.num_parts(); ++p, ++k) {
      char* d = dest(k);
      PreadAll(fd_of(g_rank), d, dest_size[k], offset, my_limit);
      if (crc) c ^= ckpt::crc32c::Extend(0, d, dest_size[k]);
      offset += static_cast<off_t>(dest_size[k]);
    }
    for (int i = 0; i < layout.num_dense; ++i, ++k) {
      const int w = dense_writer[static_cast<size_t>(i)];
      char* d = dest(k);
      PreadAll(fd_of(w), d, dest_size[k],
               static_cast<off_t>(dense_offset[static_cast<size_t>(i)]),
               limit_path(w));
      if (crc) c ^= ckpt::crc32c::Extend(0, d, dest_size[k]);
    }
    crc_sink = crc_sink ^ c;
    for (int r = 0; r < g_size; ++r) {
      if (fds[static_cast<size_t>(r)] >= 0) {
        CloseOrDie(fds[static_cast<size_t>(r)], limit_path(r));
      }
    }
  };

  // ---- ckpt ops ----
  const auto save = [&](const ckpt::SaveOptions& options,
                        std::string* previous) {
    absl::StatusOr<std::string> saved = checkpoint.Save(save_base, options);
    CheckOk(saved.status(), "Save");
    *previous = *saved;
    last_prefix = *saved;
  };
  std::optional<ckpt::RestoreStatus> restored;
  std::unique_ptr<BenchModel> fresh_model;
  std::unique_ptr<ckpt::Checkpoint> fresh_checkpoint;

  // In groups of limit ops and the ckpt op they bound (see Runs below).
  std::vector<Op> ops(10);
  Op& write_fsync = ops[0];
  write_fsync = {"limit", "write_fsync"};
  write_fsync.before = remove_limit;
  write_fsync.run = [&] { limit_write(Sync::kFsync); };
  Op& write_fsync_wb = ops[1];
  write_fsync_wb = {"limit", "write_fsync_wb"};
  write_fsync_wb.before = remove_limit;
  write_fsync_wb.run = [&] { limit_write(Sync::kWriteback); };
  Op& save_op = ops[2];
  save_op = {"ckpt", "save"};
  save_op.before = [&] {
    if (g_rank == 0) RemoveCheckpoint(prev_sync_prefix);
    // The prefix Save will use (its counter + 1), for the trace.
    traced_prefix = absl::StrCat(
        save_base, "-", checkpoint.save_counter().flat<int64_t>()[0] + 1);
  };
  save_op.run = [&] { save(save_sync, &prev_sync_prefix); };
  save_op.traced_prefix = &traced_prefix;
  save_op.track_rss = true;
  save_op.collective = true;
  Op& write = ops[3];
  write = {"limit", "write"};
  write.before = remove_limit;
  write.run = [&] { limit_write(Sync::kNone); };
  Op& save_nosync_op = ops[4];
  save_nosync_op = {"ckpt", "save_nosync"};
  save_nosync_op.before = [&] {
    if (g_rank == 0) RemoveCheckpoint(prev_nosync_prefix);
    traced_prefix = absl::StrCat(
        save_base, "-", checkpoint.save_counter().flat<int64_t>()[0] + 1);
  };
  save_nosync_op.run = [&] { save(save_nosync, &prev_nosync_prefix); };
  save_nosync_op.traced_prefix = &traced_prefix;
  save_nosync_op.track_rss = true;
  save_nosync_op.collective = true;
  Op& read_reused = ops[5];
  read_reused = {"limit", "read_reused"};
  read_reused.run = [&] { limit_read(false, false); };
  Op& read_crc = ops[6];
  read_crc = {"limit", "read_crc"};
  read_crc.run = [&] { limit_read(false, true); };
  Op& restore_existing = ops[7];
  restore_existing = {"ckpt", "restore_existing"};
  restore_existing.run = [&] {
    absl::StatusOr<ckpt::RestoreStatus> s =
        checkpoint.Restore(last_prefix, restore_options);
    CheckOk(s.status(), "restore_existing");
    restored = *std::move(s);
  };
  restore_existing.after = [&] {
    CheckOk(restored->AssertExistingObjectsMatched(), "restore_existing");
    restored.reset();
  };
  restore_existing.track_rss = true;
  restore_existing.collective = true;
  Op& read_fresh = ops[8];
  read_fresh = {"limit", "read_fresh"};
  // Before each fresh op (untimed): as much memory as it will allocate is
  // touched and freed, so that both fresh ops find free pages still backed
  // by the host (this VM hands idle free memory back to the host within
  // seconds; see the file comment).
  const auto prefault = [&] {
    const double start = MPI_Wtime();
    Buffer b = Allocate(static_cast<size_t>(restore_bytes));
    std::memset(b.get(), 2, static_cast<size_t>(restore_bytes));
    if (g_verbose) {
      std::fprintf(stderr, "#   rank %d prefault: %.4f s\n", g_rank,
                   MPI_Wtime() - start);
    }
  };
  read_fresh.before = [&] {
    prefault();
    fresh.reserve(dest_size.size());
  };
  read_fresh.run = [&] { limit_read(true, false); };
  read_fresh.after = [&] { fresh.clear(); };
  read_fresh.payload_bytes = restore_bytes;
  read_fresh.track_rss = true;
  Op& restore_fresh = ops[9];
  restore_fresh = {"ckpt", "restore_fresh"};
  restore_fresh.before = prefault;
  // restore_fresh's model construction (CreateLocal, zero-filled parts),
  // slowest rank, per timed run.
  double build_seconds = 0;
  std::vector<double> build_runs;
  restore_fresh.run = [&] {
    const double start = MPI_Wtime();
    fresh_model = MakeModel(layout, false);
    build_seconds = MPI_Wtime() - start;
    if (g_verbose) {
      std::fprintf(stderr, "#   rank %d restore_fresh: model built in %.4f s\n",
                   g_rank, build_seconds);
    }
    fresh_checkpoint = std::make_unique<ckpt::Checkpoint>();
    CheckOk(fresh_checkpoint->Track("model", *fresh_model), "Track");
    absl::StatusOr<ckpt::RestoreStatus> s =
        fresh_checkpoint->Restore(last_prefix, restore_options);
    CheckOk(s.status(), "restore_fresh");
    restored = *std::move(s);
  };
  restore_fresh.after = [&] {
    const double build_max = MaxOverRanks(build_seconds);
    if (g_recording) build_runs.push_back(build_max);
    CheckOk(restored->AssertExistingObjectsMatched(), "restore_fresh");
    restored.reset();
    fresh_checkpoint.reset();
    fresh_model.reset();
  };
  restore_fresh.payload_bytes = restore_bytes;
  restore_fresh.track_rss = true;
  restore_fresh.collective = true;

  char load[128] = "?";
  {
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (f != nullptr) {
      if (std::fgets(load, sizeof(load), f) == nullptr) load[0] = '\0';
      std::fclose(f);
      load[std::strcspn(load, "\n")] = '\0';
    }
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const HostInfo host = GetHostInfo(absl::StrCat(
      "ranks ", g_size, "; runs ", flags.runs,
      "; GLIBC_TUNABLES=", tunables != nullptr ? tunables : "(unset)", "; dir ",
      flags.dir, "; loadavg at start ", load));
  const std::string model_text = absl::StrCat(
      Fixed(static_cast<double>(layout.total()) / kMiB, 1),
      " MiB: embedding float32 [", layout.rows, ", ", kCols, "] in ",
      layout.parts, " parts over ", g_size, " ranks (",
      Fixed(static_cast<double>(layout.emb_bytes()) / kMiB, 1), " MiB), ",
      layout.num_dense, " replicated dense float32 [", kDenseDim, ", ",
      kDenseDim, "] (",
      Fixed(static_cast<double>(layout.dense_bytes()) / kMiB, 1), " MiB)");
  if (g_rank == 0) {
    std::fprintf(table, "# ckpt_mpi_bench: %s\n# %d CPUs, %.1f GiB, %s\n",
                 model_text.c_str(), host.cpus,
                 static_cast<double>(host.mem_bytes) / kGiB,
                 host.notes.c_str());
    std::fflush(table);
  }

  // Warm-up: the save first, so that the limit writes know who writes what.
  RunOnce(save_op, /*warmup=*/true);
  learn_writers(last_prefix);
  for (Op& op : ops) {
    if (&op != &save_op) RunOnce(op, /*warmup=*/true);
  }
  // Runs: each group is a ckpt op and the limits that bound it; even runs
  // time the limits first, odd runs the ckpt op first (the group reversed).
  const std::vector<std::vector<size_t>> groups = {
      {0, 1, 2}, {3, 4}, {5, 6, 7}, {8, 9}};
  for (int r = 0; r < flags.runs; ++r) {
    if (g_rank == 0) std::fprintf(stderr, "# run %d/%d\n", r + 1, flags.runs);
    for (std::vector<size_t> group : groups) {
      if (r % 2 == 1) std::reverse(group.begin(), group.end());
      for (size_t i : group) RunOnce(ops[i], false);
    }
  }
  if (g_rank == 0) std::fprintf(stderr, "# peak RSS run\n");
  for (Op& op : ops) {
    if (op.track_rss) MeasureRss(op);
  }

  // Checks: the limit reads and a fresh restore hold the model's bytes.
  {
    size_t k = 0;
    for (int p = 0; p < model->emb.num_parts(); ++p, ++k) {
      if (std::memcmp(reused[k].get(), model->emb.part(p).bytes().data(),
                      dest_size[k]) != 0) {
        Die(absl::StrCat("limit read of part ", p, " differs"));
      }
    }
    for (int i = 0; i < layout.num_dense; ++i, ++k) {
      if (std::memcmp(
              reused[k].get(),
              model->dense[static_cast<size_t>(i)].value().bytes().data(),
              dest_size[k]) != 0) {
        Die(absl::StrCat("limit read of dense_", i, " differs"));
      }
    }
    std::unique_ptr<BenchModel> check = MakeModel(layout, false);
    ckpt::Checkpoint check_checkpoint;
    CheckOk(check_checkpoint.Track("model", *check), "Track");
    absl::StatusOr<ckpt::RestoreStatus> s =
        check_checkpoint.Restore(last_prefix, restore_options);
    CheckOk(s.status(), "check restore");
    CheckOk(s->AssertExistingObjectsMatched(), "check restore");
    const std::string mismatch = Mismatch(*model, *check);
    if (!mismatch.empty()) Die("the restored model differs: " + mismatch);
  }

  QuietBarrier();
  if (g_rank == 0) {
    absl::StatusOr<std::vector<std::string>> names = env->GetChildren(scratch);
    CheckOk(names.status(), "list " + scratch);
    for (const std::string& name : *names) {
      CheckOk(env->DeleteFile(ckpt::JoinPath(scratch, name)), "remove");
    }
    CheckOk(env->DeleteDir(scratch), "remove " + scratch);
    if (!dir_existed) ::rmdir(flags.dir.c_str());
  }
  if (g_rank != 0) return 0;

  // ---- report (rank 0) ----
  const double total = static_cast<double>(layout.total());
  std::map<std::string, const Op*> by_name;
  for (const Op& op : ops) by_name[op.name] = &op;
  const auto median = [&](const std::string& name) {
    return Median(by_name.at(name)->runs);
  };
  std::fprintf(table, "%-6s %-17s %10s %8s %-30s %12s\n", "system", "op",
               "median s", "GiB/s", "runs (s)", "peak RSS MiB");
  for (const Op& op : ops) {
    std::string runs;
    for (double v : op.runs)
      absl::StrAppend(&runs, runs.empty() ? "" : " ", Fixed(v, 3));
    const double m = Median(op.runs);
    std::fprintf(
        table, "%-6s %-17s %10.4f %8.2f %-30s %12s\n", op.system.c_str(),
        op.name.c_str(), m, total / m / kGiB, runs.c_str(),
        op.peak_rss_delta
            ? Fixed(static_cast<double>(*op.peak_rss_delta) / kMiB, 1).c_str()
            : "-");
  }

  struct PhaseMedians {
    double plan, plan_collectives, write, write_min, wait, merge, state;
  };
  const auto phase_medians = [&](const Op& op) {
    std::vector<double> v_plan, v_coll, v_write, v_wait, v_merge, v_state;
    for (const SavePhases& p : op.phases_max) {
      v_plan.push_back(p.plan);
      v_coll.push_back(p.plan_collectives);
      v_write.push_back(p.write);
      v_wait.push_back(p.wait);
      v_merge.push_back(p.merge);
      v_state.push_back(p.state);
    }
    return PhaseMedians{Median(v_plan),       Median(v_coll), Median(v_write),
                        Median(op.write_min), Median(v_wait), Median(v_merge),
                        Median(v_state)};
  };
  const PhaseMedians ph_sync = phase_medians(save_op);
  const PhaseMedians ph_nosync = phase_medians(save_nosync_op);
  std::fprintf(table,
               "# save steps, medians in s (plan, its collectives, write: "
               "slowest rank; write_min: fastest rank; wait, merge, state: "
               "rank 0):\n");
  for (const auto& [name, ph] :
       {std::pair<std::string, PhaseMedians>{"save", ph_sync},
        {"save_nosync", ph_nosync}}) {
    std::fprintf(table,
                 "#   %-16s plan %.4f (collectives %.4f)  write %.4f  "
                 "write_min %.4f  wait %.4f  merge %.4f  state %.4f\n",
                 name.c_str(), ph.plan, ph.plan_collectives, ph.write,
                 ph.write_min, ph.wait, ph.merge, ph.state);
  }
  std::fprintf(table,
               "# collective ops, medians in s: time outside collectives on "
               "the slowest and the fastest rank, largest time in "
               "collectives:\n");
  for (const Op& op : ops) {
    if (!op.collective) continue;
    std::fprintf(table, "#   %-16s work %.4f / %.4f  in collectives %.4f\n",
                 op.name.c_str(), Median(op.work_max), Median(op.work_min),
                 Median(op.in_collectives_max));
  }
  std::fprintf(table,
               "# restore_fresh: building the model (CreateLocal, zero-filled "
               "parts; slowest rank) %.4f s of it (median)\n",
               Median(build_runs));

  // Throughput ratio = limit seconds / ckpt seconds.
  const double r_save = median("write_fsync") / median("save");
  const double r_save_wb = median("write_fsync_wb") / median("save");
  const double r_save_nosync = median("write") / median("save_nosync");
  const double r_restore = median("read_reused") / median("restore_existing");
  const double r_restore_crc = median("read_crc") / median("restore_existing");
  const double r_restore_fresh = median("read_fresh") / median("restore_fresh");
  const double merge_share = ph_sync.merge / median("save");
  const double merge_share_nosync = ph_nosync.merge / median("save_nosync");
  int64_t worst_save_rss = 0, worst_restore_rss = 0;
  for (const char* name : {"save", "save_nosync"}) {
    worst_save_rss =
        std::max(worst_save_rss, by_name.at(name)->peak_rss_delta.value_or(0));
  }
  for (const char* name : {"restore_existing", "restore_fresh"}) {
    worst_restore_rss = std::max(worst_restore_rss,
                                 by_name.at(name)->peak_rss_delta.value_or(0));
  }
  std::vector<Target> targets = {
      {"save >= 0.85x limit (durable save vs write_fsync)",
       absl::StrCat(Fixed(r_save, 2),
                    "x (vs write_fsync_wb: ", Fixed(r_save_wb, 2), "x)"),
       r_save >= 0.85},
      {"save_nosync >= 0.85x limit (vs write)",
       absl::StrCat(Fixed(r_save_nosync, 2), "x"), r_save_nosync >= 0.85},
      {"restore_existing >= 0.85x limit (vs read_reused)",
       absl::StrCat(Fixed(r_restore, 2),
                    "x (vs read_crc: ", Fixed(r_restore_crc, 2), "x)"),
       r_restore >= 0.85},
      {"restore_fresh >= 0.85x limit (vs read_fresh)",
       absl::StrCat(Fixed(r_restore_fresh, 2), "x"), r_restore_fresh >= 0.85},
      {"per-rank memory overhead < 64 MiB (save, save_nosync)",
       absl::StrCat(Fixed(static_cast<double>(worst_save_rss) / kMiB, 1),
                    " MiB"),
       worst_save_rss < 64 * (int64_t{1} << 20)},
      {"per-rank memory overhead < 64 MiB (restores; fresh: less payload)",
       absl::StrCat(Fixed(static_cast<double>(worst_restore_rss) / kMiB, 1),
                    " MiB"),
       worst_restore_rss < 64 * (int64_t{1} << 20)},
      {"merge < 5 % of the save (durable)",
       absl::StrCat(
           Fixed(100 * merge_share, 2), " % (", Fixed(ph_sync.merge, 4),
           " s; save_nosync: ", Fixed(100 * merge_share_nosync, 2), " %)"),
       merge_share < 0.05},
  };
  std::fprintf(table, "# targets (throughput ratio = limit s / ckpt s):\n");
  for (const Target& t : targets) {
    std::fprintf(table, "#   %-4s %-68s %s\n", t.pass ? "PASS" : "FAIL",
                 t.name.c_str(), t.measured.c_str());
  }
  std::fflush(table);

  std::string json = absl::StrCat(
      "{\"producer\": \"ckpt_mpi_bench\",\n \"host\": {\"cpus\": ", host.cpus,
      ", \"mem_bytes\": ", host.mem_bytes,
      ", \"kernel\": ", JsonString(host.kernel),
      ", \"notes\": ", JsonString(host.notes),
      "},\n \"config\": {\"ranks\": ", g_size, ", \"bytes\": ", layout.total(),
      ", \"emb_rows\": ", layout.rows, ", \"emb_cols\": ", kCols,
      ", \"emb_parts\": ", layout.parts,
      ", \"emb_bytes\": ", layout.emb_bytes(),
      ", \"dense_tensors\": ", layout.num_dense,
      ", \"dense_bytes\": ", layout.dense_bytes(), ", \"runs\": ", flags.runs,
      ", \"model\": ", JsonString(model_text), "},\n \"results\": [");
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const double m = Median(op.runs);
    absl::StrAppend(
        &json, i > 0 ? ",\n" : "\n", "   {\"system\": ", JsonString(op.system),
        ", \"op\": ", JsonString(op.name), ", \"seconds\": ", JsonNumber(m),
        ", \"gib_per_s\": ", JsonNumber(total / m / kGiB),
        ", \"runs\": ", RunsJson(op.runs), ", \"peak_rss_delta_bytes\": ",
        op.peak_rss_delta ? absl::StrCat(*op.peak_rss_delta)
                          : std::string("null"));
    if (op.collective) {
      absl::StrAppend(
          &json, ", \"work_slowest_rank\": ", JsonNumber(Median(op.work_max)),
          ", \"work_fastest_rank\": ", JsonNumber(Median(op.work_min)),
          ", \"in_collectives_max\": ",
          JsonNumber(Median(op.in_collectives_max)));
    }
    if (&op == &restore_fresh) {
      absl::StrAppend(
          &json, ", \"model_build_seconds\": ", JsonNumber(Median(build_runs)),
          ", \"model_build_runs\": ", RunsJson(build_runs));
    }
    json.append("}");
  }
  absl::StrAppend(&json, "\n ],\n \"save_steps\": {");
  bool first = true;
  for (const auto& [name, ph] :
       {std::pair<std::string, PhaseMedians>{"save", ph_sync},
        {"save_nosync", ph_nosync}}) {
    absl::StrAppend(&json, first ? "" : ", ", JsonString(name),
                    ": {\"plan\": ", JsonNumber(ph.plan),
                    ", \"plan_collectives\": ", JsonNumber(ph.plan_collectives),
                    ", \"write\": ", JsonNumber(ph.write),
                    ", \"write_min\": ", JsonNumber(ph.write_min),
                    ", \"wait\": ", JsonNumber(ph.wait),
                    ", \"merge\": ", JsonNumber(ph.merge),
                    ", \"state\": ", JsonNumber(ph.state), "}");
    first = false;
  }
  absl::StrAppend(
      &json, "},\n \"ratios\": {\"save_vs_write_fsync\": ", JsonNumber(r_save),
      ", \"save_vs_write_fsync_wb\": ", JsonNumber(r_save_wb),
      ", \"save_nosync_vs_write\": ", JsonNumber(r_save_nosync),
      ", \"restore_existing_vs_read_reused\": ", JsonNumber(r_restore),
      ", \"restore_existing_vs_read_crc\": ", JsonNumber(r_restore_crc),
      ", \"restore_fresh_vs_read_fresh\": ", JsonNumber(r_restore_fresh),
      ", \"merge_share_of_save\": ", JsonNumber(merge_share),
      ", \"merge_share_of_save_nosync\": ", JsonNumber(merge_share_nosync),
      ", \"worst_save_rss_delta_bytes\": ", worst_save_rss,
      ", \"worst_restore_rss_delta_bytes\": ", worst_restore_rss,
      "},\n \"targets\": [");
  for (size_t i = 0; i < targets.size(); ++i) {
    absl::StrAppend(&json, i > 0 ? ",\n" : "\n",
                    "   {\"target\": ", JsonString(targets[i].name),
                    ", \"measured\": ", JsonString(targets[i].measured),
                    ", \"pass\": ", targets[i].pass ? "true" : "false", "}");
  }
  json.append("\n ]}\n");
  if (flags.json) std::fputs(json.c_str(), stdout);
  if (!flags.out.empty()) {
    std::string write_error;
    if (!WriteWholeFile(flags.out, json, &write_error)) Die(write_error);
  }
  return 0;
}

}  // namespace
}  // namespace ckpt_perf

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &ckpt_perf::g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ckpt_perf::g_size);
  ckpt_perf::g_verbose = std::getenv("CKPT_MPI_BENCH_VERBOSE") != nullptr;
  const int rc = ckpt_perf::Main(argc, argv);
  MPI_Finalize();
  return rc;
}
