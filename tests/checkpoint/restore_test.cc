// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// RestoreObjectGraph / RestoreStatus: restoring TensorFlow's golf checkpoint
// into a C++ mirror of its structure, partial restores, dtype and shape
// mismatches, the name-based fallback (TF1 files) and the report.

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;
using ::ckpt::testing::TfPath;

Variable Floats(TensorShape shape) { return Variable(DataType::kFloat, shape); }

struct Dense : Trackable {
  Dense(int64_t in, int64_t out)
      : kernel(Floats(TensorShape::Create({in, out}).value())),
        bias(Floats(TensorShape::Create({out}).value())) {}
  void VisitChildren(ChildVisitor& visit) override {
    visit("kernel", kernel);
    visit("bias", bias);
  }
  Variable kernel, bias;
};

// Keras OptimizerV2 Adam: hyper-parameters as children, m/v slots.
struct Adam : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("iter", iter);
    visit("beta_1", beta_1);
    visit("beta_2", beta_2);
    visit("decay", decay);
    visit("learning_rate", learning_rate);
  }
  void VisitSlots(SlotVisitor& visit) override {
    for (const char* name : {"m", "v"}) {
      for (auto& s : slots) {
        visit.Slot(name, *s.original, name[0] == 'm' ? *s.m : *s.v);
      }
    }
  }
  void CreateSlots(const std::vector<Variable*>& vars) {
    for (Variable* v : vars) {
      slots.push_back({v, std::make_unique<Variable>(v->dtype(), v->shape()),
                       std::make_unique<Variable>(v->dtype(), v->shape())});
    }
  }
  struct SlotPair {
    Variable* original;
    std::unique_ptr<Variable> m, v;
  };
  Variable iter{DataType::kInt64, {}};
  Variable beta_1{DataType::kFloat, {}};
  Variable beta_2{DataType::kFloat, {}};
  Variable decay{DataType::kFloat, {}};
  Variable learning_rate{DataType::kFloat, {}};
  std::vector<SlotPair> slots;
};

struct Net : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("layer-0", input);  // the InputLayer: no weights
    for (size_t i = 0; i < layers.size(); ++i) {
      if (layers[i]) {
        visit("layer_with_weights-" + std::to_string(i), *layers[i]);
        visit("layer-" + std::to_string(i + 1), *layers[i]);
      }
    }
    if (optimizer) visit("optimizer", *optimizer);
  }
  std::vector<Variable*> Weights() {
    std::vector<Variable*> out;
    for (auto& l : layers) {
      out.push_back(&l->kernel);
      out.push_back(&l->bias);
    }
    return out;
  }
  Trackable input;
  std::array<std::unique_ptr<Dense>, 3> layers{std::make_unique<Dense>(7, 64),
                                               std::make_unique<Dense>(64, 32),
                                               std::make_unique<Dense>(32, 7)};
  std::unique_ptr<Adam> optimizer = std::make_unique<Adam>();
};

struct Golf : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    if (with_net) visit("net", net);
    visit("step", step);
    visit("save_counter", save_counter);
  }
  bool with_net = true;
  Net net;
  Variable step{DataType::kInt32, {}};
  Variable save_counter{DataType::kInt64, {}};
};

std::string VarKey(const std::string& path) {
  return path + "/.ATTRIBUTES/VARIABLE_VALUE";
}

// golf/ckpt-1 (see the vector's object graph): root {net, step, save_counter};
// net {layer-0 (InputLayer), layer_with_weights-i == layer-(i+1) for three
// Dense layers [7,64], [64,32], [32,7], optimizer (Adam with m/v slots)}.

