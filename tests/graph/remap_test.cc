// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of RemapObjectGraph (ckpt/path_map.h): moved subtrees, ancestors
// made for new paths, merged containers, shared objects, slot variables
// following their optimizer, the subtree option, what is left out and why,
// and one test per refused mapping. Output graphs are checked by their node
// paths (NodePaths), the structure restore and TensorFlow see.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_map.h"
#include "testing/test_util.h"

namespace ckpt {
namespace {

using ::ckpt::testing::SkipWithoutTfTestData;
using ::ckpt::testing::TfPath;

// A graph built by path: Add("a/b", "KEY") creates the nodes along the path
// (a variable with one VARIABLE_VALUE attribute when a key is given).
class GraphBuilder {
 public:
  GraphBuilder() { graph_.nodes.emplace_back(); }
  int Add(const std::string& path, const std::string& key = "") {
    int node = 0;
    std::string prefix;
    for (const std::string& name : SplitObjectPath(path)) {
      prefix = prefix.empty() ? name : prefix + "/" + name;
      auto it = ids_.find(prefix);
      if (it == ids_.end()) {
        const int id = static_cast<int>(graph_.nodes.size());
        graph_.nodes.emplace_back();
        graph_.nodes[static_cast<size_t>(node)].children.push_back({id, name});
        it = ids_.emplace(prefix, id).first;
      }
      node = it->second;
    }
    if (!key.empty()) {
      graph_.nodes[static_cast<size_t>(node)].attributes.push_back(
          {"VARIABLE_VALUE", "", key, false});
    }
    return node;
  }
  // A node no edge reaches, holding one value.
  int AddSlotNode(const std::string& key) {
    graph_.nodes.emplace_back();
    graph_.nodes.back().attributes.push_back(
        {"VARIABLE_VALUE", "", key, false});
    return static_cast<int>(graph_.nodes.size()) - 1;
  }
  ObjectGraph& graph() { return graph_; }

 private:
  ObjectGraph graph_;
  std::map<std::string, int> ids_;
};

RemappedGraph RemapOrDie(const ObjectGraph& g, std::vector<PathRule> rules,
                         RemapOptions options = {}) {
  absl::StatusOr<PathMap> map = PathMap::Create(std::move(rules));
  CKPT_REQUIRE_OK(map);
  absl::StatusOr<RemappedGraph> out = RemapObjectGraph(g, *map, options);
  CKPT_REQUIRE_OK(out);
  return *std::move(out);
}

absl::Status RemapError(const ObjectGraph& g, std::vector<PathRule> rules,
                        RemapOptions options = {}) {
  absl::StatusOr<PathMap> map = PathMap::Create(std::move(rules));
  CKPT_REQUIRE_OK(map);
  return RemapObjectGraph(g, *map, options).status();
}

// path -> checkpoint key of every attribute, by the output's node paths.
std::map<std::string, std::string> KeysByPath(const ObjectGraph& g) {
  std::map<std::string, std::string> out;
  const std::vector<std::string> paths = NodePaths(g);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (const auto& a : g.nodes[n].attributes) {
      out[paths[n]] = a.checkpoint_key;
    }
  }
  return out;
}

TEST_CASE("a prefix rule moves a subtree, the rest keeps its path", "[remap]") {
  GraphBuilder b;
  b.Add("model/encoder/dense/kernel", "K");
  b.Add("model/encoder/dense/bias", "B");
  b.Add("model/head/kernel", "H");
  b.Add("save_counter", "S");
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Prefix("model/encoder", "backbone")});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"backbone/dense/kernel", "K"},
                                           {"backbone/dense/bias", "B"},
                                           {"model/head/kernel", "H"},
                                           {"save_counter", "S"}});
  // Provenance per node.
  const std::vector<std::string> paths = NodePaths(out.graph);
  for (size_t n = 0; n < paths.size(); ++n) {
    INFO(paths[n]);
    if (paths[n] == "backbone/dense/kernel") {
      CHECK(out.from_path[n] == "model/encoder/dense/kernel");
      CHECK(out.rule[n] == 0);
    }
    if (paths[n] == "model/head/kernel") {
      CHECK(out.from_path[n] == "model/head/kernel");
      CHECK(out.rule[n] == -1);
    }
  }
  // "model" lost no edge to the moved encoder: restore must not find the
  // encoder at its old path too.
  for (const std::string& p : paths) CHECK(p.rfind("model/encoder", 0) != 0);
  CHECK(out.dropped.empty());
  CHECK(out.unused_rules.empty());
}

