// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The object-graph codec and key naming (see ckpt/object_graph.h).
//
// Contracts:
//   * ParseObjectGraph accepts any valid protobuf encoding (any field order,
//     unknown fields skipped) and validates every node id before returning;
//     a returned graph has >= 1 node and all ids in [0, nodes.size()).
//   * SerializeObjectGraph emits canonical bytes (field-number order,
//     defaults omitted, has_checkpoint_values false as a present-but-empty
//     BoolValue), the encoding TensorFlow's writers produce.
//   * NodePaths and ComputeHasCheckpointValues are iterative and linear in
//     nodes + edges + slots, so a hostile graph (deep chains, cycles) cannot
//     exhaust the stack.

#include "ckpt/object_graph.h"

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ckpt/dtype.h"
#include "ckpt/proto/trackable_object_graph.pb.h"
#include "ckpt/status.h"
#include "google/protobuf/arena.h"

namespace ckpt {
namespace {

using ProtoGraph = proto::TrackableObjectGraph;
using ProtoNode = proto::TrackableObjectGraph::TrackableObject;

absl::Status IdError(absl::string_view what, size_t node, const char* field,
                     int64_t id, size_t num_nodes) {
  return absl::DataLossError(
      absl::StrCat(std::string(what), ": object graph node ", node, " has ",
                   field, " ", id, " out of range [0, ", num_nodes, ")"));
}

bool InRange(int64_t id, size_t num_nodes) {
  return id >= 0 && static_cast<uint64_t>(id) < num_nodes;
}

// Graphs have a message and several strings per node: an arena turns their
// hundreds of thousands of allocations and frees into a few large blocks.
google::protobuf::ArenaOptions GraphArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = size_t{64} << 10;
  options.max_block_size = size_t{1} << 20;
  return options;
}

}  // namespace

absl::StatusOr<ObjectGraph> ParseObjectGraph(absl::string_view bytes,
                                             absl::string_view what,
                                             ObjectGraphLimits limits) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::DataLossError(absl::StrCat(std::string(what),
                                            ": object graph of ", bytes.size(),
                                            " bytes is too large to parse"));
  }
  google::protobuf::Arena arena(GraphArenaOptions());
  ProtoGraph& proto =
      *google::protobuf::Arena::CreateMessage<ProtoGraph>(&arena);
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat(std::string(what), ": malformed object graph (",
                     bytes.size(), " bytes are not a TrackableObjectGraph)"));
  }
  const size_t n = static_cast<size_t>(proto.nodes_size());
  if (n == 0) {
    return absl::DataLossError(absl::StrCat(
        std::string(what), ": object graph has no nodes (no root object)"));
  }
  if (limits.max_nodes >= 0 && n > static_cast<size_t>(limits.max_nodes)) {
    return absl::DataLossError(
        absl::StrCat(std::string(what), ": object graph has ", n,
                     " nodes, more than the limit of ", limits.max_nodes));
  }

  ObjectGraph graph;
  graph.nodes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const ProtoNode& pn = proto.nodes(static_cast<int>(i));
    ObjectGraph::Node& node = graph.nodes[i];

    node.children.reserve(static_cast<size_t>(pn.children_size()));
    for (const auto& c : pn.children()) {
      if (!InRange(c.node_id(), n)) {
        return IdError(what, i, "child node_id", c.node_id(), n);
      }
      node.children.push_back({c.node_id(), c.local_name()});
    }

    node.attributes.reserve(static_cast<size_t>(pn.attributes_size()));
    for (const auto& a : pn.attributes()) {
      node.attributes.push_back(
          {a.name(), a.full_name(), a.checkpoint_key(), a.optional_restore()});
    }

    node.slots.reserve(static_cast<size_t>(pn.slot_variables_size()));
    for (const auto& s : pn.slot_variables()) {
      if (!InRange(s.original_variable_node_id(), n)) {
        return IdError(what, i, "slot original_variable_node_id",
                       s.original_variable_node_id(), n);
      }
      if (!InRange(s.slot_variable_node_id(), n)) {
        return IdError(what, i, "slot slot_variable_node_id",
                       s.slot_variable_node_id(), n);
      }
      node.slots.push_back({s.original_variable_node_id(), s.slot_name(),
                            s.slot_variable_node_id()});
    }

    if (pn.has_registered_saver()) {
      node.registered_saver = ObjectGraph::RegisteredSaver{
          pn.registered_saver().name(), pn.registered_saver().object_name()};
    }
    if (pn.has_has_checkpoint_values()) {
      node.has_checkpoint_values = pn.has_checkpoint_values().value();
    }
  }
  return graph;
}