// Every variable of `g` and its key in golf/ckpt-1.
std::vector<std::pair<const Variable*, std::string>> GolfKeys(Golf& g) {
  std::vector<std::pair<const Variable*, std::string>> out = {
      {&g.step, VarKey("step")},
      {&g.save_counter, VarKey("save_counter")},
      {&g.net.optimizer->iter, VarKey("net/optimizer/iter")},
      {&g.net.optimizer->beta_1, VarKey("net/optimizer/beta_1")},
      {&g.net.optimizer->beta_2, VarKey("net/optimizer/beta_2")},
      {&g.net.optimizer->decay, VarKey("net/optimizer/decay")},
      {&g.net.optimizer->learning_rate, VarKey("net/optimizer/learning_rate")}};
  for (int i = 0; i < 3; ++i) {
    const std::string layer = "net/layer_with_weights-" + std::to_string(i);
    out.push_back({&g.net.layers[i]->kernel, VarKey(layer + "/kernel")});
    out.push_back({&g.net.layers[i]->bias, VarKey(layer + "/bias")});
  }
  for (auto& s : g.net.optimizer->slots) {
    for (int i = 0; i < 3; ++i) {
      const std::string layer = "net/layer_with_weights-" + std::to_string(i);
      for (const char* w : {"kernel", "bias"}) {
        const Variable* orig =
            w[0] == 'k' ? &g.net.layers[i]->kernel : &g.net.layers[i]->bias;
        if (orig != s.original) continue;
        const std::string base =
            layer + "/" + w + "/.OPTIMIZER_SLOT/net/optimizer/";
        out.push_back({s.m.get(), VarKey(base + "m")});
        out.push_back({s.v.get(), VarKey(base + "v")});
      }
    }
  }
  return out;
}

void RequireValuesFromFile(Golf& g, const std::string& prefix) {
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  for (const auto& [var, key] : GolfKeys(g)) {
    INFO(key);
    absl::StatusOr<Tensor> stored = reader->Read(key);
    CKPT_REQUIRE_OK(stored);
    REQUIRE(var->value().Equals(*stored));
  }
}

bool AnyNonZero(const Variable& v) {
  for (float f : v.flat<float>()) {
    if (f != 0) return true;
  }
  return false;
}

