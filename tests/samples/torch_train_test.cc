// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The torch_train sample: a libtorch model and its Adam state killed with
// SIGKILL partway and resumed end bit-identical to an uninterrupted run,
// and `ckpt tree` shows the module structure with the optimizer's slots.

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::RunCommand;
using ::ckpt::testing::TempDir;

// The "done: ..." line of a run's output.
std::string DoneLine(const std::string& out) {
  const size_t at = out.find("done:");
  REQUIRE(at != std::string::npos);
  return out.substr(at, out.find('\n', at) - at);
}

TEST_CASE("torch_train killed by SIGKILL partway resumes bit-identically") {
  TempDir dir;
  const std::string exe = CKPT_TORCH_TRAIN_PATH;
  std::string full_out, out, err;
  REQUIRE(RunCommand(exe + " " + dir.Join("full") + " --steps 60", &full_out,
                     &err) == 0);
  INFO(full_out << err);
  // Killed after step 45: the newest checkpoint is step 40 (ckpt-2).
  const std::string run = dir.Join("run");
  REQUIRE(RunCommand(exe + " " + run + " --steps 60 --kill-at 45", &out,
                     &err) == 128 + 9);
  REQUIRE(absl::StrContains(out, "step 45: killing myself with SIGKILL"));
  REQUIRE(RunCommand(exe + " " + run + " --steps 60 --resume", &out, &err) ==
          0);
  INFO(out << err);
  // 4 weights, 5 hyper-parameters, step and save_counter restored; 4
  // parameters x 3 slots wait for Step().
  REQUIRE(absl::StrContains(out, "restored " + run +
                                     "/ckpt-2: 11 values assigned, 12 slots "
                                     "waiting for the first step"));
  REQUIRE(DoneLine(out) == DoneLine(full_out));

  // The final checkpoints hold the same bytes.
  auto a = BundleReader::Open(Env::Default(), run + "/ckpt-3").value();
  auto b = BundleReader::Open(Env::Default(), dir.Join("full/ckpt-3")).value();
  auto entries = a->ListEntries().value();
  REQUIRE(entries.size() == b->ListEntries().value().size());
  for (const auto& [key, entry] : entries) {
    INFO(key);
    REQUIRE(a->ReadStoredBytes(key).value() == b->ReadStoredBytes(key).value());
  }

  std::string tree;
  REQUIRE(RunCommand(testing::CliPath() + " tree " + run + "/ckpt-3", &tree) ==
          0);
  INFO(tree);
  for (const char* line :
       {"model (node", "0 (node", "weight (node", "slot exp_avg -> node",
        "slot exp_avg_sq -> node", "slot step -> node", "param_groups (node",
        "lr (node"}) {
    REQUIRE(absl::StrContains(tree, line));
  }
}

TEST_CASE("torch_train refuses to overwrite and bad flags") {
  TempDir dir;
  const std::string exe = CKPT_TORCH_TRAIN_PATH;
  std::string out, err;
  REQUIRE(RunCommand(exe + " " + dir.path() + " --steps 20", &out, &err) == 0);
  REQUIRE(RunCommand(exe + " " + dir.path() + " --steps 20", &out, &err) == 1);
  REQUIRE(absl::StrContains(err, "already holds checkpoints"));
  REQUIRE(RunCommand(exe + " " + dir.path() + " --steps x", &out, &err) == 2);
}

}  // namespace
}  // namespace ckpt
