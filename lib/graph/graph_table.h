// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: graph/graph_table.h
// -----------------------------------------------------------------------------
//
// GraphTable: the object graph as flat arrays, for the library's own save
// and restore paths. ckpt::ObjectGraph (ckpt/object_graph.h) is the
// convenient public form: a vector per node and a std::string per name,
// about 360 bytes per variable node before its strings. A save or restore
// of 100,000 variables holds its graph for the whole operation, so the
// library keeps it here instead, at about 60 bytes per variable node plus
// the string bytes:
//
//   * every string (edge, attribute, slot and saver names, full names,
//     checkpoint keys) lives in one pool and is named by a 32-bit
//     (offset, size) pair;
//   * the children, attributes and slots of all nodes are three arrays;
//     node n's items are one contiguous range of each, found through a
//     32-bit end offset per node;
//   * registered savers (rare) are kept apart, by node.
//
// The codec (ParseGraphTable, SerializeGraphTable) is the one behind
// ParseObjectGraph and SerializeObjectGraph: the public functions convert.
//
// Building: AddNode() numbers nodes 0, 1, ...; the children, attributes
// and slots of each kind must be added in non-decreasing node order (a
// node's items of a kind are contiguous). The builders here (the parser,
// PlanSave) add them in that order by construction.
//
// Example:
//
//   GraphTable t;
//   const size_t root = t.AddNode(), leaf = t.AddNode();
//   t.AddChild(root, leaf, t.AddString("w"));
//   t.AddAttribute(leaf, {t.AddString("VARIABLE_VALUE"), {},
//                         t.AddString("w/.ATTRIBUTES/VARIABLE_VALUE")});
//   CKPT_ASSIGN_OR_RETURN(std::string bytes, SerializeGraphTable(t));

#ifndef CKPT_LIB_GRAPH_GRAPH_TABLE_H_
#define CKPT_LIB_GRAPH_GRAPH_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/object_graph.h"

namespace ckpt::graph {

// A string of a GraphTable's pool.
struct StrRef {
  uint32_t offset = 0;
  uint32_t size = 0;
};

class GraphTable {
 public:
  struct Child {
    int32_t node_id = 0;
    StrRef name;
  };
  struct Attribute {
    StrRef name;
    StrRef full_name;
    StrRef key;  // checkpoint_key
    bool optional_restore = false;
  };
  struct Slot {
    int32_t original_node_id = 0;
    int32_t slot_node_id = 0;
    StrRef name;
  };
  struct Saver {
    StrRef name;
    StrRef object_name;
  };

  // ---- reading ----
  size_t num_nodes() const { return has_values_.size(); }
  absl::Span<const Child> children(size_t node) const {
    return children_.Of(node);
  }
  absl::Span<const Attribute> attributes(size_t node) const {
    return attributes_.Of(node);
  }
  // Attributes are numbered across the graph in node order: node n's are
  // first_attribute(n) + [0, attributes(n).size()).
  size_t first_attribute(size_t node) const { return attributes_.Begin(node); }
  size_t num_attributes() const { return attributes_.items().size(); }
  // Attribute `index` of the graph, in that numbering.
  const Attribute& attribute(size_t index) const {
    return attributes_.items()[index];
  }
  absl::Span<const Slot> slots(size_t node) const { return slots_.Of(node); }
  const Saver* saver(size_t node) const {
    auto it = savers_.find(static_cast<uint32_t>(node));
    return it == savers_.end() ? nullptr : &it->second;
  }
  // Absent in files written by older TensorFlow.
  std::optional<bool> has_checkpoint_values(size_t node) const {
    const int8_t v = has_values_[node];
    return v < 0 ? std::nullopt : std::optional<bool>(v != 0);
  }
  // The view stays valid when the table is moved (the pool is always on the
  // heap, never in std::string's inline buffer) and until a string is added.
  absl::string_view str(StrRef s) const {
    return absl::string_view(strings_.data() + s.offset, s.size);
  }
  // Bytes of all strings (the pool's size).
  size_t string_bytes() const { return strings_.size(); }
  // Bytes held, for tests.
  size_t MemoryBytes() const;

