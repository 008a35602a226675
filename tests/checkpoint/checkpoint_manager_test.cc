// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckpointManager: numbering, max_to_keep, keep_checkpoint_every_n_hours,
// checkpoint_interval, keep_best, pins, restarts, TensorFlow's state files,
// stale temp files, corrupt state, the directory lock, verification, and
// readers racing a rotating writer.

#include "ckpt/checkpoint_manager.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/checkpoint_state.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "crash_model.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::WriteFileOrDie;
namespace fs = std::filesystem;

using Model = testing::CrashModel;  // every value derived from one number

struct Job {
  Model model;
  Checkpoint checkpoint;
  std::vector<std::string> log;
  Job() { REQUIRE(checkpoint.Track("model", model).ok()); }
  CheckpointManagerOptions Options() {
    CheckpointManagerOptions o;
    o.log = [this](const std::string& line) { log.push_back(line); };
    return o;
  }
  std::unique_ptr<CheckpointManager> Manager(const std::string& dir,
                                             CheckpointManagerOptions o) {
    absl::StatusOr<std::unique_ptr<CheckpointManager>> m =
        CheckpointManager::Create(&checkpoint, dir, std::move(o));
    CKPT_REQUIRE_OK(m);
    return std::move(*m);
  }
  std::string Save(CheckpointManager& m, int64_t n,
                   CheckpointManager::SaveArgs args = {}) {
    model.Set(n);
    absl::StatusOr<std::optional<std::string>> saved = m.Save(args);
    CKPT_REQUIRE_OK(saved);
    REQUIRE(saved->has_value());
    return **saved;
  }
};

// An earlier run of the job: saves 1..count into `dir` with `max_to_keep`.
void PreviousRun(const TempDir& dir, int count, std::optional<int> keep) {
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = keep;
  auto m = job.Manager(dir.path(), o);
  for (int n = 1; n <= count; ++n) job.Save(*m, n);
}

// The value stored at `prefix`, restored into a fresh model.
int64_t RestoredValue(const std::string& prefix) {
  Model m;
  Checkpoint c;
  REQUIRE(c.Track("model", m).ok());
  absl::StatusOr<RestoreStatus> st = c.Read(prefix);
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  return m.Consistent();
}

bool Exists(const std::string& path) { return fs::exists(path); }

bool HasLine(const std::vector<std::string>& log, const std::string& part) {
  for (const std::string& line : log) {
    if (absl::StrContains(line, part)) return true;
  }
  return false;
}

std::vector<std::string> Prefixes(const TempDir& dir,
                                  std::initializer_list<int> numbers) {
  std::vector<std::string> out;
  for (int n : numbers) out.push_back(dir.Join(absl::StrCat("ckpt-", n)));
  return out;
}

TEST_CASE("Save numbers checkpoints and keeps the newest max_to_keep") {
  TempDir dir;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 2;
  double clock = 1000;
  o.clock = [&clock] { return clock += 1; };
  auto m = job.Manager(dir.path(), o);
  REQUIRE_FALSE(m->latest_checkpoint().has_value());
  for (int n = 1; n <= 5; ++n) {
    REQUIRE(job.Save(*m, n * 10) == dir.Join(absl::StrCat("ckpt-", n)));
  }
  REQUIRE(m->checkpoints() == Prefixes(dir, {4, 5}));
  REQUIRE(m->latest_checkpoint() == dir.Join("ckpt-5"));
  for (int n = 1; n <= 3; ++n) {
    INFO(n);
    REQUIRE_FALSE(Exists(dir.Join(absl::StrCat("ckpt-", n, ".index"))));
    REQUIRE_FALSE(
        Exists(dir.Join(absl::StrCat("ckpt-", n, ".data-00000-of-00001"))));
  }
  REQUIRE(RestoredValue(dir.Join("ckpt-4")) == 40);
  REQUIRE(RestoredValue(dir.Join("ckpt-5")) == 50);
  // TensorFlow's text format, relative paths, timestamps.
  REQUIRE(ReadFileOrDie(dir.Join("checkpoint")) ==
          "model_checkpoint_path: \"ckpt-5\"\n"
          "all_model_checkpoint_paths: \"ckpt-4\"\n"
          "all_model_checkpoint_paths: \"ckpt-5\"\n"
          "all_model_checkpoint_timestamps: 1005.0\n"
          "all_model_checkpoint_timestamps: 1006.0\n"
          "last_preserved_timestamp: 1000.0\n");
  REQUIRE(LatestCheckpoint(dir.path()).value() == dir.Join("ckpt-5"));
  // No metric or pin: no metadata file; no temp files left.
  REQUIRE_FALSE(Exists(dir.Join("checkpoint.manager")));
  for (const auto& e : fs::directory_iterator(dir.path())) {
    REQUIRE_FALSE(absl::StrContains(e.path().filename().string(), "tmp"));
  }
}