TEST_CASE("golf restores into a mirror, slots included") {
  if (testing::SkipWithoutTfTestData()) return;
  Golf g;
  g.net.optimizer->CreateSlots(g.net.Weights());
  auto st = RestoreObjectGraph(ObjectRef::Of(g), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_OK(st->AssertConsumed());
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  CKPT_REQUIRE_OK(st->AssertNontrivialMatch());
  CKPT_REQUIRE_OK(st->ExpectPartial());
  REQUIRE(GolfKeys(g).size() == 25);
  RequireValuesFromFile(g, TfPath("golf/ckpt-1"));
  REQUIRE(AnyNonZero(g.net.layers[0]->kernel));
  REQUIRE(g.save_counter.flat<int64_t>()[0] == 1);
  const RestoreReport r = st->report();
  REQUIRE(r.matched.size() == 25);
  REQUIRE(!r.name_based);
  REQUIRE(r.pending.empty());
  REQUIRE(r.unused.empty());
  REQUIRE(r.missing.empty());
}

TEST_CASE("golf without slots: slot values wait, AssertConsumed fails") {
  if (testing::SkipWithoutTfTestData()) return;
  Golf g;
  auto st = RestoreObjectGraph(ObjectRef::Of(g), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  CKPT_REQUIRE_ERROR(st->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition,
                     ".OPTIMIZER_SLOT/net/optimizer/m");
  REQUIRE(st->report().pending.size() == 12);
  // The optimizer creates its slots and says so: they are restored.
  g.net.optimizer->CreateSlots(g.net.Weights());
  CKPT_REQUIRE_OK(g.net.optimizer->ChildrenChanged());
  CKPT_REQUIRE_OK(st->AssertConsumed());
  RequireValuesFromFile(g, TfPath("golf/ckpt-1"));
}

// A Trackable whose children are (name, variable) pairs in a given order;
// the same name may appear twice.
class Bag : public Trackable {
 public:
  std::vector<std::pair<std::string, Variable*>> kids;
  void VisitChildren(ChildVisitor& visit) override {
    for (auto& [name, var] : kids) visit(name, *var);
  }
};

TEST_CASE("children are matched by name and the first one wins (few or many)") {
  for (int n : {5, 40}) {  // a scan up to 16 saved edges, an index beyond
    INFO("children " << n);
    TempDir dir;
    std::vector<Variable> saved;
    for (int i = 0; i < n; ++i) saved.push_back(Floats({2}));
    Bag bag;
    for (int i = 0; i < n; ++i) {
      saved[static_cast<size_t>(i)].mutable_flat<float>()[0] =
          static_cast<float>(i);
      bag.kids.emplace_back("k" + std::to_string(i),
                            &saved[static_cast<size_t>(i)]);
    }
    Checkpoint save;
    CKPT_REQUIRE_OK(save.Track("bag", bag));
    CKPT_REQUIRE_OK(save.Write(dir.Join("c")));

    // Restore into the names in reverse order; "k1" twice (the first, in
    // visit order, is the one matched); "k0" absent (its value waits).
    std::vector<Variable> live;
    for (int i = 0; i < n + 1; ++i) live.push_back(Floats({2}));
    Bag target;
    for (int i = n - 1; i >= 1; --i) {
      target.kids.emplace_back("k" + std::to_string(i),
                               &live[static_cast<size_t>(i)]);
      if (i == 1) target.kids.emplace_back("k1", &live[static_cast<size_t>(n)]);
    }
    Checkpoint load;
    CKPT_REQUIRE_OK(load.Track("bag", target));
    absl::StatusOr<RestoreStatus> st = load.Read(dir.Join("c"));
    CKPT_REQUIRE_OK(st);
    for (int i = 1; i < n; ++i) {
      CHECK(live[static_cast<size_t>(i)].flat<float>()[0] ==
            static_cast<float>(i));
    }
    CHECK(live[static_cast<size_t>(n)].flat<float>()[0] == 0.0f);  // not k1
    const RestoreReport report = st->report();
    REQUIRE(report.matched.size() == static_cast<size_t>(n - 1));
    for (const RestoreReport::Entry& e : report.matched) {
      CHECK(e.key == e.path + "/.ATTRIBUTES/VARIABLE_VALUE");
      CHECK(e.detail == "float32 [2]");
    }
    REQUIRE(report.pending.size() == 1);
    CHECK(report.pending[0].path == "bag/k0");
  }
}

TEST_CASE("partial restore: ExpectPartial ok, AssertConsumed names the path") {
  if (testing::SkipWithoutTfTestData()) return;
  Golf g;
  g.with_net = false;
  auto st = RestoreObjectGraph(ObjectRef::Of(g), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_OK(st->ExpectPartial());
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  CKPT_REQUIRE_OK(st->AssertNontrivialMatch());
  CKPT_REQUIRE_ERROR(st->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition,
                     "net/layer_with_weights-0/kernel");
  REQUIRE(g.step.value().Equals(
      BundleReader::Open(Env::Default(), TfPath("golf/ckpt-1"))
          .value()
          ->Read(VarKey("step"))
          .value()));
  // A live object the file lacks is "missing".
  struct Extra : Trackable {
    void VisitChildren(ChildVisitor& visit) override {
      visit("step", step);
      visit("extra", extra);
    }
    Variable step{DataType::kInt32, {}};
    Variable extra{DataType::kFloat, {}};
  } e;
  auto st2 = RestoreObjectGraph(ObjectRef::Of(e), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(st2);
  CKPT_REQUIRE_ERROR(st2->AssertExistingObjectsMatched(),
                     absl::StatusCode::kFailedPrecondition, "extra");
  CKPT_REQUIRE_OK(st2->ExpectPartial());
}

TEST_CASE("nothing matched: AssertNontrivialMatch fails") {
  if (testing::SkipWithoutTfTestData()) return;
  struct Empty : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("other", v); }
    Variable v{DataType::kFloat, {}};
  } e;
  auto st = RestoreObjectGraph(ObjectRef::Of(e), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_ERROR(st->AssertNontrivialMatch(),
                     absl::StatusCode::kFailedPrecondition, "root");
}

TEST_CASE("dtype mismatch names the path and both dtypes") {
  if (testing::SkipWithoutTfTestData()) return;
  Golf g;
  g.step = Variable(DataType::kInt64, {});
  auto st = RestoreObjectGraph(ObjectRef::Of(g), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_ERROR(st, absl::StatusCode::kInvalidArgument, "'step'");
  CKPT_REQUIRE_ERROR(st, absl::StatusCode::kInvalidArgument,
                     "checkpoint int32 [] vs object int64 []");
}

TEST_CASE(
    "shape mismatch names the path and both shapes, nothing reinterpreted") {
  if (testing::SkipWithoutTfTestData()) return;
  Golf g;
  g.net.layers[0]->kernel = Floats(TensorShape::Create({64, 7}).value());
  auto st = RestoreObjectGraph(ObjectRef::Of(g), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_ERROR(st, absl::StatusCode::kInvalidArgument,
                     "net/layer_with_weights-0/kernel");
  CKPT_REQUIRE_ERROR(st, absl::StatusCode::kInvalidArgument, "[7,64]");
  CKPT_REQUIRE_ERROR(st, absl::StatusCode::kInvalidArgument, "[64,7]");
  REQUIRE(!AnyNonZero(g.net.layers[0]->kernel));
  // Everything else was still assigned.
  REQUIRE(AnyNonZero(g.net.layers[1]->kernel));
}

TEST_CASE("mismatch found after restore is reported by the status") {
  TempDir dir;
  struct One : Trackable {
    void VisitChildren(ChildVisitor& visit) override {
      if (v) visit("v", *v);
    }
    std::unique_ptr<Variable> v;
  };
  One src;
  src.v = std::make_unique<Variable>(Tensor::Scalar<float>(2.5f));
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src), dir.Join("p")));
  One dst;
  auto st = RestoreObjectGraph(ObjectRef::Of(dst), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  dst.v = std::make_unique<Variable>(DataType::kFloat,
                                     TensorShape::Create({2}).value());
  CKPT_REQUIRE_ERROR(dst.ChildrenChanged(), absl::StatusCode::kInvalidArgument,
                     "checkpoint float32 [] vs object float32 [2]");
  CKPT_REQUIRE_ERROR(st->ExpectPartial(), absl::StatusCode::kInvalidArgument,
                     "v");
  CKPT_REQUIRE_ERROR(st->AssertConsumed(), absl::StatusCode::kInvalidArgument,
                     "[2]");
  REQUIRE(st->report().mismatched.size() == 1);
}

TEST_CASE("uninitialized variables take the stored value, strings, custom") {
  TempDir dir;
  struct State : Trackable {
    void VisitChildren(ChildVisitor& visit) override {
      visit("x", x);
      visit("names", names);
    }
    void VisitAttributes(AttributeVisitor& visit) override {
      visit.Custom(
          "counter",
          [this]() -> absl::StatusOr<Tensor> {
            return Tensor::Scalar<int64_t>(counter);
          },
          [this](const Tensor& t) {
            counter = t.flat<int64_t>()[0];
            return absl::OkStatus();
          });
    }
    Variable x;
    Variable names;
    int64_t counter = 0;
  };
  State src;
  src.x = Variable(
      Tensor::FromVector<double>(TensorShape::Create({3}).value(), {1, 2, 3})
          .value());
  src.names = Variable(
      Tensor::FromStrings(TensorShape::Create({2}).value(), {"a", "bc"})
          .value());
  src.counter = 42;
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src), dir.Join("p")));
  State dst;
  dst.names = Variable(
      Tensor::FromStrings(TensorShape::Create({2}).value(), {"", ""}).value());
  auto st = RestoreObjectGraph(ObjectRef::Of(dst), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_OK(st->AssertConsumed());
  REQUIRE(dst.x.value().Equals(src.x.value()));
  REQUIRE(dst.names.value().strings() == std::vector<std::string>{"a", "bc"});
  REQUIRE(dst.counter == 42);
}

TEST_CASE("saved attributes no object asks for are unused") {
  TempDir dir;
  struct A : Trackable {
    void VisitAttributes(AttributeVisitor& visit) override {
      visit.Tensor("t1", &t1, "");
      if (with_t2) visit.Tensor("t2", &t2, "");
    }
    bool with_t2 = true;
    Tensor t1 = Tensor::Scalar<float>(1), t2 = Tensor::Scalar<float>(2);
  };
  struct Root : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("a", a); }
    A a;
  };
  Root src;
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src), dir.Join("p")));
  Root dst;
  dst.a.with_t2 = false;
  dst.a.t1 = Tensor::Scalar<float>(0);
  auto st = RestoreObjectGraph(ObjectRef::Of(dst), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  REQUIRE(dst.a.t1.flat<float>()[0] == 1);
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  CKPT_REQUIRE_ERROR(st->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition, "a/.ATTRIBUTES/t2");
  REQUIRE(st->report().unused.size() == 1);
}

