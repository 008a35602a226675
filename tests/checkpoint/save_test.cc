// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of SaveObjectGraph and Checkpoint's save side: node numbering,
// children, paths and keys, tensor order, shared objects, cycles,
// containers, escaping, optimizer slots, a mirror of TensorFlow's `golf`
// vector, Save()/Write() and the state file, and the errors.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "checkpoint/save_plan.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using Child = ObjectGraph::Child;
using testing::TempDir;

SaveOptions FastOptions(Env* env) {
  SaveOptions options;
  options.env = env;
  options.bundle.sync = false;
  return options;
}

std::unique_ptr<BundleReader> OpenOrDie(Env* env, const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(env, prefix);
  CKPT_REQUIRE_OK(reader);
  return *std::move(reader);
}

ObjectGraph ReadGraphOrDie(const BundleReader& reader) {
  absl::StatusOr<ObjectGraph> graph = ReadObjectGraph(reader);
  CKPT_REQUIRE_OK(graph);
  return *std::move(graph);
}

// Checkpoint keys of all attributes in node order.
std::vector<std::string> KeysInNodeOrder(const ObjectGraph& graph) {
  std::vector<std::string> keys;
  for (const auto& node : graph.nodes) {
    for (const auto& attr : node.attributes)
      keys.push_back(attr.checkpoint_key);
  }
  return keys;
}

// Requires the data offsets of `keys` to increase, and the graph to be last.
void RequireNodeOrderInDataFile(const BundleReader& reader,
                                const std::vector<std::string>& keys) {
  int64_t last = -1;
  for (const std::string& key : keys) {
    absl::StatusOr<BundleEntry> entry = reader.GetEntry(key);
    INFO(key);
    CKPT_REQUIRE_OK(entry);
    REQUIRE(entry->offset > last);
    last = entry->offset;
  }
  absl::StatusOr<BundleEntry> graph = reader.GetEntry(kObjectGraphKey);
  CKPT_REQUIRE_OK(graph);
  REQUIRE(graph->offset > last);
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> all =
      reader.ListEntries();
  CKPT_REQUIRE_OK(all);
  REQUIRE(all->size() == keys.size() + 1);
}

Variable FloatVar(TensorShape shape, std::string name = "") {
  Variable v(DataType::kFloat, std::move(shape));
  auto flat = v.mutable_flat<float>();
  for (size_t i = 0; i < flat.size(); ++i)
    flat[i] = 0.5f * static_cast<float>(i);
  v.set_name(std::move(name));
  return v;
}

// ---- (a) a small model
// ---------------------------------------------------------

class SmallDense : public Trackable {
 public:
  SmallDense(TensorShape kernel, TensorShape bias, const std::string& scope)
      : kernel_(FloatVar(std::move(kernel), scope + "/kernel")),
        bias_(FloatVar(std::move(bias), scope + "/bias")) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("kernel", kernel_);
    visit("bias", bias_);
  }
  Variable kernel_;
  Variable bias_;
};

class SmallModel : public Trackable {
 public:
  void VisitChildren(ChildVisitor& visit) override {
    visit("d1", d1_);
    visit("d2", d2_);
    visit("step", step_);
  }
  SmallDense d1_{{2, 3}, {3}, "d1"};
  SmallDense d2_{{3, 1}, {1}, "d2"};
  Variable step_{DataType::kInt64, {}};
};