TEST_CASE("max_to_keep unset keeps every checkpoint") {
  TempDir dir;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep.reset();
  auto m = job.Manager(dir.path(), o);
  for (int n = 1; n <= 7; ++n) job.Save(*m, n);
  REQUIRE(m->checkpoints().size() == 7);
}

TEST_CASE("A restarted job manages the earlier run's checkpoints") {
  TempDir dir;
  PreviousRun(dir, 4, 5);
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 5;
  auto m = job.Manager(dir.path(), o);
  REQUIRE(m->checkpoints() == Prefixes(dir, {1, 2, 3, 4}));
  absl::StatusOr<CheckpointManager::Restored> restored =
      m->RestoreOrInitialize([] {
        FAIL("init_fn must not run when a checkpoint exists");
        return absl::OkStatus();
      });
  CKPT_REQUIRE_OK(restored);
  REQUIRE(restored->prefix == dir.Join("ckpt-4"));
  CKPT_REQUIRE_OK(restored->status->AssertConsumed());
  REQUIRE(job.model.Consistent() == 4);
  // save_counter came back with the checkpoint: numbering goes on.
  REQUIRE(job.Save(*m, 5) == dir.Join("ckpt-5"));
  job.Save(*m, 6);
  REQUIRE(m->checkpoints() == Prefixes(dir, {2, 3, 4, 5, 6}));
  REQUIRE_FALSE(Exists(dir.Join("ckpt-1.index")));
}

TEST_CASE("Lowering max_to_keep prunes all the excess at the next save") {
  TempDir dir;
  PreviousRun(dir, 6, std::nullopt);
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 2;
  auto m = job.Manager(dir.path(), o);
  CKPT_REQUIRE_OK(m->RestoreOrInitialize());
  REQUIRE(m->checkpoints().size() == 6);  // nothing deleted before a save
  job.Save(*m, 7);
  REQUIRE(m->checkpoints() == Prefixes(dir, {6, 7}));
  for (int n = 1; n <= 5; ++n) {
    REQUIRE_FALSE(Exists(dir.Join(absl::StrCat("ckpt-", n, ".index"))));
  }
}

TEST_CASE("RestoreOrInitialize runs init_fn in an empty directory") {
  TempDir dir;
  Job job;
  auto m = job.Manager(dir.path(), job.Options());
  bool ran = false;
  absl::StatusOr<CheckpointManager::Restored> r = m->RestoreOrInitialize([&] {
    ran = true;
    return absl::OkStatus();
  });
  CKPT_REQUIRE_OK(r);
  REQUIRE(ran);
  REQUIRE_FALSE(r->prefix.has_value());
  CKPT_REQUIRE_ERROR(
      m->RestoreOrInitialize([] { return absl::InternalError("init failed"); }),
      absl::StatusCode::kInternal, "init failed");
}

TEST_CASE("keep_checkpoint_every_n_hours preserves one per period") {
  TempDir dir;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 1;
  o.keep_checkpoint_every_n_hours = 1.0;
  double now = 100000;
  o.clock = [&now] { return now; };
  auto m = job.Manager(dir.path(), o);  // last preserved: now - 1
  // One save every 20 minutes for 3 hours.
  for (int n = 1; n <= 10; ++n) {
    now += 1200;
    job.Save(*m, n);
  }
  // Saves at +1h (3), +2h (6), +3h (9) are older than an hour after the
  // previously preserved one: kept for good, outside the manager's list.
  REQUIRE(m->checkpoints() == Prefixes(dir, {10}));
  for (int n = 1; n <= 9; ++n) {
    INFO(n);
    REQUIRE(Exists(dir.Join(absl::StrCat("ckpt-", n, ".index"))) ==
            (n % 3 == 0));
  }
  absl::StatusOr<checkpoint::CheckpointState> state =
      checkpoint::ReadCheckpointState(Env::Default(), dir.path());
  CKPT_REQUIRE_OK(state);
  REQUIRE(state->last_preserved_timestamp == 100000 + 9 * 1200);
}

