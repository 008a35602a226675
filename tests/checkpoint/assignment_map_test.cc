// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// TensorFlow 1 assignment maps (RestoreOptions::assignment_map,
// checkpoint/assignment_map.h; docs/guide.md "Assignment maps"): the cases
// of init_from_checkpoint's documentation (scope to scope, names, the root
// scope, a partitioned variable), the lookup rules on their own, and one
// test per refused map.

#include "checkpoint/assignment_map.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::checkpoint::AssignmentMap;
using ::ckpt::testing::TempDir;

Tensor Filled(TensorShape shape, float first) {
  absl::StatusOr<Tensor> t = Tensor::Create(DataType::kFloat, std::move(shape));
  CKPT_REQUIRE_OK(t);
  float* p = t->mutable_flat<float>().data();
  for (int64_t i = 0; i < t->shape().num_elements(); ++i) {
    p[i] = first + static_cast<float>(i);
  }
  return *std::move(t);
}

// The checkpoint of the documentation's example, written by name (TF1).
std::string WriteTf1Checkpoint(const TempDir& dir,
                               std::map<std::string, Tensor> tensors) {
  const std::string prefix = dir.Join("model.ckpt");
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w);
  for (const auto& [key, value] : tensors)
    CKPT_REQUIRE_OK((*w)->Add(key, value));
  CKPT_REQUIRE_OK((*w)->Finish());
  return prefix;
}

std::string DocCheckpoint(const TempDir& dir) {
  return WriteTf1Checkpoint(
      dir, {{"old_scope_1/var1", Filled(TensorShape({20, 2}), 1)},
            {"old_scope_1/var2", Filled(TensorShape({50, 4}), 1000)},
            {"old_scope_2/var3", Filled(TensorShape({100, 100}), 5000)}});
}

// The new model of the documentation: var1 in new_scope_1, var2 and a
// partitioned var3 (5 parts along the first axis) in new_scope_2.
struct NewModel : Trackable {
  NewModel()
      : var1(DataType::kFloat, TensorShape({20, 2})),
        var2(DataType::kFloat, TensorShape({50, 4})) {
    var1.set_name("new_scope_1/var1");
    var2.set_name("new_scope_2/var2");
    absl::StatusOr<ShardedVariable> v3 =
        ShardedVariable::Create(DataType::kFloat, TensorShape({100, 100}), 5);
    CKPT_REQUIRE_OK(v3);
    var3 = *std::move(v3);
    var3.set_name("new_scope_2/var3");
  }
  void VisitChildren(ChildVisitor& visit) override {
    visit("var1", var1);
    visit("var2", var2);
    visit("var3", var3);
  }
  Variable var1, var2;
  ShardedVariable var3;
};

bool IsZero(const Variable& v) {
  for (float x : v.flat<float>()) {
    if (x != 0) return false;
  }
  return true;
}

absl::StatusOr<RestoreStatus> RestoreWithMap(
    Trackable& root, const std::string& prefix,
    std::vector<std::pair<std::string, std::string>> map,
    bool allow_unused = false) {
  RestoreOptions options;
  options.assignment_map = std::move(map);
  options.allow_unused_rules = allow_unused;
  return RestoreObjectGraph(ObjectRef::Of(root), prefix, options);
}

TEST_CASE("scope to scope: every variable of the live scope",
          "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix, {{"old_scope_1/", "new_scope_1/"}});
  CKPT_REQUIRE_OK(st);
  CHECK(m.var1.value().Equals(Filled(TensorShape({20, 2}), 1)));
  CHECK(IsZero(m.var2));  // not covered: left alone
  const RestoreReport r = st->report();
  CHECK(r.name_based);
  REQUIRE(r.matched.size() == 1);
  CHECK(r.matched[0].path == "var1");
  CHECK(r.matched[0].key == "old_scope_1/var1");
  CHECK(r.matched[0].rule == "'old_scope_1/' -> 'new_scope_1/'");
  // The variables no entry covers are reported missing.
  REQUIRE(r.missing.size() == 2);
  CHECK(r.missing[0].detail ==
        "variable 'new_scope_2/var2' is not covered by the assignment map");
  CHECK(st->AssertExistingObjectsMatched().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("variables by name, and a partitioned variable", "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix,
                     {{"old_scope_1/var1", "new_scope_1/var1"},
                      {"old_scope_1/var2", "new_scope_2/var2"},
                      {"old_scope_2/var3", "new_scope_2/var3"}});
  CKPT_REQUIRE_OK(st);
  CHECK(m.var1.value().Equals(Filled(TensorShape({20, 2}), 1)));
  CHECK(m.var2.value().Equals(Filled(TensorShape({50, 4}), 1000)));
  absl::StatusOr<Tensor> var3 = m.var3.Concat();
  CKPT_REQUIRE_OK(var3);
  CHECK(var3->Equals(Filled(TensorShape({100, 100}), 5000)));
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  CKPT_REQUIRE_OK(st->AssertConsumed());
}

TEST_CASE("the checkpoint's root scope", "[assignment_map]") {
  TempDir dir;
  const std::string prefix =
      WriteTf1Checkpoint(dir, {{"var1", Filled(TensorShape({20, 2}), 7)},
                               {"var2", Filled(TensorShape({50, 4}), 9)}});
  NewModel m;
  // '/': 'new_scope_1/' loads new_scope_1's variables from the root.
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix, {{"/", "new_scope_1/"}});
  CKPT_REQUIRE_OK(st);
  CHECK(m.var1.value().Equals(Filled(TensorShape({20, 2}), 7)));
  CHECK(IsZero(m.var2));
}

