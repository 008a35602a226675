// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// GraphTable and the object-graph codec (see graph/graph_table.h).
//
// Contracts:
//   * ParseGraphTable accepts any valid protobuf encoding (any field order,
//     unknown fields skipped) and validates every node id before returning;
//     a returned table has >= 1 node and all ids in [0, num_nodes()).
//   * SerializeGraphTable emits canonical bytes (field-number order,
//     defaults omitted, has_checkpoint_values false as a present-but-empty
//     BoolValue), the encoding TensorFlow's writers produce.
//   * NodePathTable and ComputeHasCheckpointValues are iterative and linear
//     in nodes + edges + slots (plus the path bytes), so a hostile graph
//     (deep chains, cycles) cannot exhaust the stack.

#include "graph/graph_table.h"

#include <algorithm>
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
#include "graph/node_codec.h"
#include "util/coding.h"
#include "util/errors.h"
#include "util/utf8.h"

namespace ckpt::graph {
namespace {

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

// ---- GraphTable -------------------------------------------------------------

// Larger than any std::string's inline buffer.
constexpr size_t kMinPool = 64;

StrRef GraphTable::AddString(absl::string_view s) {
  if (s.empty()) return StrRef{};
  if (overflowed_ ||
      s.size() > std::numeric_limits<uint32_t>::max() - strings_.size()) {
    overflowed_ = true;
    return StrRef{};
  }
  const StrRef ref{static_cast<uint32_t>(strings_.size()),
                   static_cast<uint32_t>(s.size())};
  // Never in the inline buffer: moving the table must not move the bytes.
  if (strings_.capacity() < kMinPool) strings_.reserve(kMinPool);
  strings_.append(s.data(), s.size());
  return ref;
}

absl::Status GraphTable::status() const {
  if (!overflowed_) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      "object graph: the names and keys of the graph pass 4 GiB");
}

void GraphTable::ShrinkToFit() {
  children_.ShrinkToFit();
  attributes_.ShrinkToFit();
  slots_.ShrinkToFit();
  has_values_.shrink_to_fit();
}

size_t GraphTable::MemoryBytes() const {
  return strings_.capacity() + children_.MemoryBytes() +
         attributes_.MemoryBytes() + slots_.MemoryBytes() +
         savers_.capacity() * (sizeof(uint32_t) + sizeof(Saver) + 1) +
         has_values_.capacity();
}

GraphTable GraphTable::FromObjectGraph(const ObjectGraph& graph) {
  GraphTable t;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ObjectGraph::Node& node = graph.nodes[n];
    t.AddNode();
    for (const ObjectGraph::Child& c : node.children) {
      t.AddChild(n, c.node_id, t.AddString(c.local_name));
    }
    for (const ObjectGraph::Attribute& a : node.attributes) {
      t.AddAttribute(n, {t.AddString(a.name), t.AddString(a.full_name),
                         t.AddString(a.checkpoint_key), a.optional_restore});
    }
    for (const ObjectGraph::Slot& s : node.slots) {
      t.AddSlot(n,
                {s.original_node_id, s.slot_node_id, t.AddString(s.slot_name)});
    }
    if (node.registered_saver.has_value()) {
      t.SetSaver(n, {t.AddString(node.registered_saver->name),
                     t.AddString(node.registered_saver->object_name)});
    }
    t.SetHasCheckpointValues(n, node.has_checkpoint_values);
  }
  return t;
}

ObjectGraph GraphTable::ToObjectGraph() const {
  ObjectGraph graph;
  graph.nodes.resize(num_nodes());
  for (size_t n = 0; n < num_nodes(); ++n) {
    ObjectGraph::Node& node = graph.nodes[n];
    node.children.reserve(children(n).size());
    for (const Child& c : children(n)) {
      node.children.push_back({c.node_id, std::string(str(c.name))});
    }
    node.attributes.reserve(attributes(n).size());
    for (const Attribute& a : attributes(n)) {
      node.attributes.push_back({std::string(str(a.name)),
                                 std::string(str(a.full_name)),
                                 std::string(str(a.key)), a.optional_restore});
    }
    node.slots.reserve(slots(n).size());
    for (const Slot& s : slots(n)) {
      node.slots.push_back(
          {s.original_node_id, std::string(str(s.name)), s.slot_node_id});
    }
    if (const Saver* s = saver(n)) {
      node.registered_saver = ObjectGraph::RegisteredSaver{
          std::string(str(s->name)), std::string(str(s->object_name))};
    }
    node.has_checkpoint_values = has_checkpoint_values(n);
  }
  return graph;
}

