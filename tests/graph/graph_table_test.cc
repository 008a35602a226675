// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of GraphTable (graph/graph_table.h), the compact graph behind the
// public object-graph functions: the table against the ObjectGraph model on
// random graphs (conversions, the codec, paths, has_checkpoint_values),
// items added with gaps between nodes, views that survive a move, its size
// per node, the TF files parsed into tables, and the path-size limit.

#include "graph/graph_table.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "testing/crafted_graphs.h"
#include "testing/test_util.h"

namespace ckpt::graph {
namespace {

using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TfPath;

// A random graph in the public form; ids in range when `valid_ids`.
ObjectGraph RandomGraph(std::mt19937& rng, bool valid_ids) {
  auto pick = [&rng](int n) {
    return static_cast<int>(rng() % static_cast<uint32_t>(n));
  };
  auto text = [&]() {
    static const char* kNames[] = {
        "", "a", "b/c", "x.y", "m", "v", "VARIABLE_VALUE", "\xc3\xa9t\xc3\xa9"};
    return std::string(kNames[pick(8)]);
  };
  ObjectGraph g;
  g.nodes.resize(static_cast<size_t>(1 + pick(12)));
  const int n = static_cast<int>(g.nodes.size());
  auto id = [&]() { return valid_ids ? pick(n) : pick(3 * n) - n; };
  for (ObjectGraph::Node& node : g.nodes) {
    // Nodes without items of a kind between nodes with them: the ranges
    // must skip them.
    for (int i = pick(3) == 0 ? 0 : pick(4); i > 0; --i) {
      node.children.push_back({id(), text()});
    }
    for (int i = pick(3); i > 0; --i) {
      node.attributes.push_back({text(), text(), text(), pick(2) == 1});
    }
    for (int i = pick(4) == 0 ? pick(3) : 0; i > 0; --i) {
      node.slots.push_back({id(), text(), id()});
    }
    if (pick(4) == 0) {
      node.registered_saver = ObjectGraph::RegisteredSaver{text(), text()};
    }
    const int values = pick(3);
    if (values > 0) node.has_checkpoint_values = values == 2;
  }
  return g;
}

TEST_CASE("GraphTable agrees with ObjectGraph on random graphs") {
  std::mt19937 rng(20261204);
  for (int round = 0; round < 500; ++round) {
    INFO("round " << round);
    const ObjectGraph g = RandomGraph(rng, round % 2 == 0);
    const GraphTable t = GraphTable::FromObjectGraph(g);
    REQUIRE(t.num_nodes() == g.nodes.size());
    REQUIRE(t.ToObjectGraph() == g);
    // Item by item, and the global attribute numbering.
    size_t attribute = 0;
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      const ObjectGraph::Node& node = g.nodes[n];
      REQUIRE(t.children(n).size() == node.children.size());
      for (size_t i = 0; i < node.children.size(); ++i) {
        CHECK(t.children(n)[i].node_id == node.children[i].node_id);
        CHECK(t.str(t.children(n)[i].name) == node.children[i].local_name);
      }
      REQUIRE(t.first_attribute(n) == attribute);
      for (size_t i = 0; i < node.attributes.size(); ++i) {
        const GraphTable::Attribute& a = t.attribute(attribute++);
        CHECK(t.str(a.key) == node.attributes[i].checkpoint_key);
        CHECK(a.optional_restore == node.attributes[i].optional_restore);
      }
      CHECK((t.saver(n) != nullptr) == node.registered_saver.has_value());
      CHECK(t.has_checkpoint_values(n) == node.has_checkpoint_values);
    }
    CHECK(t.num_attributes() == attribute);

    // The codec: the table's bytes are the public ones and parse back.
    absl::StatusOr<std::string> bytes = SerializeGraphTable(t);
    CKPT_REQUIRE_OK(bytes);
    CHECK(*bytes == SerializeObjectGraph(g));
    absl::StatusOr<GraphTable> parsed = ParseGraphTable(*bytes, "test");
    if (round % 2 == 0) {
      CKPT_REQUIRE_OK(parsed);
      CHECK(parsed->ToObjectGraph() == g);
    } else {
      // Ids may be out of range: the same verdict as the public parser.
      absl::StatusOr<ObjectGraph> reference = ParseObjectGraph(*bytes, "test");
      REQUIRE(parsed.status() == reference.status());
    }

    // Paths and has_checkpoint_values against the public functions.
    absl::StatusOr<NodePathTable> paths = NodePathTable::Build(t, "test");
    CKPT_REQUIRE_OK(paths);
    const std::vector<std::string> expected = NodePaths(g);
    REQUIRE(paths->size() == expected.size());
    for (size_t n = 0; n < expected.size(); ++n) {
      CHECK((*paths)[n] == expected[n]);
    }
    GraphTable with_values = GraphTable::FromObjectGraph(g);
    ComputeHasCheckpointValues(with_values);
    ObjectGraph g2 = g;
    ComputeHasCheckpointValues(&g2);
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      CHECK(with_values.has_checkpoint_values(n) ==
            g2.nodes[n].has_checkpoint_values);
    }
  }
}