TEST_CASE("Small model: ids, children, keys, full names, tensor order") {
  std::unique_ptr<Env> env = NewMemEnv();
  SmallModel model;
  Variable extra = FloatVar({4}, "x");
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  CKPT_REQUIRE_OK(ckpt.Track("extra", extra));
  ckpt.save_counter();
  CKPT_REQUIRE_OK(ckpt.Write("/m/small", FastOptions(env.get())));

  auto reader = OpenOrDie(env.get(), "/m/small");
  const ObjectGraph g = ReadGraphOrDie(*reader);
  REQUIRE(g.nodes.size() == 11);
  // Root: names in order, then save_counter last.
  REQUIRE(g.nodes[0].children ==
          std::vector<Child>{{1, "extra"}, {2, "model"}, {3, "save_counter"}});
  REQUIRE(g.nodes[2].children ==
          std::vector<Child>{{4, "d1"}, {5, "d2"}, {6, "step"}});
  REQUIRE(g.nodes[4].children ==
          std::vector<Child>{{7, "kernel"}, {8, "bias"}});
  REQUIRE(g.nodes[5].children ==
          std::vector<Child>{{9, "kernel"}, {10, "bias"}});
  REQUIRE(g.nodes[0].attributes.empty());
  REQUIRE(g.nodes[1].attributes ==
          std::vector<ObjectGraph::Attribute>{
              {"VARIABLE_VALUE", "x", "extra/.ATTRIBUTES/VARIABLE_VALUE"}});
  REQUIRE(g.nodes[3].attributes ==
          std::vector<ObjectGraph::Attribute>{
              {"VARIABLE_VALUE", "save_counter",
               "save_counter/.ATTRIBUTES/VARIABLE_VALUE"}});
  REQUIRE(g.nodes[6].attributes.at(0).checkpoint_key ==
          "model/step/.ATTRIBUTES/VARIABLE_VALUE");
  REQUIRE(g.nodes[6].attributes.at(0).full_name.empty());
  REQUIRE(g.nodes[7].attributes.at(0).checkpoint_key ==
          "model/d1/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  REQUIRE(g.nodes[7].attributes.at(0).full_name == "d1/kernel");
  REQUIRE(g.nodes[10].attributes.at(0).checkpoint_key ==
          "model/d2/bias/.ATTRIBUTES/VARIABLE_VALUE");
  for (const auto& node : g.nodes) REQUIRE(node.slots.empty());
  // has_checkpoint_values on every node by default.
  for (const auto& node : g.nodes) REQUIRE(node.has_checkpoint_values == true);
  RequireNodeOrderInDataFile(*reader, KeysInNodeOrder(g));

  // Values round-trip.
  absl::StatusOr<Tensor> kernel =
      reader->Read("model/d1/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(kernel);
  REQUIRE(kernel->shape() == TensorShape{2, 3});
  REQUIRE(kernel->flat<float>()[5] == 2.5f);
}

TEST_CASE("write_has_checkpoint_values off leaves the field absent") {
  std::unique_ptr<Env> env = NewMemEnv();
  SmallModel model;
  Trackable empty;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  CKPT_REQUIRE_OK(ckpt.Track("empty", empty));
  SaveOptions options = FastOptions(env.get());
  CKPT_REQUIRE_OK(ckpt.Write("/m/a", options));
  {
    const ObjectGraph g = ReadGraphOrDie(*OpenOrDie(env.get(), "/m/a"));
    REQUIRE(g.nodes[1].has_checkpoint_values == false);  // "empty"
    REQUIRE(g.nodes[0].has_checkpoint_values == true);
  }
  options.write_has_checkpoint_values = false;
  CKPT_REQUIRE_OK(ckpt.Write("/m/b", options));
  const ObjectGraph g = ReadGraphOrDie(*OpenOrDie(env.get(), "/m/b"));
  for (const auto& node : g.nodes) REQUIRE(!node.has_checkpoint_values);
}

// ---- (b) shared objects, cycles, containers, escaping
// ---------------------------

class Shared : public Trackable {
 public:
  void VisitChildren(ChildVisitor& visit) override {
    visit("a", *var_);
    visit("b", inner_);
    visit("again", *var_);
  }
  std::shared_ptr<Variable> var_ = std::make_shared<Variable>(FloatVar({2}));
  struct Inner : Trackable {
    std::shared_ptr<Variable> var;
    void VisitChildren(ChildVisitor& visit) override { visit("v", var); }
  } inner_;
};

TEST_CASE("A shared object is one node with several edges") {
  std::unique_ptr<Env> env = NewMemEnv();
  Shared shared;
  shared.inner_.var = shared.var_;
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(shared), "/s/ckpt",
                                  FastOptions(env.get())));
  auto reader = OpenOrDie(env.get(), "/s/ckpt");
  const ObjectGraph g = ReadGraphOrDie(*reader);
  REQUIRE(g.nodes.size() == 3);
  REQUIRE(g.nodes[0].children ==
          std::vector<Child>{{1, "a"}, {2, "b"}, {1, "again"}});
  REQUIRE(g.nodes[2].children == std::vector<Child>{{1, "v"}});
  REQUIRE(g.nodes[1].attributes.at(0).checkpoint_key ==
          "a/.ATTRIBUTES/VARIABLE_VALUE");
  REQUIRE(reader->ListEntries()->size() == 2);
}

class CycleChild : public Trackable {
 public:
  explicit CycleChild(Trackable& parent) : parent_(parent) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("parent", parent_);
    visit("w", w_);
  }
  Trackable& parent_;
  Variable w_ = FloatVar({1});
};

class CycleRoot : public Trackable {
 public:
  void VisitChildren(ChildVisitor& visit) override {
    visit("child", child_);
    visit("self", *this);
  }
  CycleChild child_{*this};
};

TEST_CASE("Cycles back to the root are edges, not new nodes") {
  std::unique_ptr<Env> env = NewMemEnv();
  CycleRoot root;
  CKPT_REQUIRE_OK(
      SaveObjectGraph(ObjectRef::Of(root), "/c/ckpt", FastOptions(env.get())));
  const ObjectGraph g = ReadGraphOrDie(*OpenOrDie(env.get(), "/c/ckpt"));
  REQUIRE(g.nodes.size() == 3);
  REQUIRE(g.nodes[0].children == std::vector<Child>{{1, "child"}, {0, "self"}});
  REQUIRE(g.nodes[1].children == std::vector<Child>{{0, "parent"}, {2, "w"}});
  REQUIRE(g.nodes[2].attributes.at(0).checkpoint_key ==
          "child/w/.ATTRIBUTES/VARIABLE_VALUE");
}

struct AggDense {
  Variable kernel;
  Variable bias;
  int units = 0;
};

struct AggModel {
  std::vector<AggDense> layers;
  std::map<std::string, Variable> stats;
  std::unique_ptr<Variable> absent;
};

}  // namespace
}  // namespace ckpt

CKPT_FIELD_NAMES(ckpt::AggDense, "kernel", "bias", "units");
CKPT_FIELD_NAMES(ckpt::AggModel, "layers", "stats", "absent");

