// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of GenericTree: loading every TensorFlow 2 vector and writing it
// again keeps keys, dtypes, shapes, values and the object graph; TF's
// single-shard files without has_checkpoint_values come back byte for byte.
// Hand-made graphs cover the error paths.

#include "ckpt/generic_tree.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::ReadFileOrDie;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;

std::unique_ptr<BundleReader> OpenOrDie(const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

ObjectGraph GraphOrDie(const BundleReader& reader) {
  absl::StatusOr<ObjectGraph> g = ReadObjectGraph(reader);
  CKPT_REQUIRE_OK(g);
  return *std::move(g);
}

// Requires the same keys, dtypes, shapes and values (every tensor but the
// serialized graph, whose bytes may legitimately differ) and equal graphs.
void RequireSameCheckpoint(const std::string& expected_prefix,
                           const std::string& actual_prefix) {
  std::unique_ptr<BundleReader> want = OpenOrDie(expected_prefix);
  std::unique_ptr<BundleReader> got = OpenOrDie(actual_prefix);
  CHECK(got->num_shards() == 1);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>>
      want_entries = want->ListEntries();
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> got_entries =
      got->ListEntries();
  CKPT_REQUIRE_OK(want_entries);
  CKPT_REQUIRE_OK(got_entries);
  REQUIRE(got_entries->size() == want_entries->size());
  for (size_t i = 0; i < want_entries->size(); ++i) {
    const auto& [want_key, want_entry] = (*want_entries)[i];
    const auto& [got_key, got_entry] = (*got_entries)[i];
    INFO(want_key);
    REQUIRE(got_key == want_key);
    CHECK(got_entry.dtype == want_entry.dtype);
    CHECK(got_entry.shape == want_entry.shape);
    if (want_key == kObjectGraphKey) continue;
    absl::StatusOr<Tensor> want_value = want->Read(want_key);
    absl::StatusOr<Tensor> got_value = got->Read(got_key);
    CKPT_REQUIRE_OK(want_value);
    CKPT_REQUIRE_OK(got_value);
    CHECK(got_value->Equals(*want_value));
  }
  const ObjectGraph want_graph = GraphOrDie(*want);
  const ObjectGraph got_graph = GraphOrDie(*got);
  REQUIRE(got_graph.nodes.size() == want_graph.nodes.size());
  for (size_t i = 0; i < want_graph.nodes.size(); ++i) {
    INFO("node " << i);
    const ObjectGraph::Node& w = want_graph.nodes[i];
    const ObjectGraph::Node& g = got_graph.nodes[i];
    CHECK(g.children == w.children);
    CHECK(g.attributes == w.attributes);
    CHECK(g.slots == w.slots);
    CHECK(g.registered_saver == w.registered_saver);
    CHECK(g.has_checkpoint_values == w.has_checkpoint_values);
  }
  CHECK(got_graph == want_graph);
}

// Loads `vector` (a prefix relative to the TF test data) and writes it to a
// temporary prefix, which is returned (the directory lives in `tmp`).
std::string LoadAndWrite(const std::string& vector, const TempDir& tmp) {
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), TfPath(vector));
  CKPT_REQUIRE_OK(tree);
  const std::string out = tmp.Join("out/ckpt");
  CKPT_REQUIRE_OK((*tree)->Write(out));
  return out;
}

TEST_CASE("GenericTree round-trips every TF2 vector with data",
          "[generic_tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector :
       {"golf/ckpt-1", "golf/ckpt-2", "fsrcnn/ckpt-1", "til/cp-0000.ckpt",
        "saved_model_half_plus_two_tf2_cpu/variables"}) {
    INFO(vector);
    TempDir tmp;
    const std::string out = LoadAndWrite(vector, tmp);
    RequireSameCheckpoint(TfPath(vector), out);
  }
}

