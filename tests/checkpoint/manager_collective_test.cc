// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/checkpoint/manager_collective.cc: CheckpointManager with a
// communicator (ranks are threads with in-process communicators). Rank 0
// owns the directory and decides; every rank sees the same kept checkpoints
// and the same status; a restart on another rank count restores the latest.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "checkpoint/collective_save.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/communicator.h"
#include "ckpt/env.h"
#include "testing/distributed_model.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::DistModel;
using testing::FailPartEnv;
using testing::MakeDistModel;
using testing::RunRanks;
using testing::TempDir;

// What one rank saw: the status of each call and the manager's list after.
struct RankView {
  std::vector<std::string> results;
  std::vector<std::string> kept;
  std::string latest;
  std::string restored;  // Mismatch() after a restore, or an error
};

std::string Show(const absl::StatusOr<std::optional<std::string>>& r) {
  if (!r.ok()) return r.status().ToString();
  return r->has_value() ? **r : "(not due)";
}

RankView Describe(const CheckpointManager& m, RankView v) {
  v.kept = m.checkpoints();
  v.latest = m.latest_checkpoint().value_or("(none)");
  return v;
}

TEST_CASE("Collective saves: rank 0 decides, every rank keeps the same list") {
  TempDir dir;
  auto views = RunRanks<RankView>(3, [&](Communicator& comm) -> RankView {
    RankView v;
    std::unique_ptr<DistModel> model =
        MakeDistModel(comm.rank(), comm.size(), 3, true);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *model).ok()) return v;
    CheckpointManagerOptions options;
    options.max_to_keep = 2;
    options.communicator = &comm;
    options.log = [](const std::string&) {};
    auto manager =
        CheckpointManager::Create(&ckpt, dir.path(), std::move(options));
    if (!manager.ok()) {
      v.results.push_back(manager.status().ToString());
      return v;
    }
    for (int i = 0; i < 3; ++i) v.results.push_back(Show((*manager)->Save()));
    v.results.push_back(
        (*manager)->Pin(dir.Join("ckpt-3")).ok() ? "pinned" : "pin failed");
    return Describe(**manager, v);
  });
  for (const RankView& v : views) {
    REQUIRE(v.results ==
            std::vector<std::string>{dir.Join("ckpt-1"), dir.Join("ckpt-2"),
                                     dir.Join("ckpt-3"), "pinned"});
    REQUIRE(v.kept ==
            std::vector<std::string>{dir.Join("ckpt-2"), dir.Join("ckpt-3")});
    REQUIRE(v.latest == dir.Join("ckpt-3"));
  }
  Env* env = Env::Default();
  REQUIRE(absl::IsNotFound(env->FileExists(dir.Join("ckpt-1.index"))));
  absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == dir.Join("ckpt-3"));

  // A restart on 2 ranks: the same list, and the latest restored.
  auto restarted = RunRanks<RankView>(2, [&](Communicator& comm) -> RankView {
    RankView v;
    std::unique_ptr<DistModel> model =
        MakeDistModel(comm.rank(), comm.size(), 4, false);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *model).ok()) return v;
    CheckpointManagerOptions options;
    options.max_to_keep = 2;
    options.communicator = &comm;
    auto manager =
        CheckpointManager::Create(&ckpt, dir.path(), std::move(options));
    if (!manager.ok()) {
      v.restored = manager.status().ToString();
      return v;
    }
    auto restored = (*manager)->RestoreOrInitialize();
    v.restored = restored.ok() ? testing::Mismatch(*model)
                               : restored.status().ToString();
    v.results.push_back(Show((*manager)->Save()));
    return Describe(**manager, v);
  });
  for (const RankView& v : restarted) {
    REQUIRE(v.restored == "");
    // save_counter came back as 3: the next is 4; ckpt-3 is pinned, so
    // ckpt-2 goes.
    REQUIRE(v.results == std::vector<std::string>{dir.Join("ckpt-4")});
    REQUIRE(v.kept ==
            std::vector<std::string>{dir.Join("ckpt-3"), dir.Join("ckpt-4")});
  }
}

