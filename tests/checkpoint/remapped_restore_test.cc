// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Restores through a path mapping (RestoreOptions::path_map, ::from;
// docs/guide.md "Transfer learning"). The model-based test saves random
// trees, draws random rules, and compares what the restore assigns with a
// model computed here from the rules alone (std::map from live path to
// value): the renamed structure built directly. Deterministic cases cover
// subtree restores, slot variables, deferred creation, the report and every
// refused mapping.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ckpt/checkpoint.h"
#include "ckpt/path_map.h"
#include "ckpt/trackable.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::TempDir;

// A tree of named containers and variables.
struct Node : Trackable {
  void VisitChildren(ChildVisitor& visit) override {
    for (auto& [name, v] : vars) visit(name, v);
    for (auto& [name, k] : kids) visit(name, k);
  }
  std::map<std::string, std::unique_ptr<Node>> kids;
  std::map<std::string, std::unique_ptr<Variable>> vars;
};

// An optimizer with one slot "m" per variable it was given.
struct Optimizer : Trackable {
  void VisitChildren(ChildVisitor& visit) override { visit("iter", iter); }
  void VisitSlots(SlotVisitor& visit) override {
    for (auto& [var, slot] : slots) visit.Slot("m", *var, *slot);
  }
  Variable iter{Tensor::Scalar<int64_t>(7)};
  std::vector<std::pair<Variable*, std::unique_ptr<Variable>>> slots;
};

// Creates the containers along `path` (edge names) below `root` and the
// variable at its end, holding `value` (or uninitialized).
Variable& AddVariable(Node& root, const std::string& path,
                      std::optional<float> value) {
  std::vector<std::string> names = SplitObjectPath(path);
  Node* node = &root;
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    auto& kid = node->kids[names[i]];
    if (kid == nullptr) kid = std::make_unique<Node>();
    node = kid.get();
  }
  auto& var = node->vars[names.back()];
  var = value.has_value()
            ? std::make_unique<Variable>(Tensor::Scalar<float>(*value))
            : std::make_unique<Variable>(DataType::kFloat, TensorShape());
  return *var;
}

Variable* FindVariable(Node& root, const std::string& path) {
  std::vector<std::string> names = SplitObjectPath(path);
  Node* node = &root;
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    auto it = node->kids.find(names[i]);
    if (it == node->kids.end()) return nullptr;
    node = it->second.get();
  }
  auto it = node->vars.find(names.back());
  return it == node->vars.end() ? nullptr : it->second.get();
}

float Value(const Variable& v) { return v.value().flat<float>()[0]; }

std::string SavedModel(const TempDir& dir, Node& root) {
  const std::string prefix = dir.Join("src/ckpt-1");
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(root), prefix));
  return prefix;
}

RestoreStatus RestoreOrDie(Node& root, const std::string& prefix,
                           const RestoreOptions& options) {
  absl::StatusOr<RestoreStatus> st =
      RestoreObjectGraph(ObjectRef::Of(root), prefix, options);
  CKPT_REQUIRE_OK(st);
  return *std::move(st);
}

// ---- the model-based test
// --------------------------------------------------

// The first rule that matches decides: a prefix rule covers its path and
// everything below it (component-wise), a regex rule (std::regex here,
// ECMAScript: an implementation independent of the library's Boost.Regex)
// must match the whole path. The oracle of the mapping, on strings alone.
struct Oracle {
  struct Rule {
    bool regex = false;
    std::string from, to;
  };
  std::vector<Rule> rules;
  bool keep_unmapped = true;

  static bool Covers(const std::string& prefix, const std::string& path) {
    return prefix.empty() || path == prefix ||
           absl::StartsWith(path, prefix + "/");
  }
  // nullopt: left out. Sets `*rule` to the deciding rule or -1.
  std::optional<std::string> Map(const std::string& path, int* rule) const {
    for (size_t i = 0; i < rules.size(); ++i) {
      const Rule& r = rules[i];
      if (r.regex) {
        std::smatch m;
        if (!std::regex_match(path, m, std::regex(r.from))) continue;
        *rule = static_cast<int>(i);
        return m.format(r.to);
      }
      if (!Covers(r.from, path)) continue;
      *rule = static_cast<int>(i);
      std::string rest = path.substr(r.from.size());
      if (!rest.empty() && rest[0] == '/') rest.erase(0, 1);
      if (r.to.empty()) return rest;
      return rest.empty() ? r.to : r.to + "/" + rest;
    }
    *rule = -1;
    if (keep_unmapped) return path;
    return std::nullopt;
  }
};

