// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Deferred restoration (docs/guide.md "Deferred restoration"): values for
// objects created after the restore are assigned when the owner calls
// ChildrenChanged(); slots when the optimizer reports them; shared objects
// and cycles; sessions outliving their RestoreStatus; objects destroyed while
// values wait for them.

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ckpt/checkpoint.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt::deferred_test {

struct Pair {
  std::unique_ptr<Variable> x;
  std::unique_ptr<Variable> y;
};

}  // namespace ckpt::deferred_test

CKPT_FIELD_NAMES(ckpt::deferred_test::Pair, "x", "y");

namespace ckpt::deferred_test {
namespace {

using ::ckpt::testing::TempDir;

std::unique_ptr<Variable> Scalar(float v) {
  return std::make_unique<Variable>(Tensor::Scalar<float>(v));
}
std::unique_ptr<Variable> Zero() {
  return std::make_unique<Variable>(DataType::kFloat, TensorShape());
}
float Value(const Variable& v) { return v.flat<float>()[0]; }

// A layer whose weight and sub-layer appear on "build".
struct Inner : Trackable {
  void VisitChildren(ChildVisitor& visit) override { visit("v", v); }
  std::unique_ptr<Variable> v;
};
struct Layer : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("w", w);
    visit("inner", inner);
  }
  std::unique_ptr<Variable> w;
  std::unique_ptr<Inner> inner;
};

struct Model : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("a", a);
    visit("b", b);
    visit("layer", layer);
    visit("list", list);
    visit("pair", pair);
  }
  std::unique_ptr<Variable> a, b;
  std::unique_ptr<Layer> layer;
  std::deque<Variable> list;  // deque: growing keeps element addresses
  Pair pair;
};

// A source model with every value set, saved to `prefix`.
void SaveFull(const std::string& prefix) {
  Model m;
  m.a = Scalar(1);
  m.b = Scalar(2);
  m.layer = std::make_unique<Layer>();
  m.layer->w = Scalar(3);
  m.layer->inner = std::make_unique<Inner>();
  m.layer->inner->v = Scalar(4);
  m.list.emplace_back(Tensor::Scalar<float>(5));
  m.list.emplace_back(Tensor::Scalar<float>(6));
  m.pair.x = Scalar(7);
  m.pair.y = Scalar(8);
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(m), prefix));
}