TEST_CASE("name-based fallback: saved_model_half_plus_three") {
  if (testing::SkipWithoutTfTestData()) return;
  struct Tf1 : Trackable {
    void VisitChildren(ChildVisitor& visit) override {
      visit("a", a);
      visit("b", b);
      visit("c", c);
    }
    Variable a{DataType::kFloat, {}}, b{DataType::kFloat, {}},
        c{DataType::kFloat, {}};
  } m;
  m.a.set_name("a");
  m.b.set_name("b");
  m.c.set_name("c");
  const std::string prefix = TfPath("saved_model_half_plus_three/variables");
  auto st = RestoreObjectGraph(ObjectRef::Of(m), prefix);
  CKPT_REQUIRE_OK(st);
  const RestoreReport r = st->report();
  REQUIRE(r.name_based);
  REQUIRE(r.matched.size() == 3);
  CKPT_REQUIRE_OK(st->AssertConsumed());
  CKPT_REQUIRE_OK(st->AssertNontrivialMatch());
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  REQUIRE(m.a.value().Equals(reader->Read("a").value()));
  REQUIRE(m.b.value().Equals(reader->Read("b").value()));
  REQUIRE(m.c.value().Equals(reader->Read("c").value()));
  REQUIRE(r.ToJson().find("\"name_based\":true") != std::string::npos);

  // A variable whose name is not in the file is missing.
  m.c.set_name("nope");
  auto st2 = RestoreObjectGraph(ObjectRef::Of(m), prefix);
  CKPT_REQUIRE_OK(st2);
  CKPT_REQUIRE_ERROR(st2->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition,
                     "c/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_ERROR(st2->AssertNontrivialMatch(),
                     absl::StatusCode::kFailedPrecondition, "missing");
  CKPT_REQUIRE_OK(st2->ExpectPartial());
}

