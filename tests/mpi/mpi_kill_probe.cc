// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Kill tests of collective saves under MPI (docs/distributed.md §3): one rank
// of a collective Checkpoint::Save is killed with SIGKILL at a moment drawn
// from a seed, which ends the whole mpirun job; a fresh job must then find
// the previous or the new checkpoint named by the state file, complete,
// still find the previous one, and save again. Driven by tests/mpi/
// kill_trials.sh, one mpirun job per mode:
//
//   mpi_kill_probe prepare DIR       a collective save of the model with
//                                    values 1 to DIR/ckpt-1, counting the
//                                    steps (mutating Env calls and
//                                    collectives) and timing the save on
//                                    each rank: DIR.calibration
//   mpi_kill_probe killsave DIR SEED every rank restores DIR's latest
//                                    checkpoint (ckpt-N: its save_counter is
//                                    N) and saves ckpt-N+1 with values N+1;
//                                    rank SEED % size is killed, either
//                                    before its K-th step (K from the seed in
//                                    [0, its calibrated steps]; K past its
//                                    last step: right after Save returns) or
//                                    by a timer after D microseconds (D in
//                                    [0, 1.25 x its calibrated save time];
//                                    a timer later than the save does not
//                                    fire and the job ends with 0)
//   mpi_kill_probe check DIR PREV    a fresh job: DIR's latest checkpoint is
//                                    ckpt-PREV ("old") or ckpt-PREV+1
//                                    ("new"), restores on every rank (another
//                                    part layout) with every value from that
//                                    save, and every entry verifies; after a
//                                    "new", ckpt-PREV still restores; then a
//                                    collective save of ckpt-LATEST+1 succeeds
//                                    (the job restarts), leaves no *_temp
//                                    directory, is named by the state file
//                                    and restores
//
// The victim prints "mpi_kill_probe: rank R killed <moment>" to stderr just
// before it dies; rank 0 of `check` prints "check: latest ckpt-N (old|new)
// ...". Each rank prints "rank R: ok" or "rank R: FAILED: ..."; the job's exit
// status is 0 only if every rank passed.

#include <mpi.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_format.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "ckpt/mpi_communicator.h"
#include "ckpt/status.h"
#include "testing/distributed_model.h"

namespace ckpt {
namespace {

using testing::DistModel;
using testing::MakeDistModel;

absl::Status Check(bool ok, const std::string& what) {
  return ok ? absl::OkStatus() : absl::InternalError(what);
}

// `s` with "what: " before its message (same code).
absl::Status Annotate(const absl::Status& s, const std::string& what) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

// ---- the model: every value derives from the save number n ----
// (testing::SetValues / testing::Mismatch of version n: checkpoint ckpt-n
// holds the values of n.)
using testing::Mismatch;
using testing::SetValues;

std::string PrefixOf(const std::string& dir, int64_t n) {
  return JoinPath(dir, absl::StrCat("ckpt-", n));
}

// The number of checkpoint "DIR/ckpt-N", or -1.
int64_t NumberOf(const std::string& prefix) {
  const std::string base = Basename(prefix);
  int64_t n = -1;
  if (!absl::StartsWith(base, "ckpt-") ||
      !absl::SimpleAtoi(absl::string_view(base).substr(5), &n)) {
    return -1;
  }
  return n;
}

// A checkpoint restored into a model, for a later save.
struct Restored {
  std::unique_ptr<DistModel> model;
  std::unique_ptr<Checkpoint> ckpt;
};

// This rank's checks of a restored model (RestoreAndCheck).
absl::Status CheckRestored(const RestoreStatus& status, const Restored& r,
                           const std::string& prefix, int64_t n) {
  CKPT_RETURN_IF_ERROR(status.AssertConsumed());
  const std::string mismatch = Mismatch(*r.model, n);
  CKPT_RETURN_IF_ERROR(
      Check(mismatch.empty(),
            absl::StrCat(prefix, " does not hold the values of save ", n, ": ",
                         mismatch)));
  const int64_t counter = r.ckpt->save_counter().flat<int64_t>()[0];
  return Check(counter == n, absl::StrCat(prefix, ": save_counter ", counter));
}

// Every entry of `prefix` verifies.
absl::Status VerifyAll(const std::string& prefix) {
  CKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                        BundleReader::Open(Env::Default(), prefix));
  return Annotate(reader->ForEachEntry(
                      [&](absl::string_view key, const BundleEntry& entry) {
                        return reader->Verify(key, entry);
                      }),
                  absl::StrCat("verifying ", prefix));
}

// Restores `path` (checkpoint `prefix` or its directory) on every rank into a
// model of `parts_per_rank` x size parts and checks that it holds the values
// of save `n` throughout, save_counter included; rank 0 also verifies every
// entry of `prefix`. Fails on every rank if a check fails on one.
absl::StatusOr<Restored> RestoreAndCheck(Communicator& comm,
                                         const std::string& path,
                                         const std::string& prefix, int64_t n,
                                         int parts_per_rank) {
  Restored out;
  out.model = MakeDistModel(comm.rank(), comm.size(),
                            parts_per_rank * comm.size(), false);
  CKPT_RETURN_IF_ERROR(Check(out.model != nullptr, "no model"));
  out.ckpt = std::make_unique<Checkpoint>();
  CKPT_RETURN_IF_ERROR(out.ckpt->Track("model", *out.model));
  RestoreOptions options;
  options.communicator = &comm;
  absl::StatusOr<RestoreStatus> status = out.ckpt->Restore(path, options);
  CKPT_RETURN_IF_ERROR(
      Annotate(status.status(), absl::StrCat("restoring ", path)));
  absl::Status checked = CheckRestored(*status, out, prefix, n);
  if (checked.ok() && comm.rank() == 0) checked = VerifyAll(prefix);
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(comm, checked));
  return out;
}

