// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The structural readers of object graphs, RestoreObjectGraph and
// GenericTree::Load, on graphs made to exhaust memory (issue 19;
// testing/crafted_graphs.h): a deep chain and a long name atop a chain are
// refused with DataLoss naming the checkpoint and the limit, under the bound
// every reader applies (NodePathTable::Limit); huge fan-out, many
// references to one long path and cycles load, and a loaded tree writes
// back to the same graph.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/generic_tree.h"
#include "ckpt/object_graph.h"
#include "testing/crafted_graphs.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::AllocationScope;
using ::ckpt::testing::TempDir;

std::string WriteGraph(const TempDir& dir, const ObjectGraph& graph) {
  const std::string prefix = dir.Join("p");
  testing::WriteGraphBundleOrDie(prefix, graph);
  return prefix;
}

ObjectGraph GraphOf(const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), prefix);
  CKPT_REQUIRE_OK(reader);
  absl::StatusOr<ObjectGraph> graph = ReadObjectGraph(**reader);
  CKPT_REQUIRE_OK(graph);
  return *std::move(graph);
}

// Both readers refuse `prefix` with DataLoss naming it and the limit.
void CheckRefused(const std::string& prefix, int nodes) {
  const std::string paths =
      absl::StrCat("the paths of the object graph's ", nodes, " nodes take ");
  GenericObject root;
  const absl::StatusOr<RestoreStatus> restored =
      RestoreObjectGraph(ObjectRef::Of(root), prefix);
  CKPT_REQUIRE_ERROR(restored, absl::StatusCode::kDataLoss,
                     absl::StrCat("object graph of ", prefix, ": ", paths));
  CKPT_REQUIRE_ERROR(restored, absl::StatusCode::kDataLoss,
                     "more than the limit of");
  const absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), prefix);
  CKPT_REQUIRE_ERROR(tree, absl::StatusCode::kDataLoss,
                     absl::StrCat("checkpoint '", prefix, "': ", paths));
  CKPT_REQUIRE_ERROR(tree, absl::StatusCode::kDataLoss, "1 GiB plus twice the");
}

// GenericTree loads `prefix`, writes it, and the copy has the same graph.
void CheckLoadsAndRewrites(const TempDir& dir, const std::string& prefix) {
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), prefix);
  CKPT_REQUIRE_OK(tree);
  CHECK((*tree)->graph() == GraphOf(prefix));
  CKPT_REQUIRE_OK((*tree)->Write(dir.Join("copy")));
  absl::StatusOr<std::unique_ptr<GenericTree>> copy =
      GenericTree::Load(Env::Default(), dir.Join("copy"));
  CKPT_REQUIRE_OK(copy);
  CHECK((*copy)->root().edges().size() == (*tree)->root().edges().size());
}

TEST_CASE("restore and GenericTree refuse a deep chain", "[crafted]") {
  TempDir dir;
  const std::string prefix = WriteGraph(dir, testing::DeepChain(100'000));
  AllocationScope scope;
  CheckRefused(prefix, 100'000);
  CHECK(scope.peak_bytes() < (int64_t{256} << 20));
}

TEST_CASE("restore and GenericTree refuse a long name atop a chain",
          "[crafted]") {
  TempDir dir;
  const std::string prefix =
      WriteGraph(dir, testing::LongNameChain(1100, size_t{1} << 20));
  AllocationScope scope;
  CheckRefused(prefix, 1100);
  CHECK(scope.peak_bytes() < (int64_t{256} << 20));
}

TEST_CASE("restore and GenericTree load a huge fan-out", "[crafted]") {
  TempDir dir;
  const std::string prefix = WriteGraph(dir, testing::FanOut(100'000));
  GenericObject root;
  absl::StatusOr<RestoreStatus> restored =
      RestoreObjectGraph(ObjectRef::Of(root), prefix);
  CKPT_REQUIRE_OK(restored);
  CheckLoadsAndRewrites(dir, prefix);
}

TEST_CASE("restore and GenericTree load many references to a long path",
          "[crafted]") {
  TempDir dir;
  const std::string prefix =
      WriteGraph(dir, testing::DeepReference(100'000, size_t{1} << 20));
  GenericObject root;
  absl::StatusOr<RestoreStatus> restored =
      RestoreObjectGraph(ObjectRef::Of(root), prefix);
  CKPT_REQUIRE_OK(restored);
  CheckLoadsAndRewrites(dir, prefix);
}

TEST_CASE("restore and GenericTree load cycles", "[crafted]") {
  TempDir dir;
  const std::string prefix = WriteGraph(dir, testing::Cycle());
  GenericObject root;
  absl::StatusOr<RestoreStatus> restored =
      RestoreObjectGraph(ObjectRef::Of(root), prefix);
  CKPT_REQUIRE_OK(restored);
  CheckLoadsAndRewrites(dir, prefix);
  absl::StatusOr<std::unique_ptr<GenericTree>> tree =
      GenericTree::Load(Env::Default(), prefix);
  CKPT_REQUIRE_OK(tree);
  CKPT_REQUIRE_OK((*tree)->Write(dir.Join("again")));
  CHECK(GraphOf(dir.Join("again")).nodes.size() == 3);
}

}  // namespace
}  // namespace ckpt