TEST_CASE("a new path gets ancestors that hold no values", "[remap]") {
  GraphBuilder b;
  b.Add("enc/k", "K");
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Prefix("enc", "net/features/enc")},
                 {.keep_unmapped = false});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"net/features/enc/k", "K"}});
  const std::vector<std::string> paths = NodePaths(out.graph);
  REQUIRE(paths.size() == 5);  // root, net, features, enc, k
  CHECK(paths[1] == "net");
  CHECK(out.origin[1] == -1);
  CHECK(out.graph.nodes[1].attributes.empty());
  // The input root has no values and no rule maps it: left out silently.
  CHECK(out.dropped.empty());
}

TEST_CASE("containers mapped to one path merge", "[remap]") {
  GraphBuilder b;
  b.Add("model/a", "A");
  b.Add("extra/b", "B");
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Prefix("extra", "model")});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"model/a", "A"}, {"model/b", "B"}});
}

TEST_CASE("two objects with values mapped to one path are a conflict",
          "[remap]") {
  GraphBuilder b;
  b.Add("old/kernel", "K1");
  b.Add("new/kernel", "K2");
  absl::Status s = RemapError(b.graph(), {PathRule::Prefix("old", "new")});
  REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()) ==
        "path mapping conflict: checkpoint objects 'old/kernel' (node 2) "
        "and 'new/kernel' (node 4) both map to 'new/kernel' and both hold "
        "values");
}

TEST_CASE("a rule matching nothing fails unless allowed", "[remap]") {
  GraphBuilder b;
  b.Add("a/k", "K");
  absl::Status s = RemapError(
      b.graph(), {PathRule::Prefix("a", "x"), PathRule::Prefix("a/k", "y"),
                  PathRule::Prefix("nope", "z")});
  REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()) ==
        "2 path rule(s) match no object of the checkpoint: 'a/k -> y', "
        "'nope -> z'");
  const RemappedGraph out = RemapOrDie(
      b.graph(), {PathRule::Prefix("a", "x"), PathRule::Prefix("nope", "z")},
      {.allow_unused_rules = true});
  CHECK(out.unused_rules == std::vector<int>{1});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"x/k", "K"}});
}

TEST_CASE("left-out values are listed with the reason", "[remap]") {
  GraphBuilder b;
  b.Add("model/k", "K");
  b.Add("optimizer/iter", "I");
  b.Add("other/v", "V");
  const RemappedGraph out = RemapOrDie(
      b.graph(), {PathRule::Drop("optimizer"), PathRule::Prefix("model", "m")},
      {.keep_unmapped = false});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"m/k", "K"}});
  REQUIRE(out.dropped.size() == 2);
  CHECK(out.dropped[0].path == "optimizer/iter");
  CHECK(out.dropped[0].reason == "dropped by rule 'optimizer -> (dropped)'");
  CHECK(out.dropped[1].path == "other/v");
  CHECK(out.dropped[1].reason == "no rule maps it");
}

