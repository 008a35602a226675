// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/checkpoint/checkpoint.cc: Save() and SaveAsync() number
// checkpoints, write the state file and roll the counter back the same way
// (one implementation serves both); save_counter's own limits. The object
// graph a save writes is covered by save_test.cc.

#include "ckpt/checkpoint.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::FaultEnv;
using testing::FaultKind;

constexpr char kState[] = "/c/checkpoint";

Variable Weights(float value) {
  Variable v(DataType::kFloat, TensorShape{4});
  for (float& x : v.mutable_flat<float>()) x = value;
  return v;
}

SaveOptions Options(Env* env) {
  SaveOptions options;
  options.env = env;
  return options;
}

// Save() or SaveAsync() followed by Wait(): the two must behave alike.
absl::StatusOr<std::string> SaveAndWait(Checkpoint& ckpt, bool async,
                                        const SaveOptions& options) {
  if (!async) return ckpt.Save("/c/ckpt", options);
  absl::StatusOr<std::string> prefix = ckpt.SaveAsync("/c/ckpt", options);
  if (!prefix.ok()) return prefix;
  absl::Status done = ckpt.Wait();
  if (!done.ok()) return done;
  return prefix;
}

int64_t Counter(Checkpoint& ckpt) {
  return ckpt.save_counter().flat<int64_t>()[0];
}

TEST_CASE("Save and SaveAsync number prefixes and name the latest alike") {
  const bool async = GENERATE(false, true);
  INFO("async " << async);
  std::unique_ptr<Env> env = NewMemEnv();
  Variable w = Weights(1.0f);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("w", w));
  for (int n = 1; n <= 3; ++n) {
    absl::StatusOr<std::string> prefix =
        SaveAndWait(ckpt, async, Options(env.get()));
    CKPT_REQUIRE_OK(prefix);
    REQUIRE(*prefix == "/c/ckpt-" + std::to_string(n));
    REQUIRE(Counter(ckpt) == n);
    absl::StatusOr<std::string> state =
        ReadFileToString(env.get(), kState, 1 << 20);
    CKPT_REQUIRE_OK(state);
    const std::string name = "ckpt-" + std::to_string(n);
    REQUIRE(*state == "model_checkpoint_path: \"" + name +
                          "\"\nall_model_checkpoint_paths: \"" + name + "\"\n");
    absl::StatusOr<std::string> latest = LatestCheckpoint("/c", env.get());
    CKPT_REQUIRE_OK(latest);
    REQUIRE(*latest == *prefix);
  }
}

TEST_CASE("A failed write leaves the counter and the state file alone") {
  const bool async = GENERATE(false, true);
  INFO("async " << async);
  FaultEnv env;
  Variable w = Weights(2.0f);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("w", w));
  CKPT_REQUIRE_OK(SaveAndWait(ckpt, async, Options(&env)));
  absl::StatusOr<std::string> before = ReadFileToString(&env, kState, 1 << 20);
  CKPT_REQUIRE_OK(before);

  // The first mutating call of the next save fails: its bundle.
  env.ResetCounter();
  env.InjectFault(0, FaultKind::kNoSpace);
  absl::StatusOr<std::string> failed = SaveAndWait(ckpt, async, Options(&env));
  REQUIRE_FALSE(failed.ok());
  REQUIRE(failed.status().code() == absl::StatusCode::kResourceExhausted);
  env.ClearFault();
  if (!async) REQUIRE(Counter(ckpt) == 1);  // rolled back
  absl::StatusOr<std::string> after = ReadFileToString(&env, kState, 1 << 20);
  CKPT_REQUIRE_OK(after);
  REQUIRE(*after == *before);

  // The number is used again only where nothing can name it: a synchronous
  // save rolled back; an asynchronous one had started and burns it.
  absl::StatusOr<std::string> next = SaveAndWait(ckpt, async, Options(&env));
  CKPT_REQUIRE_OK(next);
  REQUIRE(*next == (async ? "/c/ckpt-3" : "/c/ckpt-2"));
}

TEST_CASE("A failed state file write burns the number of a synchronous save") {
  FaultEnv env;
  Variable w = Weights(3.0f);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("w", w));
  // Find the number of mutating calls a save makes, then fail one of the
  // state file's: the files are durable, the state file is not updated.
  CKPT_REQUIRE_OK(ckpt.Write("/c/probe", Options(&env)));
  env.ResetCounter();
  CKPT_REQUIRE_OK(ckpt.Save("/c/ckpt", Options(&env)));
  const int64_t calls = env.mutating_calls();
  REQUIRE(Counter(ckpt) == 1);
  env.ResetCounter();
  env.InjectFault(calls - 2, FaultKind::kIoErrorOnce);
  absl::StatusOr<std::string> failed = ckpt.Save("/c/ckpt", Options(&env));
  REQUIRE_FALSE(failed.ok());
  REQUIRE(absl::StrContains(failed.status().message(),
                            "updating the checkpoint state file"));
  REQUIRE(Counter(ckpt) == 2);  // burned: the next save is ckpt-3
  absl::StatusOr<std::string> latest = LatestCheckpoint("/c", &env);
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == "/c/ckpt-1");
  absl::StatusOr<std::string> next = ckpt.Save("/c/ckpt", Options(&env));
  CKPT_REQUIRE_OK(next);
  REQUIRE(*next == "/c/ckpt-3");
}

TEST_CASE(
    "save_counter at its maximum is FailedPrecondition, nothing written") {
  const bool async = GENERATE(false, true);
  std::unique_ptr<Env> env = NewMemEnv();
  Variable w = Weights(4.0f);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("w", w));
  const int64_t max = std::numeric_limits<int64_t>::max();
  ckpt.save_counter().mutable_flat<int64_t>()[0] = max;
  CKPT_REQUIRE_ERROR(SaveAndWait(ckpt, async, Options(env.get())),
                     absl::StatusCode::kFailedPrecondition,
                     "save_counter is 9223372036854775807: no checkpoint "
                     "number is left");
  REQUIRE(Counter(ckpt) == max);
  REQUIRE(absl::IsNotFound(env->FileExists(kState)));
}

}  // namespace
}  // namespace ckpt
