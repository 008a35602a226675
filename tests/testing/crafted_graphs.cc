// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0

#include "testing/crafted_graphs.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "testing/test_util.h"

namespace ckpt::testing {
namespace {

ObjectGraph::Attribute CraftedAttribute() {
  return {"VARIABLE_VALUE", "crafted", kCraftedKey, false};
}

}  // namespace

ObjectGraph DeepChain(int nodes, const std::string& name) {
  ObjectGraph g;
  g.nodes.resize(static_cast<size_t>(nodes));
  for (int i = 0; i + 1 < nodes; ++i) {
    g.nodes[static_cast<size_t>(i)].children = {{i + 1, name}};
  }
  return g;
}

ObjectGraph LongNameChain(int nodes, size_t name_bytes) {
  ObjectGraph g = DeepChain(nodes);
  if (nodes > 1) {
    g.nodes[0].children[0].local_name = std::string(name_bytes, 'n');
  }
  return g;
}

ObjectGraph FanOut(int children) {
  ObjectGraph g;
  g.nodes.resize(static_cast<size_t>(children) + 1);
  g.nodes[0].children.reserve(static_cast<size_t>(children));
  for (int i = 0; i < children; ++i) {
    g.nodes[0].children.push_back({i + 1, absl::StrCat("c", i)});
  }
  g.nodes.back().attributes = {CraftedAttribute()};
  return g;
}

ObjectGraph DeepReference(int references, size_t name_bytes) {
  ObjectGraph g;
  g.nodes.resize(4);
  g.nodes[0].children = {{1, "deep"}, {3, "refs"}};
  g.nodes[1].children = {{2, std::string(name_bytes, 'x')}};
  g.nodes[2].attributes = {CraftedAttribute()};
  g.nodes[3].children.reserve(static_cast<size_t>(references));
  for (int i = 0; i < references; ++i) g.nodes[3].children.push_back({2, "r"});
  return g;
}

ObjectGraph Cycle() {
  ObjectGraph g;
  g.nodes.resize(3);
  g.nodes[0].children = {{1, "a"}, {0, "self_root"}};
  g.nodes[1].children = {{1, "self"}, {2, "b"}, {0, "up"}};
  g.nodes[2].children = {{1, "back"}};
  g.nodes[2].attributes = {CraftedAttribute()};
  return g;
}

void WriteGraphBundleOrDie(const std::string& prefix,
                           const ObjectGraph& graph) {
  absl::StatusOr<std::unique_ptr<BundleWriter>> w =
      BundleWriter::Create(Env::Default(), prefix);
  CKPT_REQUIRE_OK(w);
  absl::flat_hash_set<std::string> keys;
  for (const ObjectGraph::Node& node : graph.nodes) {
    for (const ObjectGraph::Attribute& a : node.attributes) {
      if (!keys.insert(a.checkpoint_key).second) continue;
      CKPT_REQUIRE_OK((*w)->Add(a.checkpoint_key, Tensor::Scalar<float>(1.0f)));
    }
  }
  absl::StatusOr<Tensor> bytes =
      Tensor::FromStrings(TensorShape(), {SerializeObjectGraph(graph)});
  CKPT_REQUIRE_OK(bytes);
  CKPT_REQUIRE_OK((*w)->Add(kObjectGraphKey, *bytes));
  CKPT_REQUIRE_OK((*w)->Finish());
}

}  // namespace ckpt::testing
