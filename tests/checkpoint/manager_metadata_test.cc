// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The CheckpointManager metadata codec: exact bytes, round trips, and one
// test per malformed field.

#include "checkpoint/manager_metadata.h"

#include <string>
#include <vector>

#include "testing/test_util.h"

namespace ckpt {
namespace {

TEST_CASE("Serialize writes the documented bytes") {
  std::vector<checkpoint::ManagerMetadataEntry> entries = {
      {"ckpt-1", 0.1, false},
      {"ckpt-2", std::nullopt, true},
      {"odd\tname\n\"x\"", -2.5, true}};
  REQUIRE(checkpoint::SerializeManagerMetadata(entries) ==
          "ckpt-manager-metadata 1\n"
          "0.10000000000000001\t0\tckpt-1\n"
          "-\t1\tckpt-2\n"
          "-2.5\t1\todd\\tname\\n\\\"x\\\"\n");
  REQUIRE(checkpoint::SerializeManagerMetadata({}) ==
          "ckpt-manager-metadata 1\n");
}

TEST_CASE("Parse gives back what Serialize wrote, bit for bit") {
  std::vector<checkpoint::ManagerMetadataEntry> entries = {
      {"a", 1.0 / 3.0, false},
      {"b", -0.0, true},
      {"c", 1e300, false},
      {"d", std::nullopt, true},
      {"\x01\xff", 5e-324, false}};
  absl::StatusOr<std::vector<checkpoint::ManagerMetadataEntry>> parsed =
      checkpoint::ParseManagerMetadata(
          checkpoint::SerializeManagerMetadata(entries), "f");
  CKPT_REQUIRE_OK(parsed);
  REQUIRE(*parsed == entries);
  // A missing final newline is accepted.
  parsed =
      checkpoint::ParseManagerMetadata("ckpt-manager-metadata 1\n-\t0\tx", "f");
  CKPT_REQUIRE_OK(parsed);
  REQUIRE(parsed->size() == 1);
}

TEST_CASE("Parse: wrong header") {
  CKPT_REQUIRE_ERROR(
      checkpoint::ParseManagerMetadata("", "dir/checkpoint.manager"),
      absl::StatusCode::kDataLoss,
      "dir/checkpoint.manager:1: expected the header");
  CKPT_REQUIRE_ERROR(
      checkpoint::ParseManagerMetadata("ckpt-manager-metadata 2\n", "f"),
      absl::StatusCode::kDataLoss, "f:1: expected the header");
}

TEST_CASE("Parse: wrong field count") {
  CKPT_REQUIRE_ERROR(
      checkpoint::ParseManagerMetadata("ckpt-manager-metadata 1\n-\t0\n", "f"),
      absl::StatusCode::kDataLoss,
      "f:2: expected 3 tab-separated fields, found 2");
  CKPT_REQUIRE_ERROR(checkpoint::ParseManagerMetadata(
                         "ckpt-manager-metadata 1\n-\t0\ta\n\n", "f"),
                     absl::StatusCode::kDataLoss,
                     "f:3: expected 3 tab-separated fields, found 1");
}

TEST_CASE("Parse: bad metric") {
  for (const char* bad : {"x", "nan", "inf", "1.5e", ""}) {
    INFO(bad);
    CKPT_REQUIRE_ERROR(
        checkpoint::ParseManagerMetadata(
            std::string("ckpt-manager-metadata 1\n") + bad + "\t0\ta\n", "f"),
        absl::StatusCode::kDataLoss, "f:2: bad metric");
  }
}

TEST_CASE("Parse: pinned not 0 or 1") {
  CKPT_REQUIRE_ERROR(checkpoint::ParseManagerMetadata(
                         "ckpt-manager-metadata 1\n-\t2\ta\n", "f"),
                     absl::StatusCode::kDataLoss,
                     "f:2: pinned must be 0 or 1, found \"2\"");
}

TEST_CASE("Parse: bad or empty name") {
  CKPT_REQUIRE_ERROR(checkpoint::ParseManagerMetadata(
                         "ckpt-manager-metadata 1\n-\t0\t\\q\n", "f"),
                     absl::StatusCode::kDataLoss, "f:2: bad checkpoint name");
  CKPT_REQUIRE_ERROR(checkpoint::ParseManagerMetadata(
                         "ckpt-manager-metadata 1\n-\t0\t\n", "f"),
                     absl::StatusCode::kDataLoss, "f:2: bad checkpoint name");
}

TEST_CASE("Parse: a name listed twice") {
  CKPT_REQUIRE_ERROR(checkpoint::ParseManagerMetadata(
                         "ckpt-manager-metadata 1\n-\t0\ta\n1\t1\ta\n", "f"),
                     absl::StatusCode::kDataLoss,
                     "f:3: checkpoint \"a\" listed twice");
}

}  // namespace
}  // namespace ckpt