TEST_CASE("GenericTree rewrites TF's single-shard files byte for byte",
          "[generic_tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  for (const char* vector : {"golf/ckpt-1", "golf/ckpt-2", "fsrcnn/ckpt-1"}) {
    INFO(vector);
    TempDir tmp;
    const std::string out = LoadAndWrite(vector, tmp);
    const std::string src = TfPath(vector);
    CHECK(ReadFileOrDie(out + ".index") == ReadFileOrDie(src + ".index"));
    CHECK(ReadFileOrDie(out + ".data-00000-of-00001") ==
          ReadFileOrDie(src + ".data-00000-of-00001"));
  }
}

TEST_CASE("GenericTree builds Variables and GenericObjects as stored",
          "[generic_tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(tree);
  GenericTree& t = **tree;
  REQUIRE(t.graph().nodes.size() == 32);
  GenericObject& root = t.root();
  REQUIRE(root.edges().size() == 3);
  CHECK(root.edges()[0].name == "net");
  CHECK(root.edges()[1].name == "step");
  CHECK(root.edges()[2].name == "save_counter");
  CHECK(root.attributes().empty());

  // step: an int32 scalar Variable named by its full_name.
  Trackable* step_t = root.edges()[1].target.trackable();
  REQUIRE(step_t != nullptr);
  auto* step = dynamic_cast<Variable*>(step_t);
  REQUIRE(step != nullptr);
  CHECK(step->name() == "Variable");
  CHECK(step->dtype() == DataType::kInt32);
  CHECK(step->shape() == TensorShape());

  // net: layer_with_weights-0 and layer-1 share one object.
  auto* net = dynamic_cast<GenericObject*>(root.edges()[0].target.trackable());
  REQUIRE(net != nullptr);
  REQUIRE(net->edges().size() == 8);
  CHECK(net->edges()[1].name == "layer_with_weights-0");
  CHECK(net->edges()[2].name == "layer-1");
  CHECK(net->edges()[1].target == net->edges()[2].target);

  // The optimizer: 12 slots, m before v, pointing at the layer variables.
  auto* opt = dynamic_cast<GenericObject*>(net->edges()[7].target.trackable());
  REQUIRE(opt != nullptr);
  REQUIRE(opt->slots().size() == 12);
  CHECK(opt->slots()[0].slot_name == "m");
  CHECK(opt->slots()[6].slot_name == "v");
  auto* dense0 =
      dynamic_cast<GenericObject*>(net->edges()[1].target.trackable());
  REQUIRE(dense0 != nullptr);
  REQUIRE(dense0->edges().size() == 2);
  CHECK(ObjectRef::Of(*opt->slots()[0].original) == dense0->edges()[0].target);
  CHECK(opt->slots()[0].slot->name() == "Adam/dense/kernel/m");
  CHECK(opt->slots()[0].slot->shape() == opt->slots()[0].original->shape());
}

TEST_CASE("GenericTree refuses a TF1 name-based checkpoint",
          "[generic_tree][tf]") {
  if (SkipWithoutTfTestData()) return;
  CKPT_REQUIRE_ERROR(
      GenericTree::Load(Env::Default(),
                        TfPath("saved_model_half_plus_three/variables")),
      absl::StatusCode::kFailedPrecondition, "no object graph");
}

// ---- hand-made graphs (no TF data needed) ----

// Writes a bundle holding `values` and the serialized `graph`.
void WriteBundle(const std::string& prefix, const ObjectGraph& graph,
                 const std::vector<std::pair<std::string, Tensor>>& values) {
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w);
  for (const auto& [key, value] : values)
    CKPT_REQUIRE_OK((*w)->Add(key, value));
  absl::StatusOr<Tensor> g =
      Tensor::FromStrings(TensorShape(), {SerializeObjectGraph(graph)});
  CKPT_REQUIRE_OK(g);
  CKPT_REQUIRE_OK((*w)->Add(kObjectGraphKey, *g));
  CKPT_REQUIRE_OK((*w)->Finish());
}

