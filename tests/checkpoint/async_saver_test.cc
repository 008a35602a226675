// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of asynchronous saving (lib/checkpoint/async_saver.cc and the
// Checkpoint::SaveAsync/WriteAsync/Wait entry points): the snapshot taken at
// the call, one save in flight, errors reported exactly once, staging
// buffers reused, the destructor waiting. Also run under ThreadSanitizer
// (scripts/test.sh).

#include "checkpoint/async_saver.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "checkpoint/save_plan.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "testing/fault_env.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using testing::FaultEnv;
using testing::FaultKind;
using testing::TempDir;

// Three variables whose every element is derived from one number, so a
// checkpoint tells which "generation" of values it holds.
struct Model {
  std::vector<Variable> vars;
  Model() {
    vars.emplace_back(DataType::kFloat, TensorShape{64});
    vars.emplace_back(DataType::kInt64, TensorShape{});
    vars.emplace_back(DataType::kFloat, TensorShape{33, 31});
  }
  void Fill(int64_t generation) {
    for (size_t v = 0; v < vars.size(); ++v) {
      if (vars[v].dtype() == DataType::kInt64) {
        vars[v].mutable_flat<int64_t>()[0] = generation;
        continue;
      }
      absl::Span<float> f = vars[v].mutable_flat<float>();
      for (size_t i = 0; i < f.size(); ++i) {
        f[i] = static_cast<float>(generation) * 1000.0f +
               static_cast<float>(v * 100 + i % 97);
      }
    }
  }
  bool Holds(int64_t generation) const {
    Model expected;
    expected.Fill(generation);
    for (size_t v = 0; v < vars.size(); ++v) {
      if (!vars[v].value().Equals(expected.vars[v].value())) return false;
    }
    return true;
  }
};

SaveOptions Options(Env* env) {
  SaveOptions options;
  options.env = env;
  options.bundle.sync = false;
  return options;
}

// Restores `prefix` into a fresh model and returns it.
Model RestoreOrDie(Env* env, const std::string& prefix) {
  Model model;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  RestoreOptions options;
  options.env = env;
  absl::StatusOr<RestoreStatus> status = ckpt.Read(prefix, options);
  CKPT_REQUIRE_OK(status);
  CKPT_REQUIRE_OK(status->AssertExistingObjectsMatched());
  return model;
}

TEST_CASE(
    "1000 save and modify cycles: every checkpoint holds the values at its "
    "call") {
  TempDir dir;
  Env* env = Env::Default();
  Model model;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  constexpr int kCycles = 1000;
  for (int i = 0; i < kCycles; ++i) {
    model.Fill(i);
    CKPT_REQUIRE_OK(
        ckpt.WriteAsync(dir.Join(absl::StrCat("c-", i)), Options(env)));
    // Training goes on while the save is written: these values must never
    // reach checkpoint i.
    model.Fill(-1 - i);
    model.vars[2].mutable_flat<float>()[5] = -7.0f;
    // Every other cycle leaves the wait to the next save.
    if (i % 2 == 0) CKPT_REQUIRE_OK(ckpt.Wait());
  }
  CKPT_REQUIRE_OK(ckpt.Wait());
  for (int i = 0; i < kCycles; ++i) {
    const Model restored = RestoreOrDie(env, dir.Join(absl::StrCat("c-", i)));
    INFO("checkpoint " << i);
    REQUIRE(restored.Holds(i));
  }
}

TEST_CASE(
    "SaveAsync numbers the checkpoint and updates the state file after the "
    "files") {
  TempDir dir;
  Env* env = Env::Default();
  Model model;
  model.Fill(7);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  absl::StatusOr<std::string> prefix =
      ckpt.SaveAsync(dir.Join("ckpt"), Options(env));
  CKPT_REQUIRE_OK(prefix);
  REQUIRE(*prefix == dir.Join("ckpt-1"));
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 1);
  model.Fill(8);
  CKPT_REQUIRE_OK(ckpt.Wait());
  REQUIRE_FALSE(ckpt.save_in_flight());
  absl::StatusOr<std::string> latest = LatestCheckpoint(dir.path());
  CKPT_REQUIRE_OK(latest);
  REQUIRE(*latest == *prefix);
  REQUIRE(RestoreOrDie(env, *prefix).Holds(7));
  // A synchronous save after it goes on numbering.
  absl::StatusOr<std::string> second =
      ckpt.Save(dir.Join("ckpt"), Options(env));
  CKPT_REQUIRE_OK(second);
  REQUIRE(*second == dir.Join("ckpt-2"));
  REQUIRE(RestoreOrDie(env, *second).Holds(8));
}

