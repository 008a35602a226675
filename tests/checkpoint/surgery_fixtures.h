// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Fixtures shared by the tests of checkpoint surgery (surgery_test.cc,
// surgery_plan_test.cc) and of the edit commands (tools/edit_test.cc):
// live objects to save and to restore into (Dense layers, an Adam-like
// optimizer with slots, nodes with named children, the encoder model of
// SourceModel), the stored object graph decoded with the generated protobuf
// class (not ckpt's own parser), and file helpers. Header-only; failures
// are Catch2 assertions, so call them from inside a TEST_CASE only.

#ifndef CKPT_TESTS_CHECKPOINT_SURGERY_FIXTURES_H_
#define CKPT_TESTS_CHECKPOINT_SURGERY_FIXTURES_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/proto/trackable_object_graph.pb.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt::testing::surgery {

// ---- live objects -----------------------------------------------------------

inline Tensor RandomFloats(std::mt19937_64& rng, TensorShape shape) {
  Tensor t = Tensor::Create(DataType::kFloat, std::move(shape)).value();
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& x : t.mutable_flat<float>()) x = dist(rng);
  return t;
}

class Dense : public Trackable {
 public:
  Dense(int64_t in, int64_t out)
      : kernel(DataType::kFloat, {in, out}), bias(DataType::kFloat, {out}) {}
  void Randomize(std::mt19937_64& rng) {
    kernel = Variable(RandomFloats(rng, kernel.shape()));
    bias = Variable(RandomFloats(rng, bias.shape()));
  }
  void VisitChildren(ChildVisitor& visit) override {
    visit("kernel", kernel);
    visit("bias", bias);
  }
  Variable kernel, bias;
};

// An Adam-like optimizer: "iter", and slots "m" and "v" of its variables.
class Optimizer : public Trackable {
 public:
  explicit Optimizer(std::vector<Variable*> vars) : iter(DataType::kInt64, {}) {
    for (Variable* var : vars) {
      vars_.push_back(var);
      m_.push_back(std::make_unique<Variable>(var->dtype(), var->shape()));
      v_.push_back(std::make_unique<Variable>(var->dtype(), var->shape()));
    }
  }
  // Sets "iter" to `iterations` and the slots to random values.
  void Randomize(std::mt19937_64& rng, int64_t iterations) {
    iter.mutable_flat<int64_t>()[0] = iterations;
    for (size_t i = 0; i < vars_.size(); ++i) {
      *m_[i] = Variable(RandomFloats(rng, vars_[i]->shape()));
      *v_[i] = Variable(RandomFloats(rng, vars_[i]->shape()));
    }
  }
  void VisitChildren(ChildVisitor& visit) override { visit("iter", iter); }
  void VisitSlots(SlotVisitor& visit) override {
    for (size_t i = 0; i < vars_.size(); ++i) {
      visit.Slot("m", *vars_[i], *m_[i]);
      visit.Slot("v", *vars_[i], *v_[i]);
    }
  }
  const Variable& m(size_t i) const { return *m_[i]; }
  const Variable& v(size_t i) const { return *v_[i]; }
  Variable iter;

 private:
  std::vector<Variable*> vars_;
  std::vector<std::unique_ptr<Variable>> m_, v_;
};

// A node with named children given at run time.
class Node : public Trackable {
 public:
  template <typename T>
  Node& Add(std::string name, T& child) {
    kids_.emplace_back(std::move(name), ObjectRef::Of(child));
    return *this;
  }
  void VisitChildren(ChildVisitor& visit) override {
    for (auto& [name, ref] : kids_) visit.Visit(name, ref);
  }

 private:
  std::vector<std::pair<std::string, ObjectRef>> kids_;
};

// dense, a partitioned embedding, a string vocabulary and a variant state.
class Encoder : public Trackable {
 public:
  Encoder()
      : dense(4, 3),
        embedding(ShardedVariable::Create(DataType::kFloat, {7, 2}, 3).value()),
        vocab(Tensor::FromStrings({3}, {"", "b", "c"}).value()),
        state(DataType::kVariant, {1}) {}
  void Randomize(std::mt19937_64& rng) {
    dense.Randomize(rng);
    for (int i = 0; i < embedding.num_parts(); ++i) {
      embedding.mutable_part(i) = RandomFloats(rng, embedding.part(i).shape());
    }
    vocab = Variable(
        Tensor::FromStrings({3}, {"alpha", std::string("\0b", 2), "gamma"})
            .value());
    state = Variable(Tensor::FromVariantElements(
                         {1}, {testing::VariantElementBytes(
                                  "tensorflow::Iterator", "meta", 2)})
                         .value());
  }
  void VisitChildren(ChildVisitor& visit) override {
    visit("dense", dense);
    visit("embedding", embedding);
    visit("vocab", vocab);
    visit("state", state);
  }
  Dense dense;
  ShardedVariable embedding;
  Variable vocab, state;
};

class Model : public Trackable {
 public:
  explicit Model(Encoder* e) : encoder(e), head(3, 2) {}
  void VisitChildren(ChildVisitor& visit) override {
    if (encoder != nullptr) visit("encoder", *encoder);
    visit("head", head);
  }
  Encoder* encoder;
  Dense head;
};