TEST_CASE("GraphTable: items after gaps land on the right nodes") {
  GraphTable t;
  for (int i = 0; i < 6; ++i) t.AddNode();
  // Children on 1 and 4, attributes on 0 and 5, slots on 3 only.
  t.AddChild(1, 2, t.AddString("a"));
  t.AddChild(1, 3, t.AddString("b"));
  t.AddChild(4, 5, t.AddString("c"));
  t.AddAttribute(0, {t.AddString("n0"), {}, t.AddString("k0"), false});
  t.AddAttribute(5, {t.AddString("n5"), {}, t.AddString("k5"), true});
  t.AddSlot(3, {1, 2, t.AddString("m")});
  const size_t expected_children[] = {0, 2, 0, 0, 1, 0};
  const size_t expected_attributes[] = {1, 0, 0, 0, 0, 1};
  for (size_t n = 0; n < 6; ++n) {
    INFO("node " << n);
    CHECK(t.children(n).size() == expected_children[n]);
    CHECK(t.attributes(n).size() == expected_attributes[n]);
    CHECK(t.slots(n).size() == (n == 3 ? 1u : 0u));
  }
  CHECK(t.str(t.children(4)[0].name) == "c");
  CHECK(t.first_attribute(5) == 1);
  CHECK(t.str(t.attributes(5)[0].key) == "k5");
  // A node added later starts with no items.
  const size_t late = t.AddNode();
  CHECK(t.children(late).empty());
  CHECK(t.attributes(late).empty());
  CHECK(t.slots(late).empty());
  CHECK(t.status().ok());
}

TEST_CASE("GraphTable: string views survive moving the table") {
  // Even a pool short enough for std::string's inline buffer.
  GraphTable t;
  t.AddNode();
  const StrRef ref = t.AddString("ab");
  const absl::string_view before = t.str(ref);
  GraphTable moved = std::move(t);
  CHECK(moved.str(ref).data() == before.data());
  CHECK(before == "ab");
  // The empty string takes no pool space.
  const StrRef empty = moved.AddString("");
  CHECK(empty.size == 0);
  CHECK(moved.str(empty).empty());
}

TEST_CASE("GraphTable: a variable node costs well under 100 bytes") {
  // 10,000 variables under one container: the table holds the edge, the
  // attribute and the per-node offsets, besides the strings themselves.
  GraphTable t;
  const size_t n = 10000;
  t.AddNode();
  t.AddNode();
  t.AddChild(0, 1, t.AddString("model"));
  size_t string_bytes = 5;
  for (size_t i = 0; i < n; ++i) t.AddNode();
  for (size_t i = 0; i < n; ++i) {
    const std::string name = "t" + std::to_string(i);
    t.AddChild(1, static_cast<int32_t>(2 + i), t.AddString(name));
    string_bytes += name.size();
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string key =
        "model/t" + std::to_string(i) + "/.ATTRIBUTES/VARIABLE_VALUE";
    t.AddAttribute(
        2 + i, {t.AddString("VARIABLE_VALUE"), {}, t.AddString(key), false});
    string_bytes += 14 + key.size();
  }
  t.ShrinkToFit();
  const size_t strings_capacity_bound = 2 * string_bytes;  // pool growth
  INFO("bytes " << t.MemoryBytes());
  CHECK(t.MemoryBytes() < strings_capacity_bound + 60 * n);
}

TEST_CASE("ParseGraphTable reads TensorFlow's graphs like ParseObjectGraph") {
  if (SkipWithoutTfTestData()) return;
  for (const char* prefix : {"golf/ckpt-1", "fsrcnn/ckpt-1", "til/cp-0000.ckpt",
                             "saved_model_half_plus_two_tf2_cpu/variables"}) {
    INFO(prefix);
    absl::StatusOr<std::unique_ptr<BundleReader>> reader =
        BundleReader::Open(Env::Default(), TfPath(prefix));
    CKPT_REQUIRE_OK(reader);
    absl::StatusOr<GraphTable> table = ReadGraphTable(**reader);
    CKPT_REQUIRE_OK(table);
    absl::StatusOr<ObjectGraph> graph = ReadObjectGraph(**reader);
    CKPT_REQUIRE_OK(graph);
    CHECK(table->ToObjectGraph() == *graph);
    // Every stored key is the attribute key of its node's path.
    absl::StatusOr<NodePathTable> paths = NodePathTable::Build(*table, prefix);
    CKPT_REQUIRE_OK(paths);
    for (size_t n = 0; n < table->num_nodes(); ++n) {
      for (const GraphTable::Attribute& a : table->attributes(n)) {
        CHECK(AttributeKey((*paths)[n], table->str(a.name)) ==
              table->str(a.key));
      }
    }
  }
}

TEST_CASE("ReadGraphTable: NotFound for a TF1 name-based checkpoint") {
  if (SkipWithoutTfTestData()) return;
  absl::StatusOr<std::unique_ptr<BundleReader>> reader = BundleReader::Open(
      Env::Default(), TfPath("saved_model_half_plus_three/variables"));
  CKPT_REQUIRE_OK(reader);
  absl::StatusOr<GraphTable> table = ReadGraphTable(**reader);
  CHECK(table.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(table.status().message()),
             Catch::Contains("no object graph"));
}