TEST_CASE("checkpoint_interval skips saves until the step advanced") {
  TempDir dir;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.step_counter = &job.model.n;
  o.checkpoint_interval = 10;
  o.max_to_keep.reset();
  auto m = job.Manager(dir.path(), o);
  std::vector<int64_t> saved_at;
  for (int64_t step = 0; step <= 35; ++step) {
    job.model.Set(step);
    absl::StatusOr<std::optional<std::string>> s = m->Save();
    CKPT_REQUIRE_OK(s);
    if (s->has_value()) saved_at.push_back(step);
  }
  REQUIRE(saved_at == std::vector<int64_t>{0, 10, 20, 30});
  job.model.Set(31);
  CheckpointManager::SaveArgs force;
  force.check_interval = false;
  absl::StatusOr<std::optional<std::string>> forced = m->Save(force);
  CKPT_REQUIRE_OK(forced);
  REQUIRE(forced->has_value());
}

TEST_CASE("An explicit checkpoint number, overwriting a kept one") {
  TempDir dir;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 3;
  auto m = job.Manager(dir.path(), o);
  CheckpointManager::SaveArgs at100;
  at100.checkpoint_number = 100;
  REQUIRE(job.Save(*m, 1, at100) == dir.Join("ckpt-100"));
  job.Save(*m, 2);  // ckpt-2: the counter is 2
  REQUIRE(job.Save(*m, 3, at100) == dir.Join("ckpt-100"));
  // The overwritten one moved to the end, as in TensorFlow.
  REQUIRE(m->checkpoints() ==
          std::vector<std::string>{dir.Join("ckpt-2"), dir.Join("ckpt-100")});
  REQUIRE(RestoredValue(dir.Join("ckpt-100")) == 3);
  CKPT_REQUIRE_OK(m->Pin(dir.Join("ckpt-100")));
  job.model.Set(4);
  CKPT_REQUIRE_ERROR(m->Save(at100), absl::StatusCode::kFailedPrecondition,
                     "ckpt-100: pinned");
  REQUIRE(RestoredValue(dir.Join("ckpt-100")) == 3);
}

TEST_CASE("keep_best keeps the best metrics beside the latest") {
  for (auto mode : {CheckpointManagerOptions::MetricMode::kMin,
                    CheckpointManagerOptions::MetricMode::kMax}) {
    const bool min = mode == CheckpointManagerOptions::MetricMode::kMin;
    INFO((min ? "min" : "max"));
    TempDir dir;
    const std::vector<double> metrics = {5, 1, 7, 3, 9, 2, 8, 6};
    {
      Job job;
      CheckpointManagerOptions o = job.Options();
      o.max_to_keep = 2;
      o.keep_best = 2;
      o.metric_mode = mode;
      auto m = job.Manager(dir.path(), o);
      for (size_t i = 0; i < metrics.size(); ++i) {
        CheckpointManager::SaveArgs args;
        args.metric = metrics[i];
        job.Save(*m, static_cast<int64_t>(i), args);
      }
      // min: best 1 (ckpt-2), 2 (ckpt-6); max: 9 (ckpt-5), 8 (ckpt-7);
      // latest two: ckpt-7, ckpt-8.
      REQUIRE(m->checkpoints() ==
              (min ? Prefixes(dir, {2, 6, 7, 8}) : Prefixes(dir, {5, 7, 8})));
      REQUIRE(Exists(dir.Join("checkpoint.manager")));
    }
    // Metrics survive a restart and keep ranking.
    Job job;
    CheckpointManagerOptions o = job.Options();
    o.max_to_keep = 2;
    o.keep_best = 2;
    o.metric_mode = mode;
    auto m = job.Manager(dir.path(), o);
    CKPT_REQUIRE_OK(m->RestoreOrInitialize());
    CheckpointManager::SaveArgs args;
    args.metric = min ? 0.5 : 10;  // a new best
    job.Save(*m, 100, args);
    REQUIRE(m->checkpoints() ==
            (min ? Prefixes(dir, {2, 8, 9}) : Prefixes(dir, {5, 8, 9})));
    REQUIRE(m->entries().back().metric == args.metric);
  }
}

TEST_CASE("A pinned checkpoint survives rotation and restarts") {
  TempDir dir;
  {
    Job job;
    CheckpointManagerOptions o = job.Options();
    o.max_to_keep = 1;
    auto m = job.Manager(dir.path(), o);
    job.Save(*m, 1);
    CKPT_REQUIRE_OK(m->Pin(dir.Join("ckpt-1")));
    CKPT_REQUIRE_ERROR(m->Pin(dir.Join("ckpt-9")), absl::StatusCode::kNotFound,
                       "not a checkpoint kept");
    for (int n = 2; n <= 4; ++n) job.Save(*m, n);
    REQUIRE(m->checkpoints() == Prefixes(dir, {1, 4}));
  }
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 1;
  auto m = job.Manager(dir.path(), o);
  REQUIRE(m->entries().front().pinned);
  CKPT_REQUIRE_OK(m->RestoreOrInitialize());
  CKPT_REQUIRE_OK(m->Unpin(dir.Join("ckpt-1")));
  job.Save(*m, 5);
  REQUIRE(m->checkpoints() == Prefixes(dir, {5}));
  REQUIRE_FALSE(Exists(dir.Join("ckpt-1.index")));
}