namespace ckpt {
namespace {

TEST_CASE("Containers and aggregates are nodes of their own") {
  std::unique_ptr<Env> env = NewMemEnv();
  AggModel model;
  model.layers.push_back({FloatVar({2, 2}), FloatVar({2}), 2});
  model.layers.push_back({FloatVar({2, 1}), FloatVar({1}), 1});
  model.stats.emplace("mean", FloatVar({}));
  CKPT_REQUIRE_OK(
      SaveObjectGraph(ObjectRef::Of(model), "/a/ckpt", FastOptions(env.get())));
  auto reader = OpenOrDie(env.get(), "/a/ckpt");
  const ObjectGraph g = ReadGraphOrDie(*reader);
  // 0 model, 1 layers, 2 stats, 3 layers/0, 4 layers/1, 5 stats/mean,
  // 6..9 kernels and biases.
  REQUIRE(g.nodes.size() == 10);
  REQUIRE(g.nodes[0].children ==
          std::vector<Child>{{1, "layers"}, {2, "stats"}});
  REQUIRE(g.nodes[1].children == std::vector<Child>{{3, "0"}, {4, "1"}});
  REQUIRE(g.nodes[2].children == std::vector<Child>{{5, "mean"}});
  REQUIRE(g.nodes[3].children ==
          std::vector<Child>{{6, "kernel"}, {7, "bias"}});
  const std::vector<std::string> keys = KeysInNodeOrder(g);
  REQUIRE(keys ==
          std::vector<std::string>{"stats/mean/.ATTRIBUTES/VARIABLE_VALUE",
                                   "layers/0/kernel/.ATTRIBUTES/VARIABLE_VALUE",
                                   "layers/0/bias/.ATTRIBUTES/VARIABLE_VALUE",
                                   "layers/1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
                                   "layers/1/bias/.ATTRIBUTES/VARIABLE_VALUE"});
  RequireNodeOrderInDataFile(*reader, keys);
}

class Escaped : public Trackable {
 public:
  void VisitChildren(ChildVisitor& visit) override { visit("a.b/c", holder_); }
  struct Holder : Trackable {
    Variable v = FloatVar({1});
    void VisitChildren(ChildVisitor& visit) override { visit("x/y", v); }
  } holder_;
};

TEST_CASE("An edge name that is not UTF-8 is refused, nothing is written") {
  // Protobuf string fields must be UTF-8: TensorFlow and ckpt could not
  // parse such a graph back, so the save must fail instead of lying.
  struct Holder : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("bad\xff", v); }
    Variable v{DataType::kFloat, {2}};
  };
  Holder h;
  TempDir dir;
  CKPT_REQUIRE_ERROR(SaveObjectGraph(ObjectRef::Of(h), dir.Join("p")),
                     absl::StatusCode::kInvalidArgument,
                     "child name \"bad\\xff\" is not valid UTF-8");
  REQUIRE(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("Edge names are escaped in paths and keys") {
  std::unique_ptr<Env> env = NewMemEnv();
  Escaped root;
  CKPT_REQUIRE_OK(
      SaveObjectGraph(ObjectRef::Of(root), "/e/ckpt", FastOptions(env.get())));
  const ObjectGraph g = ReadGraphOrDie(*OpenOrDie(env.get(), "/e/ckpt"));
  REQUIRE(g.nodes[0].children == std::vector<Child>{{1, "a.b/c"}});
  REQUIRE(g.nodes[1].children == std::vector<Child>{{2, "x/y"}});
  REQUIRE(g.nodes[2].attributes.at(0).checkpoint_key ==
          "a..b.Sc/x.Sy/.ATTRIBUTES/VARIABLE_VALUE");
}

class WithCustom : public Trackable {
 public:
  void VisitAttributes(AttributeVisitor& visit) override {
    visit.Custom(
        "py_state",
        [this]() -> absl::StatusOr<Tensor> {
          if (!ok) return absl::InternalError("rng exploded");
          return Tensor::FromStrings({}, {"state"});
        },
        [](const Tensor&) { return absl::OkStatus(); });
  }
  bool ok = true;
};

TEST_CASE("Custom attributes are produced at save time") {
  std::unique_ptr<Env> env = NewMemEnv();
  WithCustom custom;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("rng", custom));
  CKPT_REQUIRE_OK(ckpt.Write("/u/ok", FastOptions(env.get())));
  auto reader = OpenOrDie(env.get(), "/u/ok");
  const ObjectGraph g = ReadGraphOrDie(*reader);
  REQUIRE(g.nodes[1].attributes ==
          std::vector<ObjectGraph::Attribute>{
              {"py_state", "", "rng/.ATTRIBUTES/py_state"}});
  absl::StatusOr<Tensor> value = reader->Read("rng/.ATTRIBUTES/py_state");
  CKPT_REQUIRE_OK(value);
  REQUIRE(value->is_string());

  custom.ok = false;
  CKPT_REQUIRE_ERROR(ckpt.Write("/u/bad", FastOptions(env.get())),
                     absl::StatusCode::kInternal, "rng exploded");
  CKPT_REQUIRE_ERROR(ckpt.Write("/u/bad", FastOptions(env.get())),
                     absl::StatusCode::kInternal, "'rng'");
  REQUIRE(absl::IsNotFound(env->FileExists("/u/bad.index")));
}

// ---- (c) optimizer slots
// ----------------------------------------------------------

class Optimizer : public Trackable {
 public:
  struct Entry {
    std::string slot_name;
    Variable* original;
    Variable* slot;
  };
  void VisitChildren(ChildVisitor& visit) override { visit("iter", iter_); }
  void VisitSlots(SlotVisitor& visit) override {
    for (const Entry& e : entries_)
      visit.Slot(e.slot_name, *e.original, *e.slot);
  }
  Variable iter_{DataType::kInt64, {}};
  std::vector<Entry> entries_;
};

class SlotModel : public Trackable {
 public:
  void VisitChildren(ChildVisitor& visit) override {
    visit("w1", w1_);
    visit("w2", w2_);
    visit("opt", opt_);
  }
  Variable w1_ = FloatVar({2});
  Variable w2_ = FloatVar({3});
  Optimizer opt_;
  Variable m1_ = FloatVar({2}), m2_ = FloatVar({3});
  Variable v1_ = FloatVar({2}), v2_ = FloatVar({3});
};

TEST_CASE("Slots: appended per slot name, then per original in node order") {
  std::unique_ptr<Env> env = NewMemEnv();
  SlotModel model;
  // Reported out of order: slot names in first-reported order (v, m), and
  // originals in node order whatever the report order.
  model.opt_.entries_ = {{"v", &model.w2_, &model.v2_},
                         {"m", &model.w2_, &model.m2_},
                         {"m", &model.w1_, &model.m1_},
                         {"v", &model.w1_, &model.v1_}};
  CKPT_REQUIRE_OK(
      SaveObjectGraph(ObjectRef::Of(model), "/o/ckpt", FastOptions(env.get())));
  auto reader = OpenOrDie(env.get(), "/o/ckpt");
  const ObjectGraph g = ReadGraphOrDie(*reader);
  // 0 root, 1 w1, 2 w2, 3 opt, 4 opt/iter, 5 v(w1), 6 v(w2), 7 m(w1), 8 m(w2).
  REQUIRE(g.nodes.size() == 9);
  REQUIRE(g.nodes[3].slots ==
          std::vector<ObjectGraph::Slot>{
              {1, "v", 5}, {2, "v", 6}, {1, "m", 7}, {2, "m", 8}});
  for (int i = 5; i < 9; ++i) REQUIRE(g.nodes[i].children.empty());
  const std::vector<std::string> keys = KeysInNodeOrder(g);
  REQUIRE(keys == std::vector<std::string>{
                      "w1/.ATTRIBUTES/VARIABLE_VALUE",
                      "w2/.ATTRIBUTES/VARIABLE_VALUE",
                      "opt/iter/.ATTRIBUTES/VARIABLE_VALUE",
                      "w1/.OPTIMIZER_SLOT/opt/v/.ATTRIBUTES/VARIABLE_VALUE",
                      "w2/.OPTIMIZER_SLOT/opt/v/.ATTRIBUTES/VARIABLE_VALUE",
                      "w1/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE",
                      "w2/.OPTIMIZER_SLOT/opt/m/.ATTRIBUTES/VARIABLE_VALUE"});
  RequireNodeOrderInDataFile(*reader, keys);
  REQUIRE(NodePaths(g)[8] == "w2/.OPTIMIZER_SLOT/opt/m");
}

TEST_CASE("Slot errors: original outside the graph, slot already a node") {
  std::unique_ptr<Env> env = NewMemEnv();
  SlotModel model;
  Variable stray = FloatVar({2});
  model.opt_.entries_ = {{"m", &stray, &model.m1_}};
  CKPT_REQUIRE_ERROR(
      SaveObjectGraph(ObjectRef::Of(model), "/o/x", FastOptions(env.get())),
      absl::StatusCode::kInvalidArgument, "'m'");
  CKPT_REQUIRE_ERROR(
      SaveObjectGraph(ObjectRef::Of(model), "/o/x", FastOptions(env.get())),
      absl::StatusCode::kInvalidArgument, "not part of the object graph");

  model.opt_.entries_ = {{"m", &model.w1_, &model.w2_}};
  CKPT_REQUIRE_ERROR(
      SaveObjectGraph(ObjectRef::Of(model), "/o/x", FastOptions(env.get())),
      absl::StatusCode::kInvalidArgument, "already a node");

  model.opt_.entries_ = {{"m", &model.w1_, &model.m1_},
                         {"m", &model.w1_, &model.m2_}};
  CKPT_REQUIRE_ERROR(
      SaveObjectGraph(ObjectRef::Of(model), "/o/x", FastOptions(env.get())),
      absl::StatusCode::kInvalidArgument, "reported twice");
  REQUIRE(absl::IsNotFound(env->FileExists("/o/x.index")));
}

// ---- (d) a mirror of the golf vector's structure
// -----------------------------------

// Keras Dense: children kernel, bias.
class KerasDense : public Trackable {
 public:
  KerasDense(int64_t in, int64_t out, const std::string& scope)
      : kernel_(FloatVar({in, out}, scope + "/kernel")),
        bias_(FloatVar({out}, scope + "/bias")) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("kernel", kernel_);
    visit("bias", bias_);
  }
  Variable kernel_;
  Variable bias_;
};