std::string SerializeObjectGraph(const ObjectGraph& graph) {
  google::protobuf::Arena arena(GraphArenaOptions());
  ProtoGraph& proto =
      *google::protobuf::Arena::CreateMessage<ProtoGraph>(&arena);
  proto.mutable_nodes()->Reserve(static_cast<int>(graph.nodes.size()));
  for (const ObjectGraph::Node& node : graph.nodes) {
    ProtoNode* pn = proto.add_nodes();
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
      // mutable_ makes the wrapper present even when value is false, which
      // then serializes as `2a 00` like TensorFlow's writer.
      pn->mutable_has_checkpoint_values()->set_value(
          *node.has_checkpoint_values);
    }
  }
  std::string out;
  proto.SerializeToString(&out);
  return out;
}

namespace {

// Well-formed UTF-8: no overlong forms, no surrogates, at most U+10FFFF.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

absl::Status ValidateObjectGraphStrings(const ObjectGraph& graph) {
  for (size_t id = 0; id < graph.nodes.size(); ++id) {
    const ObjectGraph::Node& node = graph.nodes[id];
    auto check = [id](absl::string_view field,
                      absl::string_view value) -> absl::Status {
      if (IsValidUtf8(value)) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          "object graph node ", id, ": ", std::string(field), " \"",
          absl::CHexEscape(value),
          "\" is not valid UTF-8 (protobuf strings must be); rename it"));
    };
    for (const auto& c : node.children) {
      CKPT_RETURN_IF_ERROR(check("child name", c.local_name));
    }
    for (const auto& a : node.attributes) {
      CKPT_RETURN_IF_ERROR(check("attribute name", a.name));
      CKPT_RETURN_IF_ERROR(check("full_name", a.full_name));
      CKPT_RETURN_IF_ERROR(check("checkpoint key", a.checkpoint_key));
    }
    for (const auto& sl : node.slots) {
      CKPT_RETURN_IF_ERROR(check("slot name", sl.slot_name));
    }
    if (node.registered_saver) {
      CKPT_RETURN_IF_ERROR(check("saver name", node.registered_saver->name));
      CKPT_RETURN_IF_ERROR(
          check("saver object name", node.registered_saver->object_name));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> HasObjectGraph(const BundleReader& reader) {
  absl::StatusOr<BundleEntry> entry = reader.GetEntry(kObjectGraphKey);
  if (entry.ok()) return true;
  if (absl::IsNotFound(entry.status())) return false;
  return entry.status();
}

absl::StatusOr<ObjectGraph> ReadObjectGraph(const BundleReader& reader) {
  const std::string what = absl::StrCat(
      "object graph '", std::string(kObjectGraphKey), "' of ", reader.prefix());
  absl::StatusOr<BundleEntry> entry = reader.GetEntry(kObjectGraphKey);
  if (!entry.ok()) {
    if (absl::IsNotFound(entry.status())) {
      return absl::NotFoundError(
          absl::StrCat(reader.prefix(), ": no object graph (key '",
                       std::string(kObjectGraphKey),
                       "' absent; a TF1 name-based checkpoint?)"));
    }
    return entry.status();
  }
  if (entry->dtype != DataType::kString || entry->shape.rank() != 0) {
    return absl::DataLossError(
        absl::StrCat(what, " is ", std::string(DataTypeName(entry->dtype)), " ",
                     entry->shape.DebugString(), ", expected a string scalar"));
  }
  CKPT_ASSIGN_OR_RETURN(Tensor t, reader.Read(kObjectGraphKey));
  if (t.dtype() != DataType::kString || t.shape().rank() != 0 ||
      t.strings().size() != 1) {
    return absl::DataLossError(absl::StrCat(what, " is not a string scalar"));
  }
  return ParseObjectGraph(t.strings()[0], what);
}

std::string EscapeLocalName(absl::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '.') {
      out += "..";
    } else if (c == '/') {
      out += ".S";
    } else {
      out += c;
    }
  }
  return out;
}