TEST_CASE("the subtree option re-roots before the rules", "[remap]") {
  GraphBuilder b;
  b.Add("model/encoder/k", "K");
  b.Add("model/encoder/sub/v", "V");
  b.Add("model/head/h", "H");
  RemappedGraph out = RemapOrDie(b.graph(), {}, {.subtree = "model/encoder"});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"k", "K"}, {"sub/v", "V"}});
  CHECK(out.origin[0] == 2);  // the encoder is the new root
  REQUIRE(out.dropped.size() == 1);
  CHECK(out.dropped[0].reason == "outside the subtree 'model/encoder'");
  // Rules see relative paths.
  out = RemapOrDie(b.graph(), {PathRule::Prefix("sub", "deep/sub")},
                   {.subtree = "model/encoder"});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"k", "K"}, {"deep/sub/v", "V"}});
  absl::Status s = RemapError(b.graph(), {}, {.subtree = "model/nothing"});
  REQUIRE(s.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(s.message()) ==
        "no object at path 'model/nothing' in the object graph (`ckpt tree` "
        "lists the paths)");
  s = RemapError(b.graph(), {}, {.subtree = "model/"});
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("shared objects keep their second path", "[remap]") {
  GraphBuilder b;
  const int emb = b.Add("model/encoder/emb", "E");
  const int dec = b.Add("model/decoder");
  b.Add("model/decoder/w", "W");
  b.graph().nodes[static_cast<size_t>(dec)].children.push_back({emb, "emb"});
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Prefix("model/decoder", "model/dec")});
  // The decoder's edge to the shared embedding survives the move: both
  // paths reach one node, which holds the value, named by its first path.
  auto child = [&](const std::string& path, const std::string& name) {
    const std::vector<std::string> paths = NodePaths(out.graph);
    for (size_t n = 0; n < paths.size(); ++n) {
      if (paths[n] != path) continue;
      for (const auto& c : out.graph.nodes[n].children) {
        if (c.local_name == name) return c.node_id;
      }
    }
    return -1;
  };
  const int via_decoder = child("model/dec", "emb");
  REQUIRE(via_decoder >= 0);
  CHECK(via_decoder == child("model/encoder", "emb"));
  CHECK(out.graph.nodes[static_cast<size_t>(via_decoder)]
            .attributes.at(0)
            .checkpoint_key == "E");
  CHECK(child("model/dec", "w") >= 0);
  CHECK(NodePaths(out.graph)[static_cast<size_t>(via_decoder)] ==
        "model/encoder/emb");
  // Moved up a level, the decoder's edge would name the embedding first:
  // it is not kept.
  const RemappedGraph up =
      RemapOrDie(b.graph(), {PathRule::Prefix("model/decoder", "dec")});
  CHECK(KeysByPath(up.graph) ==
        std::map<std::string, std::string>{{"model/encoder/emb", "E"},
                                           {"dec/w", "W"}});
}

TEST_CASE("a renamed layer keeps its place and its mapped path names it",
          "[remap]") {
  // Keras: one layer under two edges, layer_with_weights-0 (its first path)
  // and layer-1.
  GraphBuilder b;
  b.Add("layer-0");
  const int dense = b.Add("layer_with_weights-0");
  b.Add("layer_with_weights-0/kernel", "K");
  b.graph().nodes[0].children.push_back({dense, "layer-1"});
  const RemappedGraph out = RemapOrDie(
      b.graph(), {PathRule::Prefix("layer_with_weights-0", "first")});
  const auto& root = out.graph.nodes[0].children;
  REQUIRE(root.size() == 3);
  CHECK(root[0].local_name == "layer-0");
  CHECK(root[1].local_name == "first");
  CHECK(root[2].local_name == "layer-1");
  CHECK(root[1].node_id == root[2].node_id);
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"first/kernel", "K"}});
}