  // ---- building ----
  // Appends a node (no items, has_checkpoint_values absent); returns its id.
  size_t AddNode() {
    has_values_.push_back(-1);
    return has_values_.size() - 1;
  }
  // Copies `s` into the pool. Past 4 GiB of strings the table is marked
  // overflowed (see status()) and an empty string is returned.
  StrRef AddString(absl::string_view s);
  // The pool grows by `bytes` without reallocating (a hint).
  void ReserveStrings(size_t bytes) { strings_.reserve(bytes); }
  void AddChild(size_t node, int32_t node_id, StrRef name) {
    children_.Add(node, {node_id, name});
  }
  void AddAttribute(size_t node, const Attribute& a) {
    attributes_.Add(node, a);
  }
  void AddSlot(size_t node, const Slot& s) { slots_.Add(node, s); }
  void SetSaver(size_t node, const Saver& s) {
    savers_[static_cast<uint32_t>(node)] = s;
  }
  void SetHasCheckpointValues(size_t node, std::optional<bool> v) {
    has_values_[node] = v.has_value() ? static_cast<int8_t>(*v) : -1;
  }
  // OK, or ResourceExhausted if the strings passed 4 GiB.
  absl::Status status() const;
  // Releases the spare capacity of the item arrays (not of the string pool:
  // shrinking it would copy it).
  void ShrinkToFit();

  // Conversions from and to the public form.
  static GraphTable FromObjectGraph(const ObjectGraph& graph);
  ObjectGraph ToObjectGraph() const;

 private:
  // Items of one kind for all nodes: node n's are items[Begin(n), End(n)).
  // end_ holds the end of every node up to the last one items were added
  // to; later nodes end where the items do.
  template <typename T>
  class Ranges {
   public:
    void Add(size_t node, const T& item) {
      // Nodes before `node` are complete: their ends are fixed now.
      while (end_.size() < node) {
        end_.push_back(static_cast<uint32_t>(items_.size()));
      }
      items_.push_back(item);
    }
    size_t Begin(size_t node) const { return node == 0 ? 0 : End(node - 1); }
    size_t End(size_t node) const {
      return node < end_.size() ? end_[node] : items_.size();
    }
    absl::Span<const T> Of(size_t node) const {
      return absl::MakeConstSpan(items_.data() + Begin(node),
                                 End(node) - Begin(node));
    }
    const std::vector<T>& items() const { return items_; }
    void ShrinkToFit() {
      items_.shrink_to_fit();
      end_.shrink_to_fit();
    }
    size_t MemoryBytes() const {
      return items_.capacity() * sizeof(T) + end_.capacity() * 4;
    }

   private:
    std::vector<T> items_;
    std::vector<uint32_t> end_;
  };

