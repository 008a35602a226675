// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ShardedVariable through Checkpoint: saved as TensorFlow saves partitioned
// variables (one partitioned key, a slice per part); restored into any
// number of parts, into and from plain Variables, bit for bit; optimizer
// slots sharded the same way; TF1 name-based restore of partitioned
// tensors.

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/tensor_slice.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;

constexpr const char* kKey = "emb/.ATTRIBUTES/VARIABLE_VALUE";

// Random contents for every part (strings for string tensors).
void Fill(ShardedVariable& v, std::mt19937_64& rng) {
  for (int i = 0; i < v.num_parts(); ++i) {
    Tensor& part = v.mutable_part(i);
    if (part.holds_strings()) {
      for (std::string& s : *part.mutable_strings()) {
        s = std::to_string(rng() % 1000);
      }
      continue;
    }
    for (char& c : part.mutable_bytes()) c = static_cast<char>(rng());
  }
}

struct Model : Trackable {
  explicit Model(ShardedVariable v) : emb(std::move(v)) {}
  void VisitChildren(ChildVisitor& visit) override { visit("emb", emb); }
  ShardedVariable emb;
};

struct PlainModel : Trackable {
  void VisitChildren(ChildVisitor& visit) override { visit("emb", emb); }
  Variable emb;
};

std::string SaveModel(const TempDir& dir, Model& model) {
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  absl::StatusOr<std::string> prefix = ckpt.Save(dir.Join("ckpt"));
  CKPT_REQUIRE_OK(prefix);
  return *prefix;
}

TEST_CASE("N parts restore into M parts bit for bit, N, M in 1..5") {
  std::mt19937_64 rng(42);
  for (DataType dtype : {DataType::kFloat, DataType::kInt64, DataType::kString,
                         DataType::kHalf}) {
    for (int n = 1; n <= 5; ++n) {
      for (int m = 1; m <= 5; ++m) {
        INFO(DataTypeName(dtype) << " " << n << " -> " << m);
        TempDir dir;
        const TensorShape shape({13, 3});
        Model saved(ShardedVariable::Create(dtype, shape, n).value());
        Fill(saved.emb, rng);
        const std::string prefix = SaveModel(dir, saved);
        // TensorFlow's layout: one partitioned key, a slice per part, every
        // dimension explicit.
        auto reader = BundleReader::Open(Env::Default(), prefix).value();
        const std::string key = std::string("model/") + kKey;
        absl::StatusOr<std::vector<TensorSlice>> slices =
            reader->GetSlices(key);
        if (n == 1) {
          REQUIRE(reader->GetEntry(key).value().num_slices == 0);
        } else {
          CKPT_REQUIRE_OK(slices);
          REQUIRE(slices->size() == static_cast<size_t>(n));
          REQUIRE((*slices)[0] == saved.emb.slice(0));
        }
        Model restored(ShardedVariable::Create(dtype, shape, m).value());
        Checkpoint ckpt;
        CKPT_REQUIRE_OK(ckpt.Track("model", restored));
        absl::StatusOr<RestoreStatus> st = ckpt.Restore(prefix);
        CKPT_REQUIRE_OK(st);
        CKPT_REQUIRE_OK(st->AssertConsumed());
        REQUIRE(
            restored.emb.Concat().value().Equals(saved.emb.Concat().value()));
      }
    }
  }
}

TEST_CASE("plain and sharded variables restore into each other") {
  std::mt19937_64 rng(7);
  TempDir dir;
  const TensorShape shape({10, 4});
  SECTION("sharded checkpoint into a plain Variable") {
    Model saved(ShardedVariable::Create(DataType::kFloat, shape, 3).value());
    Fill(saved.emb, rng);
    const std::string prefix = SaveModel(dir, saved);
    PlainModel plain;
    plain.emb = Variable(DataType::kFloat, shape);
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", plain));
    CKPT_REQUIRE_OK(ckpt.Restore(prefix));
    REQUIRE(plain.emb.value().Equals(saved.emb.Concat().value()));
  }
  SECTION("plain checkpoint into a ShardedVariable, part by part") {
    PlainModel plain;
    plain.emb = Variable(DataType::kFloat, shape);
    for (char& c : plain.emb.mutable_value().mutable_bytes()) {
      c = static_cast<char>(rng());
    }
    Checkpoint save;
    CKPT_REQUIRE_OK(save.Track("model", plain));
    const std::string prefix = save.Save(dir.Join("plain")).value();
    Model restored(ShardedVariable::Create(DataType::kFloat, shape, 4).value());
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", restored));
    absl::StatusOr<RestoreStatus> st = ckpt.Restore(prefix);
    CKPT_REQUIRE_OK(st);
    CKPT_REQUIRE_OK(st->AssertConsumed());
    REQUIRE(restored.emb.Concat().value().Equals(plain.emb.value()));
  }
}

