// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: tests/fuzz/fuzz_object_graph.cc
// -----------------------------------------------------------------------------
//
// libFuzzer target: the object graph (include/ckpt/object_graph.h) and the
// structural restore behind GenericTree::Load (include/ckpt/generic_tree.h).
// The input is serialized TrackableObjectGraph bytes. Steps:
//
//   0. Differential: ParseObjectGraph (node by node) against protobuf's
//      parse of the whole message. Both fail, or both succeed with the same
//      graph (after the node limit and id range checks), and
//      SerializeObjectGraph writes what protobuf writes for the parsed
//      message without its unknown fields (a mismatch traps).
//   1. ParseObjectGraph with small limits; the node paths under the bound
//      every reader applies (NodePathTable::Build and Check, which must
//      agree, and NodePaths when within it), AttributeKey,
//      ValidateObjectGraphStrings, ComputeHasCheckpointValues.
//   2. SerializeObjectGraph must parse back to the same graph and serialize
//      to the same bytes (a mismatch traps). RemapObjectGraph with a few
//      rule sets gives graphs that round-trip the same way.
//   3. If the graph is small, the input bytes go into a bundle in a MemEnv
//      under _CHECKPOINTABLE_OBJECT_GRAPH, with a fake value under every
//      attribute's checkpoint_key (float vectors for VARIABLE_VALUE, int64
//      scalars otherwise), and GenericTree::Load restores it (cycles, shared
//      nodes, slot variables, missing and unused keys); a loaded tree is
//      written again and reloaded.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/generic_tree.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_map.h"
#include "ckpt/proto/trackable_object_graph.pb.h"
#include "ckpt/tensor.h"
#include "fuzz_inputs.h"
#include "graph/graph_table.h"

namespace {

constexpr size_t kMaxGraphBytes = size_t{64} << 10;
constexpr int kMaxNodes = 512;
constexpr size_t kMaxBundleValues = 256;

// Writes `graph_bytes` and fake values for the graph's keys to `prefix`.
bool WriteFakeBundle(ckpt::Env* env, const std::string& prefix,
                     absl::string_view graph_bytes,
                     const ckpt::ObjectGraph& graph) {
  ckpt::BundleWriterOptions options;
  options.sync = false;
  auto writer = ckpt::BundleWriter::Create(env, prefix, options);
  if (!writer.ok()) return false;
  absl::flat_hash_set<std::string> keys;
  int64_t counter = 0;
  for (const ckpt::ObjectGraph::Node& node : graph.nodes) {
    for (const ckpt::ObjectGraph::Attribute& attr : node.attributes) {
      const std::string& key = attr.checkpoint_key;
      if (key.empty() || key == ckpt::kObjectGraphKey ||
          !keys.insert(key).second) {
        continue;
      }
      if (keys.size() > kMaxBundleValues) return false;
      ckpt::Tensor value;
      if (attr.name == "VARIABLE_VALUE") {
        auto t = ckpt::Tensor::FromVector<float>(
            ckpt::TensorShape{2}, {1.0f, static_cast<float>(counter)});
        if (!t.ok()) return false;
        value = *std::move(t);
      } else {
        value = ckpt::Tensor::Scalar<int64_t>(counter);
      }
      ++counter;
      if (!(*writer)->Add(key, value).ok()) return false;
    }
  }
  auto graph_tensor = ckpt::Tensor::FromStrings(ckpt::TensorShape{},
                                                {std::string(graph_bytes)});
  if (!graph_tensor.ok()) return false;
  if (!(*writer)->Add(ckpt::kObjectGraphKey, *graph_tensor).ok()) return false;
  return (*writer)->Finish().ok();
}

// The graph protobuf parsed, converted field by field; false if the node
// count or an id is out of what ParseObjectGraph accepts.
bool FromProto(const ckpt::proto::TrackableObjectGraph& p, int max_nodes,
               ckpt::ObjectGraph* out) {
  const int n = p.nodes_size();
  if (n == 0 || n > max_nodes) return false;
  auto in_range = [n](int id) { return id >= 0 && id < n; };
  for (const auto& pn : p.nodes()) {
    ckpt::ObjectGraph::Node node;
    for (const auto& c : pn.children()) {
      if (!in_range(c.node_id())) return false;
      node.children.push_back({c.node_id(), c.local_name()});
    }
    for (const auto& a : pn.attributes()) {
      node.attributes.push_back(
          {a.name(), a.full_name(), a.checkpoint_key(), a.optional_restore()});
    }
    for (const auto& sv : pn.slot_variables()) {
      if (!in_range(sv.original_variable_node_id()) ||
          !in_range(sv.slot_variable_node_id())) {
        return false;
      }
      node.slots.push_back({sv.original_variable_node_id(), sv.slot_name(),
                            sv.slot_variable_node_id()});
    }
    if (pn.has_registered_saver()) {
      node.registered_saver = ckpt::ObjectGraph::RegisteredSaver{
          pn.registered_saver().name(), pn.registered_saver().object_name()};
    }
    if (pn.has_has_checkpoint_values()) {
      node.has_checkpoint_values = pn.has_checkpoint_values().value();
    }
    out->nodes.push_back(std::move(node));
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxGraphBytes) return -1;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);

  ckpt::ObjectGraphLimits limits;
  limits.max_nodes = kMaxNodes;
  auto graph = ckpt::ParseObjectGraph(bytes, "fuzz", limits);