// The source of the surgery tests: root {model {encoder, head}, optimizer,
// step}, the optimizer holding slots of encoder/dense and head, random
// values (fixed seed).
struct SourceModel {
  SourceModel()
      : model(&encoder), optimizer(Vars()), step(DataType::kInt32, {}) {
    std::mt19937_64 rng(42);
    encoder.Randomize(rng);
    model.head.Randomize(rng);
    optimizer.Randomize(rng, 1234);
    step.mutable_flat<int32_t>()[0] = 77;
    root.Add("model", model).Add("optimizer", optimizer).Add("step", step);
  }
  std::vector<Variable*> Vars() {
    return {&encoder.dense.kernel, &encoder.dense.bias, &model.head.kernel,
            &model.head.bias};
  }
  void Save(const std::string& prefix, Env* env = nullptr) {
    SaveOptions options;
    options.env = env;
    CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(root), prefix, options));
  }
  // Saves to dir/`name` and returns that prefix.
  std::string Save(const TempDir& dir, const std::string& name) {
    const std::string prefix = dir.Join(name);
    Save(prefix);
    return prefix;
  }
  Encoder encoder;
  Model model;
  Optimizer optimizer;
  Variable step;
  Node root;
};

inline void RequireSame(const Tensor& a, const Tensor& b) {
  INFO(a.DebugString() << " vs " << b.DebugString());
  REQUIRE(a.Equals(b));
}

inline void RequireSame(const Variable& a, const Variable& b) {
  RequireSame(a.value(), b.value());
}

// Restores `prefix` into `root` by structure; every value must be consumed.
inline void RequireConsumed(Trackable& root, const std::string& prefix) {
  absl::StatusOr<RestoreStatus> restored =
      RestoreObjectGraph(ObjectRef::Of(root), prefix);
  CKPT_REQUIRE_OK(restored);
  CKPT_REQUIRE_OK(restored->AssertConsumed());
}

// ---- the independent decoder ------------------------------------------------

// The stored object graph, parsed by protobuf.
inline proto::TrackableObjectGraph DecodeGraph(const std::string& prefix) {
  std::unique_ptr<BundleReader> reader =
      BundleReader::Open(Env::Default(), prefix).value();
  const Tensor bytes = reader->Read(kObjectGraphKey).value();
  REQUIRE(bytes.strings().size() == 1);
  proto::TrackableObjectGraph g;
  REQUIRE(g.ParseFromString(bytes.strings()[0]));
  return g;
}

// The node at `path` (edge names joined by '/'), following the first edge
// of each name; -1 if absent.
inline int At(const proto::TrackableObjectGraph& g, const std::string& path) {
  int node = 0;
  if (path.empty()) return node;
  for (absl::string_view name : absl::StrSplit(path, '/')) {
    int next = -1;
    for (const auto& c : g.nodes(node).children()) {
      if (c.local_name() == name) {
        next = c.node_id();
        break;
      }
    }
    if (next < 0) return -1;
    node = next;
  }
  return node;
}

// The VARIABLE_VALUE key of the node at `path`.
inline std::string KeyAt(const proto::TrackableObjectGraph& g,
                         const std::string& path) {
  const int node = At(g, path);
  INFO(path);
  REQUIRE(node >= 0);
  REQUIRE(g.nodes(node).attributes_size() == 1);
  REQUIRE(g.nodes(node).attributes(0).name() == "VARIABLE_VALUE");
  return g.nodes(node).attributes(0).checkpoint_key();
}

// ---- files and bundles ------------------------------------------------------

// Names and bytes of every file in `dir`.
inline std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  absl::StatusOr<std::vector<std::string>> names =
      Env::Default()->GetChildren(dir);
  REQUIRE(names.ok());
  for (const std::string& name : *names) {
    files[name] = testing::ReadFileOrDie(JoinPath(dir, name));
  }
  return files;
}

// Files of `dir` in `env`, sorted.
inline std::vector<std::string> FilesIn(Env* env, const std::string& dir) {
  std::vector<std::string> names = env->GetChildren(dir).value();
  std::sort(names.begin(), names.end());
  return names;
}

// A bundle holding `graph`, a float scalar under each attribute's key and
// `extra` values.
inline void WriteGraphBundle(
    const std::string& prefix, const ObjectGraph& graph,
    const std::vector<std::pair<std::string, Tensor>>& extra) {
  std::unique_ptr<BundleWriter> w =
      BundleWriter::Create(Env::Default(), prefix).value();
  float x = 1;
  for (const ObjectGraph::Node& node : graph.nodes) {
    for (const ObjectGraph::Attribute& a : node.attributes) {
      CKPT_REQUIRE_OK(w->Add(a.checkpoint_key, Tensor::Scalar<float>(x++)));
    }
  }
  for (const auto& [key, value] : extra) CKPT_REQUIRE_OK(w->Add(key, value));
  CKPT_REQUIRE_OK(
      w->Add(kObjectGraphKey,
             Tensor::FromStrings({}, {SerializeObjectGraph(graph)}).value()));
  CKPT_REQUIRE_OK(w->Finish());
}

// root -a-> node 1 (a value), root -b-> node 2 (a value).
inline ObjectGraph TwoValues() {
  ObjectGraph g;
  g.nodes.resize(3);
  g.nodes[0].children = {{1, "a"}, {2, "b"}};
  g.nodes[1].attributes = {
      {"VARIABLE_VALUE", "", "a/.ATTRIBUTES/VARIABLE_VALUE"}};
  g.nodes[2].attributes = {
      {"VARIABLE_VALUE", "", "b/.ATTRIBUTES/VARIABLE_VALUE"}};
  return g;
}

}  // namespace ckpt::testing::surgery

#endif  // CKPT_TESTS_CHECKPOINT_SURGERY_FIXTURES_H_