TEST_CASE(
    "variables created after the restore are assigned on ChildrenChanged") {
  TempDir dir;
  SaveFull(dir.Join("p"));
  Model m;
  auto st = RestoreObjectGraph(ObjectRef::Of(m), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  CKPT_REQUIRE_ERROR(st->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition, "pending");
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  // Created in a different order than saved: b first.
  m.b = Zero();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  REQUIRE(Value(*m.b) == 2);
  m.a = Zero();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  REQUIRE(Value(*m.a) == 1);
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
}

TEST_CASE("depth: a grandchild created later inside a child created later") {
  TempDir dir;
  SaveFull(dir.Join("p"));
  Model m;
  auto st = RestoreObjectGraph(ObjectRef::Of(m), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  m.layer = std::make_unique<Layer>();  // built lazily: no weights yet
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  m.layer->w = Zero();
  m.layer->inner = std::make_unique<Inner>();
  CKPT_REQUIRE_OK(m.layer->ChildrenChanged());
  REQUIRE(Value(*m.layer->w) == 3);
  m.layer->inner->v = Zero();
  CKPT_REQUIRE_OK(m.layer->inner->ChildrenChanged());
  REQUIRE(Value(*m.layer->inner->v) == 4);
  // A whole subtree appearing at once is restored recursively.
  Model m2;
  auto st2 = RestoreObjectGraph(ObjectRef::Of(m2), dir.Join("p"));
  CKPT_REQUIRE_OK(st2);
  m2.layer = std::make_unique<Layer>();
  m2.layer->w = Zero();
  m2.layer->inner = std::make_unique<Inner>();
  m2.layer->inner->v = Zero();
  CKPT_REQUIRE_OK(m2.ChildrenChanged());
  REQUIRE(Value(*m2.layer->w) == 3);
  REQUIRE(Value(*m2.layer->inner->v) == 4);
}

TEST_CASE("containers and aggregates grow: the owning Trackable notifies") {
  TempDir dir;
  SaveFull(dir.Join("p"));
  Model m;
  m.a = Zero();
  m.b = Zero();
  auto st = RestoreObjectGraph(ObjectRef::Of(m), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  m.list.emplace_back(DataType::kFloat, TensorShape());
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  REQUIRE(Value(m.list[0]) == 5);
  m.list.emplace_back(DataType::kFloat, TensorShape());
  m.pair.y = Zero();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  REQUIRE(Value(m.list[1]) == 6);
  REQUIRE(Value(*m.pair.y) == 8);
  m.pair.x = Zero();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  REQUIRE(Value(*m.pair.x) == 7);
  m.layer = std::make_unique<Layer>();
  m.layer->w = Zero();
  m.layer->inner = std::make_unique<Inner>();
  m.layer->inner->v = Zero();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  CKPT_REQUIRE_OK(st->AssertConsumed());
}

// ---- slots
// -------------------------------------------------------------------

struct Opt : Trackable {
  void VisitChildren(ChildVisitor& visit) override { visit("iter", iter); }
  void VisitSlots(SlotVisitor& visit) override {
    for (auto& [var, m] : slots) visit.Slot("m", *var, *m);
  }
  void CreateSlots(const std::vector<Variable*>& vars) {
    for (Variable* v : vars) {
      slots.emplace_back(v, std::make_unique<Variable>(v->dtype(), v->shape()));
    }
  }
  Variable iter{DataType::kInt64, {}};
  std::vector<std::pair<Variable*, std::unique_ptr<Variable>>> slots;
};

struct Net : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("k", k);
    visit("bias", bias);
  }
  Variable k{DataType::kFloat, {}};
  Variable bias{DataType::kFloat, {}};
};

void SaveWithOptimizer(const std::string& prefix) {
  Net net;
  net.k = Variable(Tensor::Scalar<float>(1));
  net.bias = Variable(Tensor::Scalar<float>(2));
  Opt opt;
  opt.iter = Variable(Tensor::Scalar<int64_t>(9));
  opt.CreateSlots({&net.k, &net.bias});
  opt.slots[0].second->mutable_flat<float>()[0] = 10;
  opt.slots[1].second->mutable_flat<float>()[0] = 20;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("net", net));
  CKPT_REQUIRE_OK(ckpt.Track("opt", opt));
  CKPT_REQUIRE_OK(ckpt.Write(prefix));
}

TEST_CASE("slots created after the restore") {
  TempDir dir;
  SaveWithOptimizer(dir.Join("p"));
  Net net;
  Opt opt;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("net", net));
  CKPT_REQUIRE_OK(ckpt.Track("opt", opt));
  auto st = ckpt.Read(dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  REQUIRE(opt.iter.flat<int64_t>()[0] == 9);
  CKPT_REQUIRE_ERROR(st->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition,
                     ".OPTIMIZER_SLOT/opt/m");
  opt.CreateSlots({&net.bias, &net.k});  // another order than saved
  CKPT_REQUIRE_OK(opt.ChildrenChanged());
  REQUIRE(Value(*opt.slots[0].second) == 20);
  REQUIRE(Value(*opt.slots[1].second) == 10);
  CKPT_REQUIRE_OK(st->AssertConsumed());
}

