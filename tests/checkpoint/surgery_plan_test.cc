// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for the write of an edit (lib/checkpoint/surgery_plan.cc, through
// ckpt/surgery.h): an existing destination refused, never replaced; the
// plan staged next to the destination, verified and committed by rename; a
// fault at every mutating call of a write (no destination and no staging
// file left, the source unchanged); a failed verification commits nothing.
// The fixtures are surgery_fixtures.h's.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "checkpoint/surgery_fixtures.h"
#include "ckpt/checkpoint.h"
#include "ckpt/checkpoint_manager.h"
#include "ckpt/env.h"
#include "ckpt/path_map.h"
#include "ckpt/status.h"
#include "ckpt/surgery.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;
using ::ckpt::testing::surgery::FilesIn;
using ::ckpt::testing::surgery::Snapshot;
using ::ckpt::testing::surgery::SourceModel;
using ::ckpt::testing::surgery::TwoValues;
using ::ckpt::testing::surgery::WriteGraphBundle;

// ---- the destination --------------------------------------------------------

TEST_CASE("Surgery errors: an existing destination is never replaced") {
  TempDir dir;
  const std::string in = dir.Join("src");
  WriteGraphBundle(in, TwoValues(), {});
  WriteGraphBundle(dir.Join("taken"), TwoValues(), {});
  const auto before = Snapshot(dir.path());
  StripOptions strip;
  strip.drop = {"a"};
  CKPT_REQUIRE_ERROR(StripObjects(in, dir.Join("taken"), strip),
                     absl::StatusCode::kAlreadyExists,
                     dir.Join("taken.index") + " exists: edits never replace");
  // A stray data file is enough.
  testing::WriteFileOrDie(dir.Join("half.data-00000-of-00002"), "x");
  CKPT_REQUIRE_ERROR(StripObjects(in, dir.Join("half"), strip),
                     absl::StatusCode::kAlreadyExists,
                     dir.Join("half.data-00000-of-00002") + " exists");
  // The source itself, however spelled.
  CKPT_REQUIRE_ERROR(StripObjects(in, dir.path() + "/./src", strip),
                     absl::StatusCode::kInvalidArgument,
                     "is the source checkpoint");
  EditOptions dry;
  dry.dry_run = true;
  CKPT_REQUIRE_ERROR(StripObjects(in, dir.Join("taken"), strip, dry),
                     absl::StatusCode::kAlreadyExists, "taken.index");
  auto after = Snapshot(dir.path());
  for (const auto& [name, bytes] : before) CHECK(after.at(name) == bytes);
}

// ---- failures while writing -------------------------------------------------

TEST_CASE("A fault at any write step leaves no destination and no staging") {
  testing::FaultEnv env;
  CKPT_REQUIRE_OK(env.CreateDirs("/w"));
  SourceModel src;
  src.Save("/w/src", &env);
  const std::vector<std::string> sources = FilesIn(&env, "/w");
  const std::string index =
      ReadFileToString(&env, "/w/src.index", 1 << 20).value();
  EditOptions options;
  options.env = &env;
  const PathMap map =
      PathMap::Create({PathRule::Prefix("model", "net")}).value();
  int64_t failures = 0;
  for (int64_t i = 0;; ++i) {
    INFO("fault at mutating call " << i);
    env.ResetCounter();
    env.InjectFault(i, testing::FaultKind::kIoErrorOnce);
    absl::StatusOr<EditReport> report =
        RenameObjects("/w/src", "/w/out", map, options);
    env.ClearFault();
    if (report.ok()) {
      CHECK(FilesIn(&env, "/w").size() == sources.size() + 2);
      break;
    }
    ++failures;
    INFO(report.status().ToString());
    INFO(absl::StrJoin(env.call_log(), "\n"));
    CHECK(FilesIn(&env, "/w") == sources);
    REQUIRE(i < 1000);
  }
  CHECK(failures > 5);
  CHECK(ReadFileToString(&env, "/w/src.index", 1 << 20).value() == index);
  CKPT_REQUIRE_OK(VerifyCheckpoint(&env, "/w/out"));
}

TEST_CASE("A failed verification commits nothing") {
  // An Env that corrupts the staged data file as it is renamed within the
  // staging name: the verification, not the writer, must catch it.
  class CorruptingEnv : public EnvWrapper {
   public:
    explicit CorruptingEnv(Env* target) : EnvWrapper(target) {}
    absl::Status RenameFile(const std::string& src,
                            const std::string& target) override {
      CKPT_RETURN_IF_ERROR(EnvWrapper::RenameFile(src, target));
      if (!corrupted_ && absl::StrContains(target, ".ckpt-edit-tmp") &&
          absl::StrContains(target, ".data-")) {
        corrupted_ = true;
        std::string bytes = ReadFileToString(this, target, 1 << 30).value();
        bytes[bytes.size() / 2] ^= 0x55;
        CKPT_RETURN_IF_ERROR(WriteStringToFileAtomic(this, target, bytes));
      }
      return absl::OkStatus();
    }

   private:
    bool corrupted_ = false;
  };
  std::unique_ptr<Env> mem = NewMemEnv();
  CorruptingEnv env(mem.get());
  CKPT_REQUIRE_OK(env.CreateDirs("/w"));
  SourceModel src;
  src.Save("/w/src", mem.get());
  EditOptions options;
  options.env = &env;
  CKPT_REQUIRE_ERROR(
      RenameObjects("/w/src", "/w/out",
                    PathMap::Create({PathRule::Prefix("model", "net")}).value(),
                    options),
      absl::StatusCode::kDataLoss, "verifying the edited checkpoint");
  CHECK(FilesIn(mem.get(), "/w") ==
        std::vector<std::string>{"src.data-00000-of-00001", "src.index"});
}

}  // namespace
}  // namespace ckpt