// ---- parsing ----------------------------------------------------------------

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

// Appends `node` to `table`; the first id out of [0, n) goes to *id_error.
void AddParsedNode(const ParsedNode& node, absl::string_view what, size_t n,
                   GraphTable* table, absl::Status* id_error) {
  const size_t i = table->AddNode();
  for (const ParsedNode::Child& c : node.children) {
    if (id_error->ok() && !InRange(c.node_id, n)) {
      *id_error = IdError(what, i, "child node_id", c.node_id, n);
    }
    table->AddChild(i, c.node_id, table->AddString(c.name));
  }
  for (const ParsedNode::Attribute& a : node.attributes) {
    table->AddAttribute(
        i, {table->AddString(a.name), table->AddString(a.full_name),
            table->AddString(a.key), a.optional_restore});
  }
  for (const ParsedNode::Slot& sv : node.slots) {
    if (id_error->ok() && !InRange(sv.original, n)) {
      *id_error =
          IdError(what, i, "slot original_variable_node_id", sv.original, n);
    }
    if (id_error->ok() && !InRange(sv.slot, n)) {
      *id_error = IdError(what, i, "slot slot_variable_node_id", sv.slot, n);
    }
    table->AddSlot(i, {sv.original, sv.slot, table->AddString(sv.name)});
  }
  if (node.saver.has_value()) {
    table->SetSaver(i, {table->AddString(node.saver->first),
                        table->AddString(node.saver->second)});
  }
  if (node.has_values.has_value()) {
    table->SetHasCheckpointValues(i, *node.has_values);
  }
}

}  // namespace

absl::StatusOr<GraphTable> ParseGraphTable(absl::string_view bytes,
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

  GraphTable table;
  // The strings are a subset of the bytes: the pool never reallocates.
  table.ReserveStrings(bytes.size());
  // An id out of range is reported once the whole graph has parsed: a
  // malformed node anywhere is reported first, as a one-message parse would.
  absl::Status id_error;
  ProtoNode pn;
  ParsedNode node;
  const bool parsed = ForEachNodeBytes(bytes, [&](absl::string_view b) {
    if (!FastParseNode(b, &node) && !ProtoParseNode(b, &pn, &node)) {
      return false;
    }
    AddParsedNode(node, what, n, &table, &id_error);
    return true;
  });
  if (!parsed) return malformed;
  CKPT_RETURN_IF_ERROR(id_error);
  table.ShrinkToFit();
  return table;
}

namespace {

// The graph from the tensor stored under kObjectGraphKey, whose entry is
// `entry`.
absl::StatusOr<GraphTable> ReadGraphTensor(const BundleReader& reader,
                                           const BundleEntry& entry) {
  const std::string what = absl::StrCat(
      "object graph '", std::string(kObjectGraphKey), "' of ", reader.prefix());
  if (entry.dtype != DataType::kString || entry.shape.rank() != 0) {
    return absl::DataLossError(
        absl::StrCat(what, " is ", std::string(DataTypeName(entry.dtype)), " ",
                     entry.shape.DebugString(), ", expected a string scalar"));
  }
  CKPT_ASSIGN_OR_RETURN(Tensor t, reader.Read(kObjectGraphKey));
  if (t.dtype() != DataType::kString || t.shape().rank() != 0 ||
      t.strings().size() != 1) {
    return absl::DataLossError(absl::StrCat(what, " is not a string scalar"));
  }
  return ParseGraphTable(t.strings()[0], what);
}

}  // namespace

absl::StatusOr<std::optional<GraphTable>> ReadGraphTableIfAny(
    const BundleReader& reader) {
  absl::StatusOr<BundleEntry> entry = reader.GetEntry(kObjectGraphKey);
  if (absl::IsNotFound(entry.status())) return std::nullopt;
  CKPT_RETURN_IF_ERROR(entry.status());
  CKPT_ASSIGN_OR_RETURN(GraphTable table, ReadGraphTensor(reader, *entry));
  return table;
}