TEST_CASE("NodePathTable: DataLoss past the path-size limit") {
  // A chain: n nodes have paths of about n^2 bytes in all.
  GraphTable t;
  const int n = 2000;
  for (int i = 0; i < n; ++i) t.AddNode();
  for (int i = 0; i + 1 < n; ++i) {
    t.AddChild(static_cast<size_t>(i), i + 1, t.AddString("abc"));
  }
  // 4 bytes per level ("abc" and a "/"), less one: sum = 2 n (n - 1) - (n - 1)
  const size_t total = 2 * size_t{n} * (n - 1) - (n - 1);
  absl::StatusOr<NodePathTable> fits = NodePathTable::Build(t, "g", total);
  CKPT_REQUIRE_OK(fits);
  CHECK((*fits)[2] == "abc/abc");
  CHECK((*fits)[n - 1].size() == 4 * size_t{n - 1} - 1);
  absl::StatusOr<NodePathTable> over = NodePathTable::Build(t, "g", total - 1);
  CHECK(over.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(over.status().message()),
             Catch::Contains("g: the paths of the object graph's 2000 nodes "
                             "take " +
                             std::to_string(total) + " bytes"));
}

// ---- the bound every reader of an untrusted graph applies (issue 19) ----

// Build and Check under Limit() on `graph`: both OK, or both the same
// DataLoss; returns Check's status.
absl::Status BuildAndCheck(const ObjectGraph& graph) {
  const GraphTable t = GraphTable::FromObjectGraph(graph);
  absl::StatusOr<NodePathTable> built = NodePathTable::Build(t, "f.index");
  const absl::Status checked = NodePathTable::Check(t, "f.index");
  REQUIRE(built.status() == checked);
  if (built.ok()) {
    const std::vector<std::string> want = NodePaths(graph);
    REQUIRE(built->size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) CHECK((*built)[i] == want[i]);
  }
  return checked;
}

TEST_CASE("NodePathTable::Limit is 1 GiB plus twice the string bytes") {
  GraphTable t;
  t.AddNode();
  CHECK(NodePathTable::Limit(t) == NodePathTable::kMaxBytes);
  t.AddString("abcde");
  CHECK(NodePathTable::Limit(t) == NodePathTable::kMaxBytes + 10);
}

TEST_CASE("the path bound refuses a deep chain") {
  // 100,000 nodes: 10^10 bytes of paths, refused before any is built.
  testing::AllocationScope scope;
  CKPT_REQUIRE_ERROR(BuildAndCheck(testing::DeepChain(100'000)),
                     absl::StatusCode::kDataLoss,
                     "f.index: the paths of the object graph's 100000 nodes "
                     "take 9999800001 bytes, more than the limit of " +
                         std::to_string(NodePathTable::kMaxBytes + 199'998) +
                         " bytes (1 GiB plus twice the 99999 bytes of the "
                         "graph's names and keys)");
  CHECK(scope.peak_bytes() < (int64_t{128} << 20));
}

TEST_CASE("the path bound refuses a long name atop a chain") {
  // 1 MiB, 1,100 times over: 1.1 GiB of paths.
  const ObjectGraph g = testing::LongNameChain(1100, size_t{1} << 20);
  testing::AllocationScope scope;
  CKPT_REQUIRE_ERROR(BuildAndCheck(g), absl::StatusCode::kDataLoss,
                     "f.index: the paths of the object graph's 1100 nodes");
  CKPT_REQUIRE_ERROR(BuildAndCheck(g), absl::StatusCode::kDataLoss,
                     "take 1153591726 bytes, more than the limit of "
                     "1075841172 bytes");
  CHECK(scope.peak_bytes() < (int64_t{128} << 20));
}

TEST_CASE("the path bound accepts a huge fan-out, shared long paths, cycles") {
  CKPT_REQUIRE_OK(BuildAndCheck(testing::FanOut(100'000)));
  CKPT_REQUIRE_OK(BuildAndCheck(testing::DeepReference(100'000, 1 << 20)));
  CKPT_REQUIRE_OK(BuildAndCheck(testing::Cycle()));
  CKPT_REQUIRE_OK(BuildAndCheck(testing::DeepChain(5000)));
  const GraphTable cycle = GraphTable::FromObjectGraph(testing::Cycle());
  absl::StatusOr<NodePathTable> paths = NodePathTable::Build(cycle, "c");
  CKPT_REQUIRE_OK(paths);
  CHECK((*paths)[0].empty());
  CHECK((*paths)[1] == "a");
  CHECK((*paths)[2] == "a/b");
}

TEST_CASE("AppendEscapedName escapes like EscapeLocalName") {
  for (const char* name : {"", "a", "a.b", "a/b", "./..//", "plain_name"}) {
    std::string out = "prefix:";
    AppendEscapedName(name, &out);
    CHECK(out == "prefix:" + EscapeLocalName(name));
  }
}

}  // namespace
}  // namespace ckpt::graph