TEST_CASE("an optimizer created after the restore") {
  TempDir dir;
  SaveWithOptimizer(dir.Join("p"));
  for (bool slots_before_track : {false, true}) {
    Net net;
    Checkpoint ckpt;
    CKPT_REQUIRE_OK(ckpt.Track("net", net));
    auto st = ckpt.Read(dir.Join("p"));
    CKPT_REQUIRE_OK(st);
    REQUIRE(Value(net.k) == 1);
    Opt opt;
    if (slots_before_track) opt.CreateSlots({&net.k, &net.bias});
    CKPT_REQUIRE_OK(ckpt.Track("opt", opt));  // calls ChildrenChanged()
    REQUIRE(opt.iter.flat<int64_t>()[0] == 9);
    if (!slots_before_track) {
      opt.CreateSlots({&net.k, &net.bias});
      CKPT_REQUIRE_OK(opt.ChildrenChanged());
    }
    REQUIRE(Value(*opt.slots[0].second) == 10);
    REQUIRE(Value(*opt.slots[1].second) == 20);
    CKPT_REQUIRE_OK(st->AssertConsumed());
  }
}

// ---- identity
// ----------------------------------------------------------------

struct Counted : Trackable {
  void VisitAttributes(AttributeVisitor& visit) override {
    visit.Custom(
        "n",
        [this]() -> absl::StatusOr<Tensor> {
          return Tensor::Scalar<int64_t>(n);
        },
        [this](const Tensor& t) {
          n = t.flat<int64_t>()[0];
          ++restores;
          return absl::OkStatus();
        });
  }
  int64_t n = 0;
  int restores = 0;
};

struct Shared : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("first", one);
    visit("second", one);
    visit("self", *this);
    if (child) visit("child", *child);
  }
  std::shared_ptr<Counted> one = std::make_shared<Counted>();
  std::unique_ptr<Shared> child;
  Shared* parent = nullptr;
};

// Gives `s` a child sharing s.one: one object along edges of two levels.
void AddSharingChild(Shared& s) {
  s.child = std::make_unique<Shared>();
  s.child->one = s.one;
}

// Saves `src` (whose one->n is 5) and restores it into `dst`, given a
// sharing child: the shared object takes 5, restored once. `dst` must
// outlive the status (its assertions walk the live graph).
RestoreStatus ExpectRestoredOnce(const std::string& prefix, Shared& src,
                                 Shared& dst) {
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src), prefix));
  AddSharingChild(dst);
  absl::StatusOr<RestoreStatus> st =
      RestoreObjectGraph(ObjectRef::Of(dst), prefix);
  CKPT_REQUIRE_OK(st);
  REQUIRE(dst.one->n == 5);
  REQUIRE(dst.one->restores == 1);
  REQUIRE(st->report().matched.size() == 1);
  return *std::move(st);
}

TEST_CASE("shared objects are restored once, cycles terminate") {
  TempDir dir;
  Shared src;
  src.one->n = 5;
  AddSharingChild(src);
  Shared dst;
  CKPT_REQUIRE_OK(ExpectRestoredOnce(dir.Join("p"), src, dst).AssertConsumed());
}

TEST_CASE("an object bound at two checkpoint nodes is restored once") {
  // Saved from two distinct objects (two nodes), restored into one object
  // reached along both edges: the first node in the walk's order wins, and
  // the other node's value is reported unused.
  TempDir dir;
  Shared src;
  src.one->n = 5;
  src.child = std::make_unique<Shared>();
  src.child->one = std::make_shared<Counted>();
  src.child->one->n = 7;
  Shared dst;
  const RestoreStatus st = ExpectRestoredOnce(dir.Join("p"), src, dst);
  const RestoreReport report = st.report();
  REQUIRE(report.unused.size() == 1);
  CHECK(report.unused[0].path == "child/first");
  CHECK(report.unused[0].key == "child/first/.ATTRIBUTES/n");
  CHECK(report.unused[0].detail ==
        "the object was restored from checkpoint object 'first'");
  CKPT_REQUIRE_ERROR(st.AssertConsumed(), absl::StatusCode::kFailedPrecondition,
                     "unused");
}