TEST_CASE("name-based fallback: saved_model_counter") {
  if (testing::SkipWithoutTfTestData()) return;
  const std::string prefix = TfPath("saved_model_counter/variables");
  auto reader = BundleReader::Open(Env::Default(), prefix).value();
  const BundleEntry e = reader->GetEntry("counter").value();
  struct Tf1 : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("counter", c); }
    Variable c;
  } m;
  m.c = Variable(e.dtype, e.shape);
  m.c.set_name("counter");
  auto st = RestoreObjectGraph(ObjectRef::Of(m), prefix);
  CKPT_REQUIRE_OK(st);
  REQUIRE(st->report().name_based);
  CKPT_REQUIRE_OK(st->AssertConsumed());
  REQUIRE(m.c.value().Equals(reader->Read("counter").value()));
  // Wrong dtype: a mismatch naming both.
  Tf1 bad;
  bad.c = Variable(
      e.dtype == DataType::kInt8 ? DataType::kInt16 : DataType::kInt8, e.shape);
  bad.c.set_name("counter");
  CKPT_REQUIRE_ERROR(RestoreObjectGraph(ObjectRef::Of(bad), prefix),
                     absl::StatusCode::kInvalidArgument, "counter");
}

TEST_CASE("a missing prefix is NotFound") {
  TempDir dir;
  Golf g;
  CKPT_REQUIRE_ERROR(RestoreObjectGraph(ObjectRef::Of(g), dir.Join("nope")),
                     absl::StatusCode::kNotFound, "nope");
}

TEST_CASE("a missing data file is NotFound, never a name-based restore") {
  // Regression: a data file deleted between opening the index and reading
  // the graph (a reader racing CheckpointManager pruning) used to be taken
  // for a TF1 checkpoint without a graph: OK, nothing restored.
  TempDir dir;
  Golf saved;
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(saved), dir.Join("p")));
  REQUIRE(std::remove(dir.Join("p.data-00000-of-00001").c_str()) == 0);
  Golf g;
  CKPT_REQUIRE_ERROR(RestoreObjectGraph(ObjectRef::Of(g), dir.Join("p")),
                     absl::StatusCode::kNotFound, "p.data-00000-of-00001");
}

