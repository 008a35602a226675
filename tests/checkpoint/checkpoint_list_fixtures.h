// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The CheckpointManager directory of the tests of ListCheckpoints
// (checkpoint_list_test.cc) and of `ckpt ls --checkpoints`
// (tools/checkpoints_test.cc): a small model tracked as "model", five saves
// at fixed timestamps with given metrics, a pin. Header-only; failures are
// Catch2 assertions, so call them from inside a TEST_CASE only.

#ifndef CKPT_TESTS_CHECKPOINT_CHECKPOINT_LIST_FIXTURES_H_
#define CKPT_TESTS_CHECKPOINT_CHECKPOINT_LIST_FIXTURES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "checkpoint/crash_model.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt::testing::checkpoint_list {

// 2026-12-07T11:00:00Z.
inline constexpr double kT0 = 1796641200.0;

// The key of SmallModel's "w" when tracked as "model".
inline constexpr char kWKey[] = "model/w/.ATTRIBUTES/VARIABLE_VALUE";

// 16 floats w[i] = n * 10 + i, and n.
struct SmallModel : NumberedModel {
  SmallModel() : NumberedModel(16, 10) {}
};

// Saves n = 1..5 into `dir` at kT0 + n hours with metric metrics[n - 1],
// max_to_keep 2, keep_best 1 (smallest), ckpt-1 pinned. With metrics[1] the
// smallest it keeps 1 (pinned), 2 (best), 4 and 5 (newest).
inline void ManagedRun(const std::string& dir, const double (&metrics)[5]) {
  SmallModel model;
  Checkpoint checkpoint;
  REQUIRE(checkpoint.Track("model", model).ok());
  CheckpointManagerOptions o;
  o.max_to_keep = 2;
  o.keep_best = 1;
  o.metric_mode = CheckpointManagerOptions::MetricMode::kMin;
  double now = kT0;
  o.clock = [&now] { return now; };
  o.log = [](const std::string&) {};
  absl::StatusOr<std::unique_ptr<CheckpointManager>> m =
      CheckpointManager::Create(&checkpoint, dir, o);
  CKPT_REQUIRE_OK(m);
  for (int n = 1; n <= 5; ++n) {
    now = kT0 + 3600.0 * n;
    model.Set(n);
    CheckpointManager::SaveArgs args;
    args.metric = metrics[static_cast<size_t>(n - 1)];
    CKPT_REQUIRE_OK((*m)->Save(args));
    if (n == 1) CKPT_REQUIRE_OK((*m)->Pin(JoinPath(dir, "ckpt-1")));
  }
  REQUIRE((*m)->checkpoints().size() == 4);
}

}  // namespace ckpt::testing::checkpoint_list

#endif  // CKPT_TESTS_CHECKPOINT_CHECKPOINT_LIST_FIXTURES_H_