// ---- the kill ----

// Counts the steps of a save on this rank (mutating Env calls and entries
// into collectives) and kills the process before step `at`, or from a timer.
class Killer {
 public:
  Killer(int rank, std::string dir) : rank_(rank), dir_(std::move(dir)) {}

  void KillAtStep(int64_t at) { at_ = at; }

  // Step `what` is about to run.
  void Step(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (steps_ == at_) {
      Die(absl::StrCat("before step ", steps_, ": ", what));
    }
    ++steps_;
    last_ = what;
  }
  void Collective(const std::string& what, bool entering) {
    if (entering) Step(what);
    std::lock_guard<std::mutex> lock(mu_);
    in_collective_ = entering;
  }

  int64_t steps() {
    std::lock_guard<std::mutex> lock(mu_);
    return steps_;
  }

  // Makes paths relative to DIR's parent, for shorter lines.
  std::string Short(const std::string& path) const {
    const std::string parent = Dirname(dir_) + "/";
    return absl::StartsWith(path, parent) ? path.substr(parent.size()) : path;
  }

  // From the timer thread.
  void DieNow(const std::string& when) {
    std::lock_guard<std::mutex> lock(mu_);
    Die(absl::StrCat(when, ", ", steps_, " steps done, ",
                     in_collective_ ? "inside " : "after ",
                     last_.empty() ? "(none)" : last_));
  }

  [[noreturn]] void Die(const std::string& moment) {
    const std::string line =
        absl::StrCat("mpi_kill_probe: rank ", rank_, " killed ", moment, "\n");
    // Unbuffered, so that the line is out before the signal.
    (void)!::write(2, line.data(), line.size());
    ::raise(SIGKILL);
    ::_exit(99);  // not reached
  }

 private:
  const int rank_;
  const std::string dir_;
  std::mutex mu_;
  int64_t at_ = -1;
  int64_t steps_ = 0;
  std::string last_;
  bool in_collective_ = false;
};

class CountingFile : public WritableFile {
 public:
  CountingFile(std::unique_ptr<WritableFile> base, Killer& killer)
      : base_(std::move(base)), killer_(killer) {}
  absl::Status Append(absl::string_view data) override {
    killer_.Step(absl::StrCat("Append ", killer_.Short(path()), " (",
                              data.size(), " bytes)"));
    return base_->Append(data);
  }
  absl::Status Sync() override {
    killer_.Step("Sync " + killer_.Short(path()));
    return base_->Sync();
  }
  void StartWriteback(uint64_t offset, uint64_t n) override {
    base_->StartWriteback(offset, n);
  }
  absl::Status Close() override {
    killer_.Step("Close " + killer_.Short(path()));
    return base_->Close();
  }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  Killer& killer_;
};