TEST_CASE("Wait returns the error of a failed background save once") {
  FaultEnv env;
  CKPT_REQUIRE_OK(env.CreateDir("/ck"));
  Model model;
  model.Fill(1);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  env.InjectFault(env.mutating_calls(), FaultKind::kIoErrorOnce);
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/ck/a", Options(&env)));
  const absl::Status failed = ckpt.Wait();
  REQUIRE_FALSE(failed.ok());
  REQUIRE_THAT(std::string(failed.message()),
               Catch::Contains("asynchronous save of checkpoint '/ck/a'"));
  CKPT_REQUIRE_OK(ckpt.Wait());  // reported once
  REQUIRE(env.FileExists("/ck/a.index").code() == absl::StatusCode::kNotFound);
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/ck/a", Options(&env)));
  CKPT_REQUIRE_OK(ckpt.Wait());
  REQUIRE(RestoreOrDie(&env, "/ck/a").Holds(1));
}

TEST_CASE(
    "An uncollected error is returned by the next save which starts nothing") {
  FaultEnv env;
  CKPT_REQUIRE_OK(env.CreateDir("/ck"));
  Model model;
  model.Fill(2);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  env.InjectFault(env.mutating_calls(), FaultKind::kIoErrorOnce);
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/ck/a", Options(&env)));
  CKPT_REQUIRE_ERROR(ckpt.WriteAsync("/ck/b", Options(&env)),
                     absl::StatusCode::kUnknown,
                     "previous asynchronous save failed");
  REQUIRE_FALSE(ckpt.save_in_flight());
  REQUIRE(env.FileExists("/ck/b.index").code() == absl::StatusCode::kNotFound);
  // A synchronous save reports it too when it is the next call.
  env.InjectFault(env.mutating_calls(), FaultKind::kIoErrorOnce);
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/ck/b", Options(&env)));
  CKPT_REQUIRE_ERROR(ckpt.Write("/ck/c", Options(&env)),
                     absl::StatusCode::kUnknown,
                     "previous asynchronous save failed");
  CKPT_REQUIRE_OK(ckpt.Write("/ck/c", Options(&env)));
  REQUIRE(RestoreOrDie(&env, "/ck/c").Holds(2));
}

TEST_CASE("Planning errors are returned at the call and start nothing") {
  TempDir dir;
  std::vector<Variable> vars(2);  // uninitialized
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("vars", vars));
  CKPT_REQUIRE_ERROR(ckpt.SaveAsync(dir.Join("ckpt")),
                     absl::StatusCode::kFailedPrecondition,
                     "is not initialized");
  REQUIRE_FALSE(ckpt.save_in_flight());
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 0);  // rolled back
  CKPT_REQUIRE_OK(ckpt.Wait());
}

TEST_CASE("The destructor waits for the save in flight") {
  TempDir dir;
  {
    Model model;
    model.Fill(3);
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
    CKPT_REQUIRE_OK(ckpt.WriteAsync(dir.Join("p"), Options(Env::Default())));
  }
  REQUIRE(RestoreOrDie(Env::Default(), dir.Join("p")).Holds(3));
}

TEST_CASE("Restoring while a save is in flight leaves the snapshot alone") {
  TempDir dir;
  Env* env = Env::Default();
  Model model;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  model.Fill(10);
  CKPT_REQUIRE_OK(ckpt.Write(dir.Join("old"), Options(env)));
  model.Fill(11);
  CKPT_REQUIRE_OK(ckpt.WriteAsync(dir.Join("new"), Options(env)));
  RestoreOptions restore_options;
  restore_options.env = env;
  absl::StatusOr<RestoreStatus> restored =
      ckpt.Read(dir.Join("old"), restore_options);
  CKPT_REQUIRE_OK(restored);
  REQUIRE(model.Holds(10));
  CKPT_REQUIRE_OK(ckpt.Wait());
  REQUIRE(RestoreOrDie(env, dir.Join("new")).Holds(11));
}

// A Trackable whose custom attribute is the text of a counter.
class Counter : public Trackable {
 public:
  void VisitAttributes(AttributeVisitor& visit) override {
    visit.Custom(
        "count",
        [this]() -> absl::StatusOr<Tensor> {
          return Tensor::FromStrings({}, {absl::StrCat(count)});
        },
        [this](const Tensor& t) {
          restored = t.strings().at(0);
          return absl::OkStatus();
        });
  }
  int count = 0;
  std::string restored;
};

TEST_CASE(
    "Custom attributes are produced at the call of an asynchronous save") {
  std::unique_ptr<Env> env = NewMemEnv();
  Counter counter;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("counter", counter));
  counter.count = 41;
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/p", Options(env.get())));
  counter.count = 99;
  CKPT_REQUIRE_OK(ckpt.Wait());
  Counter loaded;
  Checkpoint other;
  CKPT_REQUIRE_OK(other.Track("counter", loaded));
  RestoreOptions options;
  options.env = env.get();
  CKPT_REQUIRE_OK(other.Read("/p", options));
  REQUIRE(loaded.restored == "41");
}