// Regex rules that give well-formed paths for every path they match.
constexpr std::pair<const char*, const char*> kRegexRules[] = {
    {"([a-d])/([a-d])", "$2/$1"},
    {"([a-d])(/.*)?", "y$2"},
    {"(.*)/d", "$1/x"},
    {"a/(.*)", "b/$1"},
};

std::string RandomPath(std::mt19937_64& rng, const char* const* names,
                       size_t n_names, int max_depth) {
  const int depth =
      1 + static_cast<int>(rng() % static_cast<uint64_t>(max_depth));
  std::string out;
  for (int i = 0; i < depth; ++i) {
    if (!out.empty()) out += "/";
    out += names[rng() % n_names];
  }
  return out;
}

TEST_CASE("random rules restore what the renamed structure would",
          "[remapped_restore]") {
  static const char* const kNames[] = {"a", "b", "c", "d"};
  static const char* const kNewNames[] = {"x", "y", "b"};
  std::mt19937_64 rng(20261207);
  int restored_cases = 0, refused_cases = 0, regex_cases = 0;
  for (int round = 0; round < 150; ++round) {
    INFO("round " << round);
    TempDir dir;
    // The checkpoint: variables at random paths (a path must not lie below
    // a variable).
    Node src;
    std::map<std::string, float> saved;  // variable path -> value
    std::set<std::string> containers{""};
    for (int i = 0; i < 8; ++i) {
      const std::string path = RandomPath(rng, kNames, 4, 4);
      bool clash = saved.count(path) > 0 || containers.count(path) > 0;
      for (const auto& [p, v] : saved) clash = clash || Oracle::Covers(p, path);
      if (clash) continue;
      const float value = static_cast<float>(round * 100 + i + 1);
      AddVariable(src, path, value);
      saved[path] = value;
      for (size_t at = path.find('/'); at != std::string::npos;
           at = path.find('/', at + 1)) {
        containers.insert(path.substr(0, at));
      }
    }
    const std::string prefix = SavedModel(dir, src);
    std::vector<std::string> object_paths(containers.begin(), containers.end());
    for (const auto& [p, v] : saved) object_paths.push_back(p);

    // Rules from existing object paths to random new ones.
    Oracle oracle;
    oracle.keep_unmapped = rng() % 2 == 0;
    const bool allow_unused = rng() % 2 == 0;
    std::vector<PathRule> rules;
    const int n_rules = 1 + static_cast<int>(rng() % 3);
    for (int r = 0; r < n_rules; ++r) {
      if (rng() % 4 == 0) {
        const auto& [pattern, replacement] =
            kRegexRules[rng() % std::size(kRegexRules)];
        rules.push_back(PathRule::Regex(pattern, replacement));
        oracle.rules.push_back({true, pattern, replacement});
        continue;
      }
      const std::string from = object_paths[rng() % object_paths.size()];
      const std::string to =
          rng() % 5 == 0 ? "" : RandomPath(rng, kNewNames, 3, 2);
      rules.push_back(PathRule::Prefix(from, to));
      oracle.rules.push_back({false, from, to});
    }

    // The oracle: where each saved value goes, and whether the mapping is
    // refused (two values on one path, a rule deciding nothing).
    std::map<std::string, std::pair<std::string, int>> expected;  // live
    std::set<int> used;
    bool conflict = false;
    for (const std::string& p : object_paths) {
      int rule = -1;
      std::optional<std::string> to = oracle.Map(p, &rule);
      if (rule >= 0) used.insert(rule);
      if (!saved.count(p) || !to.has_value()) continue;
      if (!expected.emplace(*to, std::pair{p, rule}).second) conflict = true;
    }
    {
      int rule = -1;  // the root is an object too
      oracle.Map("", &rule);
      if (rule >= 0) used.insert(rule);
    }
    const bool unused = used.size() < rules.size();
    // A value mapped to the root, or below another value, has no live
    // counterpart in this model: skip those draws.
    bool unbuildable = expected.count("") > 0;
    for (const auto& [a, x] : expected) {
      for (const auto& [b, y] : expected) {
        unbuildable = unbuildable || (a != b && Oracle::Covers(a, b));
      }
    }
    if (expected.count("") > 0 || (unbuildable && !conflict)) continue;

    // The renamed structure, built directly from the oracle.
    Node live;
    std::map<std::string, Variable*> vars;
    for (const auto& [path, from] : expected) {
      vars[path] = &AddVariable(live, path, std::nullopt);
    }
    RestoreOptions options;
    options.path_map = rules;
    options.keep_unmapped = oracle.keep_unmapped;
    options.allow_unused_rules = allow_unused;
    absl::StatusOr<RestoreStatus> st =
        RestoreObjectGraph(ObjectRef::Of(live), prefix, options);
    if (conflict) {
      REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK_THAT(std::string(st.status().message()),
                 Catch::Matchers::Contains("path mapping conflict"));
      for (const auto& [path, v] : vars) CHECK(Value(*v) == 0.0f);
      ++refused_cases;
      continue;
    }
    if (unused && !allow_unused) {
      REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK_THAT(
          std::string(st.status().message()),
          Catch::Matchers::Contains("match no object of the checkpoint"));
      ++refused_cases;
      continue;
    }
    CKPT_REQUIRE_OK(st);
    for (const auto& [path, from] : expected) {
      INFO(path << " <- " << from.first);
      REQUIRE(vars[path]->dtype() == DataType::kFloat);
      CHECK(Value(*vars[path]) == saved.at(from.first));
    }
    CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
    // The report: every value matched at its live path, from its
    // checkpoint path by its rule; the others unused.
    const RestoreReport report = st->report();
    std::map<std::string, const RestoreReport::Entry*> matched;
    for (const auto& e : report.matched) matched[e.path] = &e;
    for (const auto& [path, from] : expected) {
      INFO(path);
      REQUIRE(matched.count(path));
      const RestoreReport::Entry& e = *matched.at(path);
      CHECK(e.checkpoint_path == (path == from.first ? "" : from.first));
      CHECK(e.rule == (from.second >= 0
                           ? rules[static_cast<size_t>(from.second)].ToString()
                           : ""));
    }
    CHECK(report.matched.size() == expected.size());
    CHECK(report.unused.size() == saved.size() - expected.size());
    CHECK(report.unused_rules.size() == rules.size() - used.size());
    if (expected.size() == saved.size()) {
      CKPT_REQUIRE_OK(st->AssertConsumed());
    } else {
      CHECK(st->AssertConsumed().code() ==
            absl::StatusCode::kFailedPrecondition);
    }
    ++restored_cases;
    for (int r : used) {
      if (oracle.rules[static_cast<size_t>(r)].regex) {
        ++regex_cases;
        break;
      }
    }
  }
  // Both outcomes were exercised.
  CHECK(restored_cases > 40);
  CHECK(refused_cases > 10);
  CHECK(regex_cases > 10);
}

