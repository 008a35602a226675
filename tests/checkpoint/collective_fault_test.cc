// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Fault sweeps over a collective save (lib/checkpoint/collective_save.cc):
// the ranks (threads with in-process communicators) share one FaultEnv, a
// file system that fails or "crashes" at the N-th mutating call, whichever
// rank makes it. For every N until a save completes untouched:
//   * an I/O error fails the save on every rank with the same status, and
//     the state file still names the previous checkpoint, which restores;
//   * a crash followed by a power loss (unsynced data lost, files torn)
//     leaves a state file that names a complete checkpoint: the previous one
//     or the new one, never a partial one.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/communicator.h"
#include "ckpt/status.h"
#include "testing/distributed_model.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::DistModel;
using testing::FaultEnv;
using testing::FaultKind;
using testing::MakeDistModel;
using testing::RunRanks;

constexpr int kRanks = 3;

// Saves on every rank (save_counter starting at `counter`); the statuses.
std::vector<absl::Status> SaveAll(Env* env, int64_t counter) {
  return RunRanks<absl::Status>(kRanks, [&](Communicator& comm) {
    std::unique_ptr<DistModel> m =
        MakeDistModel(comm.rank(), comm.size(), kRanks, true);
    Checkpoint ckpt;
    CKPT_RETURN_IF_ERROR(ckpt.Track("model", *m));
    ckpt.save_counter().mutable_flat<int64_t>()[0] = counter;
    SaveOptions options;
    options.env = env;
    options.communicator = &comm;
    return ckpt.Save("/d/ckpt", options).status();
  });
}

// "" if the state file's latest checkpoint reads completely in one process
// and is one of `allowed`; else what is wrong.
std::string CheckLatest(Env* env, const std::vector<std::string>& allowed) {
  absl::StatusOr<std::string> latest = LatestCheckpoint("/d", env);
  if (!latest.ok()) return latest.status().ToString();
  if (std::find(allowed.begin(), allowed.end(), *latest) == allowed.end()) {
    return "latest is " + *latest;
  }
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, *latest);
  if (!reader.ok()) return reader.status().ToString();
  absl::Status verified = (*reader)->ForEachEntry(
      [&](absl::string_view key, const BundleEntry& entry) {
        return (*reader)->Verify(key, entry);
      });
  if (!verified.ok()) return verified.ToString();
  absl::StatusOr<Tensor> emb =
      (*reader)->Read("model/emb/.ATTRIBUTES/VARIABLE_VALUE");
  if (!emb.ok()) return emb.status().ToString();
  for (int64_t r = 0; r < testing::kRows; ++r) {
    for (int64_t c = 0; c < testing::kCols; ++c) {
      if (emb->flat<float>()[r * testing::kCols + c] !=
          testing::EmbValue(r, c)) {
        return absl::StrCat("emb[", r, ",", c, "]");
      }
    }
  }
  return "";
}

TEST_CASE("An I/O error at any call of a collective save fails every rank") {
  int64_t faults = 0;
  for (int64_t i = 0;; ++i) {
    FaultEnv env;
    CKPT_REQUIRE_OK(env.CreateDir("/d"));
    for (const absl::Status& s : SaveAll(&env, 0)) CKPT_REQUIRE_OK(s);
    env.ResetCounter();
    env.InjectFault(i, FaultKind::kIoErrorOnce);
    const std::vector<absl::Status> results = SaveAll(&env, 1);
    const bool fired = env.mutating_calls() > i;
    INFO("fault at mutating call " << i << ": " << results[0].ToString());
    for (const absl::Status& s : results) REQUIRE(s == results[0]);
    env.ClearFault();
    if (results[0].ok()) {
      // The fault fell on a call whose failure is tolerated (a cleanup), or
      // past the end.
      REQUIRE(CheckLatest(&env, {"/d/ckpt-2"}) == "");
      if (!fired) break;
      continue;
    }
    ++faults;
    REQUIRE(absl::StrContains(results[0].message(), "rank "));
    // The previous checkpoint, or the new one when only the state file's
    // last fsync failed (it may have reached the disk): complete either way.
    REQUIRE(CheckLatest(&env, {"/d/ckpt-1", "/d/ckpt-2"}) == "");
    REQUIRE(absl::IsNotFound(env.FileExists("/d/ckpt-2_temp")));
    REQUIRE(i < 2000);
  }
  REQUIRE(faults > 10);
}

TEST_CASE("A crash at any call of a collective save, then power loss") {
  int64_t crashes = 0, new_latest = 0;
  for (int64_t i = 0;; ++i) {
    FaultEnv env;
    CKPT_REQUIRE_OK(env.CreateDir("/d"));
    for (const absl::Status& s : SaveAll(&env, 0)) CKPT_REQUIRE_OK(s);
    env.ResetCounter();
    env.InjectFault(i, FaultKind::kCrash);
    const std::vector<absl::Status> results = SaveAll(&env, 1);
    const bool crashed = env.crashed();
    for (const absl::Status& s : results) REQUIRE(s == results[0]);
    env.PowerLoss(/*seed=*/static_cast<uint64_t>(i), /*tear=*/true);
    INFO("crash at mutating call " << i << ": " << results[0].ToString());
    const std::string latest = CheckLatest(&env, {"/d/ckpt-1", "/d/ckpt-2"});
    REQUIRE(latest == "");
    if (!crashed) {
      REQUIRE(results[0].ok());
      REQUIRE(CheckLatest(&env, {"/d/ckpt-2"}) == "");
      break;
    }
    ++crashes;
    new_latest += CheckLatest(&env, {"/d/ckpt-2"}).empty();
    // The job restarts: the next save clears what the crash left.
    for (const absl::Status& s : SaveAll(&env, 2)) CKPT_REQUIRE_OK(s);
    REQUIRE(CheckLatest(&env, {"/d/ckpt-3"}) == "");
    REQUIRE(i < 2000);
  }
  REQUIRE(crashes > 10);
  INFO(new_latest << " of " << crashes << " crashes left the new one");
  REQUIRE(new_latest < crashes);
}

}  // namespace
}  // namespace ckpt