TEST_CASE("a second path never becomes the first", "[remap]") {
  GraphBuilder b;
  const int emb = b.Add("enc/emb", "E");
  b.Add("dec");
  b.graph().nodes[0].children.insert(b.graph().nodes[0].children.begin(),
                                     {emb, "shortcut"});
  // emb's first path was "shortcut"; moved deep, "shortcut" would be
  // shorter than its mapped path: that edge goes.
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Prefix("shortcut", "a/b/c/emb")});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"a/b/c/emb", "E"}});
  for (const auto& c : out.graph.nodes[0].children) {
    CHECK(c.local_name != "shortcut");
  }
}

TEST_CASE("a shared object stays with the objects that keep it", "[remap]") {
  // Tied embeddings: decoder and encoder share one; its first path is
  // through the decoder.
  GraphBuilder b;
  const int emb = b.Add("decoder/embedding", "E");
  b.Add("decoder/out", "O");
  const int enc = b.Add("encoder");
  b.Add("encoder/dense", "D");
  b.graph().nodes[static_cast<size_t>(enc)].children.push_back(
      {emb, "embedding"});
  // Dropping the decoder keeps the embedding, under the encoder.
  RemappedGraph out = RemapOrDie(b.graph(), {PathRule::Drop("decoder")});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"encoder/dense", "D"},
                                           {"encoder/embedding", "E"}});
  REQUIRE(out.dropped.size() == 1);
  CHECK(out.dropped[0].path == "decoder/out");
  // So does extracting the encoder.
  out = RemapOrDie(b.graph(), {}, {.subtree = "encoder"});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"dense", "D"}, {"embedding", "E"}});
  REQUIRE(out.dropped.size() == 1);
  CHECK(out.dropped[0].reason == "outside the subtree 'encoder'");
}

TEST_CASE("the object a drop rule names is out along every path", "[remap]") {
  // A Keras layer under two edges: dropping one drops the layer.
  GraphBuilder b;
  const int dense = b.Add("layer_with_weights-0");
  b.Add("layer_with_weights-0/kernel", "K");
  b.graph().nodes[0].children.push_back({dense, "layer-1"});
  b.Add("other", "X");
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Drop("layer_with_weights-0")});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"other", "X"}});
  REQUIRE(out.dropped.size() == 1);
  CHECK(out.dropped[0].path == "layer_with_weights-0/kernel");
}

TEST_CASE("bad node ids are refused", "[remap]") {
  GraphBuilder b;
  b.Add("a", "A");
  b.graph().nodes[1].children.push_back({7, "x"});
  absl::Status s = RemapError(b.graph(), {});
  REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()) ==
        "RemapObjectGraph: node 1: child 7 is not a node id (the graph has 2 "
        "nodes)");
}

TEST_CASE("a subtree may be named by a second path", "[remap]") {
  GraphBuilder b;
  const int dense = b.Add("layer_with_weights-0");
  b.Add("layer_with_weights-0/kernel", "K");
  b.graph().nodes[0].children.push_back({dense, "layer-1"});
  const RemappedGraph out = RemapOrDie(b.graph(), {}, {.subtree = "layer-1"});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"kernel", "K"}});
}

TEST_CASE("values no edge or slot reaches are listed", "[remap]") {
  GraphBuilder b;
  b.Add("a", "A");
  b.AddSlotNode("ORPHAN");
  const RemappedGraph out = RemapOrDie(b.graph(), {});
  REQUIRE(out.dropped.size() == 1);
  CHECK(out.dropped[0].node == 2);
  CHECK(out.dropped[0].reason == "not reachable from the root");
}