  // 0. Differential against the whole-message protobuf parse.
  {
    ckpt::proto::TrackableObjectGraph p;
    ckpt::ObjectGraph expected;
    const bool want = p.ParseFromArray(data, static_cast<int>(size)) &&
                      FromProto(p, kMaxNodes, &expected);
    if (want != graph.ok()) __builtin_trap();
    if (want) {
      if (!(*graph == expected)) __builtin_trap();
      p.DiscardUnknownFields();
      if (ckpt::SerializeObjectGraph(*graph) != p.SerializeAsString()) {
        __builtin_trap();
      }
    }
  }
  if (!graph.ok()) return 0;
  if (graph->nodes.empty()) __builtin_trap();  // empty graphs are refused

  // 1. Paths (under the bound every reader applies) and derived values.
  const ckpt::graph::GraphTable table =
      ckpt::graph::GraphTable::FromObjectGraph(*graph);
  auto bounded = ckpt::graph::NodePathTable::Build(table, "fuzz");
  const absl::Status checked = ckpt::graph::NodePathTable::Check(table, "fuzz");
  if (bounded.ok() != checked.ok()) __builtin_trap();
  if (!bounded.ok()) {
    if (!absl::IsDataLoss(checked) || !absl::IsDataLoss(bounded.status())) {
      __builtin_trap();
    }
    return 0;  // GenericTree::Load refuses it too
  }
  const std::vector<std::string> paths = ckpt::NodePaths(*graph);
  if (paths.size() != graph->nodes.size()) __builtin_trap();
  if (bounded->size() != paths.size()) __builtin_trap();
  for (size_t i = 0; i < paths.size(); ++i) {
    if ((*bounded)[i] != paths[i]) __builtin_trap();
  }
  if (!paths[0].empty()) __builtin_trap();  // the root's path
  for (size_t i = 0; i < graph->nodes.size(); ++i) {
    for (const ckpt::ObjectGraph::Attribute& attr :
         graph->nodes[i].attributes) {
      (void)ckpt::AttributeKey(paths[i], attr.name);
    }
    for (const ckpt::ObjectGraph::Child& child : graph->nodes[i].children) {
      (void)ckpt::EscapeLocalName(child.local_name);
    }
  }
  const bool strings_valid = ckpt::ValidateObjectGraphStrings(*graph).ok();
  ckpt::ObjectGraph computed = *graph;
  ckpt::ComputeHasCheckpointValues(&computed);
  for (const ckpt::ObjectGraph::Node& node : computed.nodes) {
    if (!node.has_checkpoint_values.has_value()) __builtin_trap();
  }

  // 2. Canonical round trip.
  const std::string serialized = ckpt::SerializeObjectGraph(*graph);
  auto reparsed =
      ckpt::ParseObjectGraph(serialized, "fuzz/reserialized", limits);
  if (!reparsed.ok() || !(*reparsed == *graph)) __builtin_trap();
  if (ckpt::SerializeObjectGraph(*reparsed) != serialized) __builtin_trap();

  // 2b. The path-mapping rewrite (ckpt/path_map.h): with no rules, moving
  // everything, dropping, and a regex that may collide; a result must be a
  // valid graph that round-trips.
  {
    std::vector<std::vector<ckpt::PathRule>> rule_sets = {
        {},
        {ckpt::PathRule::Prefix("", "moved/here")},
        {ckpt::PathRule::Regex("([^/]*)/(.*)", "$2/$1"),
         ckpt::PathRule::Drop("a")}};
    if (!graph->nodes[0].children.empty()) {
      rule_sets.push_back({ckpt::PathRule::Drop(
          ckpt::EscapeLocalName(graph->nodes[0].children[0].local_name))});
    }
    for (std::vector<ckpt::PathRule>& rules : rule_sets) {
      auto map = ckpt::PathMap::Create(std::move(rules));
      if (!map.ok()) continue;
      for (bool keep : {true, false}) {
        ckpt::RemapOptions remap;
        remap.keep_unmapped = keep;
        remap.allow_unused_rules = true;
        auto out = ckpt::RemapObjectGraph(*graph, *map, remap);
        if (!out.ok()) continue;
        if (out->origin.size() != out->graph.nodes.size()) __builtin_trap();
        const std::string bytes_out = ckpt::SerializeObjectGraph(out->graph);
        auto back = ckpt::ParseObjectGraph(bytes_out, "fuzz/remapped");
        if (!back.ok() || !(*back == out->graph)) __builtin_trap();
      }
    }
  }

  // 3. Structural restore through GenericTree.
  if (!strings_valid) return 0;  // such a graph must never be written
  std::unique_ptr<ckpt::Env> env = ckpt::NewMemEnv();
  if (!env->CreateDir("/g").ok()) return 0;
  if (!WriteFakeBundle(env.get(), "/g/ckpt-1", bytes, *graph)) return 0;
  auto tree = ckpt::GenericTree::Load(env.get(), "/g/ckpt-1");
  if (!tree.ok()) return 0;
  ckpt::SaveOptions save;
  save.env = env.get();
  save.bundle.sync = false;
  if (!(*tree)->Write("/g/ckpt-2", save).ok()) return 0;
  auto reloaded = ckpt::GenericTree::Load(env.get(), "/g/ckpt-2");
  (void)reloaded;
  return 0;
}