  std::string strings_;
  bool overflowed_ = false;
  Ranges<Child> children_;
  Ranges<Attribute> attributes_;
  Ranges<Slot> slots_;
  absl::flat_hash_map<uint32_t, Saver> savers_;
  std::vector<int8_t> has_values_;  // per node: -1 absent, 0, 1
};

// Decodes and validates serialized TrackableObjectGraph bytes: the contract
// of ParseObjectGraph (same checks, codes and messages).
absl::StatusOr<GraphTable> ParseGraphTable(absl::string_view bytes,
                                           absl::string_view what,
                                           ObjectGraphLimits limits = {});

// ReadObjectGraph's contract, into a table.
absl::StatusOr<GraphTable> ReadGraphTable(const BundleReader& reader);

// The object graph of `reader`, or nullopt when its index has none (a TF1
// name-based checkpoint: HasObjectGraph's rule). One index lookup and one
// read of the graph tensor: what a restore uses.
absl::StatusOr<std::optional<GraphTable>> ReadGraphTableIfAny(
    const BundleReader& reader);

// Canonical protobuf bytes (SerializeObjectGraph's contract).
// InvalidArgument if they would pass 2 GiB, which no protobuf parser reads.
absl::StatusOr<std::string> SerializeGraphTable(const GraphTable& table);

// The tensor stored under kObjectGraphKey for `table`: a string scalar of
// SerializeGraphTable's bytes. The one place that writes the graph's
// storage form (ReadGraphTable reads it).
absl::StatusOr<Tensor> GraphTableTensor(const GraphTable& table);

// ValidateObjectGraphStrings' contract.
absl::Status ValidateGraphTableStrings(const GraphTable& table);

// ComputeHasCheckpointValues' contract.
void ComputeHasCheckpointValues(GraphTable& table);

// The path of every node (NodePaths' rules), in one buffer.
//
// The memory bound of untrusted graphs lives here: every reader of an object
// graph from a file (restore, GenericTree::Load, `ckpt tree`, `tree --json`,
// `dot`, `diff --by path`, the fuzz targets) applies Limit() through Build()
// or Check(), so they all accept and refuse the same files. A chain of n
// nodes has paths of n^2 bytes: a small hostile graph (a long chain, a long
// name at the top of a chain) must not exhaust memory. A real graph stores a
// key that contains its node's path for every node with a value, so its
// paths take about as many bytes as its strings: kMaxBytes plus twice
// string_bytes() refuses only graphs made to blow up. Everything else a
// reader keeps per node (recipes, sizes, the walk's stack) is linear in
// nodes + edges + slots; nothing recurses on file data.
class NodePathTable {
 public:
  static constexpr size_t kMaxBytes = size_t{1} << 30;

  // The bound on the bytes of all of `table`'s node paths together:
  // kMaxBytes + 2 * table.string_bytes() (saturating).
  static size_t Limit(const GraphTable& table);

  // DataLoss naming `what` (the file or prefix) and the limit if the paths
  // together pass Limit(table), or `max_bytes` when given. The sizes are
  // computed before anything large is allocated.
  static absl::StatusOr<NodePathTable> Build(const GraphTable& table,
                                             absl::string_view what);
  static absl::StatusOr<NodePathTable> Build(const GraphTable& table,
                                             absl::string_view what,
                                             size_t max_bytes);

  // Build's check alone (same status), for readers that need no paths:
  // allocates O(nodes), never the paths.
  static absl::Status Check(const GraphTable& table, absl::string_view what);

  absl::string_view operator[](size_t node) const {
    return absl::string_view(bytes_.data() + begin_[node], size_[node]);
  }
  size_t size() const { return begin_.size(); }

 private:
  std::string bytes_;
  std::vector<size_t> begin_;
  std::vector<size_t> size_;
};

// The naming rules of ckpt/object_graph.h, appending to `out` (which may
// hold the paths given, if its capacity covers the append):
//   AppendEscapedName   EscapeLocalName(name)
//   AppendChildPath     the path of a child of `parent` along edge `name`:
//                       the escaped name alone under the root ("")
//   AppendSlotPath      "<original>/.OPTIMIZER_SLOT/<optimizer>/<escaped>"
//   AppendAttributeKey  AttributeKey(path, name)
void AppendEscapedName(absl::string_view name, std::string* out);
void AppendChildPath(absl::string_view parent, absl::string_view name,
                     std::string* out);
void AppendSlotPath(absl::string_view original, absl::string_view optimizer,
                    absl::string_view slot_name, std::string* out);
void AppendAttributeKey(absl::string_view path, absl::string_view name,
                        std::string* out);

// An object path as messages show it: quoted (QuoteForMessage), "(root)"
// for the root's "".
std::string QuotedPath(absl::string_view path);

// Whether `node` itself holds values: attributes, slot variables or a
// registered saver (what has_checkpoint_values propagates upwards, and
// what a path mapping may not put twice on one path).
bool HoldsValues(const ObjectGraph::Node& node);

}  // namespace ckpt::graph

#endif  // CKPT_LIB_GRAPH_GRAPH_TABLE_H_