ObjectGraph::Attribute VariableValue(const std::string& key,
                                     const std::string& full_name = "") {
  ObjectGraph::Attribute a;
  a.name = "VARIABLE_VALUE";
  a.full_name = full_name;
  a.checkpoint_key = key;
  return a;
}

TEST_CASE("GenericTree round-trips a hand-made graph with aliases and slots",
          "[generic_tree]") {
  // root -> a (variable), opt (optimizer with slot m of a), alias -> a.
  ObjectGraph graph;
  graph.nodes.resize(4);
  graph.nodes[0].children = {{1, "a"}, {2, "opt"}, {1, "alias"}};
  graph.nodes[1].attributes = {
      VariableValue("a/.ATTRIBUTES/VARIABLE_VALUE", "a")};
  graph.nodes[2].slots = {{1, "m", 3}};
  graph.nodes[3].attributes = {VariableValue(
      "a/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE", "a/m")};
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  WriteBundle(src, graph,
              {{"a/.ATTRIBUTES/VARIABLE_VALUE",
                Tensor::FromVector<float>({2}, {1.5f, -2.0f}).value()},
               {"a/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE",
                Tensor::FromVector<float>({2}, {0.25f, 4.0f}).value()}});
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), src);
  CKPT_REQUIRE_OK(tree);
  CHECK((*tree)->graph() == graph);
  const std::string dst = tmp.Join("dst/ckpt-1");
  CKPT_REQUIRE_OK((*tree)->Write(dst));
  RequireSameCheckpoint(src, dst);
}

TEST_CASE("GenericTree keeps non-variable attributes and has_checkpoint_values",
          "[generic_tree]") {
  // The root holds a string attribute itself; a child holds two attributes.
  ObjectGraph graph;
  graph.nodes.resize(2);
  graph.nodes[0].children = {{1, "state"}};
  graph.nodes[0].attributes = {
      {"py_state", "", "/.ATTRIBUTES/py_state", false}};
  graph.nodes[1].attributes = {
      {"x", "", "state/.ATTRIBUTES/x", false},
      {"VARIABLE_VALUE", "v", "state/.ATTRIBUTES/VARIABLE_VALUE", false}};
  ComputeHasCheckpointValues(&graph);
  TempDir tmp;
  const std::string src = tmp.Join("src/ckpt-1");
  WriteBundle(
      src, graph,
      {{"/.ATTRIBUTES/py_state",
        Tensor::FromStrings(TensorShape(), {"{\"seed\": 3}"}).value()},
       {"state/.ATTRIBUTES/x", Tensor::Scalar<int64_t>(7)},
       {"state/.ATTRIBUTES/VARIABLE_VALUE", Tensor::Scalar<double>(0.5)}});
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), src);
  CKPT_REQUIRE_OK(tree);
  REQUIRE((*tree)->root().attributes().size() == 1);
  CHECK((*tree)->root().attributes()[0].value.strings() ==
        std::vector<std::string>{"{\"seed\": 3}"});
  const std::string dst = tmp.Join("dst/ckpt-1");
  CKPT_REQUIRE_OK((*tree)->Write(dst));
  RequireSameCheckpoint(src, dst);
}

TEST_CASE("GenericTree refuses a slot whose original is not a variable",
          "[generic_tree]") {
  ObjectGraph graph;
  graph.nodes.resize(4);
  graph.nodes[0].children = {{1, "layer"}, {2, "opt"}};
  graph.nodes[1].attributes = {
      VariableValue("layer/.ATTRIBUTES/VARIABLE_VALUE"),
      VariableValue("layer/.ATTRIBUTES/other")};
  graph.nodes[1].attributes[1].name = "other";
  graph.nodes[2].slots = {{1, "m", 3}};
  graph.nodes[3].attributes = {
      VariableValue("layer/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE")};
  TempDir tmp;
  const std::string src = tmp.Join("ckpt-1");
  WriteBundle(src, graph,
              {{"layer/.ATTRIBUTES/VARIABLE_VALUE", Tensor::Scalar<float>(1)},
               {"layer/.ATTRIBUTES/other", Tensor::Scalar<float>(2)},
               {"layer/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE",
                Tensor::Scalar<float>(3)}});
  CKPT_REQUIRE_ERROR(GenericTree::Load(Env::Default(), src),
                     absl::StatusCode::kFailedPrecondition, "not a variable");
}

