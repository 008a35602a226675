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
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "util/coding.h"

namespace ckpt {
namespace {

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

}  // namespace

namespace {

// The top level of a TrackableObjectGraph, `repeated TrackableObject
// nodes = 1`, read without building the message: fn(bytes) gets each node's
// encoding in order. Unknown fields (and field 1 with another wire type) are
// skipped by protobuf's own SkipField, as the generated parser would. False
// when the top level is malformed or `fn` returns false.
template <typename Fn>
bool ForEachNodeBytes(absl::string_view bytes, Fn fn) {
  using google::protobuf::internal::WireFormatLite;
  constexpr uint32_t kNodeTag =
      WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  while (in.BytesUntilLimit() > 0) {
    const int at = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    // 0: a malformed varint, or field number 0. A tag takes at most five
    // bytes (longer ones are not truncated, they are errors).
    if (tag == 0 || in.CurrentPosition() - at > 5) return false;
    if (tag != kNodeTag) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    const void* data = nullptr;
    int available = 0;
    if (!in.ReadVarint32(&length) ||
        !in.GetDirectBufferPointer(&data, &available) ||
        static_cast<uint64_t>(length) > static_cast<uint64_t>(available)) {
      // GetDirectBufferPointer is false at the very end: fine only for an
      // empty node.
      if (length != 0 || in.BytesUntilLimit() != 0) return false;
      data = "";
    }
    if (!fn(absl::string_view(static_cast<const char*>(data), length))) {
      return false;
    }
    if (!in.Skip(static_cast<int>(length))) return false;
  }
  return true;
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
  const absl::Status malformed = absl::DataLossError(
      absl::StrCat(std::string(what), ": malformed object graph (",
                   bytes.size(), " bytes are not a TrackableObjectGraph)"));
  // Nodes are parsed one at a time into one reused message: parsing the
  // whole graph as one message would hold a second copy of it (about 440
  // bytes per node even in an arena). A first pass counts them, so that the
  // node limit is checked, and the ids can be, before anything is built.
  size_t n = 0;
  if (!ForEachNodeBytes(bytes, [&n](absl::string_view) {
        ++n;
        return true;
      })) {
    return malformed;
  }
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
  // An id out of range is reported once the whole graph has parsed: a
  // malformed node anywhere is reported first, as a one-message parse would.
  absl::Status id_error;
  ProtoNode pn;
  size_t i = 0;
  const bool parsed = ForEachNodeBytes(bytes, [&](absl::string_view b) {
    // A field of the top-level message: one level of nesting used up.
    google::protobuf::io::CodedInputStream in(
        reinterpret_cast<const uint8_t*>(b.data()), static_cast<int>(b.size()));
    in.SetRecursionLimit(in.RecursionBudget() - 1);
    // Ending early (a 0 or end-group tag) is success for a stream parse,
    // not for a message's bytes.
    if (!pn.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
      return false;
    }
    ObjectGraph::Node& node = graph.nodes[i];

    node.children.reserve(static_cast<size_t>(pn.children_size()));
    for (const auto& c : pn.children()) {
      if (id_error.ok() && !InRange(c.node_id(), n)) {
        id_error = IdError(what, i, "child node_id", c.node_id(), n);
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
      if (id_error.ok() && !InRange(s.original_variable_node_id(), n)) {
        id_error = IdError(what, i, "slot original_variable_node_id",
                           s.original_variable_node_id(), n);
      }
      if (id_error.ok() && !InRange(s.slot_variable_node_id(), n)) {
        id_error = IdError(what, i, "slot slot_variable_node_id",
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
    ++i;
    return true;
  });
  if (!parsed) return malformed;
  CKPT_RETURN_IF_ERROR(id_error);
  return graph;
}

namespace {

// Protocol buffer wire encoding of TrackableObjectGraph, written directly:
// building the message (even in an arena) costs about 470 bytes per node on
// top of the graph, 47 MiB for 100,000 variables. Every field number here is
// below 16, so each tag is one byte. Proto3 rules: a 0 int32, an empty
// string and a false bool are omitted; a present sub-message is written
// even when empty; int32 is sign-extended to 64 bits.
namespace wire {

constexpr char Tag(int field, int wire_type) {
  return static_cast<char>((field << 3) | wire_type);
}
constexpr int kVarint = 0;
constexpr int kBytes = 2;

size_t VarintSize(uint64_t v) { return static_cast<size_t>(VarintLength(v)); }
void PutVarint(uint64_t v, std::string* out) { PutVarint64(out, v); }

uint64_t Int32Bits(int32_t v) {
  return static_cast<uint64_t>(static_cast<int64_t>(v));
}

size_t Int32Size(int32_t v) {
  return v == 0 ? 0 : 1 + VarintSize(Int32Bits(v));
}
size_t StringSize(absl::string_view s) {
  return s.empty() ? 0 : 1 + VarintSize(s.size()) + s.size();
}
size_t BoolSize(bool b) { return b ? 2 : 0; }
size_t MessageSize(size_t body) { return 1 + VarintSize(body) + body; }

void PutInt32(int field, int32_t v, std::string* out) {
  if (v == 0) return;
  out->push_back(Tag(field, kVarint));
  PutVarint(Int32Bits(v), out);
}
void PutString(int field, absl::string_view s, std::string* out) {
  if (s.empty()) return;
  out->push_back(Tag(field, kBytes));
  PutVarint(s.size(), out);
  out->append(s.data(), s.size());
}
void PutBool(int field, bool b, std::string* out) {
  if (!b) return;
  out->push_back(Tag(field, kVarint));
  out->push_back(1);
}
void PutMessageHeader(int field, size_t body, std::string* out) {
  out->push_back(Tag(field, kBytes));
  PutVarint(body, out);
}

// Body sizes of the messages of one node.
size_t ChildSize(const ObjectGraph::Child& c) {
  return Int32Size(c.node_id) + StringSize(c.local_name);
}
size_t AttributeSize(const ObjectGraph::Attribute& a) {
  return StringSize(a.name) + StringSize(a.full_name) +
         StringSize(a.checkpoint_key) + BoolSize(a.optional_restore);
}
size_t SlotSize(const ObjectGraph::Slot& s) {
  return Int32Size(s.original_node_id) + StringSize(s.slot_name) +
         Int32Size(s.slot_node_id);
}
size_t SaverSize(const ObjectGraph::RegisteredSaver& r) {
  return StringSize(r.name) + StringSize(r.object_name);
}

size_t NodeSize(const ObjectGraph::Node& node) {
  size_t n = 0;
  for (const ObjectGraph::Child& c : node.children)
    n += MessageSize(ChildSize(c));
  for (const ObjectGraph::Attribute& a : node.attributes) {
    n += MessageSize(AttributeSize(a));
  }
  for (const ObjectGraph::Slot& s : node.slots) n += MessageSize(SlotSize(s));
  if (node.registered_saver.has_value()) {
    n += MessageSize(SaverSize(*node.registered_saver));
  }
  if (node.has_checkpoint_values.has_value()) {
    n += MessageSize(BoolSize(*node.has_checkpoint_values));
  }
  return n;
}

void PutNode(const ObjectGraph::Node& node, std::string* out) {
  for (const ObjectGraph::Child& c : node.children) {
    PutMessageHeader(1, ChildSize(c), out);
    PutInt32(1, c.node_id, out);
    PutString(2, c.local_name, out);
  }
  for (const ObjectGraph::Attribute& a : node.attributes) {
    PutMessageHeader(2, AttributeSize(a), out);
    PutString(1, a.name, out);
    PutString(2, a.full_name, out);
    PutString(3, a.checkpoint_key, out);
    PutBool(4, a.optional_restore, out);
  }
  for (const ObjectGraph::Slot& s : node.slots) {
    PutMessageHeader(3, SlotSize(s), out);
    PutInt32(1, s.original_node_id, out);
    PutString(2, s.slot_name, out);
    PutInt32(3, s.slot_node_id, out);
  }
  if (node.registered_saver.has_value()) {
    PutMessageHeader(4, SaverSize(*node.registered_saver), out);
    PutString(1, node.registered_saver->name, out);
    PutString(2, node.registered_saver->object_name, out);
  }
  if (node.has_checkpoint_values.has_value()) {
    // Present even when false: `2a 00`, as TensorFlow's writer emits it.
    PutMessageHeader(5, BoolSize(*node.has_checkpoint_values), out);
    PutBool(1, *node.has_checkpoint_values, out);
  }
}

}  // namespace wire
}  // namespace

std::string SerializeObjectGraph(const ObjectGraph& graph) {
  // Two passes: sizes (each node's length prefix, and the total to reserve),
  // then bytes.
  std::vector<size_t> node_size(graph.nodes.size());
  size_t total = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    node_size[i] = wire::NodeSize(graph.nodes[i]);
    total += wire::MessageSize(node_size[i]);
  }
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    wire::PutMessageHeader(1, node_size[i], &out);
    wire::PutNode(graph.nodes[i], &out);
  }
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