TEST_CASE("TensorFlow's state files are read, missing checkpoints dropped") {
  if (ckpt::testing::SkipWithoutTfTestData()) return;
  SECTION("golf: two checkpoints with timestamps") {
    TempDir dir;
    fs::copy(
        ckpt::testing::TfPath("golf"), dir.path(),
        fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    Job job;
    auto m = job.Manager(dir.path(), job.Options());
    REQUIRE(m->checkpoints() == Prefixes(dir, {1, 2}));
    REQUIRE(m->entries()[0].timestamp == 1606867698.033619);
    REQUIRE(m->entries()[1].timestamp == 1606867791.8105);
    REQUIRE(m->latest_checkpoint() == dir.Join("ckpt-2"));
    REQUIRE(m->recovery_log().empty());
  }
  SECTION("til: the state names cp-0050.ckpt, which is not there") {
    TempDir dir;
    fs::copy(
        ckpt::testing::TfPath("til"), dir.path(),
        fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    Job job;
    auto m = job.Manager(dir.path(), job.Options());
    REQUIRE(m->checkpoints().empty());
    REQUIRE_FALSE(m->latest_checkpoint().has_value());
    REQUIRE(HasLine(job.log, "dropping " + dir.Join("cp-0050.ckpt")));
    REQUIRE(HasLine(job.log, "no checkpoint is left"));
    // The state file named nothing usable: it is gone, the files are not.
    REQUIRE_FALSE(Exists(dir.Join("checkpoint")));
    REQUIRE(Exists(dir.Join("cp-0000.ckpt.index")));
  }
}

TEST_CASE("Checkpoints without timestamps (Checkpoint::Save) are unmanaged") {
  TempDir dir;
  {
    Job job;
    job.model.Set(1);
    CKPT_REQUIRE_OK(job.checkpoint.Save(dir.Join("ckpt")));  // ckpt-1
  }
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 1;
  auto m = job.Manager(dir.path(), o);
  REQUIRE(m->checkpoints().empty());
  REQUIRE(m->latest_checkpoint() == dir.Join("ckpt-1"));
  REQUIRE(HasLine(job.log, "not managing " + dir.Join("ckpt-1")));
  CKPT_REQUIRE_OK(m->RestoreOrInitialize());
  REQUIRE(job.model.Consistent() == 1);
  for (int n = 2; n <= 4; ++n) job.Save(*m, n);
  REQUIRE(m->checkpoints() == Prefixes(dir, {4}));
  REQUIRE(RestoredValue(dir.Join("ckpt-1")) == 1);  // never deleted, as in TF
}

TEST_CASE("A directory spelled with ./ and a trailing slash is one directory") {
  TempDir dir;
  PreviousRun(dir, 2, 5);
  Job job;
  auto m = job.Manager(dir.path() + "/./", job.Options());
  REQUIRE(m->directory() == dir.path());
  REQUIRE(m->checkpoints() == Prefixes(dir, {1, 2}));
  CKPT_REQUIRE_OK(m->Pin(dir.path() + "//ckpt-1"));
  REQUIRE(m->entries()[0].pinned);
}

TEST_CASE("Entries whose files are missing are dropped and reported") {
  TempDir dir;
  PreviousRun(dir, 3, 5);
  fs::remove(dir.Join("ckpt-3.data-00000-of-00001"));
  fs::remove(dir.Join("ckpt-1.index"));
  Job job;
  auto m = job.Manager(dir.path(), job.Options());
  REQUIRE(m->checkpoints() == Prefixes(dir, {2}));
  REQUIRE(m->latest_checkpoint() == dir.Join("ckpt-2"));
  REQUIRE(HasLine(m->recovery_log(), "dropping " + dir.Join("ckpt-3")));
  REQUIRE(HasLine(m->recovery_log(), "ckpt-3.data-00000-of-00001"));
  REQUIRE(HasLine(m->recovery_log(), "dropping " + dir.Join("ckpt-1")));
  REQUIRE(LatestCheckpoint(dir.path()).value() == dir.Join("ckpt-2"));
}

TEST_CASE("Stale temp files of a killed save are removed with a log line") {
  TempDir dir;
  WriteFileOrDie(dir.Join("ckpt-3.index.tempstate123"), "x");
  WriteFileOrDie(dir.Join("ckpt-3.data-00000-of-00001.tempstate99"), "x");
  WriteFileOrDie(dir.Join("checkpoint.tmp42"), "x");
  WriteFileOrDie(dir.Join("notes.tempstate"), "mine");  // no digits: kept
  WriteFileOrDie(dir.Join("checkpoint.tmpfile"), "mine");
  Job job;
  auto m = job.Manager(dir.path(), job.Options());
  REQUIRE_FALSE(Exists(dir.Join("ckpt-3.index.tempstate123")));
  REQUIRE_FALSE(Exists(dir.Join("ckpt-3.data-00000-of-00001.tempstate99")));
  REQUIRE_FALSE(Exists(dir.Join("checkpoint.tmp42")));
  REQUIRE(Exists(dir.Join("notes.tempstate")));
  REQUIRE(Exists(dir.Join("checkpoint.tmpfile")));
  REQUIRE(HasLine(job.log, "removed stale temporary file " +
                               dir.Join("ckpt-3.index.tempstate123")));
  REQUIRE(m->recovery_log().size() == 3);
}

TEST_CASE("A corrupt state file is DataLoss, or rebuilt from what verifies") {
  TempDir dir;
  PreviousRun(dir, 3, 5);
  WriteFileOrDie(dir.Join("checkpoint"), "model_checkpoint_path: \"ckpt-3");
  {
    Job job;
    CKPT_REQUIRE_ERROR(
        CheckpointManager::Create(&job.checkpoint, dir.path(), job.Options()),
        absl::StatusCode::kDataLoss, "recover_corrupt_state");
  }
  // Damage ckpt-3's data: the rebuild must skip it.
  std::string data = ReadFileOrDie(dir.Join("ckpt-3.data-00000-of-00001"));
  data[10] ^= 0x40;
  WriteFileOrDie(dir.Join("ckpt-3.data-00000-of-00001"), data);
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.recover_corrupt_state = true;
  o.max_to_keep = 1;
  auto m = job.Manager(dir.path(), o);
  // Nothing says which were preserved or pinned: the verified checkpoints
  // are kept unmanaged, never deleted; the highest number is the latest.
  REQUIRE(m->checkpoints().empty());
  REQUIRE(m->latest_checkpoint() == dir.Join("ckpt-2"));
  REQUIRE(HasLine(job.log, "corrupt checkpoint state"));
  REQUIRE(HasLine(job.log, "not recovering " + dir.Join("ckpt-3")));
  REQUIRE(HasLine(job.log, "2 checkpoint(s) verify"));
  REQUIRE(LatestCheckpoint(dir.path()).value() == dir.Join("ckpt-2"));
  CKPT_REQUIRE_OK(m->RestoreOrInitialize());
  REQUIRE(job.model.Consistent() == 2);
  for (int n = 10; n < 13; ++n) job.Save(*m, n);  // ckpt-3 (overwritten) .. 5
  REQUIRE(m->checkpoints() == Prefixes(dir, {5}));
  REQUIRE(RestoredValue(dir.Join("ckpt-1")) == 1);
  REQUIRE(RestoredValue(dir.Join("ckpt-2")) == 2);
}

TEST_CASE("A corrupt metadata file is DataLoss naming it, or ignored") {
  TempDir dir;
  {
    Job job;
    auto m = job.Manager(dir.path(), job.Options());
    CheckpointManager::SaveArgs args;
    args.metric = 1.5;
    job.Save(*m, 1, args);
  }
  WriteFileOrDie(dir.Join("checkpoint.manager"), "garbage\n");
  {
    Job job;
    CKPT_REQUIRE_ERROR(
        CheckpointManager::Create(&job.checkpoint, dir.path(), job.Options()),
        absl::StatusCode::kDataLoss, "checkpoint.manager:1");
  }
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.recover_corrupt_state = true;
  auto m = job.Manager(dir.path(), o);
  REQUIRE(m->checkpoints() == Prefixes(dir, {1}));
  REQUIRE_FALSE(m->entries()[0].metric.has_value());
  REQUIRE(HasLine(job.log, "metrics and pins are lost"));
}

TEST_CASE("LatestVerifiedCheckpoint skips damaged checkpoints") {
  TempDir dir;
  Job job;
  auto m = job.Manager(dir.path(), job.Options());
  for (int n = 1; n <= 3; ++n) job.Save(*m, n);
  std::string data = ReadFileOrDie(dir.Join("ckpt-3.data-00000-of-00001"));
  data[data.size() / 2] ^= 1;
  WriteFileOrDie(dir.Join("ckpt-3.data-00000-of-00001"), data);
  fs::remove(dir.Join("ckpt-2.data-00000-of-00001"));
  std::vector<std::string> skipped;
  absl::StatusOr<std::string> good = m->LatestVerifiedCheckpoint(&skipped);
  CKPT_REQUIRE_OK(good);
  REQUIRE(*good == dir.Join("ckpt-1"));
  REQUIRE(skipped.size() == 2);
  REQUIRE(absl::StrContains(skipped[0], "DATA_LOSS"));
  REQUIRE(absl::StrContains(skipped[1], "NOT_FOUND"));
  fs::remove(dir.Join("ckpt-1.index"));
  CKPT_REQUIRE_ERROR(m->LatestVerifiedCheckpoint(), absl::StatusCode::kNotFound,
                     "no kept checkpoint verifies");
}

TEST_CASE("VerifyCheckpoint: ok, missing, corrupt") {
  TempDir dir;
  Job job;
  job.model.Set(7);
  CKPT_REQUIRE_OK(job.checkpoint.Write(dir.Join("p")));
  CKPT_REQUIRE_OK(VerifyCheckpoint(Env::Default(), dir.Join("p")));
  CKPT_REQUIRE_ERROR(VerifyCheckpoint(Env::Default(), dir.Join("q")),
                     absl::StatusCode::kNotFound, "q.index");
  std::string data = ReadFileOrDie(dir.Join("p.data-00000-of-00001"));
  data[4] ^= 2;
  WriteFileOrDie(dir.Join("p.data-00000-of-00001"), data);
  CKPT_REQUIRE_ERROR(VerifyCheckpoint(Env::Default(), dir.Join("p")),
                     absl::StatusCode::kDataLoss, "p.data-00000-of-00001");
}

TEST_CASE("A second writer on the directory fails at once") {
  TempDir dir;
  Job a, b;
  auto first = a.Manager(dir.path(), a.Options());
  CKPT_REQUIRE_ERROR(
      CheckpointManager::Create(&b.checkpoint, dir.path(), b.Options()),
      absl::StatusCode::kFailedPrecondition, "locked by another writer (pid ");
  // Another process: the flock is per open file, and the pid is named.
  std::string out;
  const int rc = ckpt::testing::RunCommand(
      absl::StrCat("flock -n ", dir.Join("checkpoint.lock"),
                   " true; echo rc=$?"),
      &out);
  REQUIRE(rc == 0);
  REQUIRE(absl::StrContains(out, "rc=1"));
  first.reset();  // releases the lock
  auto second = b.Manager(dir.path(), b.Options());
  REQUIRE(second != nullptr);
}

TEST_CASE("Invalid options are InvalidArgument") {
  TempDir dir;
  Job job;
  auto expect = [&](CheckpointManagerOptions o, const char* substr) {
    CKPT_REQUIRE_ERROR(
        CheckpointManager::Create(&job.checkpoint, dir.path(), o),
        absl::StatusCode::kInvalidArgument, substr);
  };
  CheckpointManagerOptions o;
  o.max_to_keep = 0;
  expect(o, "max_to_keep must be >= 1");
  o = {};
  o.checkpoint_interval = 5;
  expect(o, "needs a step_counter");
  o = {};
  o.step_counter = &job.model.n;
  o.checkpoint_interval = 0;
  expect(o, "must be >= 1");
  o = {};
  o.keep_best = -1;
  expect(o, "keep_best must be >= 0");
  o = {};
  o.checkpoint_name = "a/b";
  expect(o, "bad checkpoint_name");
  o = {};
  o.keep_checkpoint_every_n_hours = 0;
  expect(o, "keep_checkpoint_every_n_hours");
  CKPT_REQUIRE_ERROR(CheckpointManager::Create(nullptr, dir.path(), {}),
                     absl::StatusCode::kInvalidArgument, "checkpoint is null");
  auto m = job.Manager(dir.path(), job.Options());
  CheckpointManager::SaveArgs nan;
  nan.metric = std::numeric_limits<double>::quiet_NaN();
  CKPT_REQUIRE_ERROR(m->Save(nan), absl::StatusCode::kInvalidArgument,
                     "metric must be finite");
  CheckpointManager::SaveArgs negative;
  negative.checkpoint_number = -1;
  CKPT_REQUIRE_ERROR(m->Save(negative), absl::StatusCode::kInvalidArgument,
                     "checkpoint_number -1");
  REQUIRE_FALSE(m->latest_checkpoint().has_value());
}

TEST_CASE("Readers racing a rotating writer never see a mixed checkpoint") {
  TempDir dir;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.max_to_keep = 2;
  auto m = job.Manager(dir.path(), o);
  job.Save(*m, 0);
  std::atomic<bool> done{false};
  std::atomic<int> good{0}, vanished{0}, bad{0};
  std::vector<std::string> bad_messages[2];
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      while (!done.load()) {
        absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
        if (!latest.ok()) {
          ++bad;
          bad_messages[r].push_back(latest.status().ToString());
          continue;
        }
        Model model;
        Checkpoint c;
        if (!c.Track("model", model).ok()) return;
        absl::StatusOr<RestoreStatus> st = c.Read(*latest);
        if (!st.ok() && absl::IsNotFound(st.status())) {
          ++vanished;  // pruned between reading the state and the files
          continue;
        }
        if (!st.ok() || model.Consistent() < 0) {
          ++bad;
          std::string what = st.ok() ? "" : st.status().ToString();
          if (st.ok()) {
            auto v = model.w.flat<float>();
            int64_t wrong = 0, first = -1;
            for (size_t i = 0; i < v.size(); ++i) {
              if (v[i] != static_cast<float>(model.n.flat<int64_t>()[0] * 7 +
                                             static_cast<int64_t>(i % 1000))) {
                if (first < 0) first = static_cast<int64_t>(i);
                ++wrong;
              }
            }
            what = absl::StrCat(
                "mixed values in ", *latest, ": n=", model.n.flat<int64_t>()[0],
                ", ", wrong, " wrong values from index ", first,
                ", w[0]=", v[0], "; report:\n", st->report().ToText());
          }
          bad_messages[r].push_back(what);
          continue;
        }
        ++good;
      }
    });
  }
  for (int n = 1; n <= 150; ++n) job.Save(*m, n);
  done = true;
  for (auto& t : readers) t.join();
  INFO((bad_messages[0].empty() ? "" : bad_messages[0][0]));
  INFO((bad_messages[1].empty() ? "" : bad_messages[1][0]));
  REQUIRE(bad.load() == 0);
  REQUIRE(good.load() > 0);
  REQUIRE(m->checkpoints() == Prefixes(dir, {150, 151}));
}