absl::StatusOr<GraphTable> ReadGraphTable(const BundleReader& reader) {
  CKPT_ASSIGN_OR_RETURN(std::optional<GraphTable> table,
                        ReadGraphTableIfAny(reader));
  if (!table.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(reader.prefix(), ": no object graph (key '",
                     std::string(kObjectGraphKey),
                     "' absent; a TF1 name-based checkpoint?)"));
  }
  return *std::move(table);
}

absl::StatusOr<Tensor> GraphTableTensor(const GraphTable& table) {
  std::vector<std::string> bytes(1);
  CKPT_ASSIGN_OR_RETURN(bytes[0], SerializeGraphTable(table));
  return Tensor::FromStrings(TensorShape{}, std::move(bytes));
}

// ---- serializing ------------------------------------------------------------

namespace {

// Protocol buffer wire encoding of TrackableObjectGraph, written directly:
// building the message (even in an arena) costs about 470 bytes per node on
// top of the graph, 47 MiB for 100,000 variables. Every field number here is
// below 16, so each tag is one byte. Proto3 rules: a 0 int32, an empty
// string and a false bool are omitted; a present sub-message is written
// even when empty; int32 is sign-extended to 64 bits.
class WireWriter {
 public:
  explicit WireWriter(const GraphTable& t) : t_(t) {}

  // Body size of node n's TrackableObject message.
  size_t NodeSize(size_t n) const {
    size_t size = 0;
    for (const GraphTable::Child& c : t_.children(n)) {
      size += MessageSize(ChildSize(c));
    }
    for (const GraphTable::Attribute& a : t_.attributes(n)) {
      size += MessageSize(AttributeSize(a));
    }
    for (const GraphTable::Slot& s : t_.slots(n)) {
      size += MessageSize(SlotSize(s));
    }
    if (const GraphTable::Saver* s = t_.saver(n)) {
      size += MessageSize(SaverSize(*s));
    }
    if (const std::optional<bool> v = t_.has_checkpoint_values(n)) {
      size += MessageSize(BoolSize(*v));
    }
    return size;
  }

  void PutNode(size_t n, std::string* out) const {
    for (const GraphTable::Child& c : t_.children(n)) {
      PutMessageHeader(1, ChildSize(c), out);
      PutInt32(1, c.node_id, out);
      PutString(2, c.name, out);
    }
    for (const GraphTable::Attribute& a : t_.attributes(n)) {
      PutMessageHeader(2, AttributeSize(a), out);
      PutString(1, a.name, out);
      PutString(2, a.full_name, out);
      PutString(3, a.key, out);
      PutBool(4, a.optional_restore, out);
    }
    for (const GraphTable::Slot& s : t_.slots(n)) {
      PutMessageHeader(3, SlotSize(s), out);
      PutInt32(1, s.original_node_id, out);
      PutString(2, s.name, out);
      PutInt32(3, s.slot_node_id, out);
    }
    if (const GraphTable::Saver* s = t_.saver(n)) {
      PutMessageHeader(4, SaverSize(*s), out);
      PutString(1, s->name, out);
      PutString(2, s->object_name, out);
    }
    if (const std::optional<bool> v = t_.has_checkpoint_values(n)) {
      // Present even when false: `2a 00`, as TensorFlow's writer emits it.
      PutMessageHeader(5, BoolSize(*v), out);
      PutBool(1, *v, out);
    }
  }

  static size_t MessageSize(size_t body) { return 1 + VarintSize(body) + body; }
  static void PutMessageHeader(int field, size_t body, std::string* out) {
    out->push_back(Tag(field, kBytes));
    PutVarint64(out, body);
  }

 private:
  static constexpr int kVarint = 0;
  static constexpr int kBytes = 2;
  static constexpr char Tag(int field, int wire_type) {
    return static_cast<char>((field << 3) | wire_type);
  }
  static size_t VarintSize(uint64_t v) {
    return static_cast<size_t>(VarintLength(v));
  }
  static uint64_t Int32Bits(int32_t v) {
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  }
  static size_t Int32Size(int32_t v) {
    return v == 0 ? 0 : 1 + VarintSize(Int32Bits(v));
  }
  static size_t StringSize(StrRef s) {
    return s.size == 0 ? 0 : 1 + VarintSize(s.size) + s.size;
  }
  static size_t BoolSize(bool b) { return b ? 2 : 0; }