TEST_CASE("a sharded variable of another full shape is a mismatch") {
  TempDir dir;
  Model saved(ShardedVariable::Create(DataType::kFloat, TensorShape({6, 2}), 2)
                  .value());
  const std::string prefix = SaveModel(dir, saved);
  Model other(ShardedVariable::Create(DataType::kFloat, TensorShape({7, 2}), 2)
                  .value());
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", other));
  CKPT_REQUIRE_ERROR(ckpt.Restore(prefix), absl::StatusCode::kInvalidArgument,
                     "[7,2] in 2 parts");
}

TEST_CASE("an uninitialized ShardedVariable cannot be saved") {
  TempDir dir;
  Model empty{ShardedVariable()};
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", empty));
  CKPT_REQUIRE_ERROR(ckpt.Save(dir.Join("ckpt")),
                     absl::StatusCode::kFailedPrecondition,
                     "'model/emb': attribute 'VARIABLE_VALUE': 0 parts");
}

TEST_CASE("restoring into a ShardedVariable without parts is an error") {
  TempDir dir;
  Model saved(ShardedVariable::Create(DataType::kFloat, TensorShape({4, 2}), 2)
                  .value());
  const std::string prefix = SaveModel(dir, saved);
  Model empty{ShardedVariable()};
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", empty));
  CKPT_REQUIRE_ERROR(ckpt.Restore(prefix),
                     absl::StatusCode::kFailedPrecondition,
                     "restoring 'model/emb': 0 parts and 0 slices");
}

// A custom object whose parts disagree with its slices.
struct BadParts : Trackable {
  void VisitAttributes(AttributeVisitor& visit) override {
    std::vector<Tensor*> ptrs = {&a, &b};
    visit.Partitioned("VARIABLE_VALUE", TensorShape({4, 2}), ptrs, slices, "");
  }
  Tensor a = Tensor::Create(DataType::kFloat, TensorShape({2, 2})).value();
  Tensor b = Tensor::Create(DataType::kFloat, TensorShape({2, 2})).value();
  std::vector<TensorSlice> slices = {TensorSlice::Parse("0,2:0,2").value(),
                                     TensorSlice::Parse("2,2:0,2").value()};
};

TEST_CASE("parts that do not hold their slices are refused, save and restore") {
  TempDir dir;
  Model saved(ShardedVariable::Create(DataType::kFloat, TensorShape({4, 2}), 2)
                  .value());
  const std::string prefix = SaveModel(dir, saved);
  struct Root : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("emb", parts); }
    BadParts parts;
  };
  SECTION("a part of another dtype") {
    Root root;
    root.parts.b =
        Tensor::Create(DataType::kInt32, TensorShape({2, 2})).value();
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", root));
    CKPT_REQUIRE_ERROR(ckpt.Restore(prefix), absl::StatusCode::kInvalidArgument,
                       "part 1 is int32 but part 0 is float32");
    CKPT_REQUIRE_ERROR(ckpt.Save(dir.Join("again")),
                       absl::StatusCode::kInvalidArgument, "part 1 is int32");
  }
  SECTION("a part of another shape") {
    Root root;
    root.parts.b =
        Tensor::Create(DataType::kFloat, TensorShape({1, 4})).value();
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", root));
    CKPT_REQUIRE_ERROR(ckpt.Restore(prefix), absl::StatusCode::kInvalidArgument,
                       "part 1 of shape [1,4] does not hold slice 2,2:0,2");
  }
  SECTION("fewer slices than parts") {
    Root root;
    root.parts.slices.pop_back();
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", root));
    CKPT_REQUIRE_ERROR(ckpt.Restore(prefix),
                       absl::StatusCode::kFailedPrecondition,
                       "2 parts and 1 slices");
  }
  SECTION("parts that overlap") {
    // (A restore fills whatever parts exist, so a hole is fine there: a
    // rank's local share; an overlap never is.)
    Root root;
    root.parts.slices[1] = TensorSlice::Parse("1,2:0,2").value();
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", root));
    CKPT_REQUIRE_ERROR(ckpt.Restore(prefix), absl::StatusCode::kInvalidArgument,
                       "the parts are not a layout of [4,2]: slice layout: "
                       "Overlapping slices 0,2:0,2 and 1,2:0,2");
  }
}