// ---- asynchronous saves
// ------------------------------------------------------

// Env::Default() with a gate: a rename onto the state file ("checkpoint")
// waits while the gate is closed, so a test can look at the manager between
// "files durable" and "state file committed".
class GateEnv : public EnvWrapper {
 public:
  GateEnv() : EnvWrapper(Env::Default()) {}

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = false;
    }
    cv_.notify_all();
  }
  // Blocks until a rename waits at the gate.
  void AwaitWaiter() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return waiting_; });
  }

  absl::Status RenameFile(const std::string& src,
                          const std::string& target) override {
    if (fs::path(target).filename() == "checkpoint") {
      std::unique_lock<std::mutex> lock(mu_);
      waiting_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return !closed_; });
      waiting_ = false;
    }
    return EnvWrapper::RenameFile(src, target);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  bool waiting_ = false;
};

TEST_CASE(
    "SaveAsync advances latest and prunes only after the durable commit") {
  TempDir dir;
  GateEnv env;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.env = &env;
  o.max_to_keep = 1;
  auto m = job.Manager(dir.path(), o);
  const std::string first = job.Save(*m, 1);

  env.Close();
  job.model.Set(2);
  absl::StatusOr<std::optional<std::string>> second = m->SaveAsync();
  CKPT_REQUIRE_OK(second);
  REQUIRE(**second == dir.Join("ckpt-2"));
  job.model.Set(3);  // after the call: never in ckpt-2
  env.AwaitWaiter();
  // The new files are durable, the state file not yet committed: readers
  // and the manager still see the first checkpoint, which is still there.
  REQUIRE(Exists(**second + ".index"));
  REQUIRE(m->latest_checkpoint() == first);
  REQUIRE(m->checkpoints() == std::vector<std::string>{first});
  REQUIRE(m->entries().size() == 1);
  REQUIRE(*LatestCheckpoint(dir.path()) == first);
  REQUIRE(Exists(first + ".index"));
  env.Open();
  CKPT_REQUIRE_OK(m->Wait());
  REQUIRE(m->latest_checkpoint() == **second);
  REQUIRE(*LatestCheckpoint(dir.path()) == **second);
  REQUIRE_FALSE(Exists(first + ".index"));  // pruned after the commit
  REQUIRE(RestoredValue(**second) == 2);
}

