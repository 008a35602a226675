// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the object-graph codec and key naming (ckpt/object_graph.h):
// byte-exact re-encoding of the graphs TensorFlow wrote, node paths checked
// against every stored checkpoint_key (slot paths included), has_checkpoint_
// values recomputed against a TF file, hand-built graphs with cycles and
// shared nodes, and one test case per validation failure.

#include "ckpt/object_graph.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/proto/trackable_object_graph.pb.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::FromHex;
using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TfPath;

std::unique_ptr<BundleReader> OpenOrDie(const std::string& relative) {
  absl::StatusOr<std::unique_ptr<BundleReader>> r =
      BundleReader::Open(Env::Default(), TfPath(relative));
  CKPT_REQUIRE_OK(r);
  return std::move(*r);
}

std::string StoredGraphBytes(const BundleReader& reader) {
  absl::StatusOr<Tensor> t = reader.Read(kObjectGraphKey);
  CKPT_REQUIRE_OK(t);
  REQUIRE(t->strings().size() == 1);
  return t->strings()[0];
}

// Reads the graph of `relative`, checks the node count, byte-exact
// re-encoding, and that every attribute's key follows from the node paths.
ObjectGraph CheckVector(const std::string& relative, size_t expected_nodes) {
  INFO(relative);
  std::unique_ptr<BundleReader> reader = OpenOrDie(relative);
  absl::StatusOr<ObjectGraph> graph = ReadObjectGraph(*reader);
  CKPT_REQUIRE_OK(graph);
  REQUIRE(graph->nodes.size() == expected_nodes);

  const std::string stored = StoredGraphBytes(*reader);
  CHECK(SerializeObjectGraph(*graph) == stored);

  const std::vector<std::string> paths = NodePaths(*graph);
  REQUIRE(paths.size() == expected_nodes);
  size_t num_attributes = 0;
  for (size_t i = 0; i < graph->nodes.size(); ++i) {
    for (const ObjectGraph::Attribute& attr : graph->nodes[i].attributes) {
      INFO("node " << i << " path '" << paths[i] << "'");
      CHECK(AttributeKey(paths[i], attr.name) == attr.checkpoint_key);
      ++num_attributes;
    }
  }
  CHECK(num_attributes > 0);
  return *graph;
}

TEST_CASE("golf graph: re-encodes exactly, paths give every key, slots") {
  if (SkipWithoutTfTestData()) return;
  const ObjectGraph g = CheckVector("golf/ckpt-1", 32);
  const std::vector<std::string> paths = NodePaths(g);

  // The optimizer's slot references: m-slots 20..25, v-slots 26..31.
  const ObjectGraph::Node* optimizer = nullptr;
  size_t optimizer_id = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!g.nodes[i].slots.empty()) {
      REQUIRE(optimizer == nullptr);
      optimizer = &g.nodes[i];
      optimizer_id = i;
    }
  }
  REQUIRE(optimizer != nullptr);
  CHECK(paths[optimizer_id] == "net/optimizer");
  REQUIRE(optimizer->slots.size() == 12);
  for (size_t k = 0; k < 12; ++k) {
    const ObjectGraph::Slot& s = optimizer->slots[k];
    CHECK(s.slot_name == (k < 6 ? "m" : "v"));
    CHECK(s.slot_node_id == static_cast<int>(20 + k));
    CHECK(g.nodes[static_cast<size_t>(s.slot_node_id)].children.empty());
  }
  CHECK(std::find(paths.begin(), paths.end(),
                  "net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/"
                  "optimizer/m") != paths.end());
  CHECK(std::find(paths.begin(), paths.end(),
                  "net/layer_with_weights-0/bias/.OPTIMIZER_SLOT/net/"
                  "optimizer/v") != paths.end());
  CHECK(paths[0].empty());
  for (const ObjectGraph::Node& n : g.nodes) {
    CHECK_FALSE(n.has_checkpoint_values.has_value());
  }
}