TEST_CASE("every live variable under a checkpoint scope", "[assignment_map]") {
  TempDir dir;
  const std::string prefix = WriteTf1Checkpoint(
      dir,
      {{"pretrained/new_scope_1/var1", Filled(TensorShape({20, 2}), 3)},
       {"pretrained/new_scope_2/var2", Filled(TensorShape({50, 4}), 4)},
       {"pretrained/new_scope_2/var3", Filled(TensorShape({100, 100}), 5)}});
  NewModel m;
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix, {{"pretrained/", "/"}});
  CKPT_REQUIRE_OK(st);
  CHECK(m.var2.value().Equals(Filled(TensorShape({50, 4}), 4)));
  CKPT_REQUIRE_OK(st->AssertConsumed());
}

TEST_CASE("object-based checkpoints restore by their keys",
          "[assignment_map]") {
  TempDir dir;
  Variable saved(Filled(TensorShape({20, 2}), 11));
  struct Root : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("kernel", *v); }
    Variable* v = nullptr;
  } src;
  src.v = &saved;
  const std::string prefix = dir.Join("obj/ckpt-1");
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src), prefix));
  NewModel m;
  absl::StatusOr<RestoreStatus> st = RestoreWithMap(
      m, prefix, {{"kernel/.ATTRIBUTES/VARIABLE_VALUE", "new_scope_1/var1"}});
  CKPT_REQUIRE_OK(st);
  CHECK(m.var1.value().Equals(saved.value()));
}

TEST_CASE("variables created later are mapped too", "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  struct Lazy : Trackable {
    void VisitChildren(ChildVisitor& visit) override { visit("v", v); }
    std::unique_ptr<Variable> v;
  } lazy;
  absl::StatusOr<RestoreStatus> st = RestoreWithMap(
      lazy, prefix, {{"old_scope_1/", "new_scope_1/"}}, /*allow_unused=*/true);
  CKPT_REQUIRE_OK(st);
  CHECK(st->report().unused_rules ==
        std::vector<std::string>{"'old_scope_1/' -> 'new_scope_1/'"});
  lazy.v = std::make_unique<Variable>(DataType::kFloat, TensorShape({20, 2}));
  lazy.v->set_name("new_scope_1/var1");
  CKPT_REQUIRE_OK(lazy.ChildrenChanged());
  CHECK(lazy.v->value().Equals(Filled(TensorShape({20, 2}), 1)));
}

TEST_CASE("a variable created later whose tensor is absent is missing",
          "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  struct Lazy : Trackable {
    void VisitChildren(ChildVisitor& visit) override {
      visit("var1", var1);
      visit("slot", slot);
    }
    Variable var1{DataType::kFloat, TensorShape({20, 2})};
    std::unique_ptr<Variable> slot;
  } lazy;
  lazy.var1.set_name("new_scope_1/var1");
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(lazy, prefix, {{"old_scope_1/", "new_scope_1/"}});
  CKPT_REQUIRE_OK(st);
  // An optimizer slot named under the mapped scope; the checkpoint has no
  // "old_scope_1/var1/Adam".
  lazy.slot =
      std::make_unique<Variable>(DataType::kFloat, TensorShape({20, 2}));
  lazy.slot->set_name("new_scope_1/var1/Adam");
  CKPT_REQUIRE_OK(lazy.ChildrenChanged());
  bool reported = false;
  for (const auto& e : st->report().missing) {
    reported = reported || (e.key == "old_scope_1/var1/Adam" &&
                            e.detail == "name not in the checkpoint");
  }
  CHECK(reported);
}