TEST_CASE("Accessors answer from another thread while a save is in flight") {
  TempDir dir;
  GateEnv env;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.env = &env;
  o.max_to_keep = 3;
  auto m = job.Manager(dir.path(), o);
  job.Save(*m, 1);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::atomic<bool> consistent{true};  // Catch's REQUIRE is not thread-safe
  std::thread reader([&] {
    std::string previous = dir.Join("ckpt-1");
    while (!stop.load()) {
      const std::optional<std::string> latest = m->latest_checkpoint();
      const std::vector<ManagedCheckpoint> kept = m->entries();
      // Each answer is a committed state: latest never goes back, and the
      // kept list always ends with a committed checkpoint.
      const auto number = [](const std::string& p) {
        return std::stoi(p.substr(p.rfind('-') + 1));
      };
      if (!latest || kept.empty() || kept.size() > 3 ||
          kept.back().prefix !=
              dir.Join(absl::StrCat("ckpt-", number(kept.back().prefix))) ||
          number(*latest) < number(previous)) {
        consistent.store(false);
      }
      if (latest) previous = *latest;
      reads.fetch_add(1);
    }
  });
  for (int n = 2; n <= 30; ++n) {
    job.model.Set(n);
    CKPT_REQUIRE_OK(m->SaveAsync());
  }
  CKPT_REQUIRE_OK(m->Wait());
  stop.store(true);
  reader.join();
  REQUIRE(reads.load() > 0);
  REQUIRE(consistent.load());
  REQUIRE(m->checkpoints() == Prefixes(dir, {28, 29, 30}));
  REQUIRE(RestoredValue(dir.Join("ckpt-30")) == 30);
}