TEST_CASE("a graph whose paths would fill memory is DataLoss") {
  // A chain of 5,000 nodes with 100-byte names: 0.5 MB of graph, but
  // 1.25 GB of paths, which the restore must refuse rather than build.
  TempDir dir;
  ObjectGraph chain;
  const int n = 5000;
  chain.nodes.resize(n);
  for (int i = 0; i + 1 < n; ++i) {
    chain.nodes[static_cast<size_t>(i)].children = {
        {i + 1, std::string(100, 'c')}};
  }
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), dir.Join("p"));
  CKPT_REQUIRE_OK(w);
  absl::StatusOr<Tensor> bytes =
      Tensor::FromStrings(TensorShape(), {SerializeObjectGraph(chain)});
  CKPT_REQUIRE_OK(bytes);
  CKPT_REQUIRE_OK((*w)->Add(kObjectGraphKey, *bytes));
  CKPT_REQUIRE_OK((*w)->Finish());
  Golf g;
  CKPT_REQUIRE_ERROR(RestoreObjectGraph(ObjectRef::Of(g), dir.Join("p")),
                     absl::StatusCode::kDataLoss,
                     "the paths of the object graph's 5000 nodes take");
}

TEST_CASE("report text and json") {
  if (testing::SkipWithoutTfTestData()) return;
  Golf g;
  g.with_net = false;
  auto st = RestoreObjectGraph(ObjectRef::Of(g), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(st);
  const RestoreReport r = st->report();
  REQUIRE(r.matched.size() == 2);
  const std::string text = r.ToText();
  INFO(text);
  REQUIRE(text.find("name_based: false") != std::string::npos);
  REQUIRE(text.find("matched: 2") != std::string::npos);
  REQUIRE(text.find(
              "matched step key=step/.ATTRIBUTES/VARIABLE_VALUE (int32 [])") !=
          std::string::npos);
  REQUIRE(text.find("pending net/layer_with_weights-0/kernel") !=
          std::string::npos);
  const std::string json = r.ToJson();
  INFO(json);
  REQUIRE(json.rfind("{\"name_based\":false,\"matched\":[{\"path\":", 0) == 0);
  REQUIRE(json.find("{\"path\":\"step\",\"key\":\"step/.ATTRIBUTES/"
                    "VARIABLE_VALUE\",\"detail\":\"int32 []\"}") !=
          std::string::npos);
  REQUIRE(json.find("\"pending\":[{") != std::string::npos);
  REQUIRE(json.find("\"unused\":[]") != std::string::npos);
  REQUIRE(json.find("\"mismatched\":[]") != std::string::npos);
  RestoreReport q;
  q.unused.push_back({"a\"b", "k\\", "x\ny"});
  REQUIRE(q.ToJson().find(
              "{\"path\":\"a\\\"b\",\"key\":\"k\\\\\",\"detail\":\"x\\ny\"}") !=
          std::string::npos);
}

// ---- parallel reads
// -----------------------------------------------------------

// `count` float32 variables of `elements` each, filled from `seed`.
std::vector<Variable> FilledVariables(int count, int64_t elements,
                                      uint32_t seed) {
  std::vector<Variable> vars;
  uint32_t x = seed;
  for (int v = 0; v < count; ++v) {
    vars.emplace_back(DataType::kFloat, TensorShape{elements});
    for (float& f : vars.back().mutable_flat<float>()) {
      x = x * 1664525u + 1013904223u;
      f = static_cast<float>(x >> 8);
    }
  }
  return vars;
}

TEST_CASE("A large restore reads every value on several threads") {
  TempDir dir;
  // 24 MiB: above the 16 MiB from which a walk's values are read in
  // parallel; 4 MiB each, so every value is several 1 MiB chunks.
  std::vector<Variable> saved = FilledVariables(6, int64_t{1} << 20, 7);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("vars", saved));
  CKPT_REQUIRE_OK(writer.Write(dir.Join("big")));
  for (int threads : {1, 2, 4}) {
    std::vector<Variable> loaded = FilledVariables(6, int64_t{1} << 20, 99);
    Checkpoint reader;
    CKPT_REQUIRE_OK(reader.Track("vars", loaded));
    RestoreOptions options;
    options.num_threads = threads;
    absl::StatusOr<RestoreStatus> status =
        reader.Read(dir.Join("big"), options);
    CKPT_REQUIRE_OK(status);
    CKPT_REQUIRE_OK(status->AssertConsumed());
    REQUIRE(status->report().matched.size() == 6);
    for (size_t v = 0; v < saved.size(); ++v) {
      INFO("threads " << threads << " variable " << v);
      REQUIRE(loaded[v].value().Equals(saved[v].value()));
    }
  }
}

