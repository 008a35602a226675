// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The object model: how ObjectRef::Of sees Trackables, aggregates, containers
// and smart pointers (children, names, identity), Variable, and the Anchor
// that connects live objects to waiting restorations.
#include "ckpt/trackable.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "ckpt/external_variable.h"
#include "graph/anchor.h"
#include "testing/test_util.h"

namespace {

struct Named {
  ckpt::Variable kernel{ckpt::DataType::kFloat, {2, 3}};
  int units = 3;  // not a graph object: skipped
  ckpt::Variable bias{ckpt::DataType::kFloat, {3}};
};

struct Unnamed {
  ckpt::Variable a;
  int n = 0;
  ckpt::Variable b;
};

struct Outer {
  Named inner;
  std::vector<ckpt::Variable> list{2};
};

}  // namespace

CKPT_FIELD_NAMES(Named, "kernel", "units", "bias");
CKPT_FIELD_NAMES(Outer, "inner", "list");

namespace ckpt {
namespace {

// Records (name, ref) of direct children.
struct Collect : ChildVisitor {
  std::vector<std::pair<std::string, ObjectRef>> seen;
  void Visit(absl::string_view name, ObjectRef child) override {
    seen.emplace_back(std::string(name), child);
  }
};

std::vector<std::pair<std::string, ObjectRef>> Children(ObjectRef ref) {
  Collect c;
  ref.VisitChildren(c);
  return c.seen;
}

std::vector<std::string> Names(ObjectRef ref) {
  std::vector<std::string> names;
  for (const auto& [name, child] : Children(ref)) names.push_back(name);
  return names;
}

class Node : public Trackable {
 public:
  void VisitChildren(ChildVisitor& visit) override {
    visit("w", w);
    visit("maybe", maybe);
  }
  Variable w{DataType::kInt64, {}};
  std::unique_ptr<Variable> maybe;
};

TEST_CASE("Trackable identity is the same through base and derived refs") {
  Node n;
  Trackable& base = n;
  REQUIRE(ObjectRef::Of(n) == ObjectRef::Of(base));
  REQUIRE(ObjectRef::Of(n).trackable() == &n);
  Node other;
  REQUIRE_FALSE(ObjectRef::Of(n) == ObjectRef::Of(other));
}

TEST_CASE("Declared children come in order, empty pointers are skipped") {
  Node n;
  REQUIRE(Names(ObjectRef::Of(n)) == std::vector<std::string>{"w"});
  n.maybe = std::make_unique<Variable>(DataType::kFloat, TensorShape{});
  const auto kids = Children(ObjectRef::Of(n));
  REQUIRE(Names(ObjectRef::Of(n)) == std::vector<std::string>{"w", "maybe"});
  REQUIRE(kids[1].second == ObjectRef::Of(*n.maybe));
}

TEST_CASE("Aggregates with CKPT_FIELD_NAMES skip non-graph fields") {
  Named agg;
  const ObjectRef ref = ObjectRef::Of(agg);
  REQUIRE(ref.trackable() == nullptr);
  REQUIRE(Names(ref) == std::vector<std::string>{"kernel", "bias"});
  const auto kids = Children(ref);
  REQUIRE(kids[0].second == ObjectRef::Of(agg.kernel));
  REQUIRE(kids[1].second == ObjectRef::Of(agg.bias));
}

TEST_CASE("Aggregates without names use field indexes") {
  Unnamed agg;
  REQUIRE(Names(ObjectRef::Of(agg)) == std::vector<std::string>{"0", "2"});
}

TEST_CASE("An aggregate and its first field are distinct objects") {
  Named agg;
  REQUIRE_FALSE(ObjectRef::Of(agg) == ObjectRef::Of(agg.kernel));
  Outer outer;
  REQUIRE_FALSE(ObjectRef::Of(outer) == ObjectRef::Of(outer.inner));
}

TEST_CASE("Nested aggregates and containers are nodes of their own") {
  Outer outer;
  const auto kids = Children(ObjectRef::Of(outer));
  REQUIRE(Names(ObjectRef::Of(outer)) ==
          std::vector<std::string>{"inner", "list"});
  REQUIRE(Names(kids[0].second) == std::vector<std::string>{"kernel", "bias"});
  REQUIRE(Names(kids[1].second) == std::vector<std::string>{"0", "1"});
  REQUIRE(std::string(kids[1].second.type_name()) == "List");
}

TEST_CASE("Sequences name children by index") {
  std::deque<Variable> dq(3);
  std::array<Variable, 2> arr;
  std::vector<std::unique_ptr<Variable>> ptrs;
  ptrs.push_back(std::make_unique<Variable>());
  ptrs.push_back(nullptr);  // skipped, but keeps its index
  ptrs.push_back(std::make_unique<Variable>());
  REQUIRE(Names(ObjectRef::Of(dq)) == std::vector<std::string>{"0", "1", "2"});
  REQUIRE(Names(ObjectRef::Of(arr)) == std::vector<std::string>{"0", "1"});
  REQUIRE(Names(ObjectRef::Of(ptrs)) == std::vector<std::string>{"0", "2"});
  std::vector<Variable> empty;
  REQUIRE(Names(ObjectRef::Of(empty)).empty());
}

TEST_CASE("String maps name children by key, in key order") {
  std::map<std::string, Variable> m;
  m["zeta"];
  m["alpha"];
  absl::btree_map<std::string, Variable> b;
  b["y"];
  b["x"];
  REQUIRE(Names(ObjectRef::Of(m)) == std::vector<std::string>{"alpha", "zeta"});
  REQUIRE(Names(ObjectRef::Of(b)) == std::vector<std::string>{"x", "y"});
  REQUIRE(std::string(ObjectRef::Of(m).type_name()) == "Dict");
}

TEST_CASE("Shared pointers to one object have one identity") {
  auto shared = std::make_shared<Variable>();
  std::shared_ptr<Variable> alias = shared;
  REQUIRE(ObjectRef::Of(shared) == ObjectRef::Of(alias));
  REQUIRE(ObjectRef::Of(shared) == ObjectRef::Of(*shared));
  std::shared_ptr<Variable> none;
  REQUIRE(ObjectRef::Of(none).is_null());
}

struct AttrCollect : AttributeVisitor {
  std::vector<std::string> names, full_names;
  std::vector<ckpt::Tensor*> tensors;
  void Tensor(absl::string_view name, ckpt::Tensor* value,
              absl::string_view full_name) override {
    names.emplace_back(name);
    full_names.emplace_back(full_name);
    tensors.push_back(value);
  }
  void Custom(absl::string_view name,
              std::function<absl::StatusOr<ckpt::Tensor>()>,
              std::function<absl::Status(const ckpt::Tensor&)>) override {
    names.emplace_back(name);
  }
  void Partitioned(absl::string_view name, const TensorShape& full_shape,
                   absl::Span<ckpt::Tensor* const> parts,
                   absl::Span<const TensorSlice> slices,
                   absl::string_view full_name) override {
    names.emplace_back(name);
    full_names.emplace_back(full_name);
    partitioned_shape = full_shape;
    part_tensors.assign(parts.begin(), parts.end());
    part_slices.assign(slices.begin(), slices.end());
  }
  void External(absl::string_view name, ExternalVariable& variable,
                absl::string_view full_name) override {
    names.emplace_back(name);
    full_names.emplace_back(full_name);
    externals.push_back(&variable);
  }
  std::vector<ExternalVariable*> externals;
  TensorShape partitioned_shape;
  std::vector<ckpt::Tensor*> part_tensors;
  std::vector<TensorSlice> part_slices;
};

TEST_CASE(
    "ShardedVariable splits rows as TensorFlow's fixed-size partitioner") {
  ShardedVariable v =
      ShardedVariable::Create(DataType::kFloat, TensorShape({11, 3}), 4)
          .value();
  REQUIRE(v.num_parts() == 4);
  REQUIRE(v.shape() == TensorShape({11, 3}));
  // 11 = 3 + 3 + 3 + 2: the first 11 % 4 parts get one more row.
  const std::vector<int64_t> rows = {3, 3, 3, 2}, offsets = {0, 3, 6, 9};
  for (int i = 0; i < 4; ++i) {
    REQUIRE(v.part(i).shape() ==
            TensorShape({rows[static_cast<size_t>(i)], 3}));
    REQUIRE(v.row_offset(i) == offsets[static_cast<size_t>(i)]);
  }
  REQUIRE(v.slice(3).DebugString() == "9,2:0,3");
  // More parts than rows: one part per row; zero rows: one empty part.
  REQUIRE(ShardedVariable::Create(DataType::kInt32, TensorShape({2}), 5)
              .value()
              .num_parts() == 2);
  REQUIRE(ShardedVariable::Create(DataType::kInt32, TensorShape({0, 4}), 3)
              .value()
              .num_parts() == 1);
  CKPT_REQUIRE_ERROR(
      ShardedVariable::Create(DataType::kFloat, TensorShape(), 2),
      absl::StatusCode::kInvalidArgument, "rank >= 1");
  CKPT_REQUIRE_ERROR(
      ShardedVariable::Create(DataType::kFloat, TensorShape({4}), 0),
      absl::StatusCode::kInvalidArgument, "num_parts 0");
}

TEST_CASE("ShardedVariable::FromParts stacks parts along axis 0") {
  std::vector<ckpt::Tensor> parts;
  parts.push_back(
      ckpt::Tensor::FromVector<int32_t>(TensorShape({1, 2}), {1, 2}).value());
  parts.push_back(
      ckpt::Tensor::FromVector<int32_t>(TensorShape({2, 2}), {3, 4, 5, 6})
          .value());
  ShardedVariable v = ShardedVariable::FromParts(std::move(parts)).value();
  REQUIRE(v.shape() == TensorShape({3, 2}));
  ckpt::Tensor whole = v.Concat().value();
  const absl::Span<const int32_t> flat = whole.flat<int32_t>();
  REQUIRE(std::vector<int32_t>(flat.begin(), flat.end()) ==
          std::vector<int32_t>{1, 2, 3, 4, 5, 6});
  v.set_name("emb");
  AttrCollect c;
  ObjectRef::Of(v).VisitAttributes(c);
  REQUIRE(c.names == std::vector<std::string>{"VARIABLE_VALUE"});
  REQUIRE(c.full_names == std::vector<std::string>{"emb"});
  REQUIRE(c.partitioned_shape == TensorShape({3, 2}));
  REQUIRE(c.part_tensors.size() == 2);
  REQUIRE(c.part_tensors[1] == &v.mutable_part(1));
  REQUIRE(c.part_slices[1].DebugString() == "1,2:0,2");

  std::vector<ckpt::Tensor> bad;
  bad.push_back(
      ckpt::Tensor::Create(DataType::kFloat, TensorShape({1, 2})).value());
  bad.push_back(
      ckpt::Tensor::Create(DataType::kFloat, TensorShape({1, 3})).value());
  CKPT_REQUIRE_ERROR(ShardedVariable::FromParts(bad),
                     absl::StatusCode::kInvalidArgument, "beyond axis 0");
  bad[1] = ckpt::Tensor::Create(DataType::kInt8, TensorShape({1, 2})).value();
  CKPT_REQUIRE_ERROR(ShardedVariable::FromParts(bad),
                     absl::StatusCode::kInvalidArgument, "part 1 is int8");
  CKPT_REQUIRE_ERROR(ShardedVariable::FromParts({}),
                     absl::StatusCode::kInvalidArgument, "no parts");
}

TEST_CASE("Variable saves VARIABLE_VALUE with its name as full_name") {
  Variable v(DataType::kFloat, {2});
  v.set_name("dense/kernel");
  AttrCollect c;
  ObjectRef::Of(v).VisitAttributes(c);
  REQUIRE(c.names == std::vector<std::string>{"VARIABLE_VALUE"});
  REQUIRE(c.full_names == std::vector<std::string>{"dense/kernel"});
  REQUIRE(c.tensors[0] == &v.mutable_value());
  REQUIRE(v.flat<float>().size() == 2);
}

TEST_CASE("Variable::Assign checks dtype and shape") {
  Variable v(DataType::kFloat, {2, 3});
  v.set_name("w");
  CKPT_REQUIRE_ERROR(v.Assign(Tensor::Scalar<float>(1.0f)),
                     absl::StatusCode::kInvalidArgument,
                     "cannot assign float32 [] to variable 'w' of float32 [2,3]");
  CKPT_REQUIRE_ERROR(
      v.Assign(Tensor::Create(DataType::kInt32, {2, 3}).value()),
      absl::StatusCode::kInvalidArgument, "int32 [2,3]");
  CKPT_REQUIRE_OK(v.Assign(Tensor::Create(DataType::kFloat, {2, 3}).value()));
  Variable uninit;
  CKPT_REQUIRE_OK(uninit.Assign(Tensor::Scalar<int64_t>(7)));
  REQUIRE(uninit.flat<int64_t>()[0] == 7);
}

// A waiter that records notifications and can fail.
struct TestWaiter : graph::Waiter {
  int calls = 0;
  Trackable* last = nullptr;
  absl::Status result;
  absl::Status OnChildrenChanged(Trackable& owner) override {
    ++calls;
    last = &owner;
    return result;
  }
};

TEST_CASE("ChildrenChanged notifies waiters and propagates their errors") {
  Node n;
  CKPT_REQUIRE_OK(n.ChildrenChanged());  // nothing waits
  auto waiter = std::make_shared<TestWaiter>();
  graph::Anchor::Of(n).AddWaiter(waiter);
  graph::Anchor::Of(n).AddWaiter(waiter);  // added once
  CKPT_REQUIRE_OK(n.ChildrenChanged());
  REQUIRE(waiter->calls == 1);
  REQUIRE(waiter->last == &n);
  waiter->result = absl::InvalidArgumentError("shape mismatch at w");
  CKPT_REQUIRE_ERROR(n.ChildrenChanged(), absl::StatusCode::kInvalidArgument,
                     "shape mismatch");
  graph::Anchor::Of(n).RemoveWaiter(waiter.get());
  CKPT_REQUIRE_OK(n.ChildrenChanged());
  REQUIRE(waiter->calls == 2);
}

TEST_CASE("Copies of a Trackable carry no restore state") {
  Variable v(DataType::kInt32, {2});
  auto waiter = std::make_shared<TestWaiter>();
  graph::Anchor::Of(v).AddWaiter(waiter);
  Variable copy = v;
  REQUIRE(copy.value().Equals(v.value()));
  CKPT_REQUIRE_OK(copy.ChildrenChanged());
  REQUIRE(waiter->calls == 0);
  Variable assigned;
  assigned = v;
  CKPT_REQUIRE_OK(assigned.ChildrenChanged());
  REQUIRE(waiter->calls == 0);
  CKPT_REQUIRE_OK(v.ChildrenChanged());
  REQUIRE(waiter->calls == 1);
}

}  // namespace
}  // namespace ckpt