TEST_CASE("slot variables follow their optimizer and variable", "[remap]") {
  GraphBuilder b;
  const int k = b.Add("model/enc/k", "K");
  const int h = b.Add("model/head/h", "H");
  const int opt = b.Add("optimizer/iter", "I") - 0;
  const int opt_node = b.graph().nodes[0].children.back().node_id;
  (void)opt;
  const int mk = b.AddSlotNode("MK");
  const int mh = b.AddSlotNode("MH");
  auto& slots = b.graph().nodes[static_cast<size_t>(opt_node)].slots;
  slots.push_back({k, "m", mk});
  slots.push_back({h, "m", mh});
  RemappedGraph out = RemapOrDie(b.graph(),
                                 {PathRule::Prefix("model/enc", "backbone"),
                                  PathRule::Prefix("optimizer", "optimizer")},
                                 {.keep_unmapped = false});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{
            {"backbone/k", "K"},
            {"optimizer/iter", "I"},
            {"backbone/k/.OPTIMIZER_SLOT/optimizer/m", "MK"}});
  REQUIRE(out.dropped.size() == 2);
  CHECK(out.dropped[0].path == "model/head/h");
  CHECK(out.dropped[1].path == "model/head/h/.OPTIMIZER_SLOT/optimizer/m");
  CHECK(out.dropped[1].reason == "slot variable of an object left out");
  // The optimizer dropped: every slot goes with it.
  out = RemapOrDie(b.graph(), {PathRule::Drop("optimizer")});
  CHECK(KeysByPath(out.graph) ==
        std::map<std::string, std::string>{{"model/enc/k", "K"},
                                           {"model/head/h", "H"}});
  REQUIRE(out.dropped.size() == 3);
  CHECK(out.dropped[1].reason == "slot variable of an optimizer left out");
}

TEST_CASE("has_checkpoint_values is recomputed when the input had it",
          "[remap]") {
  GraphBuilder b;
  b.Add("a/k", "K");
  b.Add("b/empty");
  ComputeHasCheckpointValues(&b.graph());
  const RemappedGraph out =
      RemapOrDie(b.graph(), {PathRule::Prefix("a", "x/y")});
  const std::vector<std::string> paths = NodePaths(out.graph);
  for (size_t n = 0; n < paths.size(); ++n) {
    INFO(paths[n]);
    REQUIRE(out.graph.nodes[n].has_checkpoint_values.has_value());
    CHECK(*out.graph.nodes[n].has_checkpoint_values ==
          (paths[n] != "b" && paths[n] != "b/empty"));
  }
}

TEST_CASE("without rules a TensorFlow graph keeps every path and key",
          "[remap]") {
  if (SkipWithoutTfTestData()) return;
  absl::StatusOr<std::unique_ptr<BundleReader>> reader =
      BundleReader::Open(Env::Default(), TfPath("golf/ckpt-1"));
  CKPT_REQUIRE_OK(reader);
  absl::StatusOr<ObjectGraph> g = ReadObjectGraph(**reader);
  CKPT_REQUIRE_OK(g);
  const RemappedGraph out = RemapOrDie(*g, {});
  CHECK(KeysByPath(out.graph) == KeysByPath(*g));
  // Node for node, edge order and slot order included: TensorFlow's graph.
  CHECK(out.graph == *g);
  for (size_t n = 0; n < out.origin.size(); ++n) {
    CHECK(out.origin[n] == static_cast<int>(n));
  }
  // Every node that holds a value keeps it, slot variables included.
  size_t in_values = 0, out_values = 0;
  for (const auto& n : g->nodes) in_values += n.attributes.size();
  for (const auto& n : out.graph.nodes) out_values += n.attributes.size();
  CHECK(in_values == out_values);
  CHECK(out.dropped.empty());
  // Moving everything under a new root keeps every key, one level down.
  const RemappedGraph moved = RemapOrDie(*g, {PathRule::Prefix("", "old")});
  std::map<std::string, std::string> expected;
  for (const auto& [path, key] : KeysByPath(*g)) {
    std::string moved_path = path.empty() ? "old" : "old/" + path;
    const std::string marker = "/.OPTIMIZER_SLOT/";
    if (size_t at = moved_path.find(marker); at != std::string::npos) {
      moved_path.insert(at + marker.size(), "old/");
    }
    expected[moved_path] = key;
  }
  CHECK(KeysByPath(moved.graph) == expected);
}

}  // namespace
}  // namespace ckpt