TEST_CASE("fsrcnn graph: re-encodes exactly, paths give every key") {
  if (SkipWithoutTfTestData()) return;
  const ObjectGraph g = CheckVector("fsrcnn/ckpt-1", 75);
  const std::vector<std::string> paths = NodePaths(g);
  // Optimizer at the root: slot paths are ".../.OPTIMIZER_SLOT/optimizer/m".
  CHECK(std::find(paths.begin(), paths.end(),
                  "model/layer_with_weights-0/bias/.OPTIMIZER_SLOT/"
                  "optimizer/m") != paths.end());
}

TEST_CASE("til graph (two shards): re-encodes exactly, paths give every key") {
  if (SkipWithoutTfTestData()) return;
  CheckVector("til/cp-0000.ckpt", 10);
}

TEST_CASE("half_plus_two: non-canonical field order, has_checkpoint_values") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader =
      OpenOrDie("saved_model_half_plus_two_tf2_cpu/variables");
  absl::StatusOr<ObjectGraph> graph = ReadObjectGraph(*reader);
  CKPT_REQUIRE_OK(graph);
  REQUIRE(graph->nodes.size() == 24);

  // The stored encoding is not canonical; ours is, and means the same.
  const std::string stored = StoredGraphBytes(*reader);
  const std::string canonical = SerializeObjectGraph(*graph);
  CHECK(canonical != stored);
  CHECK(canonical.size() == stored.size());
  absl::StatusOr<ObjectGraph> reparsed = ParseObjectGraph(canonical, "test");
  CKPT_REQUIRE_OK(reparsed);
  CHECK(*reparsed == *graph);

  bool any_true = false;
  bool any_false = false;
  for (const ObjectGraph::Node& n : graph->nodes) {
    REQUIRE(n.has_checkpoint_values.has_value());
    (*n.has_checkpoint_values ? any_true : any_false) = true;
  }
  CHECK(any_true);
  CHECK(any_false);

  ObjectGraph cleared = *graph;
  for (ObjectGraph::Node& n : cleared.nodes) n.has_checkpoint_values.reset();
  ComputeHasCheckpointValues(&cleared);
  CHECK(cleared == *graph);

  const std::vector<std::string> paths = NodePaths(*graph);
  for (size_t i = 0; i < graph->nodes.size(); ++i) {
    for (const ObjectGraph::Attribute& attr : graph->nodes[i].attributes) {
      CHECK(AttributeKey(paths[i], attr.name) == attr.checkpoint_key);
    }
  }
}

TEST_CASE("ReadObjectGraph: NotFound for a TF1 name-based checkpoint") {
  if (SkipWithoutTfTestData()) return;
  std::unique_ptr<BundleReader> reader =
      OpenOrDie("saved_model_half_plus_three/variables");
  CKPT_REQUIRE_ERROR(ReadObjectGraph(*reader), absl::StatusCode::kNotFound,
                     "_CHECKPOINTABLE_OBJECT_GRAPH");
}

// ---- hand-built graphs
// -------------------------------------------------------

ObjectGraph::Attribute Attr(const std::string& key) {
  return {"VARIABLE_VALUE", "", key, false};
}

// 0 --a--> 1 --c--> 2 (shared), 1 --back--> 0 (cycle), 1 --d--> 3,
// 0 --x.y/z--> 2, 2 --e--> 3, 2 --f--> 1; 3 has a value; 4 -> 5 -> 4 is an
// unreachable cycle without values.
ObjectGraph CyclicGraph() {
  ObjectGraph g;
  g.nodes.resize(6);
  g.nodes[0].children = {{1, "a"}, {2, "x.y/z"}};
  g.nodes[1].children = {{2, "c"}, {0, "back"}, {3, "d"}};
  g.nodes[2].children = {{3, "e"}, {1, "f"}};
  g.nodes[3].attributes = {Attr("a/d/.ATTRIBUTES/VARIABLE_VALUE")};
  g.nodes[4].children = {{5, "g"}};
  g.nodes[5].children = {{4, "h"}};
  return g;
}