TEST_CASE("dropping the RestoreStatus does not stop deferred restores") {
  TempDir dir;
  SaveFull(dir.Join("p"));
  Model m;
  CKPT_REQUIRE_OK(RestoreObjectGraph(ObjectRef::Of(m), dir.Join("p")));
  m.a = Zero();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  REQUIRE(Value(*m.a) == 1);
}

TEST_CASE("an object destroyed while values wait on it") {
  TempDir dir;
  SaveFull(dir.Join("p"));
  Model m;
  auto st = RestoreObjectGraph(ObjectRef::Of(m), dir.Join("p"));
  CKPT_REQUIRE_OK(st);
  m.layer = std::make_unique<Layer>();
  CKPT_REQUIRE_OK(m.ChildrenChanged());  // w and inner wait on the layer
  m.layer.reset();
  CKPT_REQUIRE_OK(m.ChildrenChanged());
  CKPT_REQUIRE_ERROR(st->AssertConsumed(),
                     absl::StatusCode::kFailedPrecondition, "layer/w");
  (void)st->report().ToJson();
  // The whole root going away with values still waiting is fine too.
  auto m2 = std::make_unique<Model>();
  CKPT_REQUIRE_OK(RestoreObjectGraph(ObjectRef::Of(*m2), dir.Join("p")));
  m2.reset();
}

// TensorFlow 1 name-based restore defers too: objects created after the
// restore (layers built on first call, optimizer slots) get their values by
// name when their owner calls ChildrenChanged().
struct NamedLayers : Trackable {
  void VisitChildren(ChildVisitor& visit) override { visit("layers", layers); }
  std::deque<Variable> layers;
};

struct NamedSlots : Trackable {
  void VisitSlots(SlotVisitor& visit) override {
    if (var != nullptr && m != nullptr) visit.Slot("m", *var, *m);
  }
  Variable* var = nullptr;
  std::unique_ptr<Variable> m;
};

struct NamedRoot : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    visit("model", model);
    visit("opt", opt);
  }
  NamedLayers model;
  NamedSlots opt;
};

TEST_CASE("name-based restore reaches objects created after it") {
  TempDir dir;
  const std::string prefix = dir.Join("model.ckpt");
  testing::WriteBundleOrDie(prefix,
                            {{"dense/kernel", Tensor::Scalar<float>(3)},
                             {"dense/bias", Tensor::Scalar<float>(4)},
                             {"dense/kernel/Adam", Tensor::Scalar<float>(5)}});
  NamedRoot root;
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("root", root));
  absl::StatusOr<RestoreStatus> st = ckpt.Read(prefix);
  CKPT_REQUIRE_OK(st);
  REQUIRE(st->report().name_based);
  // Built after the restore.
  Variable& kernel =
      root.model.layers.emplace_back(DataType::kFloat, TensorShape());
  kernel.set_name("dense/kernel");
  Variable& bias =
      root.model.layers.emplace_back(DataType::kFloat, TensorShape());
  bias.set_name("dense/bias");
  CKPT_REQUIRE_OK(root.model.ChildrenChanged());
  REQUIRE(kernel.flat<float>()[0] == 3);
  REQUIRE(bias.flat<float>()[0] == 4);
  // A slot created on the first step.
  root.opt.var = &kernel;
  root.opt.m = Zero();
  root.opt.m->set_name("dense/kernel/Adam");
  CKPT_REQUIRE_OK(root.opt.ChildrenChanged());
  REQUIRE(root.opt.m->flat<float>()[0] == 5);
  // Restored once: a later change of the value is not overwritten.
  kernel.mutable_flat<float>()[0] = 9;
  root.model.layers.emplace_back(DataType::kFloat, TensorShape());
  CKPT_REQUIRE_OK(root.model.ChildrenChanged());
  REQUIRE(kernel.flat<float>()[0] == 9);
}

}  // namespace
}  // namespace ckpt::deferred_test