std::string AttributeKey(absl::string_view object_path,
                         absl::string_view attribute_name) {
  return absl::StrCat(std::string(object_path), "/.ATTRIBUTES/",
                      EscapeLocalName(attribute_name));
}

std::vector<std::string> NodePaths(const ObjectGraph& graph) {
  const size_t n = graph.nodes.size();
  std::vector<std::string> paths(n);
  if (n == 0) return paths;
  std::vector<bool> assigned(n, false);

  // Breadth-first over children edges in stored order; first discovery wins.
  std::vector<size_t> queue;
  queue.reserve(n);
  queue.push_back(0);
  assigned[0] = true;
  for (size_t head = 0; head < queue.size(); ++head) {
    const size_t id = queue[head];
    for (const ObjectGraph::Child& c : graph.nodes[id].children) {
      if (!InRange(c.node_id, n)) continue;
      const size_t child = static_cast<size_t>(c.node_id);
      if (assigned[child]) continue;
      assigned[child] = true;
      paths[child] =
          paths[id].empty()
              ? EscapeLocalName(c.local_name)
              : absl::StrCat(paths[id], "/", EscapeLocalName(c.local_name));
      queue.push_back(child);
    }
  }

  // Slot variables no edge reaches, optimizers in node order.
  for (size_t opt = 0; opt < n; ++opt) {
    if (!assigned[opt]) continue;
    for (const ObjectGraph::Slot& s : graph.nodes[opt].slots) {
      if (!InRange(s.original_node_id, n) || !InRange(s.slot_node_id, n)) {
        continue;
      }
      const size_t orig = static_cast<size_t>(s.original_node_id);
      const size_t slot = static_cast<size_t>(s.slot_node_id);
      if (assigned[slot] || !assigned[orig]) continue;
      assigned[slot] = true;
      paths[slot] = absl::StrCat(paths[orig], "/.OPTIMIZER_SLOT/", paths[opt],
                                 "/", EscapeLocalName(s.slot_name));
    }
  }
  return paths;
}

void ComputeHasCheckpointValues(ObjectGraph* graph) {
  const size_t n = graph->nodes.size();
  // Reverse edges in compressed form: parents of node v are
  // parents[offsets[v] .. offsets[v + 1]).
  std::vector<size_t> offsets(n + 1, 0);
  for (const ObjectGraph::Node& node : graph->nodes) {
    for (const ObjectGraph::Child& c : node.children) {
      if (InRange(c.node_id, n)) ++offsets[static_cast<size_t>(c.node_id) + 1];
    }
  }
  for (size_t v = 0; v < n; ++v) offsets[v + 1] += offsets[v];
  std::vector<size_t> parents(offsets[n]);
  std::vector<size_t> fill(offsets.begin(), offsets.end() - 1);
  for (size_t p = 0; p < n; ++p) {
    for (const ObjectGraph::Child& c : graph->nodes[p].children) {
      if (InRange(c.node_id, n)) {
        parents[fill[static_cast<size_t>(c.node_id)]++] = p;
      }
    }
  }

  std::vector<bool> value(n, false);
  std::vector<size_t> worklist;
  for (size_t v = 0; v < n; ++v) {
    const ObjectGraph::Node& node = graph->nodes[v];
    if (!node.attributes.empty() || !node.slots.empty() ||
        node.registered_saver.has_value()) {
      value[v] = true;
      worklist.push_back(v);
    }
  }
  while (!worklist.empty()) {
    const size_t v = worklist.back();
    worklist.pop_back();
    for (size_t i = offsets[v]; i < offsets[v + 1]; ++i) {
      const size_t p = parents[i];
      if (!value[p]) {
        value[p] = true;
        worklist.push_back(p);
      }
    }
  }
  for (size_t v = 0; v < n; ++v) {
    graph->nodes[v].has_checkpoint_values = static_cast<bool>(value[v]);
  }
}

}  // namespace ckpt