// Keras OptimizerV2 Adam: hyper-parameters as children, m and v slots.
class KerasAdam : public Trackable {
 public:
  KerasAdam() {
    iter_.set_name("Adam/iter");
    beta_1_.set_name("Adam/beta_1");
    beta_2_.set_name("Adam/beta_2");
    decay_.set_name("Adam/decay");
    learning_rate_.set_name("Adam/learning_rate");
  }
  void VisitChildren(ChildVisitor& visit) override {
    visit("iter", iter_);
    visit("beta_1", beta_1_);
    visit("beta_2", beta_2_);
    visit("decay", decay_);
    visit("learning_rate", learning_rate_);
  }
  void VisitSlots(SlotVisitor& visit) override {
    for (const char* name : {"m", "v"}) {
      for (size_t i = 0; i < vars_.size(); ++i) {
        auto& slots = std::string(name) == "m" ? m_ : v_;
        visit.Slot(name, *vars_[i], *slots[i]);
      }
    }
  }
  // Creates the slots of `vars` (as Keras does on the first step).
  void Build(std::vector<Variable*> vars) {
    vars_ = std::move(vars);
    for (Variable* var : vars_) {
      for (const char* name : {"m", "v"}) {
        auto slot = std::make_unique<Variable>(
            Tensor::Create(var->dtype(), var->shape()).value());
        std::string scope = var->name();
        slot->set_name("Adam/" + scope + "/" + name);
        (std::string(name) == "m" ? m_ : v_).push_back(std::move(slot));
      }
    }
  }
  Variable iter_{DataType::kInt64, {}};
  Variable beta_1_{DataType::kFloat, {}};
  Variable beta_2_{DataType::kFloat, {}};
  Variable decay_{DataType::kFloat, {}};
  Variable learning_rate_{DataType::kFloat, {}};
  std::vector<Variable*> vars_;
  std::vector<std::unique_ptr<Variable>> m_, v_;
};