// ---- refused maps, one test each
// -------------------------------------------

TEST_CASE("a scope mapped from a name is refused", "[assignment_map]") {
  absl::StatusOr<AssignmentMap> map =
      AssignmentMap::Create({{"old_scope_1/var1", "new_scope_1/"}});
  REQUIRE(map.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(map.status().message()) ==
        "assignment map entry 'old_scope_1/var1' -> 'new_scope_1/': the live "
        "name is a scope (ends in '/'), so the checkpoint name must be one "
        "too: 'scope/': 'other_scope/'");
}

TEST_CASE("an empty name is refused", "[assignment_map]") {
  absl::StatusOr<AssignmentMap> map = AssignmentMap::Create({{"", "x"}});
  REQUIRE(map.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(map.status().message()) ==
        "assignment map entry '' -> 'x': names must not be empty");
}

TEST_CASE("an entry listed twice is refused", "[assignment_map]") {
  absl::StatusOr<AssignmentMap> map =
      AssignmentMap::Create({{"a/", "b/"}, {"a/", "b/"}});
  REQUIRE(map.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(map.status().message()) ==
        "assignment map entry 'a/' -> 'b/': listed twice");
}

TEST_CASE("lookups follow init_from_checkpoint's naming", "[assignment_map]") {
  absl::StatusOr<AssignmentMap> map = AssignmentMap::Create(
      {{"old/", "new/"}, {"/", "top/"}, {"ckpt/w", "exact/w"}});
  CKPT_REQUIRE_OK(map);
  auto lookup = [&](const std::string& name) -> std::string {
    absl::StatusOr<std::optional<AssignmentMap::Hit>> hit = map->Lookup(name);
    CKPT_REQUIRE_OK(hit);
    return hit->has_value() ? (*hit)->checkpoint_name : "(none)";
  };
  CHECK(lookup("new/a/b") == "old/a/b");
  CHECK(lookup("top/a") == "a");
  CHECK(lookup("exact/w") == "ckpt/w");
  CHECK(lookup("exact/w2") == "(none)");
  CHECK(lookup("newer/a") == "(none)");  // scopes match whole names
}

TEST_CASE("two entries covering one variable are refused", "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix,
                     {{"old_scope_1/", "new_scope_1/"},
                      {"old_scope_1/var1", "new_scope_1/var1"}});
  REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(st.status().message()) ==
        "assignment map entries 'old_scope_1/' -> 'new_scope_1/' and "
        "'old_scope_1/var1' -> 'new_scope_1/var1' both cover variable "
        "'new_scope_1/var1'");
  CHECK(IsZero(m.var1));
}

TEST_CASE("a mapped tensor missing from the checkpoint is NotFound",
          "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix, {{"old_scope_2/", "new_scope_2/"}});
  REQUIRE(st.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(st.status().message()),
             Catch::Matchers::StartsWith(
                 "assignment map: tensor 'old_scope_2/var2' (for variable "
                 "'new_scope_2/var2', entry 'old_scope_2/' -> "
                 "'new_scope_2/') is not in checkpoint '"));
}

TEST_CASE("an entry covering no variable is refused unless allowed",
          "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  absl::StatusOr<RestoreStatus> st = RestoreWithMap(
      m, prefix,
      {{"old_scope_1/", "new_scope_1/"}, {"old_scope_1/var2", "nothing/v"}});
  REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(st.status().message()) ==
        "1 assignment map entry covers no live variable: "
        "'old_scope_1/var2' -> 'nothing/v'");
}

TEST_CASE("a shape mismatch through the map is InvalidArgument",
          "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  absl::StatusOr<RestoreStatus> st =
      RestoreWithMap(m, prefix, {{"old_scope_1/var2", "new_scope_1/var1"}});
  REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(st.status().message()),
             Catch::Matchers::Contains(
                 "(key 'old_scope_1/var2'): checkpoint float32 [50,4] vs "
                 "object float32 [20,2]"));
}

TEST_CASE("path rules need an object graph", "[assignment_map]") {
  TempDir dir;
  const std::string prefix = DocCheckpoint(dir);
  NewModel m;
  RestoreOptions options;
  options.path_map = {PathRule::Prefix("old_scope_1", "new_scope_1")};
  absl::StatusOr<RestoreStatus> st =
      RestoreObjectGraph(ObjectRef::Of(m), prefix, options);
  REQUIRE(st.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(st.status().message()),
             Catch::Matchers::EndsWith(
                 "has no object graph (a TensorFlow 1 checkpoint): restore it "
                 "by name with RestoreOptions::assignment_map"));
}

}  // namespace
}  // namespace ckpt