  static size_t ChildSize(const GraphTable::Child& c) {
    return Int32Size(c.node_id) + StringSize(c.name);
  }
  static size_t AttributeSize(const GraphTable::Attribute& a) {
    return StringSize(a.name) + StringSize(a.full_name) + StringSize(a.key) +
           BoolSize(a.optional_restore);
  }
  static size_t SlotSize(const GraphTable::Slot& s) {
    return Int32Size(s.original_node_id) + StringSize(s.name) +
           Int32Size(s.slot_node_id);
  }
  static size_t SaverSize(const GraphTable::Saver& s) {
    return StringSize(s.name) + StringSize(s.object_name);
  }

  static void PutInt32(int field, int32_t v, std::string* out) {
    if (v == 0) return;
    out->push_back(Tag(field, kVarint));
    PutVarint64(out, Int32Bits(v));
  }
  void PutString(int field, StrRef s, std::string* out) const {
    if (s.size == 0) return;
    out->push_back(Tag(field, kBytes));
    PutVarint64(out, s.size);
    const absl::string_view bytes = t_.str(s);
    out->append(bytes.data(), bytes.size());
  }
  static void PutBool(int field, bool b, std::string* out) {
    if (!b) return;
    out->push_back(Tag(field, kVarint));
    out->push_back(1);
  }

  const GraphTable& t_;
};

}  // namespace

absl::StatusOr<std::string> SerializeGraphTable(const GraphTable& table) {
  CKPT_RETURN_IF_ERROR(table.status());
  // Two passes: sizes (each node's length prefix, and the total to reserve),
  // then bytes.
  const WireWriter w(table);
  std::vector<size_t> node_size(table.num_nodes());
  size_t total = 0;
  for (size_t n = 0; n < table.num_nodes(); ++n) {
    node_size[n] = w.NodeSize(n);
    total += WireWriter::MessageSize(node_size[n]);
  }
  if (total > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "object graph of ", table.num_nodes(), " nodes would take ", total,
        " bytes, more than the 2 GiB a protobuf parser reads"));
  }
  std::string out;
  out.reserve(total);
  for (size_t n = 0; n < table.num_nodes(); ++n) {
    WireWriter::PutMessageHeader(1, node_size[n], &out);
    w.PutNode(n, &out);
  }
  return out;
}

absl::Status ValidateGraphTableStrings(const GraphTable& table) {
  for (size_t id = 0; id < table.num_nodes(); ++id) {
    auto check = [id, &table](absl::string_view field,
                              StrRef ref) -> absl::Status {
      const absl::string_view value = table.str(ref);
      if (IsValidUtf8(value)) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(
          "object graph node ", id, ": ", std::string(field), " \"",
          absl::CHexEscape(value),
          "\" is not valid UTF-8 (protobuf strings must be); rename it"));
    };
    for (const GraphTable::Child& c : table.children(id)) {
      CKPT_RETURN_IF_ERROR(check("child name", c.name));
    }
    for (const GraphTable::Attribute& a : table.attributes(id)) {
      CKPT_RETURN_IF_ERROR(check("attribute name", a.name));
      CKPT_RETURN_IF_ERROR(check("full_name", a.full_name));
      CKPT_RETURN_IF_ERROR(check("checkpoint key", a.key));
    }
    for (const GraphTable::Slot& s : table.slots(id)) {
      CKPT_RETURN_IF_ERROR(check("slot name", s.name));
    }
    if (const GraphTable::Saver* s = table.saver(id)) {
      CKPT_RETURN_IF_ERROR(check("saver name", s->name));
      CKPT_RETURN_IF_ERROR(check("saver object name", s->object_name));
    }
  }
  return absl::OkStatus();
}