// ---- deterministic cases
// ---------------------------------------------------

// model/encoder/{k,b}, model/head/h, save_counter-like "step".
Node SourceModel() {
  Node src;
  AddVariable(src, "model/encoder/k", 1.0f);
  AddVariable(src, "model/encoder/b", 2.0f);
  AddVariable(src, "model/head/h", 3.0f);
  AddVariable(src, "step", 4.0f);
  return src;
}

TEST_CASE("from restores one subtree into the root", "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  const std::string prefix = SavedModel(dir, src);
  Node encoder;
  Variable& k = AddVariable(encoder, "k", std::nullopt);
  Variable& b = AddVariable(encoder, "b", std::nullopt);
  RestoreStatus st = RestoreOrDie(encoder, prefix, {.from = "model/encoder"});
  CHECK(Value(k) == 1.0f);
  CHECK(Value(b) == 2.0f);
  CKPT_REQUIRE_OK(st.AssertExistingObjectsMatched());
  // The rest of the checkpoint is unused, with the reason.
  const RestoreReport r = st.report();
  REQUIRE(r.unused.size() == 2);
  CHECK(r.unused[0].path == "step");  // input node order
  CHECK(r.unused[1].path == "model/head/h");
  CHECK(r.unused[1].detail == "outside the subtree 'model/encoder'");
  CHECK(st.AssertConsumed().code() == absl::StatusCode::kFailedPrecondition);
  // Matched entries name where the value was.
  REQUIRE(r.matched.size() == 2);
  for (const auto& e : r.matched) {
    CHECK(e.checkpoint_path == "model/encoder/" + e.path);
    CHECK(e.rule.empty());
  }
}

TEST_CASE("from on a Checkpoint does not create save_counter",
          "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  const std::string prefix = SavedModel(dir, src);
  Node encoder;
  Variable& k = AddVariable(encoder, "k", std::nullopt);
  AddVariable(encoder, "b", std::nullopt);
  Checkpoint ckpt;
  CKPT_REQUIRE_OK(ckpt.Track("encoder", encoder));
  absl::StatusOr<RestoreStatus> st = ckpt.Restore(prefix, {.from = "model"});
  CKPT_REQUIRE_OK(st);
  CHECK(Value(k) == 1.0f);
  // model/head has no live counterpart: it waits (pending), and no live
  // save_counter is missing.
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
}