TEST_CASE("A failed asynchronous save keeps latest and is reported once") {
  testing::FaultEnv env;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.env = &env;
  o.max_to_keep = 2;
  auto m = job.Manager("/run", o);
  const std::string first = job.Save(*m, 1);
  // The first call of the background write fails.
  env.InjectFault(env.mutating_calls(), testing::FaultKind::kIoErrorOnce);
  job.model.Set(2);
  absl::StatusOr<std::optional<std::string>> saved = m->SaveAsync();
  CKPT_REQUIRE_OK(saved);
  REQUIRE(**saved == "/run/ckpt-2");
  const absl::Status failed = m->Wait();
  REQUIRE_FALSE(failed.ok());
  REQUIRE_THAT(
      std::string(failed.message()),
      Catch::Contains("asynchronous save of checkpoint '/run/ckpt-2'"));
  REQUIRE(m->latest_checkpoint() == first);
  REQUIRE(*LatestCheckpoint("/run", &env) == first);
  CKPT_REQUIRE_OK(m->Wait());  // reported once
  // The number is skipped; the next save works and the first is kept.
  const std::string third = job.Save(*m, 3);
  REQUIRE(third == "/run/ckpt-3");
  REQUIRE(m->checkpoints() == std::vector<std::string>{first, third});
  REQUIRE(env.FileExists("/run/ckpt-2.index").code() ==
          absl::StatusCode::kNotFound);
}