class CountingEnv : public EnvWrapper {
 public:
  CountingEnv(Env* target, Killer& killer)
      : EnvWrapper(target), killer_(killer) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    killer_.Step("NewWritableFile " + killer_.Short(path));
    CKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          EnvWrapper::NewWritableFile(path));
    return std::unique_ptr<WritableFile>(
        std::make_unique<CountingFile>(std::move(file), killer_));
  }
  absl::Status DeleteFile(const std::string& path) override {
    killer_.Step("DeleteFile " + killer_.Short(path));
    return EnvWrapper::DeleteFile(path);
  }
  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override {
    killer_.Step(absl::StrCat("RenameFile ", killer_.Short(src), " -> ",
                              killer_.Short(target)));
    return EnvWrapper::RenameFile(src, target);
  }
  absl::Status CreateDir(const std::string& dir) override {
    killer_.Step("CreateDir " + killer_.Short(dir));
    return EnvWrapper::CreateDir(dir);
  }
  absl::Status DeleteDir(const std::string& dir) override {
    killer_.Step("DeleteDir " + killer_.Short(dir));
    return EnvWrapper::DeleteDir(dir);
  }
  absl::Status SyncDir(const std::string& dir) override {
    killer_.Step("SyncDir " + killer_.Short(dir));
    return EnvWrapper::SyncDir(dir);
  }

 private:
  Killer& killer_;
};

class CountingComm : public Communicator {
 public:
  CountingComm(Communicator& base, Killer& killer)
      : base_(base), killer_(killer) {}
  int rank() const override { return base_.rank(); }
  int size() const override { return base_.size(); }
  absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view mine) override {
    killer_.Collective(absl::StrCat("AllGather #", ++calls_), true);
    auto out = base_.AllGather(mine);
    killer_.Collective("", false);
    return out;
  }
  absl::StatusOr<std::string> Broadcast(int root,
                                        absl::string_view data) override {
    killer_.Collective(absl::StrCat("Broadcast #", ++calls_), true);
    auto out = base_.Broadcast(root, data);
    killer_.Collective("", false);
    return out;
  }
  absl::Status Barrier() override {
    killer_.Collective(absl::StrCat("Barrier #", ++calls_), true);
    absl::Status out = base_.Barrier();
    killer_.Collective("", false);
    return out;
  }
  void Abort(const absl::Status& why) override { base_.Abort(why); }

 private:
  Communicator& base_;
  Killer& killer_;
  int calls_ = 0;
};

// Kills through `killer` after `delay_us` unless cancelled first.
class Timer {
 public:
  Timer(Killer& killer, int64_t delay_us)
      : thread_([this, &killer, delay_us] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, std::chrono::microseconds(delay_us),
                            [this] { return cancelled_; })) {
            killer.DieNow(absl::StrCat("by the timer after ", delay_us, " us"));
          }
        }) {}
  ~Timer() { Cancel(); }
  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

// ---- calibration: steps and microseconds of one save, per rank ----

struct Calibration {
  int64_t steps = 0;
  int64_t us = 0;
};

std::string CalibrationPath(const std::string& dir) {
  return dir + ".calibration";
}

absl::StatusOr<Calibration> ReadCalibration(const std::string& dir, int rank,
                                            int size) {
  std::ifstream in(CalibrationPath(dir));
  int ranks = 0;
  if (!(in >> ranks) || ranks != size) {
    return absl::FailedPreconditionError(absl::StrCat(
        CalibrationPath(dir), ": not from a prepare on ", size, " ranks"));
  }
  Calibration c;
  for (int r = 0; r <= rank; ++r) {
    if (!(in >> c.steps >> c.us)) {
      return absl::DataLossError(CalibrationPath(dir) + ": truncated");
    }
  }
  return c;
}

// ---- the modes ----