TEST_CASE("rules and from combine: paths relative to the subtree",
          "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  const std::string prefix = SavedModel(dir, src);
  Node live;
  Variable& k = AddVariable(live, "features/k", std::nullopt);
  Variable& b = AddVariable(live, "b", std::nullopt);
  RestoreStatus st =
      RestoreOrDie(live, prefix,
                   {.from = "model/encoder",
                    .path_map = {PathRule::Prefix("k", "features/k")}});
  CHECK(Value(k) == 1.0f);
  CHECK(Value(b) == 2.0f);
  CKPT_REQUIRE_OK(st.AssertExistingObjectsMatched());
}

TEST_CASE("values wait for objects created after a mapped restore",
          "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  const std::string prefix = SavedModel(dir, src);
  Node live;
  live.kids["backbone"] = std::make_unique<Node>();
  RestoreStatus st =
      RestoreOrDie(live, prefix,
                   {.path_map = {PathRule::Prefix("model/encoder", "backbone")},
                    .keep_unmapped = false});
  CHECK(st.report().pending.size() == 2);
  Node& backbone = *live.kids["backbone"];
  Variable& k = AddVariable(backbone, "k", std::nullopt);
  Variable& b = AddVariable(backbone, "b", std::nullopt);
  CKPT_REQUIRE_OK(backbone.ChildrenChanged());
  CHECK(Value(k) == 1.0f);
  CHECK(Value(b) == 2.0f);
  const RestoreReport r = st.report();
  CHECK(r.pending.empty());
  REQUIRE(r.matched.size() == 2);
  CHECK(r.matched[0].rule == "model/encoder -> backbone");
  CKPT_REQUIRE_OK(st.AssertExistingObjectsMatched());
}

TEST_CASE("slot variables follow a moved variable", "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  Optimizer src_opt;
  Variable* src_k = FindVariable(src, "model/encoder/k");
  src_opt.slots.emplace_back(
      src_k, std::make_unique<Variable>(Tensor::Scalar<float>(10.0f)));
  Variable* src_h = FindVariable(src, "model/head/h");
  src_opt.slots.emplace_back(
      src_h, std::make_unique<Variable>(Tensor::Scalar<float>(30.0f)));
  struct Root : Trackable {
    Root(Node* n, Optimizer* o) : net(n), opt(o) {}
    void VisitChildren(ChildVisitor& visit) override {
      visit("net", *net);
      visit("optimizer", *opt);
    }
    Node* net;
    Optimizer* opt;
  };
  Root src_root(&src, &src_opt);
  const std::string prefix = dir.Join("src/ckpt-1");
  CKPT_REQUIRE_OK(SaveObjectGraph(ObjectRef::Of(src_root), prefix));

  // Live: net/backbone/{k,b}, an optimizer whose slot appears later.
  Node net;
  Variable& k = AddVariable(net, "backbone/k", std::nullopt);
  AddVariable(net, "backbone/b", std::nullopt);
  Optimizer opt;
  Root root(&net, &opt);
  absl::StatusOr<RestoreStatus> st = RestoreObjectGraph(
      ObjectRef::Of(root), prefix,
      {.path_map = {PathRule::Prefix("net/model/encoder", "net/backbone"),
                    PathRule::Prefix("optimizer", "optimizer")},
       .keep_unmapped = false});
  CKPT_REQUIRE_OK(st);
  CHECK(Value(k) == 1.0f);
  CHECK(opt.iter.value().flat<int64_t>()[0] == 7);
  // The slot is created on the first step and reported.
  opt.slots.emplace_back(
      &k, std::make_unique<Variable>(DataType::kFloat, TensorShape()));
  CKPT_REQUIRE_OK(opt.ChildrenChanged());
  CHECK(Value(*opt.slots[0].second) == 10.0f);
  CKPT_REQUIRE_OK(st->AssertExistingObjectsMatched());
  // The head's slot was left out with its variable.
  bool head_slot_unused = false;
  for (const auto& e : st->report().unused) {
    head_slot_unused =
        head_slot_unused ||
        (e.path == "net/model/head/h/.OPTIMIZER_SLOT/optimizer/m" &&
         e.detail == "slot variable of an object left out");
  }
  CHECK(head_slot_unused);
}