// A layer without weights (golf's layer-0).
class WeightlessLayer : public Trackable {};

// Keras Sequential: per layer i, "layer_with_weights-k" (if it has weights)
// then "layer-i", then the model's other attributes (the optimizer).
class KerasSequential : public Trackable {
 public:
  KerasSequential() {
    adam_.Build({&d0_.kernel_, &d0_.bias_, &d1_.kernel_, &d1_.bias_,
                 &d2_.kernel_, &d2_.bias_});
  }
  void VisitChildren(ChildVisitor& visit) override {
    visit("layer-0", input_);
    visit("layer_with_weights-0", d0_);
    visit("layer-1", d0_);
    visit("layer_with_weights-1", d1_);
    visit("layer-2", d1_);
    visit("layer_with_weights-2", d2_);
    visit("layer-3", d2_);
    visit("optimizer", adam_);
  }
  WeightlessLayer input_;
  KerasDense d0_{7, 64, "dense"};
  KerasDense d1_{64, 32, "dense_1"};
  KerasDense d2_{32, 7, "dense_2"};
  KerasAdam adam_;
};

TEST_CASE("Golf mirror: same graph as TensorFlow's golf/ckpt-1") {
  if (ckpt::testing::SkipWithoutTfTestData()) return;
  Env* env = Env::Default();
  auto golf_reader = OpenOrDie(env, testing::TfPath("golf/ckpt-1"));
  const ObjectGraph golf = ReadGraphOrDie(*golf_reader);

  KerasSequential net;
  Variable step{DataType::kInt32, {}};
  step.set_name("Variable");
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("step", step));
  CKPT_REQUIRE_OK(ckpt.Track("net", net));
  TempDir dir;
  SaveOptions options = FastOptions(env);
  options.write_has_checkpoint_values = false;  // golf predates the field
  absl::StatusOr<std::string> prefix = ckpt.Save(dir.Join("ckpt"), options);
  CKPT_REQUIRE_OK(prefix);
  REQUIRE(*prefix == dir.Join("ckpt-1"));

  auto reader = OpenOrDie(env, *prefix);
  const ObjectGraph mine = ReadGraphOrDie(*reader);
  REQUIRE(mine.nodes.size() == golf.nodes.size());
  REQUIRE(golf.nodes.size() == 32);
  for (size_t i = 0; i < golf.nodes.size(); ++i) {
    INFO("node " << i);
    REQUIRE(mine.nodes[i].children == golf.nodes[i].children);
    REQUIRE(mine.nodes[i].slots == golf.nodes[i].slots);
    REQUIRE(mine.nodes[i].attributes.size() == golf.nodes[i].attributes.size());
    for (size_t j = 0; j < golf.nodes[i].attributes.size(); ++j) {
      REQUIRE(mine.nodes[i].attributes[j].checkpoint_key ==
              golf.nodes[i].attributes[j].checkpoint_key);
      REQUIRE(mine.nodes[i].attributes[j].full_name ==
              golf.nodes[i].attributes[j].full_name);
    }
  }
  REQUIRE(mine == golf);
  // The tensors have golf's sizes and order, so every entry sits at golf's
  // offset, and the canonical graph bytes are TensorFlow's.
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>>
      golf_entries = golf_reader->ListEntries();
  CKPT_REQUIRE_OK(golf_entries);
  for (const auto& [key, golf_entry] : *golf_entries) {
    INFO(key);
    absl::StatusOr<BundleEntry> entry = reader->GetEntry(key);
    CKPT_REQUIRE_OK(entry);
    REQUIRE(entry->dtype == golf_entry.dtype);
    REQUIRE(entry->shape == golf_entry.shape);
    REQUIRE(entry->offset == golf_entry.offset);
    REQUIRE(entry->size == golf_entry.size);
  }
  REQUIRE(reader->ListEntries()->size() == golf_entries->size());
  absl::StatusOr<std::string> golf_bytes =
      golf_reader->ReadStoredBytes(kObjectGraphKey);
  absl::StatusOr<std::string> my_bytes =
      reader->ReadStoredBytes(kObjectGraphKey);
  CKPT_REQUIRE_OK(golf_bytes);
  CKPT_REQUIRE_OK(my_bytes);
  REQUIRE(*my_bytes == *golf_bytes);
}