TEST_CASE("Collective manager: rank 0's interval and errors, SaveAsync") {
  TempDir dir;
  auto views = RunRanks<RankView>(2, [&](Communicator& comm) -> RankView {
    RankView v;
    std::unique_ptr<DistModel> model =
        MakeDistModel(comm.rank(), comm.size(), 2, true);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *model).ok()) return v;
    CheckpointManagerOptions options;
    options.communicator = &comm;
    // Steps differ between the ranks: rank 0's count.
    options.step_counter = &model->step;
    options.checkpoint_interval = 10;
    model->step.mutable_flat<int64_t>()[0] = comm.rank() == 0 ? 100 : 0;
    auto manager =
        CheckpointManager::Create(&ckpt, dir.path(), std::move(options));
    if (!manager.ok()) return v;
    v.results.push_back(Show((*manager)->Save()));  // first: due
    model->step.mutable_flat<int64_t>()[0] += 5;
    v.results.push_back(Show((*manager)->Save()));  // +5: not due
    CheckpointManager::SaveArgs bad;
    bad.metric = comm.rank() == 0 ? std::nan("") : 1.0;
    v.results.push_back(Show((*manager)->Save(bad)));
    model->step.mutable_flat<int64_t>()[0] += 10;
    v.results.push_back(Show((*manager)->SaveAsync()));
    v.results.push_back((*manager)->Wait().ToString());
    return Describe(**manager, v);
  });
  for (const RankView& v : views) {
    REQUIRE(v.results.size() == 5);
    REQUIRE(v.results[0] == dir.Join("ckpt-1"));
    REQUIRE(v.results[1] == "(not due)");
    REQUIRE(absl::StrContains(v.results[2],
                              "INVALID_ARGUMENT: rank 0: CheckpointManager::"
                              "Save: metric must be finite"));
    // +15 steps on rank 0: due; committed in the background on every rank.
    REQUIRE(v.results[3] == dir.Join("ckpt-2"));
    REQUIRE(v.results[4] == "OK");
    REQUIRE(v.kept ==
            std::vector<std::string>{dir.Join("ckpt-1"), dir.Join("ckpt-2")});
    REQUIRE(v.latest == dir.Join("ckpt-2"));
  }
}

TEST_CASE("Collective manager: a killed save's temporary directory goes") {
  TempDir dir;
  Env* env = Env::Default();
  const std::string stale = checkpoint::CollectiveTempDir(dir.Join("ckpt-7"));
  CKPT_REQUIRE_OK(env->CreateDir(stale));
  CKPT_REQUIRE_OK(WriteStringToFileAtomic(
      env,
      checkpoint::CollectivePartPrefix(dir.Join("ckpt-7"), 0, 2) + ".index",
      "torn"));
  auto logs = RunRanks<std::vector<std::string>>(
      2, [&](Communicator& comm) -> std::vector<std::string> {
        std::unique_ptr<DistModel> model =
            MakeDistModel(comm.rank(), comm.size(), 2, true);
        Checkpoint ckpt;
        if (!ckpt.Track("model", *model).ok()) return {"track"};
        CheckpointManagerOptions options;
        options.communicator = &comm;
        options.log = [](const std::string&) {};
        auto manager =
            CheckpointManager::Create(&ckpt, dir.path(), std::move(options));
        if (!manager.ok()) return {manager.status().ToString()};
        return (*manager)->recovery_log();
      });
  REQUIRE(logs[0] == std::vector<std::string>{absl::StrCat(
                         "removed stale temporary directory ", stale,
                         " (left by an interrupted collective save)")});
  REQUIRE(logs[1].empty());  // only rank 0 recovers
  REQUIRE(absl::IsNotFound(env->FileExists(stale)));
}

TEST_CASE("Collective manager: a failed save changes nothing on any rank") {
  TempDir dir;
  FailPartEnv failing(Env::Default(), "ckpt-2_temp/part-00001-of-00002",
                      absl::StatusCode::kUnavailable, "I/O error");
  auto views = RunRanks<RankView>(2, [&](Communicator& comm) -> RankView {
    RankView v;
    std::unique_ptr<DistModel> model =
        MakeDistModel(comm.rank(), comm.size(), 2, true);
    Checkpoint ckpt;
    if (!ckpt.Track("model", *model).ok()) return v;
    CheckpointManagerOptions options;
    options.env = &failing;
    options.communicator = &comm;
    auto manager =
        CheckpointManager::Create(&ckpt, dir.path(), std::move(options));
    if (!manager.ok()) return v;
    v.results.push_back(Show((*manager)->Save()));
    v.results.push_back(Show((*manager)->Save()));  // rank 1's part fails
    v.results.push_back(absl::StrCat(ckpt.save_counter().flat<int64_t>()[0]));
    return Describe(**manager, v);
  });
  for (const RankView& v : views) {
    REQUIRE(v.results.size() == 3);
    REQUIRE(v.results[0] == dir.Join("ckpt-1"));
    REQUIRE(absl::StrContains(v.results[1], "UNAVAILABLE"));
    REQUIRE(absl::StrContains(v.results[1], "rank 1: "));
    REQUIRE(v.results[2] == "1");  // rolled back everywhere
    REQUIRE(v.kept == std::vector<std::string>{dir.Join("ckpt-1")});
    REQUIRE(v.latest == dir.Join("ckpt-1"));
  }
}

}  // namespace
}  // namespace ckpt