TEST_CASE("the report shows the mapping in text and JSON",
          "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  const std::string prefix = SavedModel(dir, src);
  Node live;
  AddVariable(live, "enc/k", std::nullopt);
  AddVariable(live, "enc/b", std::nullopt);
  RestoreStatus st = RestoreOrDie(
      live, prefix,
      {.path_map = {PathRule::Prefix("model/encoder", "enc"),
                    PathRule::Drop("model/head"), PathRule::Prefix("zz", "q")},
       .keep_unmapped = false,
       .allow_unused_rules = true});
  const RestoreReport r = st.report();
  const std::string text = r.ToText();
  CHECK_THAT(text, Catch::Matchers::Contains(
                       "  matched enc/k key=model/encoder/k/.ATTRIBUTES/"
                       "VARIABLE_VALUE (float32 []) from=model/encoder/k "
                       "rule=[model/encoder -> enc]\n"));
  CHECK_THAT(text, Catch::Matchers::Contains(
                       "  unused model/head/h key=model/head/h/.ATTRIBUTES/"
                       "VARIABLE_VALUE (dropped by rule 'model/head -> "
                       "(dropped)')\n"));
  CHECK_THAT(text, Catch::Matchers::EndsWith(
                       "unused_rules: 1\n  unused_rule zz -> q\n"));
  const std::string json = r.ToJson();
  CHECK_THAT(json, Catch::Matchers::Contains(
                       "\"checkpoint_path\":\"model/encoder/k\",\"rule\":"
                       "\"model/encoder -> enc\"}"));
  CHECK_THAT(json,
             Catch::Matchers::EndsWith(",\"unused_rules\":[\"zz -> q\"]}"));
}

TEST_CASE("a mapped restore refuses before assigning anything",
          "[remapped_restore]") {
  TempDir dir;
  Node src = SourceModel();
  const std::string prefix = SavedModel(dir, src);
  Node live;
  Variable& k = AddVariable(live, "model/encoder/k", std::nullopt);
  k.mutable_value().mutable_flat<float>()[0] = -1.0f;

  SECTION("conflict") {
    absl::StatusOr<RestoreStatus> st = RestoreObjectGraph(
        ObjectRef::Of(live), prefix,
        {.path_map = {PathRule::Prefix("model/head/h", "model/encoder/k")}});
    REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(st.status().message()),
               Catch::Matchers::Contains(
                   "with a path mapping: path mapping conflict: checkpoint "
                   "objects 'model/encoder/k' (node 6) and 'model/head/h' "
                   "(node 7) both map to 'model/encoder/k' and both hold "
                   "values"));
  }
  SECTION("unused rule") {
    absl::StatusOr<RestoreStatus> st = RestoreObjectGraph(
        ObjectRef::Of(live), prefix,
        {.path_map = {PathRule::Prefix("model/encoderr", "x")}});
    REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(st.status().message()),
               Catch::Matchers::EndsWith(
                   "1 path rule(s) match no object of the checkpoint: "
                   "'model/encoderr -> x'"));
  }
  SECTION("missing subtree") {
    absl::StatusOr<RestoreStatus> st = RestoreObjectGraph(
        ObjectRef::Of(live), prefix, {.from = "model/decoder"});
    REQUIRE(st.status().code() == absl::StatusCode::kNotFound);
    CHECK_THAT(std::string(st.status().message()),
               Catch::Matchers::Contains("no object at path 'model/decoder'"));
  }
  SECTION("keep_unmapped without rules") {
    RestoreOptions options;
    options.from = "model";
    options.keep_unmapped = false;
    absl::StatusOr<RestoreStatus> st =
        RestoreObjectGraph(ObjectRef::Of(live), prefix, options);
    REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(st.status().message()) ==
          "RestoreOptions: keep_unmapped = false without path_map leaves "
          "every object out: nothing would be restored");
  }
  SECTION("bad rule") {
    absl::StatusOr<RestoreStatus> st = RestoreObjectGraph(
        ObjectRef::Of(live), prefix, {.path_map = {PathRule::Regex("(", "x")}});
    CHECK(st.status().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("with an assignment map") {
    absl::StatusOr<RestoreStatus> st =
        RestoreObjectGraph(ObjectRef::Of(live), prefix,
                           {.from = "model", .assignment_map = {{"a/", "b/"}}});
    REQUIRE(st.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(st.status().message()) ==
          "RestoreOptions: assignment_map (by name) cannot be combined with "
          "from or path_map (by structure)");
  }
  CHECK(Value(k) == -1.0f);  // nothing was assigned
}

}  // namespace
}  // namespace ckpt