TEST_CASE("NodePaths: first breadth-first path wins, cycles and sharing") {
  const ObjectGraph g = CyclicGraph();
  const std::vector<std::string> paths = NodePaths(g);
  REQUIRE(paths.size() == 6);
  CHECK(paths[0] == "");
  CHECK(paths[1] == "a");
  CHECK(paths[2] == "x..y.Sz");
  CHECK(paths[3] == "a/d");  // not "x..y.Sz/e": node 1 is dequeued first
  CHECK(paths[4] == "");     // unreachable
  CHECK(paths[5] == "");
  CHECK(AttributeKey(paths[3], "VARIABLE_VALUE") ==
        g.nodes[3].attributes[0].checkpoint_key);
}

TEST_CASE("NodePaths: slot nodes reached only through slot references") {
  ObjectGraph g;
  g.nodes.resize(5);
  g.nodes[0].children = {{1, "model"}, {2, "opt"}};
  g.nodes[1].children = {{3, "w.1"}};
  // Node 4 is the slot "m/x" of node 3, owned by optimizer node 2.
  g.nodes[2].slots = {{3, "m/x", 4}};
  const std::vector<std::string> paths = NodePaths(g);
  CHECK(paths[3] == "model/w..1");
  CHECK(paths[4] == "model/w..1/.OPTIMIZER_SLOT/opt/m.Sx");
}

TEST_CASE("NodePaths and ComputeHasCheckpointValues: long chains") {
  // Paths of a chain are quadratic in total size: keep that one moderate.
  ObjectGraph g;
  const int n = 5000;
  g.nodes.resize(n);
  for (int i = 0; i + 1 < n; ++i) {
    g.nodes[static_cast<size_t>(i)].children = {{i + 1, "c"}};
  }
  const std::vector<std::string> paths = NodePaths(g);
  CHECK(paths[3] == "c/c/c");
  CHECK(paths.back().size() == 2 * (n - 1) - 1);

  // A chain deep enough to overflow the stack if anything recursed.
  ObjectGraph deep;
  const int m = 300000;
  deep.nodes.resize(m);
  for (int i = 0; i + 1 < m; ++i) {
    deep.nodes[static_cast<size_t>(i)].children = {{i + 1, "c"}};
  }
  deep.nodes.back().attributes = {Attr("k")};
  ComputeHasCheckpointValues(&deep);
  CHECK(deep.nodes[0].has_checkpoint_values == true);
}

TEST_CASE("ComputeHasCheckpointValues: propagates to ancestors, cycles OK") {
  ObjectGraph g = CyclicGraph();
  ComputeHasCheckpointValues(&g);
  CHECK(g.nodes[0].has_checkpoint_values == true);
  CHECK(g.nodes[1].has_checkpoint_values == true);
  CHECK(g.nodes[2].has_checkpoint_values == true);
  CHECK(g.nodes[3].has_checkpoint_values == true);
  CHECK(g.nodes[4].has_checkpoint_values == false);
  CHECK(g.nodes[5].has_checkpoint_values == false);

  // Slots and registered savers count as values too.
  ObjectGraph s;
  s.nodes.resize(4);
  s.nodes[0].children = {{1, "opt"}, {2, "saver"}};
  s.nodes[1].slots = {{3, "m", 3}};
  s.nodes[2].registered_saver = ObjectGraph::RegisteredSaver{"r", "saver"};
  ComputeHasCheckpointValues(&s);
  CHECK(s.nodes[1].has_checkpoint_values == true);
  CHECK(s.nodes[2].has_checkpoint_values == true);
  CHECK(s.nodes[3].has_checkpoint_values == false);
}