// ---- (e) Save / Write / state file / errors
// ---------------------------------------

TEST_CASE(
    "Save numbers prefixes, bumps save_counter and writes the state file") {
  Env* env = Env::Default();
  TempDir dir;
  SmallModel model;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  const SaveOptions options = FastOptions(env);

  absl::StatusOr<std::string> first = ckpt.Save(dir.Join("ckpt"), options);
  CKPT_REQUIRE_OK(first);
  REQUIRE(*first == dir.Join("ckpt-1"));
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 1);
  REQUIRE(testing::ReadFileOrDie(dir.Join("checkpoint")) ==
          "model_checkpoint_path: \"ckpt-1\"\n"
          "all_model_checkpoint_paths: \"ckpt-1\"\n");

  absl::StatusOr<std::string> second = ckpt.Save(dir.Join("ckpt"), options);
  CKPT_REQUIRE_OK(second);
  REQUIRE(*second == dir.Join("ckpt-2"));
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 2);
  REQUIRE(testing::ReadFileOrDie(dir.Join("checkpoint")) ==
          "model_checkpoint_path: \"ckpt-2\"\n"
          "all_model_checkpoint_paths: \"ckpt-2\"\n");

  // The saved counter is the incremented one; save_counter is the last
  // child of the root.
  for (int n : {1, 2}) {
    auto reader = OpenOrDie(env, dir.Join("ckpt-" + std::to_string(n)));
    absl::StatusOr<Tensor> counter =
        reader->Read("save_counter/.ATTRIBUTES/VARIABLE_VALUE");
    CKPT_REQUIRE_OK(counter);
    REQUIRE(counter->dtype() == DataType::kInt64);
    REQUIRE(counter->flat<int64_t>()[0] == n);
    const ObjectGraph g = ReadGraphOrDie(*reader);
    REQUIRE(g.nodes[0].children.back().local_name == "save_counter");
  }

  // Write touches neither the counter nor the state file.
  CKPT_REQUIRE_OK(ckpt.Write(dir.Join("exact"), options));
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 2);
  CKPT_REQUIRE_OK(env->FileExists(dir.Join("exact.index")));
  REQUIRE(testing::ReadFileOrDie(dir.Join("checkpoint")) ==
          "model_checkpoint_path: \"ckpt-2\"\n"
          "all_model_checkpoint_paths: \"ckpt-2\"\n");
}

TEST_CASE("Write without save_counter has no save_counter node") {
  std::unique_ptr<Env> env = NewMemEnv();
  SmallModel model;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  CKPT_REQUIRE_OK(ckpt.Write("/w/ckpt", FastOptions(env.get())));
  const ObjectGraph g = ReadGraphOrDie(*OpenOrDie(env.get(), "/w/ckpt"));
  REQUIRE(g.nodes[0].children == std::vector<Child>{{1, "model"}});
  REQUIRE(absl::IsNotFound(env->FileExists("/w/checkpoint")));
}

TEST_CASE("Track replaces by name and rejects reserved names") {
  std::unique_ptr<Env> env = NewMemEnv();
  Variable a = FloatVar({1}), b = FloatVar({2});
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("x", a));
  CKPT_REQUIRE_OK(ckpt.Track("x", b));
  CKPT_REQUIRE_OK(
      ckpt.TrackOwned("y", std::make_shared<Variable>(FloatVar({3}))));
  CKPT_REQUIRE_ERROR(ckpt.Track("save_counter", a),
                     absl::StatusCode::kInvalidArgument, "save_counter");
  CKPT_REQUIRE_OK(ckpt.Write("/t/ckpt", FastOptions(env.get())));
  auto reader = OpenOrDie(env.get(), "/t/ckpt");
  REQUIRE(reader->GetEntry("x/.ATTRIBUTES/VARIABLE_VALUE")->shape ==
          TensorShape{2});
  REQUIRE(reader->GetEntry("y/.ATTRIBUTES/VARIABLE_VALUE")->shape ==
          TensorShape{3});
}