void ComputeHasCheckpointValues(GraphTable& table) {
  const size_t n = table.num_nodes();
  // Reverse edges in compressed form: parents of node v are
  // parents[offsets[v] .. offsets[v + 1]).
  std::vector<size_t> offsets(n + 1, 0);
  for (size_t p = 0; p < n; ++p) {
    for (const GraphTable::Child& c : table.children(p)) {
      if (InRange(c.node_id, n)) ++offsets[static_cast<size_t>(c.node_id) + 1];
    }
  }
  for (size_t v = 0; v < n; ++v) offsets[v + 1] += offsets[v];
  std::vector<size_t> parents(offsets[n]);
  std::vector<size_t> fill(offsets.begin(), offsets.end() - 1);
  for (size_t p = 0; p < n; ++p) {
    for (const GraphTable::Child& c : table.children(p)) {
      if (InRange(c.node_id, n)) {
        parents[fill[static_cast<size_t>(c.node_id)]++] = p;
      }
    }
  }

  std::vector<bool> value(n, false);
  std::vector<size_t> worklist;
  for (size_t v = 0; v < n; ++v) {
    if (!table.attributes(v).empty() || !table.slots(v).empty() ||
        table.saver(v) != nullptr) {
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
    table.SetHasCheckpointValues(v, static_cast<bool>(value[v]));
  }
}

// ---- paths ------------------------------------------------------------------

void AppendEscapedName(absl::string_view name, std::string* out) {
  for (char c : name) {
    if (c == '.') {
      out->append("..");
    } else if (c == '/') {
      out->append(".S");
    } else {
      out->push_back(c);
    }
  }
}

namespace {

size_t EscapedSize(absl::string_view name) {
  size_t size = name.size();
  for (char c : name) size += (c == '.' || c == '/');
  return size;
}

constexpr absl::string_view kSlotMarker = "/.OPTIMIZER_SLOT/";
constexpr absl::string_view kAttributesMarker = "/.ATTRIBUTES/";

void Append(absl::string_view s, std::string* out) {
  out->append(s.data(), s.size());
}

}  // namespace

void AppendChildPath(absl::string_view parent, absl::string_view name,
                     std::string* out) {
  if (!parent.empty()) {
    Append(parent, out);
    out->push_back('/');
  }
  AppendEscapedName(name, out);
}

void AppendSlotPath(absl::string_view original, absl::string_view optimizer,
                    absl::string_view slot_name, std::string* out) {
  Append(original, out);
  Append(kSlotMarker, out);
  Append(optimizer, out);
  out->push_back('/');
  AppendEscapedName(slot_name, out);
}

void AppendAttributeKey(absl::string_view path, absl::string_view name,
                        std::string* out) {
  Append(path, out);
  Append(kAttributesMarker, out);
  AppendEscapedName(name, out);
}

namespace {

// How a node's path is made: from its parent's path and an edge name, or
// (a slot variable) from its original's and optimizer's paths.
struct PathRecipe {
  enum Kind : uint8_t { kNone, kRoot, kEdge, kSlot } kind = kNone;
  size_t a = 0;  // kEdge: the parent; kSlot: the original
  size_t b = 0;  // kSlot: the optimizer
  StrRef name;   // the edge or slot name
};

// Saturating addition: a size that passes SIZE_MAX is over any limit.
size_t AddSat(size_t a, size_t b) {
  return a > std::numeric_limits<size_t>::max() - b
             ? std::numeric_limits<size_t>::max()
             : a + b;
}

// The recipes of all paths, in the order they are assigned (a recipe only
// uses paths assigned before it), and their sizes.
struct PathPlan {
  std::vector<size_t> order;
  std::vector<PathRecipe> recipe;
  std::vector<size_t> size;  // per node
  size_t total = 0;          // saturating
};

PathPlan PlanPaths(const GraphTable& table) {
  const size_t n = table.num_nodes();
  PathPlan plan;
  plan.order.reserve(n);
  plan.recipe.resize(n);
  std::vector<PathRecipe>& recipe = plan.recipe;
  std::vector<size_t>& order = plan.order;
  if (n > 0) {
    recipe[0].kind = PathRecipe::kRoot;
    order.push_back(0);
  }
  // Breadth-first over children edges in stored order; first discovery wins.
  for (size_t head = 0; head < order.size(); ++head) {
    const size_t id = order[head];
    for (const GraphTable::Child& c : table.children(id)) {
      if (!InRange(c.node_id, n)) continue;
      const size_t child = static_cast<size_t>(c.node_id);
      if (recipe[child].kind != PathRecipe::kNone) continue;
      recipe[child] = {PathRecipe::kEdge, id, 0, c.name};
      order.push_back(child);
    }
  }
  // Slot variables no edge reaches, optimizers in node order.
  for (size_t opt = 0; opt < n; ++opt) {
    if (recipe[opt].kind == PathRecipe::kNone) continue;
    for (const GraphTable::Slot& s : table.slots(opt)) {
      if (!InRange(s.original_node_id, n) || !InRange(s.slot_node_id, n)) {
        continue;
      }
      const size_t orig = static_cast<size_t>(s.original_node_id);
      const size_t slot = static_cast<size_t>(s.slot_node_id);
      if (recipe[slot].kind != PathRecipe::kNone ||
          recipe[orig].kind == PathRecipe::kNone) {
        continue;
      }
      recipe[slot] = {PathRecipe::kSlot, orig, opt, s.name};
      order.push_back(slot);
    }
  }
  plan.size.assign(n, 0);
  for (size_t id : order) {
    const PathRecipe& r = recipe[id];
    const size_t name = EscapedSize(table.str(r.name));
    size_t size = 0;
    if (r.kind == PathRecipe::kEdge) {
      const size_t parent = plan.size[r.a];
      size = parent == 0 ? name : AddSat(parent, 1 + name);
    } else if (r.kind == PathRecipe::kSlot) {
      size = AddSat(AddSat(plan.size[r.a], kSlotMarker.size()),
                    AddSat(plan.size[r.b], 1 + name));
    }
    plan.size[id] = size;
    plan.total = AddSat(plan.total, size);
  }
  return plan;
}

absl::Status CheckPlan(const PathPlan& plan, const GraphTable& table,
                       absl::string_view what, size_t max_bytes) {
  if (plan.total <= max_bytes) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      std::string(what), ": the paths of the object graph's ",
      table.num_nodes(), " nodes take ", plan.total,
      " bytes, more than the limit of ", max_bytes, " bytes",
      max_bytes == NodePathTable::Limit(table)
          ? absl::StrCat(" (1 GiB plus twice the ", table.string_bytes(),
                         " bytes of the graph's names and keys); a graph "
                         "made to exhaust memory")
          : std::string()));
}

}  // namespace