TEST_CASE("ShardedVariable refuses more parts than a checkpoint may list") {
  std::vector<Tensor> parts(16385);
  for (Tensor& t : parts) {
    t = Tensor::Create(DataType::kInt8, TensorShape({1})).value();
  }
  CKPT_REQUIRE_ERROR(ShardedVariable::FromParts(std::move(parts)),
                     absl::StatusCode::kInvalidArgument, "16385 parts");
}

// An optimizer whose slots of a sharded variable are sharded the same way.
struct ShardedAdam : Trackable {
  void VisitSlots(SlotVisitor& visit) override {
    if (original == nullptr || m == nullptr) return;
    visit.Slot("m", *original, *m);
  }
  void CreateSlots(ShardedVariable& var, int parts) {
    original = &var;
    m = std::make_unique<ShardedVariable>(
        ShardedVariable::Create(var.dtype(), var.shape(), parts).value());
  }
  ShardedVariable* original = nullptr;
  std::unique_ptr<ShardedVariable> m;
};

struct Root : Trackable {
  explicit Root(ShardedVariable v) : model(std::move(v)) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("model", model);
    visit("optimizer", optimizer);
  }
  Model model;
  ShardedAdam optimizer;
};

TEST_CASE("slots of a sharded variable restore, also when created later") {
  std::mt19937_64 rng(3);
  TempDir dir;
  const TensorShape shape({9, 2});
  Root saved(ShardedVariable::Create(DataType::kFloat, shape, 3).value());
  Fill(saved.model.emb, rng);
  saved.optimizer.CreateSlots(saved.model.emb, 3);
  Fill(*saved.optimizer.m, rng);
  Checkpoint save;
  CKPT_REQUIRE_OK(save.Track("root", saved));
  const std::string prefix = save.Save(dir.Join("ckpt")).value();
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  CKPT_REQUIRE_OK(reader->GetSlices(
      "root/model/emb/.OPTIMIZER_SLOT/root/optimizer/m/.ATTRIBUTES/"
      "VARIABLE_VALUE"));

  // Restored into 2 parts; the slot is created after the restore (deferred).
  Root restored(ShardedVariable::Create(DataType::kFloat, shape, 2).value());
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("root", restored));
  CKPT_REQUIRE_OK(ckpt.Restore(prefix));
  REQUIRE(restored.model.emb.Concat().value().Equals(
      saved.model.emb.Concat().value()));
  restored.optimizer.CreateSlots(restored.model.emb, 2);
  CKPT_REQUIRE_OK(restored.optimizer.ChildrenChanged());
  REQUIRE(restored.optimizer.m->Concat().value().Equals(
      saved.optimizer.m->Concat().value()));
}

TEST_CASE("TF1 name-based restore reads partitioned tensors by name") {
  // A TF1 Saver checkpoint: no object graph, the partitioned variable
  // "emb" saved as two slices, a plain "bias" beside it.
  TempDir dir;
  const std::string prefix = dir.Join("model.ckpt");
  const TensorShape shape({5, 2});
  const Tensor top =
      Tensor::FromVector<float>(TensorShape({3, 2}), {1, 2, 3, 4, 5, 6})
          .value();
  const Tensor bottom =
      Tensor::FromVector<float>(TensorShape({2, 2}), {7, 8, 9, 10}).value();
  {
    BundleWriterOptions options;
    options.sync = false;
    auto w = BundleWriter::Create(Env::Default(), prefix, options).value();
    CKPT_REQUIRE_OK(
        w->AddSlice("emb", shape, TensorSlice::Parse("0,3:0,2").value(), top));
    CKPT_REQUIRE_OK(w->AddSlice("emb", shape,
                                TensorSlice::Parse("3,2:0,2").value(), bottom));
    CKPT_REQUIRE_OK(w->Finish());
  }
  SECTION("into a ShardedVariable of other parts") {
    Model model(ShardedVariable::Create(DataType::kFloat, shape, 2).value());
    model.emb.set_name("emb");
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", model));
    CKPT_REQUIRE_OK(ckpt.Read(prefix));
    const Tensor whole = model.emb.Concat().value();
    const absl::Span<const float> flat = whole.flat<float>();
    REQUIRE(std::vector<float>(flat.begin(), flat.end()) ==
            std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  }
  SECTION("into a plain Variable") {
    PlainModel model;
    model.emb = Variable(DataType::kFloat, shape);
    model.emb.set_name("emb");
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("model", model));
    CKPT_REQUIRE_OK(ckpt.Read(prefix));
    const absl::Span<const float> flat = model.emb.flat<float>();
    REQUIRE(std::vector<float>(flat.begin(), flat.end()) ==
            std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  }
}

}  // namespace
}  // namespace ckpt