TEST_CASE("SerializeObjectGraph: canonical wire bytes") {
  ObjectGraph g;
  g.nodes.resize(3);
  g.nodes[0].children = {{0, "self"}};  // node_id 0 is omitted
  g.nodes[0].has_checkpoint_values = true;
  g.nodes[1].has_checkpoint_values = false;
  // 0a: node 0 {0a 06 (12 04 "self") 2a 02 08 01}; node 1 {2a 00}; node 2 {}.
  CHECK(SerializeObjectGraph(g) ==
        FromHex("0a 0c 0a 06 12 04 73 65 6c 66 2a 02 08 01"
                "0a 02 2a 00"
                "0a 00"));
  absl::StatusOr<ObjectGraph> back =
      ParseObjectGraph(SerializeObjectGraph(g), "test");
  CKPT_REQUIRE_OK(back);
  CHECK(*back == g);
}

// The independent encoder: the protobuf message, filled and serialized by
// the protobuf library.
std::string ProtobufBytes(const ObjectGraph& graph) {
  proto::TrackableObjectGraph p;
  for (const ObjectGraph::Node& node : graph.nodes) {
    auto* pn = p.add_nodes();
    for (const ObjectGraph::Child& c : node.children) {
      auto* pc = pn->add_children();
      pc->set_node_id(c.node_id);
      pc->set_local_name(c.local_name);
    }
    for (const ObjectGraph::Attribute& a : node.attributes) {
      auto* pa = pn->add_attributes();
      pa->set_name(a.name);
      pa->set_full_name(a.full_name);
      pa->set_checkpoint_key(a.checkpoint_key);
      pa->set_optional_restore(a.optional_restore);
    }
    for (const ObjectGraph::Slot& s : node.slots) {
      auto* ps = pn->add_slot_variables();
      ps->set_original_variable_node_id(s.original_node_id);
      ps->set_slot_name(s.slot_name);
      ps->set_slot_variable_node_id(s.slot_node_id);
    }
    if (node.registered_saver.has_value()) {
      auto* pr = pn->mutable_registered_saver();
      pr->set_name(node.registered_saver->name);
      pr->set_object_name(node.registered_saver->object_name);
    }
    if (node.has_checkpoint_values.has_value()) {
      pn->mutable_has_checkpoint_values()->set_value(
          *node.has_checkpoint_values);
    }
  }
  std::string out;
  REQUIRE(p.SerializeToString(&out));
  return out;
}

TEST_CASE("SerializeObjectGraph: same bytes as protobuf for random graphs") {
  std::mt19937 rng(20261123);
  auto pick = [&rng](int n) {
    return static_cast<int>(rng() % static_cast<uint32_t>(n));
  };
  // Empty, short, and long enough for a two- and three-byte length.
  auto text = [&]() {
    static const size_t kLengths[] = {0, 1, 5, 127, 128, 300, 20000};
    return std::string(kLengths[pick(7)], static_cast<char>('a' + pick(26)));
  };
  // Zero (omitted), small, multi-byte, the extremes, and negative ids
  // (sign-extended to ten bytes).
  auto id = [&]() {
    static const int kIds[] = {0,     1,          127, 128,
                               16384, 2147483647, -1,  -2147483647 - 1};
    return kIds[pick(8)];
  };
  for (int round = 0; round < 200; ++round) {
    ObjectGraph g;
    g.nodes.resize(static_cast<size_t>(pick(6)));
    for (ObjectGraph::Node& node : g.nodes) {
      for (int i = pick(4); i > 0; --i) node.children.push_back({id(), text()});
      for (int i = pick(3); i > 0; --i) {
        node.attributes.push_back({text(), text(), text(), pick(2) == 1});
      }
      for (int i = pick(3); i > 0; --i) {
        node.slots.push_back({id(), text(), id()});
      }
      if (pick(3) == 0) {
        node.registered_saver = ObjectGraph::RegisteredSaver{text(), text()};
      }
      const int values = pick(3);
      if (values > 0) node.has_checkpoint_values = values == 2;
    }
    INFO("round " << round);
    REQUIRE(SerializeObjectGraph(g) == ProtobufBytes(g));
  }
}

