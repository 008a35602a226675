// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the path rules (ckpt/path_map.h): path syntax, prefix, regex and
// drop rules, first-match order, and one test per refused rule.

#include "ckpt/path_map.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using Kind = PathMap::Result::Kind;

PathMap MakeMap(std::vector<PathRule> rules) {
  absl::StatusOr<PathMap> map = PathMap::Create(std::move(rules));
  CKPT_REQUIRE_OK(map);
  return *std::move(map);
}

PathMap::Result MapOrDie(const PathMap& map, const std::string& path) {
  absl::StatusOr<PathMap::Result> r = map.Map(path);
  CKPT_REQUIRE_OK(r);
  return *std::move(r);
}

TEST_CASE("ValidateObjectPath accepts escaped edge names only", "[path_map]") {
  CHECK(ValidateObjectPath("", "x").ok());
  CHECK(ValidateObjectPath("model/layer_with_weights-0/kernel", "x").ok());
  CHECK(ValidateObjectPath("a..b/c.Sd", "x").ok());
  for (const char* bad : {"a//b", "/a", "a/", "a.b", "a.", "x/.ATTRIBUTES/v",
                          "v/.OPTIMIZER_SLOT/opt/m"}) {
    INFO(bad);
    absl::Status s = ValidateObjectPath(bad, "rule 1");
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(s.message()),
               Catch::Matchers::StartsWith("rule 1: '") &&
                   Catch::Matchers::Contains("is not an object path"));
  }
}

TEST_CASE("SplitObjectPath unescapes edge names", "[path_map]") {
  CHECK(SplitObjectPath("").empty());
  CHECK(SplitObjectPath("a..b/c.Sd/e") ==
        std::vector<std::string>{"a.b", "c/d", "e"});
  CHECK(EscapeLocalName("c/d") == "c.Sd");
}

TEST_CASE("PathHasPrefix works on whole edge names", "[path_map]") {
  CHECK(PathHasPrefix("model/encoder", "model/encoder"));
  CHECK(PathHasPrefix("model/encoder/dense", "model/encoder"));
  CHECK_FALSE(PathHasPrefix("model/encoder2", "model/encoder"));
  CHECK_FALSE(PathHasPrefix("model", "model/encoder"));
  CHECK(PathHasPrefix("anything", ""));
  CHECK(PathHasPrefix("", ""));
}

TEST_CASE("prefix rules replace the matched prefix", "[path_map]") {
  const PathMap map =
      MakeMap({PathRule::Prefix("model/encoder", "backbone"),
               PathRule::Prefix("head", ""), PathRule::Prefix("", "rest")});
  PathMap::Result r = MapOrDie(map, "model/encoder");
  CHECK(r.kind == Kind::kMapped);
  CHECK(r.path == "backbone");
  CHECK(r.rule == 0);
  CHECK(MapOrDie(map, "model/encoder/dense/kernel").path ==
        "backbone/dense/kernel");
  // "model/encoder2" is not below "model/encoder": the catch-all maps it.
  r = MapOrDie(map, "model/encoder2");
  CHECK(r.path == "rest/model/encoder2");
  CHECK(r.rule == 2);
  // To the root and below it.
  CHECK(MapOrDie(map, "head").path == "");
  CHECK(MapOrDie(map, "head/w").path == "w");
  CHECK(MapOrDie(map, "").path == "rest");
}

TEST_CASE("the first matching rule decides", "[path_map]") {
  const PathMap map = MakeMap({PathRule::Drop("model/encoder/opt"),
                               PathRule::Prefix("model/encoder", "enc"),
                               PathRule::Prefix("model", "m")});
  CHECK(MapOrDie(map, "model/encoder/opt/x").kind == Kind::kDropped);
  CHECK(MapOrDie(map, "model/encoder/opt/x").rule == 0);
  CHECK(MapOrDie(map, "model/encoder/k").path == "enc/k");
  CHECK(MapOrDie(map, "model/decoder").path == "m/decoder");
  const PathMap::Result none = MapOrDie(map, "other");
  CHECK(none.kind == Kind::kUnmapped);
  CHECK(none.rule == -1);
  CHECK(MapOrDie(PathMap(), "x").kind == Kind::kUnmapped);
}

TEST_CASE("regex rules match the whole path and substitute groups",
          "[path_map]") {
  const PathMap map =
      MakeMap({PathRule::Regex("layer_with_weights-([0-9]+)/(kernel|bias)",
                               "dense_$1/$2"),
               PathRule::Regex("(?<top>[a-z]+)/v", "$+{top}_v")});
  CHECK(MapOrDie(map, "layer_with_weights-12/kernel").path ==
        "dense_12/kernel");
  // Partial matches do not count.
  CHECK(MapOrDie(map, "x/layer_with_weights-1/kernel").kind == Kind::kUnmapped);
  CHECK(MapOrDie(map, "abc/v").path == "abc_v");
  CHECK(MapOrDie(map, "abc/v").rule == 1);
}

TEST_CASE("a regex result that is no object path is refused", "[path_map]") {
  const PathMap map = MakeMap({PathRule::Regex("(.*)", "$1/")});
  absl::StatusOr<PathMap::Result> r = map.Map("a");
  REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(r.status().message()),
             Catch::Matchers::Contains("path rule 1 (re:(.*) -> $1/) applied "
                                       "to 'a'") &&
                 Catch::Matchers::Contains("empty edge name"));
}

TEST_CASE("a regex that does not compile is refused", "[path_map]") {
  absl::StatusOr<PathMap> map = PathMap::Create(
      {PathRule::Prefix("a", "b"), PathRule::Regex("model/(", "x")});
  REQUIRE(map.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(map.status().message()),
             Catch::Matchers::StartsWith(
                 "path rule 2 (re:model/( -> x): bad regular expression"));
}

TEST_CASE("a prefix rule with a malformed path is refused", "[path_map]") {
  absl::StatusOr<PathMap> map =
      PathMap::Create({PathRule::Prefix("model/", "b")});
  REQUIRE(map.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(map.status().message()),
             Catch::Matchers::StartsWith("path rule 1 (model/ -> b): 'model/' "
                                         "is not an object path"));
  map = PathMap::Create({PathRule::Prefix("a", "b.c")});
  REQUIRE(map.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(map.status().message()),
             Catch::Matchers::Contains("'b.c' is not an object path"));
  map = PathMap::Create({PathRule::Drop("x//y")});
  CHECK(map.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a catastrophic regex fails with a status, not a crash",
          "[path_map]") {
  // Nested quantifiers on a long non-matching input: Boost.Regex gives up
  // after its state bound and throws; Map turns it into a status.
  const PathMap map = MakeMap({PathRule::Regex("(a*)*b", "x")});
  const std::string path(20000, 'a');
  absl::StatusOr<PathMap::Result> r = map.Map(path);
  if (r.ok()) {
    CHECK(r->kind == Kind::kUnmapped);
  } else {
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()),
               Catch::Matchers::StartsWith("path rule 1 (re:(a*)*b -> x) on "
                                           "object '"));
  }
}

TEST_CASE("rules print as from -> to", "[path_map]") {
  CHECK(PathRule::Prefix("a", "").ToString() == "a -> (root)");
  CHECK(PathRule::Prefix("", "b").ToString() == "(root) -> b");
  CHECK(PathRule::Regex("x(.)", "y$1").ToString() == "re:x(.) -> y$1");
  CHECK(PathRule::Drop("optimizer").ToString() == "optimizer -> (dropped)");
}

}  // namespace
}  // namespace ckpt