TEST_CASE(
    "An uninitialized variable fails the save and rolls back the counter") {
  std::unique_ptr<Env> env = NewMemEnv();
  SmallModel model;
  Variable uninitialized;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  CKPT_REQUIRE_OK(ckpt.Track("late", uninitialized));
  CKPT_REQUIRE_ERROR(ckpt.Save("/x/ckpt", FastOptions(env.get())),
                     absl::StatusCode::kFailedPrecondition, "'late'");
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 0);
  REQUIRE(absl::IsNotFound(env->FileExists("/x/ckpt-1.index")));
  REQUIRE(absl::IsNotFound(env->FileExists("/x/checkpoint")));

  CKPT_REQUIRE_OK(uninitialized.Assign(Tensor::Scalar<float>(1.0f)));
  absl::StatusOr<std::string> prefix =
      ckpt.Save("/x/ckpt", FastOptions(env.get()));
  CKPT_REQUIRE_OK(prefix);
  REQUIRE(*prefix == "/x/ckpt-1");
}

TEST_CASE("num_shards other than 1 is rejected") {
  std::unique_ptr<Env> env = NewMemEnv();
  SmallModel model;
  SaveOptions options = FastOptions(env.get());
  options.bundle.num_shards = 2;
  CKPT_REQUIRE_ERROR(SaveObjectGraph(ObjectRef::Of(model), "/n/ckpt", options),
                     absl::StatusCode::kInvalidArgument, "num_shards");
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  CKPT_REQUIRE_ERROR(ckpt.Save("/n/ckpt", options),
                     absl::StatusCode::kInvalidArgument, "num_shards");
  REQUIRE(ckpt.save_counter().flat<int64_t>()[0] == 0);
}

}  // namespace
}  // namespace ckpt

namespace ckpt {
namespace {

TEST_CASE("Restore resolves a directory through its state file") {
  Env* env = Env::Default();
  TempDir dir;
  SmallModel model;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model));
  const SaveOptions options = FastOptions(env);
  CKPT_REQUIRE_OK(ckpt.Save(dir.Join("ckpt"), options));
  model.d1_.kernel_.mutable_flat<float>()[0] = 42.0f;
  CKPT_REQUIRE_OK(ckpt.Save(dir.Join("ckpt"), options));

  SmallModel restored_model;
  Checkpoint restored;
  CKPT_REQUIRE_OK(restored.Track("model", restored_model));
  RestoreOptions restore_options;
  restore_options.env = env;
  absl::StatusOr<RestoreStatus> status =
      restored.Restore(dir.path(), restore_options);
  CKPT_REQUIRE_OK(status);
  CKPT_REQUIRE_OK(status->AssertConsumed());
  REQUIRE(restored.save_counter().flat<int64_t>()[0] == 2);
  REQUIRE(restored_model.d1_.kernel_.flat<float>()[0] == 42.0f);

  // Read() takes a prefix too and does not create save_counter.
  SmallModel read_model;
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("model", read_model));
  absl::StatusOr<RestoreStatus> read =
      reader.Read(dir.Join("ckpt-1"), restore_options);
  CKPT_REQUIRE_OK(read);
  CKPT_REQUIRE_OK(read->AssertExistingObjectsMatched());
  REQUIRE(read_model.d1_.kernel_.flat<float>()[0] == 0.0f);
  CKPT_REQUIRE_OK(reader.Write(dir.Join("probe"), options));
  const ObjectGraph g = ReadGraphOrDie(*OpenOrDie(env, dir.Join("probe")));
  REQUIRE(g.nodes[0].children == std::vector<Child>{{1, "model"}});
}

// ---- several data files
// ----------------------------------------------------------

TEST_CASE("AssignShards packs consecutive tensors under max_shard_bytes") {
  int shards = 0;
  REQUIRE(checkpoint::AssignShards({400, 400, 400, 2000, 10, 10}, 1, 1000,
                                   &shards) ==
          std::vector<int>{0, 0, 1, 2, 3, 3});
  REQUIRE(shards == 4);
  REQUIRE(checkpoint::AssignShards({}, 1, 1000, &shards).empty());
  REQUIRE(shards == 1);
  REQUIRE(checkpoint::AssignShards({5, 5}, 4, 0, &shards) ==
          std::vector<int>{0, 0});  // too small to split
  REQUIRE(shards == 1);
}

TEST_CASE("AssignShards balances bytes over the threads largest first") {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  int shards = 0;
  const std::vector<int> s = checkpoint::AssignShards(
      {8 * kMiB, 1 * kMiB, 8 * kMiB, 4 * kMiB, 4 * kMiB, 1}, 2, 0, &shards);
  REQUIRE(shards == 2);
  uint64_t load[2] = {0, 0};
  const std::vector<uint64_t> sizes = {8 * kMiB, 1 * kMiB, 8 * kMiB,
                                       4 * kMiB, 4 * kMiB, 1};
  for (size_t i = 0; i < s.size(); ++i) load[s[i]] += sizes[i];
  REQUIRE(load[0] + load[1] == 25 * kMiB + 1);
  REQUIRE((load[0] > load[1] ? load[0] - load[1] : load[1] - load[0]) <=
          1 * kMiB + 1);
  // Fewer than 8 MiB per thread: fewer shards.
  REQUIRE(
      checkpoint::AssignShards({6 * kMiB, 6 * kMiB, 6 * kMiB}, 8, 0, &shards)
          .size() == 3);
  REQUIRE(shards == 2);
}