TEST_CASE("ParseObjectGraph agrees with protobuf on the top-level framing") {
  // ParseObjectGraph reads the top level itself and hands each node to
  // protobuf; protobuf's parse of the whole message is the reference.
  struct Case {
    const char* what;
    const char* hex;
  };
  const Case cases[] = {
      {"two empty nodes", "0a 00 0a 00"},
      {"unknown varint field between nodes", "0a 00 10 05 0a 00"},
      {"unknown fixed64 and fixed32 fields",
       "0a 00 11 01 02 03 04 05 06 07 08"
       " 15 01 02 03 04"},
      {"unknown group", "0a 00 1b 08 01 1c"},
      {"nested unknown groups", "0a 00 1b 23 08 01 24 1c"},
      {"unterminated group", "0a 00 1b 08 01"},
      {"stray end-group tag", "0a 00 1c"},
      {"tag 0 at the end", "0a 00 00"},
      {"tag 0 inside", "0a 00 00 0a 00"},
      {"field 1 as a varint (skipped)", "08 01 0a 00"},
      {"only field 1 as a varint", "08 01"},
      {"a six-byte tag", "8a 80 80 80 80 00 00"},
      {"node length past the end", "0a 05 0a 00"},
      {"truncated varint", "0a"},
      {"node ending on tag 0", "0a 02 00 00"},
      {"node ending on an end-group tag", "0a 01 0c"},
      {"node with an unknown group", "0a 04 33 08 01 34"},
      {"child with node_id as bytes (skipped)", "0a 05 0a 03 0a 01 00"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string bytes = FromHex(c.hex);
    proto::TrackableObjectGraph p;
    const bool protobuf_ok =
        p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        p.nodes_size() > 0;
    absl::StatusOr<ObjectGraph> g = ParseObjectGraph(bytes, "test");
    CHECK(g.ok() == protobuf_ok);
    if (g.ok() && protobuf_ok) {
      CHECK(g->nodes.size() == static_cast<size_t>(p.nodes_size()));
    } else if (!g.ok()) {
      CHECK(g.status().code() == absl::StatusCode::kDataLoss);
    }
  }
}

TEST_CASE("ParseObjectGraph: any field order, all fields round-trip") {
  ObjectGraph g;
  g.nodes.resize(2);
  g.nodes[0].children = {{1, "v"}};
  g.nodes[0].slots = {{1, "m", 1}};
  g.nodes[1].attributes = {{"A", "full", "v/.ATTRIBUTES/A", true}};
  g.nodes[1].registered_saver = ObjectGraph::RegisteredSaver{"n", "o"};
  absl::StatusOr<ObjectGraph> back =
      ParseObjectGraph(SerializeObjectGraph(g), "test");
  CKPT_REQUIRE_OK(back);
  CHECK(*back == g);

  // ObjectReference as local_name (field 2) before node_id (field 1).
  absl::StatusOr<ObjectGraph> swapped =
      ParseObjectGraph(FromHex("0a 07 0a 05 12 01 76 08 01"
                               "0a 00"),
                       "test");
  CKPT_REQUIRE_OK(swapped);
  REQUIRE(swapped->nodes.size() == 2);
  CHECK(swapped->nodes[0].children ==
        std::vector<ObjectGraph::Child>{{1, "v"}});
}

// ---- validation failures
// -------------------------------------------------------

TEST_CASE("ParseObjectGraph: garbage bytes") {
  CKPT_REQUIRE_ERROR(ParseObjectGraph(FromHex("ff ff ff"), "my.index"),
                     absl::StatusCode::kDataLoss, "my.index");
  CKPT_REQUIRE_ERROR(ParseObjectGraph(FromHex("ff ff ff"), "my.index"),
                     absl::StatusCode::kDataLoss, "malformed");
  // Truncated: a node claims 5 bytes, 1 follows.
  CKPT_REQUIRE_ERROR(ParseObjectGraph(FromHex("0a 05 2a"), "f"),
                     absl::StatusCode::kDataLoss, "malformed");
}

TEST_CASE("ParseObjectGraph: empty graph") {
  CKPT_REQUIRE_ERROR(ParseObjectGraph("", "f.index"),
                     absl::StatusCode::kDataLoss, "no nodes");
  CKPT_REQUIRE_ERROR(ParseObjectGraph("", "f.index"),
                     absl::StatusCode::kDataLoss, "f.index");
}

TEST_CASE("ParseObjectGraph: more nodes than the limit") {
  ObjectGraph g;
  g.nodes.resize(3);
  ObjectGraphLimits limits;
  limits.max_nodes = 2;
  CKPT_REQUIRE_ERROR(ParseObjectGraph(SerializeObjectGraph(g), "f", limits),
                     absl::StatusCode::kDataLoss, "3 nodes");
  limits.max_nodes = 3;
  CKPT_REQUIRE_OK(ParseObjectGraph(SerializeObjectGraph(g), "f", limits));
}

TEST_CASE("ParseObjectGraph: child node_id out of range") {
  ObjectGraph g;
  g.nodes.resize(2);
  g.nodes[1].children = {{0, "ok"}, {2, "bad"}};
  CKPT_REQUIRE_ERROR(ParseObjectGraph(SerializeObjectGraph(g), "f"),
                     absl::StatusCode::kDataLoss,
                     "node 1 has child node_id 2 out of range [0, 2)");
}

TEST_CASE("ParseObjectGraph: negative child node_id") {
  ObjectGraph g;
  g.nodes.resize(1);
  g.nodes[0].children = {{-1, "bad"}};
  CKPT_REQUIRE_ERROR(ParseObjectGraph(SerializeObjectGraph(g), "f"),
                     absl::StatusCode::kDataLoss,
                     "node 0 has child node_id -1");
}

TEST_CASE("ParseObjectGraph: slot original_variable_node_id out of range") {
  ObjectGraph g;
  g.nodes.resize(3);
  g.nodes[2].slots = {{7, "m", 1}};
  CKPT_REQUIRE_ERROR(ParseObjectGraph(SerializeObjectGraph(g), "f"),
                     absl::StatusCode::kDataLoss,
                     "node 2 has slot original_variable_node_id 7");
}

TEST_CASE("ParseObjectGraph: slot_variable_node_id out of range") {
  ObjectGraph g;
  g.nodes.resize(3);
  g.nodes[1].slots = {{0, "m", -5}};
  CKPT_REQUIRE_ERROR(ParseObjectGraph(SerializeObjectGraph(g), "f"),
                     absl::StatusCode::kDataLoss,
                     "node 1 has slot slot_variable_node_id -5");
}

// ---- names
// -------------------------------------------------------------------

TEST_CASE("EscapeLocalName") {
  CHECK(EscapeLocalName("a.b/c") == "a..b.Sc");
  CHECK(EscapeLocalName("") == "");
  CHECK(EscapeLocalName("plain_name-0") == "plain_name-0");
  CHECK(EscapeLocalName("..") == "....");
  CHECK(EscapeLocalName("//") == ".S.S");
  CHECK(EscapeLocalName("./") == "...S");
  CHECK(EscapeLocalName(".S") == "..S");
}

TEST_CASE("AttributeKey") {
  CHECK(AttributeKey("net/layer-0/kernel", "VARIABLE_VALUE") ==
        "net/layer-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  CHECK(AttributeKey("", "x") == "/.ATTRIBUTES/x");
  CHECK(AttributeKey("a", "b.c/d") == "a/.ATTRIBUTES/b..c.Sd");
}

TEST_CASE("ValuePath") {
  CHECK(ValuePath("net/layer-0/kernel", "VARIABLE_VALUE") ==
        "net/layer-0/kernel");
  CHECK(ValuePath("net/opt", "OTHER") == "net/opt/.ATTRIBUTES/OTHER");
  CHECK(ValuePath("", "VARIABLE_VALUE") == "/.ATTRIBUTES/VARIABLE_VALUE");
}

}  // namespace
}  // namespace ckpt