TEST_CASE("Staging buffers are reused while the tensors keep their shapes") {
  Model model;
  model.Fill(1);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  ckpt.save_counter();  // a variable of the graph too
  checkpoint::StagingBuffers staging;
  absl::StatusOr<checkpoint::SavePlan> first =
      checkpoint::PlanSave(ObjectRef::Of(ckpt), SaveOptions{});
  CKPT_REQUIRE_OK(first);
  CKPT_REQUIRE_OK(staging.Stage(*first));
  std::vector<const char*> addresses;
  uint64_t model_bytes = 0;
  for (const checkpoint::PlannedTensor& t : first->tensors) {
    if (t.live == nullptr) continue;
    addresses.push_back(t.live->bytes().data());
    model_bytes += t.live->bytes().size();
  }
  REQUIRE(addresses.size() == model.vars.size() + 1);
  REQUIRE(staging.bytes() == model_bytes);
  // The staged values are copies, not the live tensors.
  REQUIRE(first->tensors[0].live != &model.vars[0].value());

  model.Fill(2);
  absl::StatusOr<checkpoint::SavePlan> second =
      checkpoint::PlanSave(ObjectRef::Of(ckpt), SaveOptions{});
  CKPT_REQUIRE_OK(second);
  CKPT_REQUIRE_OK(staging.Stage(*second));
  size_t j = 0;
  for (const checkpoint::PlannedTensor& t : second->tensors) {
    if (t.live == nullptr) continue;
    REQUIRE(t.live->bytes().data() == addresses[j++]);  // same buffer
  }
  REQUIRE(staging.bytes() == model_bytes);  // one copy, not two

  // A tensor that changes shape gets a new buffer; fewer tensors, fewer
  // buffers.
  model.vars[1].mutable_value() =
      Tensor::Create(DataType::kInt64, TensorShape{4}).value();
  model.vars.pop_back();
  absl::StatusOr<checkpoint::SavePlan> third =
      checkpoint::PlanSave(ObjectRef::Of(ckpt), SaveOptions{});
  CKPT_REQUIRE_OK(third);
  CKPT_REQUIRE_OK(staging.Stage(*third));
  REQUIRE(staging.bytes() < model_bytes);
}

TEST_CASE("Staging a large state on several threads copies every byte") {
  // 72 MiB in tensors of uneven sizes (several 4 MiB pieces, a remainder,
  // small ones), over the 64 MiB from which the copy is parallel; staged
  // twice, so the second copy goes into the reused buffers.
  std::vector<Variable> vars;
  for (int64_t n : {int64_t{9} << 20, int64_t{5} << 20, int64_t{3},
                    (int64_t{1} << 20) + 7, int64_t{0}, int64_t{3} << 20}) {
    vars.emplace_back(DataType::kFloat, TensorShape{n});
  }
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("vars", vars));
  checkpoint::StagingBuffers staging;
  for (int round = 0; round < 2; ++round) {
    uint32_t x = 12345u + static_cast<uint32_t>(round);
    for (Variable& v : vars) {
      for (float& f : v.mutable_flat<float>()) {
        x = x * 1664525u + 1013904223u;
        f = static_cast<float>(x >> 8);
      }
    }
    absl::StatusOr<checkpoint::SavePlan> plan =
        checkpoint::PlanSave(ObjectRef::Of(ckpt), SaveOptions{});
    CKPT_REQUIRE_OK(plan);
    CKPT_REQUIRE_OK(staging.Stage(*plan, 4));
    size_t j = 0;
    for (const checkpoint::PlannedTensor& t : plan->tensors) {
      INFO("round " << round << " tensor " << j);
      REQUIRE(t.live != &vars[j].value());
      const bool same = t.live->Equals(vars[j].value());
      REQUIRE(same);
      ++j;
    }
    REQUIRE(j == vars.size());
  }
}

TEST_CASE("AsyncSaver runs the continuation only after a successful write") {
  std::unique_ptr<Env> env = NewMemEnv();
  Model model;
  model.Fill(5);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  int calls = 0;
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/x", Options(env.get()), [&]() {
    ++calls;
    // The files are committed when the continuation runs.
    return env->FileExists("/x.index");
  }));
  CKPT_REQUIRE_OK(ckpt.Wait());
  REQUIRE(calls == 1);
  // A continuation's error is the save's error.
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/y", Options(env.get()), [] {
    return absl::UnavailableError("state file unreachable");
  }));
  CKPT_REQUIRE_ERROR(ckpt.Wait(), absl::StatusCode::kUnavailable,
                     "state file unreachable");
  // A bundle option error fails in the background, before the continuation.
  SaveOptions bad = Options(env.get());
  bad.bundle.index_block_size = 0;
  CKPT_REQUIRE_OK(ckpt.WriteAsync("/z", bad, [&]() {
    ++calls;
    return absl::OkStatus();
  }));
  CKPT_REQUIRE_ERROR(ckpt.Wait(), absl::StatusCode::kInvalidArgument,
                     "index_block_size");
  REQUIRE(calls == 1);
}

}  // namespace
}  // namespace ckpt
