// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Key mapping rules (lib/bridges/key_rules.h, ParseKeyRule of
// ckpt/bridges.h): parsing, mapping, collisions and the key length limit.

#include "bridges/key_rules.h"

#include <string>
#include <vector>

#include "bridges/safetensors_format.h"
#include "catch2/catch.hpp"
#include "ckpt/bridges.h"
#include "ckpt/env.h"
#include "testing/test_util.h"

namespace ckpt::bridges {
namespace {

using ::ckpt::testing::TempDir;

TEST_CASE("KeyMapper applies rules in order, every match replaced") {
  auto m = KeyMapper::Create({{"/", "."}, {R"(^net\.(\w+)\.)", "$1:"}});
  REQUIRE(m.ok());
  CHECK(*m->Map("net/dense/kernel") == "dense:kernel");
  auto identity = KeyMapper::Create({});
  REQUIRE(identity.ok());
  CHECK(identity->identity());
  CHECK(*identity->Map(std::string(10000, 'x')) == std::string(10000, 'x'));
}

TEST_CASE("NameSet refuses a second key for one name") {
  NameSet names;
  CKPT_REQUIRE_OK(names.Claim("w", "a/w"));
  CKPT_REQUIRE_ERROR(names.Claim("w", "b/w"),
                     absl::StatusCode::kInvalidArgument,
                     "keys 'a/w' and 'b/w' both map to 'w'");
}

TEST_CASE("key rules: parsing and limits") {
  CHECK(ParseKeyRule("a=b").ok());
  CHECK(ParseKeyRule("a\\x3db=c")->pattern == "a\\x3db");
  CHECK(ParseKeyRule("a=b=c")->replacement == "b=c");
  CKPT_REQUIRE_ERROR(ParseKeyRule("nothing"),
                     absl::StatusCode::kInvalidArgument,
                     "expected REGEX=REPLACEMENT");
  CKPT_REQUIRE_ERROR(ParseKeyRule("=x"), absl::StatusCode::kInvalidArgument,
                     "empty");
  CKPT_REQUIRE_ERROR(ParseKeyRule("([=x"), absl::StatusCode::kInvalidArgument,
                     "invalid regular expression");
  auto m = KeyMapper::Create({{"k", "j"}});
  REQUIRE(m.ok());
  CKPT_REQUIRE_ERROR(m->Map(std::string(5000, 'k')),
                     absl::StatusCode::kInvalidArgument,
                     "5000 bytes long before rule");
  // A key an earlier rule lengthened past the limit is refused before the
  // next rule runs.
  auto grow = KeyMapper::Create({{"(.)", "$1$1$1$1$1$1$1$1"}, {"(a|b)*", "x"}});
  REQUIRE(grow.ok());
  CKPT_REQUIRE_ERROR(grow->Map(std::string(1000, 'a')),
                     absl::StatusCode::kInvalidArgument,
                     "8000 bytes long before rule '(a|b)*=x'");
}

}  // namespace
}  // namespace ckpt::bridges
