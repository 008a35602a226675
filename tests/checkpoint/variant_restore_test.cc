// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Variables of dtype variant in object-graph checkpoints: state a C++
// program does not interpret (a tf.data iterator's) restores into a
// ckpt::Variable and saves again byte for byte, through Write(), the
// asynchronous path (staging buffers reused across saves) and GenericTree.

#include <memory>
#include <string>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/generic_tree.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::VariantElementBytes;

SaveOptions FastOptions() {
  SaveOptions options;
  options.bundle.sync = false;
  return options;
}

Tensor IteratorState(const std::string& metadata) {
  return Tensor::FromVariantElements(
             TensorShape({1}),
             {VariantElementBytes("tensorflow::Iterator", metadata, 2)})
      .value();
}

// A model with a weight and an opaque iterator state.
struct Model {
  Variable weight{DataType::kFloat, {2}};
  Variable iterator{DataType::kVariant, {1}};
  Checkpoint checkpoint;
  Model() {
    CKPT_REQUIRE_OK(checkpoint.Track("w", weight));
    CKPT_REQUIRE_OK(checkpoint.Track("iterator", iterator));
  }
};

void RequireSameFiles(const std::string& a, const std::string& b) {
  CHECK(ReadFileOrDie(IndexFilename(a)) == ReadFileOrDie(IndexFilename(b)));
  CHECK(ReadFileOrDie(DataFilename(a, 0, 1)) ==
        ReadFileOrDie(DataFilename(b, 0, 1)));
}

TEST_CASE("a variant Variable restores and re-saves byte-identically") {
  TempDir dir;
  const std::string first = dir.Join("first");
  {
    Model m;
    m.weight.mutable_flat<float>()[0] = 1.5f;
    CKPT_REQUIRE_OK(m.iterator.Assign(IteratorState("position=17")));
    CKPT_REQUIRE_OK(m.checkpoint.Write(first, FastOptions()));
  }
  Model restored;
  // Read(): no save_counter is created, so the graph stays the same.
  absl::StatusOr<RestoreStatus> status = restored.checkpoint.Read(first);
  CKPT_REQUIRE_OK(status);
  CKPT_REQUIRE_OK(status->AssertConsumed());
  CHECK(restored.iterator.value().Equals(IteratorState("position=17")));
  CHECK(restored.weight.flat<float>()[0] == 1.5f);

  const std::string second = dir.Join("second");
  CKPT_REQUIRE_OK(restored.checkpoint.Write(second, FastOptions()));
  RequireSameFiles(first, second);

  // The key holds dtype variant.
  std::unique_ptr<BundleReader> r =
      BundleReader::Open(Env::Default(), second).value();
  absl::StatusOr<BundleEntry> e =
      r->GetEntry("iterator/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(e);
  CHECK(e->dtype == DataType::kVariant);
}

TEST_CASE("a variant Variable of another shape is a restore error") {
  TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  {
    Model m;
    CKPT_REQUIRE_OK(m.iterator.Assign(IteratorState("x")));
    CKPT_REQUIRE_OK(m.checkpoint.Write(prefix, FastOptions()));
  }
  Variable wrong(DataType::kVariant, {2});
  Checkpoint c;
  CKPT_REQUIRE_OK(c.Track("iterator", wrong));
  absl::StatusOr<RestoreStatus> status = c.Restore(prefix);
  CHECK_FALSE(status.ok());
  CHECK(wrong.value().strings() == std::vector<std::string>(2));
}

TEST_CASE("asynchronous saves snapshot the variant elements every time") {
  TempDir dir;
  Model m;
  std::vector<std::string> prefixes;
  for (const char* state : {"one", "two", "three"}) {
    CKPT_REQUIRE_OK(m.iterator.Assign(IteratorState(state)));
    const std::string prefix = dir.Join(state);
    CKPT_REQUIRE_OK(m.checkpoint.WriteAsync(prefix, FastOptions()));
    // Changed after the call: must not reach that checkpoint.
    CKPT_REQUIRE_OK(m.iterator.Assign(IteratorState("later")));
    CKPT_REQUIRE_OK(m.checkpoint.Wait());
    prefixes.push_back(prefix);
  }
  const char* want[] = {"one", "two", "three"};
  for (size_t i = 0; i < prefixes.size(); ++i) {
    std::unique_ptr<BundleReader> r =
        BundleReader::Open(Env::Default(), prefixes[i]).value();
    absl::StatusOr<Tensor> t = r->Read("iterator/.ATTRIBUTES/VARIABLE_VALUE");
    CKPT_REQUIRE_OK(t);
    CHECK(t->Equals(IteratorState(want[i])));
  }
}

TEST_CASE("GenericTree carries a variant value through load and write") {
  TempDir dir;
  const std::string first = dir.Join("first");
  {
    Model m;
    CKPT_REQUIRE_OK(m.iterator.Assign(IteratorState("opaque")));
    CKPT_REQUIRE_OK(m.checkpoint.Write(first, FastOptions()));
  }
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), first);
  CKPT_REQUIRE_OK(tree);
  const std::string second = dir.Join("second");
  CKPT_REQUIRE_OK((*tree)->Write(second, FastOptions()));
  RequireSameFiles(first, second);
}

}  // namespace
}  // namespace ckpt