absl::Status Prepare(Communicator& comm, const std::string& dir) {
  std::unique_ptr<DistModel> m =
      MakeDistModel(comm.rank(), comm.size(), 2 * comm.size(), true);
  CKPT_RETURN_IF_ERROR(Check(m != nullptr, "no model"));
  SetValues(*m, 1);
  Checkpoint ckpt;
  CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
  Killer counter(comm.rank(), dir);
  CountingEnv env(Env::Default(), counter);
  CountingComm counting(comm, counter);
  SaveOptions options;
  options.env = &env;
  options.communicator = &counting;
  CKPT_RETURN_IF_ERROR(comm.Barrier());
  const auto start = std::chrono::steady_clock::now();
  CKPT_ASSIGN_OR_RETURN(std::string prefix,
                        ckpt.Save(JoinPath(dir, "ckpt"), options));
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  CKPT_RETURN_IF_ERROR(Check(prefix == PrefixOf(dir, 1), "saved as " + prefix));
  CKPT_ASSIGN_OR_RETURN(
      std::vector<std::string> all,
      comm.AllGather(absl::StrCat(counter.steps(), " ", us, "\n")));
  absl::Status written;
  if (comm.rank() == 0) {
    std::string text = absl::StrCat(comm.size(), "\n");
    for (const std::string& line : all) text += line;
    written =
        WriteStringToFileAtomic(Env::Default(), CalibrationPath(dir), text);
    std::printf("prepare: %s: steps and us per rank:\n%s", prefix.c_str(),
                text.c_str());
  }
  return AgreeOnStatus(comm, written);
}

absl::Status KillSave(Communicator& comm, const std::string& dir,
                      uint64_t seed) {
  std::unique_ptr<DistModel> m =
      MakeDistModel(comm.rank(), comm.size(), 2 * comm.size(), false);
  CKPT_RETURN_IF_ERROR(Check(m != nullptr, "no model"));
  Checkpoint ckpt;
  CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
  RestoreOptions restore;
  restore.communicator = &comm;
  CKPT_RETURN_IF_ERROR(ckpt.Restore(dir, restore).status());
  const int64_t n = ckpt.save_counter().flat<int64_t>()[0] + 1;
  SetValues(*m, n);

  const int victim =
      static_cast<int>(seed % static_cast<uint64_t>(comm.size()));
  std::mt19937_64 rng(seed);
  const bool by_timer = rng() % 3 == 0;
  Killer killer(comm.rank(), dir);
  std::unique_ptr<Timer> timer;
  // Every rank reads its calibration, so that a bad file fails every rank.
  absl::StatusOr<Calibration> calibration =
      ReadCalibration(dir, comm.rank(), comm.size());
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(comm, calibration.status()));
  if (comm.rank() == victim) {
    const Calibration& c = *calibration;
    const uint64_t draw = rng();
    if (by_timer) {
      const int64_t delay =
          static_cast<int64_t>(draw % static_cast<uint64_t>(c.us * 5 / 4 + 1));
      std::fprintf(stderr,
                   "mpi_kill_probe: seed %llu: rank %d to be killed by a timer "
                   "after %lld us (calibrated save: %lld us)\n",
                   static_cast<unsigned long long>(seed), victim,
                   static_cast<long long>(delay), static_cast<long long>(c.us));
      timer = std::make_unique<Timer>(killer, delay);
    } else {
      const int64_t at =
          static_cast<int64_t>(draw % static_cast<uint64_t>(c.steps + 1));
      std::fprintf(stderr,
                   "mpi_kill_probe: seed %llu: rank %d to be killed before "
                   "step %lld of %lld\n",
                   static_cast<unsigned long long>(seed), victim,
                   static_cast<long long>(at), static_cast<long long>(c.steps));
      killer.KillAtStep(at);
    }
  }
  CountingEnv env(Env::Default(), killer);
  CountingComm counting(comm, killer);
  SaveOptions options;
  options.env = &env;
  options.communicator = &counting;
  absl::StatusOr<std::string> saved = ckpt.Save(JoinPath(dir, "ckpt"), options);
  // A save that failed without a kill is an error of its own: no kill.
  if (comm.rank() == victim && saved.ok()) {
    if (timer != nullptr) {
      timer->Cancel();
      std::fprintf(stderr,
                   "mpi_kill_probe: rank %d not killed: the timer came after "
                   "the save\n",
                   victim);
    } else {
      killer.Die(
          absl::StrCat("after Save returned (", killer.steps(), " steps)"));
    }
  }
  CKPT_RETURN_IF_ERROR(saved.status());
  return Check(*saved == PrefixOf(dir, n), "saved as " + *saved);
}