TEST_CASE(
    "An uncollected asynchronous error is returned by the next mutating call") {
  testing::FaultEnv env;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.env = &env;
  auto m = job.Manager("/run", o);
  const std::string first = job.Save(*m, 1);
  env.InjectFault(env.mutating_calls(), testing::FaultKind::kIoErrorOnce);
  job.model.Set(2);
  CKPT_REQUIRE_OK(m->SaveAsync());
  CKPT_REQUIRE_ERROR(m->Pin(first), absl::StatusCode::kUnknown,
                     "previous asynchronous save failed");
  CKPT_REQUIRE_OK(m->Pin(first));
  REQUIRE(m->entries().front().pinned);
}

TEST_CASE("Mutating calls wait for the save in flight") {
  TempDir dir;
  GateEnv env;
  Job job;
  CheckpointManagerOptions o = job.Options();
  o.env = &env;
  auto m = job.Manager(dir.path(), o);
  job.Save(*m, 1);
  env.Close();
  job.model.Set(2);
  CKPT_REQUIRE_OK(m->SaveAsync());
  env.AwaitWaiter();
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    env.Open();
  });
  // Pin waits for the commit of ckpt-2, so it can pin it.
  CKPT_REQUIRE_OK(m->Pin(dir.Join("ckpt-2")));
  opener.join();
  REQUIRE(m->entries().back().pinned);
  REQUIRE(m->latest_checkpoint() == dir.Join("ckpt-2"));
}

TEST_CASE("The manager's destructor waits for its asynchronous save") {
  TempDir dir;
  Job job;
  {
    auto m = job.Manager(dir.path(), job.Options());
    job.model.Set(5);
    CKPT_REQUIRE_OK(m->SaveAsync());
  }
  REQUIRE(*LatestCheckpoint(dir.path()) == dir.Join("ckpt-1"));
  REQUIRE(RestoredValue(dir.Join("ckpt-1")) == 5);
}

}  // namespace
}  // namespace ckpt