size_t NodePathTable::Limit(const GraphTable& table) {
  return AddSat(kMaxBytes, AddSat(table.string_bytes(), table.string_bytes()));
}

absl::Status NodePathTable::Check(const GraphTable& table,
                                  absl::string_view what) {
  return CheckPlan(PlanPaths(table), table, what, Limit(table));
}

absl::StatusOr<NodePathTable> NodePathTable::Build(const GraphTable& table,
                                                   absl::string_view what) {
  return Build(table, what, Limit(table));
}

absl::StatusOr<NodePathTable> NodePathTable::Build(const GraphTable& table,
                                                   absl::string_view what,
                                                   size_t max_bytes) {
  // Sizes first: the limit is checked before anything large is allocated.
  PathPlan plan = PlanPaths(table);
  CKPT_RETURN_IF_ERROR(CheckPlan(plan, table, what, max_bytes));
  NodePathTable paths;
  paths.begin_.assign(table.num_nodes(), 0);
  paths.size_ = std::move(plan.size);
  paths.bytes_.reserve(plan.total);  // never reallocates below: views stay put
  for (size_t id : plan.order) {
    const PathRecipe& r = plan.recipe[id];
    std::string& out = paths.bytes_;
    paths.begin_[id] = out.size();
    // The paths appended from are in `out`, which does not reallocate.
    if (r.kind == PathRecipe::kEdge) {
      AppendChildPath(paths[r.a], table.str(r.name), &out);
    } else if (r.kind == PathRecipe::kSlot) {
      AppendSlotPath(paths[r.a], paths[r.b], table.str(r.name), &out);
    }
  }
  return paths;
}

std::string QuotedPath(absl::string_view path) {
  return path.empty() ? std::string("(root)") : QuoteForMessage(path);
}

bool HoldsValues(const ObjectGraph::Node& node) {
  return !node.attributes.empty() || !node.slots.empty() ||
         node.registered_saver.has_value();
}

}  // namespace ckpt::graph