absl::Status CheckAfterKill(Communicator& comm, const std::string& dir,
                            int64_t prev) {
  // (1) The latest checkpoint: the previous or the new one, complete.
  CKPT_ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint(dir));
  const int64_t n = NumberOf(latest);
  CKPT_RETURN_IF_ERROR(
      Check(latest == PrefixOf(dir, n) && (n == prev || n == prev + 1),
            absl::StrCat("the state file names ", latest, ", not ckpt-", prev,
                         " or ckpt-", prev + 1)));
  CKPT_ASSIGN_OR_RETURN(Restored restored,
                        RestoreAndCheck(comm, dir, latest, n, 3));
  // (2) The previous one is kept.
  if (n == prev + 1) {
    CKPT_RETURN_IF_ERROR(
        RestoreAndCheck(comm, PrefixOf(dir, prev), PrefixOf(dir, prev), prev, 1)
            .status());
  }
  std::string left;  // what the killed save left beside the latest
  if (comm.rank() == 0) {
    Env* env = Env::Default();
    const std::string next = PrefixOf(dir, n + 1);
    if (env->FileExists(IndexFilename(next)).ok()) {
      absl::StrAppend(&left, ", ", Basename(next), ".index exists");
    }
    if (env->FileExists(next + "_temp").ok()) {
      absl::StrAppend(&left, ", ", Basename(next), "_temp exists");
    }
  }
  // (3) The job restarts: the next save, numbered n + 1, commits.
  SetValues(*restored.model, n + 1);
  SaveOptions options;
  options.communicator = &comm;
  absl::StatusOr<std::string> saved =
      restored.ckpt->Save(JoinPath(dir, "ckpt"), options);
  if (comm.rank() == 0) {
    std::printf("check: latest ckpt-%lld (%s)%s, restart %s\n",
                static_cast<long long>(n), n == prev ? "old" : "new",
                left.c_str(),
                saved.ok() ? ("saved " + Basename(*saved)).c_str()
                           : ("FAILED: " + saved.status().ToString()).c_str());
    std::fflush(stdout);
  }
  CKPT_RETURN_IF_ERROR(Annotate(saved.status(), "restarting"));
  CKPT_RETURN_IF_ERROR(
      Check(*saved == PrefixOf(dir, n + 1), "the restart saved " + *saved));
  CKPT_ASSIGN_OR_RETURN(std::string now, LatestCheckpoint(dir));
  CKPT_RETURN_IF_ERROR(Check(now == *saved, "the state file names " + now));
  absl::Status clean;
  if (comm.rank() == 0) {
    absl::StatusOr<std::vector<std::string>> names =
        Env::Default()->GetChildren(dir);
    clean = names.status();
    if (names.ok()) {
      for (const std::string& name : *names) {
        if (absl::EndsWith(name, "_temp")) {
          clean = absl::InternalError(
              absl::StrCat(JoinPath(dir, name), " is left after the restart"));
        }
      }
    }
  }
  CKPT_RETURN_IF_ERROR(AgreeOnStatus(comm, clean));
  return RestoreAndCheck(comm, dir, *saved, n + 1, 2).status();
}

}  // namespace
}  // namespace ckpt

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  absl::Status result;
  const std::string mode = argc > 1 ? argv[1] : "";
  uint64_t number = 0;
  const bool with_number = mode == "killsave" || mode == "check";
  if (argc != (with_number ? 4 : 3) ||
      (with_number && !absl::SimpleAtoi(argv[3], &number))) {
    result = absl::InvalidArgumentError(
        "usage: prepare DIR | killsave DIR SEED | check DIR PREV");
  } else {
    absl::StatusOr<std::unique_ptr<ckpt::Communicator>> comm =
        ckpt::NewMpiCommunicator(MPI_COMM_WORLD);
    if (!comm.ok()) {
      result = comm.status();
    } else {
      const std::string dir = argv[2];
      if (mode == "prepare") {
        result = ckpt::Prepare(**comm, dir);
      } else if (mode == "killsave") {
        result = ckpt::KillSave(**comm, dir, number);
      } else if (mode == "check") {
        result =
            ckpt::CheckAfterKill(**comm, dir, static_cast<int64_t>(number));
      } else {
        result = absl::InvalidArgumentError("unknown mode " + mode);
      }
    }
  }
  std::printf("rank %d: %s\n", rank,
              result.ok() ? "ok" : ("FAILED: " + result.ToString()).c_str());
  std::fflush(stdout);
  int failed = result.ok() ? 0 : 1, any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any_failed;
}