// Twelve variables of different sizes and dtypes.
struct ShardModel {
  std::vector<Variable> vars;
  explicit ShardModel(int seed) {
    for (int i = 0; i < 12; ++i) {
      const int64_t n = 50 + 97 * i;
      if (i % 3 == 2) {
        vars.emplace_back(DataType::kInt64, TensorShape{n});
        for (int64_t& x : vars.back().mutable_flat<int64_t>()) x = seed * n + i;
      } else {
        vars.emplace_back(DataType::kFloat, TensorShape{n, 2});
        float k = static_cast<float>(seed + i);
        for (float& x : vars.back().mutable_flat<float>()) x = k += 0.5f;
      }
    }
  }
};

TEST_CASE(
    "A sharded save holds the same keys and values as a single-file save") {
  std::unique_ptr<Env> env = NewMemEnv();
  ShardModel model(5);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  CKPT_REQUIRE_OK(ckpt.Write("/one", FastOptions(env.get())));
  SaveOptions sharded = FastOptions(env.get());
  sharded.max_shard_bytes = 3000;
  sharded.num_threads = 3;
  CKPT_REQUIRE_OK(ckpt.Write("/many", sharded));

  std::unique_ptr<BundleReader> one = OpenOrDie(env.get(), "/one");
  std::unique_ptr<BundleReader> many = OpenOrDie(env.get(), "/many");
  REQUIRE(one->num_shards() == 1);
  REQUIRE(many->num_shards() > 3);
  for (int i = 0; i < many->num_shards(); ++i) {
    CKPT_REQUIRE_OK(
        env->FileExists(DataFilename("/many", i, many->num_shards())));
  }
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> a =
      one->ListEntries();
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> b =
      many->ListEntries();
  CKPT_REQUIRE_OK(a);
  CKPT_REQUIRE_OK(b);
  REQUIRE(a->size() == b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    INFO((*a)[i].first);
    REQUIRE((*a)[i].first == (*b)[i].first);
    if ((*a)[i].first == kObjectGraphKey) continue;
    absl::StatusOr<Tensor> x = one->Read((*a)[i].first);
    absl::StatusOr<Tensor> y = many->Read((*b)[i].first);
    CKPT_REQUIRE_OK(x);
    CKPT_REQUIRE_OK(y);
    REQUIRE(x->Equals(*y));
  }
  REQUIRE(ReadGraphOrDie(*one).nodes.size() ==
          ReadGraphOrDie(*many).nodes.size());

  ShardModel loaded(0);
  Checkpoint other;
  CKPT_REQUIRE_OK(other.Track("model", loaded.vars));
  RestoreOptions restore;
  restore.env = env.get();
  absl::StatusOr<RestoreStatus> st = other.Read("/many", restore);
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_OK(st->AssertConsumed());
  for (size_t i = 0; i < loaded.vars.size(); ++i) {
    REQUIRE(loaded.vars[i].value().Equals(model.vars[i].value()));
  }
}

TEST_CASE("num_threads alone splits a large save into balanced shards") {
  std::unique_ptr<Env> env = NewMemEnv();
  std::vector<Variable> vars;
  for (int i = 0; i < 4; ++i) {
    vars.emplace_back(DataType::kFloat, TensorShape{int64_t{1} << 20});
    for (float& x : vars.back().mutable_flat<float>())
      x = static_cast<float>(i);
  }
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("vars", vars));
  SaveOptions options = FastOptions(env.get());
  options.num_threads = 2;
  CKPT_REQUIRE_OK(ckpt.Write("/p", options));
  std::unique_ptr<BundleReader> reader = OpenOrDie(env.get(), "/p");
  REQUIRE(reader->num_shards() == 2);
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<Tensor> t =
        reader->Read(absl::StrCat("vars/", i, "/.ATTRIBUTES/VARIABLE_VALUE"));
    CKPT_REQUIRE_OK(t);
    REQUIRE(t->Equals(vars[static_cast<size_t>(i)].value()));
  }
}

TEST_CASE("Bad sharding options are InvalidArgument before any file") {
  std::unique_ptr<Env> env = NewMemEnv();
  ShardModel model(1);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("model", model.vars));
  SaveOptions o = FastOptions(env.get());
  o.num_threads = -1;
  CKPT_REQUIRE_ERROR(ckpt.Write("/p", o), absl::StatusCode::kInvalidArgument,
                     "num_threads must be >= 0, got -1");
  o = FastOptions(env.get());
  o.max_shard_bytes = -5;
  CKPT_REQUIRE_ERROR(ckpt.Write("/p", o), absl::StatusCode::kInvalidArgument,
                     "max_shard_bytes must be >= 0, got -5");
  o = FastOptions(env.get());
  o.bundle.num_shards = 2;
  CKPT_REQUIRE_ERROR(ckpt.Write("/p", o), absl::StatusCode::kInvalidArgument,
                     "bundle.num_shards must be 1");
  REQUIRE(env->FileExists("/p.index").code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ckpt