TEST_CASE("GenericTree fails when a stored value is missing",
          "[generic_tree]") {
  ObjectGraph graph;
  graph.nodes.resize(2);
  graph.nodes[0].children = {{1, "v"}};
  graph.nodes[1].attributes = {VariableValue("v/.ATTRIBUTES/VARIABLE_VALUE")};
  TempDir tmp;
  const std::string src = tmp.Join("ckpt-1");
  WriteBundle(src, graph, {});
  CHECK_FALSE(GenericTree::Load(Env::Default(), src).ok());
}

TEST_CASE("GenericTree reports a missing checkpoint as NotFound",
          "[generic_tree]") {
  TempDir tmp;
  CHECK(
      GenericTree::Load(Env::Default(), tmp.Join("nothing")).status().code() ==
      absl::StatusCode::kNotFound);
}

// Saves a tensor in parts cut along axis 1, one of them with a full ("-")
// first dimension, as a custom object can.
struct ColumnParts : Trackable {
  void VisitAttributes(AttributeVisitor& visit) override {
    std::vector<ckpt::Tensor*> ptrs = {&parts[0], &parts[1]};
    visit.Partitioned("table", TensorShape({2, 5}), ptrs, slices, "t");
  }
  std::vector<ckpt::Tensor> parts = {
      ckpt::Tensor::FromVector<int32_t>(TensorShape({2, 2}), {1, 2, 6, 7})
          .value(),
      ckpt::Tensor::FromVector<int32_t>(TensorShape({2, 3}),
                                        {3, 4, 5, 8, 9, 10})
          .value()};
  std::vector<TensorSlice> slices = {TensorSlice::Parse("-:0,2").value(),
                                     TensorSlice::Parse("0,2:2,3").value()};
};

struct PartsRoot : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("emb", emb);
    visit("columns", columns);
    visit("bias", bias);
  }
  ShardedVariable emb =
      ShardedVariable::Create(DataType::kFloat, TensorShape({7, 3}), 3).value();
  ColumnParts columns;
  Variable bias{DataType::kFloat, TensorShape({3})};
};

TEST_CASE("GenericTree keeps partitioned tensors byte for byte") {
  TempDir dir;
  PartsRoot root;
  for (int i = 0; i < root.emb.num_parts(); ++i) {
    absl::Span<float> f = root.emb.mutable_part(i).mutable_flat<float>();
    for (size_t k = 0; k < f.size(); ++k)
      f[k] = static_cast<float>(i * 100 + k);
  }
  const std::string src = dir.Join("src/ckpt-1");
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(root), src, SaveOptions()));
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), src);
  CKPT_REQUIRE_OK(tree);
  const std::string out = dir.Join("out/ckpt-1");
  CKPT_REQUIRE_OK((*tree)->Write(out));
  CHECK(ReadFileOrDie(out + ".index") == ReadFileOrDie(src + ".index"));
  CHECK(ReadFileOrDie(out + ".data-00000-of-00001") ==
        ReadFileOrDie(src + ".data-00000-of-00001"));
  auto reader = BundleReader::Open(Env::Default(), out).value();
  REQUIRE(reader->GetSlices("columns/.ATTRIBUTES/table").value() ==
          root.columns.slices);
  REQUIRE(reader->Read("emb/.ATTRIBUTES/VARIABLE_VALUE")
              .value()
              .Equals(root.emb.Concat().value()));
}

}  // namespace
}  // namespace ckpt