TEST_CASE("A corrupted value in a parallel restore fails naming its key") {
  TempDir dir;
  std::vector<Variable> saved = FilledVariables(6, int64_t{1} << 20, 3);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("vars", saved));
  const std::string prefix = dir.Join("big");
  CKPT_REQUIRE_OK(writer.Write(prefix));
  const std::string key = "vars/3/.ATTRIBUTES/VARIABLE_VALUE";
  testing::CorruptStoredByte(prefix, key, int64_t{5} << 19,
                             0x40);  // third chunk

  std::vector<Variable> loaded = FilledVariables(6, int64_t{1} << 20, 99);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("vars", loaded));
  RestoreOptions options;
  options.num_threads = 4;
  CKPT_REQUIRE_ERROR(reader.Read(prefix, options), absl::StatusCode::kDataLoss,
                     "restoring 'vars/3': ");
  CKPT_REQUIRE_ERROR(reader.Read(prefix, options), absl::StatusCode::kDataLoss,
                     "checksum mismatch");
  // The other values were read.
  for (size_t v : {0, 1, 2, 4, 5}) {
    INFO("variable " << v);
    REQUIRE(loaded[v].value().Equals(saved[v].value()));
  }
}

TEST_CASE("Uninitialized variables are read in one batch, large and small") {
  TempDir dir;
  // Six 4 MiB values (chunked, parallel), 300 small ones (read in runs)
  // and three that LZ4 compresses (read whole, in the "lz4" copy).
  std::vector<Variable> big = FilledVariables(6, int64_t{1} << 20, 5);
  std::vector<Variable> small = FilledVariables(300, 3, 6);
  std::vector<Variable> flat;
  for (int v = 0; v < 3; ++v) {
    flat.emplace_back(DataType::kFloat, TensorShape{65536});
    for (float& f : flat.back().mutable_flat<float>()) f = 0.5f + v;
  }
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("big", big));
  CKPT_REQUIRE_OK(writer.Track("small", small));
  CKPT_REQUIRE_OK(writer.Track("flat", flat));
  CKPT_REQUIRE_OK(writer.Write(dir.Join("plain")));
  SaveOptions lz4;
  lz4.bundle.compression = Compression::kLz4;
  CKPT_REQUIRE_OK(writer.Write(dir.Join("lz4"), lz4));
  for (const char* name : {"plain", "lz4"}) {
    for (int threads : {1, 2}) {
      INFO(name << ", threads " << threads);
      std::vector<Variable> big_loaded(6), small_loaded(300), flat_loaded(3);
      Checkpoint reader;
      CKPT_REQUIRE_OK(reader.Track("big", big_loaded));
      CKPT_REQUIRE_OK(reader.Track("small", small_loaded));
      CKPT_REQUIRE_OK(reader.Track("flat", flat_loaded));
      RestoreOptions options;
      options.num_threads = threads;
      absl::StatusOr<RestoreStatus> status =
          reader.Read(dir.Join(name), options);
      CKPT_REQUIRE_OK(status);
      CKPT_REQUIRE_OK(status->AssertConsumed());
      for (size_t v = 0; v < big.size(); ++v) {
        REQUIRE(big_loaded[v].value().Equals(big[v].value()));
      }
      for (size_t v = 0; v < small.size(); ++v) {
        REQUIRE(small_loaded[v].value().Equals(small[v].value()));
      }
      for (size_t v = 0; v < flat.size(); ++v) {
        REQUIRE(flat_loaded[v].value().Equals(flat[v].value()));
      }
    }
  }
  // The "lz4" copy really has compressed entries.
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), dir.Join("lz4"));
  CKPT_REQUIRE_OK(r);
  absl::StatusOr<BundleEntry> entry =
      (*r)->GetEntry("flat/0/.ATTRIBUTES/VARIABLE_VALUE");
  CKPT_REQUIRE_OK(entry);
  REQUIRE(entry->compression == Compression::kLz4);
}

