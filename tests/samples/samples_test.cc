// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The samples (samples/samples.h), run as the programs run them: resumed
// training is bit-identical to an uninterrupted run, the golf mirror restores
// TensorFlow's checkpoint with assert_consumed(), and transfer learning
// restores only the backbone.

#include "samples.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/trackable.h"
#include "nn.h"
#include "testing/test_util.h"

namespace ckpt_samples {
namespace {

using ::ckpt::testing::TempDir;

TrainOptions Options(const std::string& dir, int64_t steps, int64_t every) {
  TrainOptions o;
  o.dir = dir;
  o.steps = steps;
  o.save_every = every;
  return o;
}

void RequireSameState(const TrainResult& a, const TrainResult& b) {
  REQUIRE(a.state.size() == b.state.size());
  for (size_t i = 0; i < a.state.size(); ++i) {
    INFO("state tensor " << i);
    REQUIRE(a.state[i].Equals(b.state[i]));
  }
  REQUIRE(a.state_crc32c == b.state_crc32c);
}

TEST_CASE("TrainMlp: a resumed run is bit-identical to an uninterrupted one") {
  TempDir full_dir, split_dir;
  absl::StatusOr<TrainResult> full =
      TrainMlp(Options(full_dir.path(), 120, 40));
  CKPT_REQUIRE_OK(full);
  REQUIRE(full->final_step == 120);
  REQUIRE(full->saved == std::vector<std::string>{full_dir.Join("ckpt-1"),
                                                  full_dir.Join("ckpt-2"),
                                                  full_dir.Join("ckpt-3")});
  // 6 weights, 6 m, 6 v, iter, step.
  REQUIRE(full->state.size() == 20);

  absl::StatusOr<TrainResult> first =
      TrainMlp(Options(split_dir.path(), 80, 40));
  CKPT_REQUIRE_OK(first);
  TrainOptions resume = Options(split_dir.path(), 120, 40);
  resume.resume = true;
  std::ostringstream log;
  resume.log = &log;
  absl::StatusOr<TrainResult> second = TrainMlp(resume);
  CKPT_REQUIRE_OK(second);
  REQUIRE(second->restored_from == split_dir.Join("ckpt-2"));
  REQUIRE(second->start_step == 80);
  // save_counter was restored: numbering goes on.
  REQUIRE(second->saved == std::vector<std::string>{split_dir.Join("ckpt-3")});
  // Layers and slots did not exist at restore time: their values waited.
  REQUIRE(log.str().find("waiting for their objects") != std::string::npos);
  RequireSameState(*full, *second);
}

TEST_CASE("train_mlp killed by SIGKILL partway resumes bit-identically") {
  TempDir dir;
  const std::string exe = CKPT_TRAIN_MLP_PATH;
  const std::string run = dir.Join("run");
  std::string out, err;
  // Killed right after step 95: the newest checkpoint is step 80.
  int rc = ckpt::testing::RunCommand(
      exe + " " + run + " --steps 120 --save-every 40 --kill-at 95", &out,
      &err);
  INFO(out << err);
  REQUIRE(rc == 128 + 9);
  REQUIRE(absl::StrContains(out, "step 95: killing myself with SIGKILL"));
  REQUIRE_FALSE(absl::StrContains(out, "done:"));
  rc = ckpt::testing::RunCommand(
      exe + " " + run + " --steps 120 --save-every 40 --resume", &out, &err);
  REQUIRE(rc == 0);
  REQUIRE(absl::StrContains(out, "restored " + run + "/ckpt-2"));

  absl::StatusOr<TrainResult> full =
      TrainMlp(Options(dir.Join("full"), 120, 40));
  CKPT_REQUIRE_OK(full);
  REQUIRE(absl::StrContains(
      out, absl::StrFormat("state crc32c %08x", full->state_crc32c)));
  // The final checkpoints hold the same values, byte for byte.
  auto reader_a =
      ckpt::BundleReader::Open(ckpt::Env::Default(), run + "/ckpt-3");
  auto reader_b =
      ckpt::BundleReader::Open(ckpt::Env::Default(), dir.Join("full/ckpt-3"));
  CKPT_REQUIRE_OK(reader_a);
  CKPT_REQUIRE_OK(reader_b);
  auto entries = (*reader_a)->ListEntries();
  CKPT_REQUIRE_OK(entries);
  REQUIRE(entries->size() == 27);
  for (const auto& [key, entry] : *entries) {
    INFO(key);
    REQUIRE((*reader_a)->ReadStoredBytes(key).value() ==
            (*reader_b)->ReadStoredBytes(key).value());
  }
}

TEST_CASE("TrainMlp: a directory with checkpoints needs resume") {
  TempDir dir;
  CKPT_REQUIRE_OK(TrainMlp(Options(dir.path(), 10, 5)));
  CKPT_REQUIRE_ERROR(TrainMlp(Options(dir.path(), 20, 5)),
                     absl::StatusCode::kFailedPrecondition,
                     "already holds checkpoints");
}

TEST_CASE("TrainMlp: --resume without a checkpoint starts from scratch") {
  TempDir a, b;
  TrainOptions o = Options(a.path(), 30, 10);
  o.resume = true;
  absl::StatusOr<TrainResult> resumed = TrainMlp(o);
  CKPT_REQUIRE_OK(resumed);
  REQUIRE(resumed->restored_from.empty());
  REQUIRE(resumed->start_step == 0);
  absl::StatusOr<TrainResult> fresh = TrainMlp(Options(b.path(), 30, 10));
  CKPT_REQUIRE_OK(fresh);
  RequireSameState(*fresh, *resumed);
}

TEST_CASE(
    "TrainMlp: resuming at the last step trains nothing, changes nothing") {
  TempDir dir;
  absl::StatusOr<TrainResult> run = TrainMlp(Options(dir.path(), 20, 10));
  CKPT_REQUIRE_OK(run);
  TrainOptions o = Options(dir.path(), 20, 10);
  o.resume = true;
  absl::StatusOr<TrainResult> again = TrainMlp(o);
  CKPT_REQUIRE_OK(again);
  REQUIRE(again->start_step == 20);
  REQUIRE(again->saved.empty());
  RequireSameState(*run, *again);
}

TEST_CASE("TrainMlp: invalid options are InvalidArgument") {
  CKPT_REQUIRE_ERROR(TrainMlp(Options("", 10, 5)),
                     absl::StatusCode::kInvalidArgument, "need a directory");
  CKPT_REQUIRE_ERROR(TrainMlp(Options("/tmp", 10, 0)),
                     absl::StatusCode::kInvalidArgument, "save_every 0");
}

// A stand-in for the data stream whose rng_state is not a generator state.
class BadStream : public ckpt::Trackable {
 public:
  void VisitAttributes(ckpt::AttributeVisitor& visit) override {
    visit.Custom(
        "rng_state",
        []() -> absl::StatusOr<ckpt::Tensor> {
          return ckpt::Tensor::FromStrings({}, {"12 not-a-number"});
        },
        [](const ckpt::Tensor&) { return absl::OkStatus(); });
  }
};

TEST_CASE("TrainMlp: a corrupt generator state is refused, not half-parsed") {
  TempDir dir;
  BadStream bad;
  ckpt::Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("data", bad));
  CKPT_REQUIRE_OK(writer.Save(dir.Join("ckpt")));
  TrainOptions o = Options(dir.path(), 10, 5);
  o.resume = true;
  CKPT_REQUIRE_ERROR(TrainMlp(o), absl::StatusCode::kInvalidArgument,
                     "rng_state: not a std::mt19937_64 state");
}

TEST_CASE("Adam: slots for other variables are refused") {
  Sequential model(2, {{2, Activation::kLinear}});
  CKPT_REQUIRE_OK(model.Build(1));
  Adam adam;
  std::vector<ckpt::Variable*> vars = model.TrainableVariables();
  CKPT_REQUIRE_OK(adam.Build(vars));
  CKPT_REQUIRE_OK(adam.Build(vars));  // same variables: no-op
  vars.pop_back();
  CKPT_REQUIRE_ERROR(adam.Build(vars), absl::StatusCode::kFailedPrecondition,
                     "other variables");
  CKPT_REQUIRE_ERROR(adam.Apply(model.TrainableVariables(), {{1, 2, 3, 4}}),
                     absl::StatusCode::kInvalidArgument, "1 gradients for 2");
}

TEST_CASE("GolfMirror: TensorFlow's golf restores with assert_consumed") {
  if (ckpt::testing::SkipWithoutTfTestData()) return;
  std::ostringstream log;
  absl::StatusOr<GolfResult> result =
      GolfMirror(ckpt::testing::TfPath("golf/ckpt-1"), &log);
  CKPT_REQUIRE_OK(result);
  // 6 weights, 12 slots, 5 optimizer hyper-parameters, step, save_counter.
  REQUIRE(result->values_checked == 25);
  REQUIRE(result->report.matched.size() == 25);
  REQUIRE(result->report.pending.empty());
  REQUIRE(result->report.unused.empty());
  REQUIRE(result->report.missing.empty());
  REQUIRE(log.str().find("assert_consumed: OK") != std::string::npos);
}

TEST_CASE("GolfMirror: a missing checkpoint is NotFound") {
  TempDir dir;
  CKPT_REQUIRE_ERROR(GolfMirror(dir.Join("nope"), nullptr),
                     absl::StatusCode::kNotFound, "nope");
}

TEST_CASE("GolfTransfer: golf's first layers in a differently named model") {
  if (ckpt::testing::SkipWithoutTfTestData()) return;
  absl::StatusOr<GolfTransferResult> result =
      GolfTransfer(ckpt::testing::TfPath("golf/ckpt-1"), nullptr);
  CKPT_REQUIRE_OK(result);
  // 4 variables, their 8 slots, Adam's iter.
  CHECK(result->values_checked == 13);
  const ckpt::RestoreReport& r = result->report;
  // + Adam's 4 hyper-parameters.
  CHECK(r.matched.size() == 17);
  bool kernel_moved = false;
  for (const ckpt::RestoreReport::Entry& e : r.matched) {
    if (e.path == "classifier/features/hidden1/kernel") {
      kernel_moved =
          e.checkpoint_path == "net/layer_with_weights-0/kernel" &&
          e.rule == "net/layer_with_weights-0 -> classifier/features/hidden1";
    }
  }
  CHECK(kernel_moved);
  // golf's output layer (2) and its slots (4), step, save_counter.
  CHECK(r.unused.size() == 8);
  CHECK(r.missing.size() == 2);  // the new head
  CHECK(r.mismatched.empty());
  CHECK(r.pending.empty());
}

TEST_CASE("Transfer: only the backbone is restored, the head is new") {
  TempDir dir;
  absl::StatusOr<TransferResult> result = Transfer(dir.path(), nullptr);
  CKPT_REQUIRE_OK(result);
  REQUIRE(result->source == dir.Join("source/ckpt-1"));
  REQUIRE(result->target == dir.Join("target/ckpt-1"));
  REQUIRE(result->backbone_values == 4);
  REQUIRE(result->backbone_unchanged);
  REQUIRE(result->head_loss_after < result->head_loss_before);
  REQUIRE(result->report.matched.size() == 4);
  for (const ckpt::RestoreReport::Entry& e : result->report.matched) {
    CHECK(e.checkpoint_path == "model/" + e.path);
  }
  REQUIRE(result->report.mismatched.empty());
  REQUIRE(result->report.pending.empty());
  // Left out: the old head (2), the optimizer (5 variables, 12 slots), the
  // data stream, step and save_counter, each with its reason.
  REQUIRE(result->report.unused.size() == 22);
  size_t dropped_head = 0;
  for (const ckpt::RestoreReport::Entry& e : result->report.unused) {
    if (e.detail == "dropped by rule 'layer_with_weights-2 -> (dropped)'") {
      ++dropped_head;
    }
  }
  CHECK(dropped_head == 2);
  // The new head's kernel and bias are not in the checkpoint.
  REQUIRE(result->report.missing.size() == 2);

  // The target is a complete checkpoint of the new model.
  Sequential model(8, {{32, Activation::kRelu},
                       {16, Activation::kRelu},
                       {3, Activation::kLinear}});
  Adam adam;
  model.set_optimizer(&adam);
  DataStream data(8, 3, 0);
  ckpt::Checkpoint root;
  CKPT_REQUIRE_OK(root.Track("model", model));
  CKPT_REQUIRE_OK(root.Track("data", data));
  absl::StatusOr<ckpt::RestoreStatus> status = root.Restore(result->target);
  CKPT_REQUIRE_OK(status);
  CKPT_REQUIRE_OK(model.Build(5));
  const std::vector<ckpt::Variable*> vars = model.TrainableVariables();
  CKPT_REQUIRE_OK(adam.Build({vars[4], vars[5]}));  // slots of the head only
  CKPT_REQUIRE_OK(status->AssertConsumed());
}

}  // namespace
}  // namespace ckpt_samples