TEST_CASE("A corrupted value leaves its uninitialized variable empty") {
  TempDir dir;
  std::vector<Variable> saved = FilledVariables(6, int64_t{1} << 20, 3);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("vars", saved));
  const std::string prefix = dir.Join("big");
  CKPT_REQUIRE_OK(writer.Write(prefix));
  const std::string key = "vars/2/.ATTRIBUTES/VARIABLE_VALUE";
  testing::CorruptStoredByte(prefix, key, 12345, 0x01);

  std::vector<Variable> loaded(6);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("vars", loaded));
  RestoreOptions options;
  options.num_threads = 2;
  CKPT_REQUIRE_ERROR(reader.Read(prefix, options), absl::StatusCode::kDataLoss,
                     "restoring 'vars/2': ");
  // The damaged value is never handed out: the variable is still
  // uninitialized; the others hold their values.
  REQUIRE(loaded[2].dtype() == DataType::kInvalid);
  REQUIRE(loaded[2].value().bytes().empty());
  for (size_t v : {0, 1, 3, 4, 5}) {
    INFO("variable " << v);
    REQUIRE(loaded[v].value().Equals(saved[v].value()));
  }
}

TEST_CASE("Many small values are read in batches behind the walk") {
  TempDir dir;
  // 10,000 values: two full batches handed to the read helper during the
  // walk, and a remainder read at its end.
  std::vector<Variable> saved = FilledVariables(10000, 4, 21);
  Checkpoint writer;
  CKPT_REQUIRE_OK(writer.Track("vars", saved));
  const std::string prefix = dir.Join("many");
  CKPT_REQUIRE_OK(writer.Write(prefix));
  for (int threads : {1, 2}) {
    for (bool fresh : {false, true}) {
      INFO("threads " << threads << ", fresh " << fresh);
      std::vector<Variable> loaded =
          fresh ? std::vector<Variable>(10000) : FilledVariables(10000, 4, 1);
      Checkpoint reader;
      CKPT_REQUIRE_OK(reader.Track("vars", loaded));
      RestoreOptions options;
      options.num_threads = threads;
      absl::StatusOr<RestoreStatus> status = reader.Read(prefix, options);
      CKPT_REQUIRE_OK(status);
      CKPT_REQUIRE_OK(status->AssertConsumed());
      for (size_t v = 0; v < saved.size(); ++v) {
        REQUIRE(loaded[v].value().Equals(saved[v].value()));
      }
    }
  }
  // Values damaged in the first batch and in the remainder: both named, in
  // read order; the fresh ones stay uninitialized, the rest are restored.
  testing::CorruptStoredByte(prefix, "vars/7/.ATTRIBUTES/VARIABLE_VALUE", 1,
                             0x10);
  testing::CorruptStoredByte(prefix, "vars/9990/.ATTRIBUTES/VARIABLE_VALUE", 2,
                             0x10);
  std::vector<Variable> loaded(10000);
  Checkpoint reader;
  CKPT_REQUIRE_OK(reader.Track("vars", loaded));
  RestoreOptions options;
  options.num_threads = 2;
  absl::StatusOr<RestoreStatus> status = reader.Read(prefix, options);
  CKPT_REQUIRE_ERROR(status, absl::StatusCode::kDataLoss,
                     "restoring 'vars/7': ");
  REQUIRE(loaded[7].dtype() == DataType::kInvalid);
  REQUIRE(loaded[9990].dtype() == DataType::kInvalid);
  for (size_t v : {size_t{0}, size_t{6}, size_t{8}, size_t{5000}, size_t{9989},
                   size_t{9999}}) {
    INFO("variable " << v);
    REQUIRE(loaded[v].value().Equals(saved[v].value()));
  }
}

TEST_CASE("RestoreOptions num_threads below zero is InvalidArgument") {
  TempDir dir;
  std::vector<Variable> vars = FilledVariables(1, 4, 1);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("vars", vars));
  CKPT_REQUIRE_OK(ckpt.Write(dir.Join("p")));
  RestoreOptions options;
  options.num_threads = -1;
  CKPT_REQUIRE_ERROR(ckpt.Read(dir.Join("p"), options),
                     absl::StatusCode::kInvalidArgument, "num_threads");
}

}  // namespace
}  // namespace ckpt
