// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/object_graph.h
// -----------------------------------------------------------------------------
//
// The object graph of an object-based checkpoint as plain C++ values, with
// the pure codec to and from the serialized TrackableObjectGraph proto that
// is stored under the bundle key "_CHECKPOINTABLE_OBJECT_GRAPH", and the key
// naming rules shared by the writer and the tools.
//
// Nodes are numbered as stored: node 0 is the root. A node's `children` are
// named edges (several edges may point to one node; cycles are allowed);
// `slots` link an optimizer node to (original variable, slot variable) pairs.
//
// Parsing treats the bytes as untrusted: every node id is checked to be in
// range, sizes are bounded, and nothing recurses over the graph.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(ckpt::ObjectGraph g, ckpt::ReadObjectGraph(reader));
//   std::vector<std::string> paths = ckpt::NodePaths(g);   // "net/layer-0"...
//   std::string bytes = ckpt::SerializeObjectGraph(g);     // canonical

#ifndef CKPT_OBJECT_GRAPH_H_
#define CKPT_OBJECT_GRAPH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"

namespace ckpt {

struct ObjectGraph {
  struct Child {
    int node_id = 0;
    std::string local_name;
    friend bool operator==(const Child&, const Child&) = default;
  };
  struct Attribute {
    std::string name;            // e.g. "VARIABLE_VALUE"
    std::string full_name;       // TF1 variable name, "" if none
    std::string checkpoint_key;  // bundle key of the value
    bool optional_restore = false;
    friend bool operator==(const Attribute&, const Attribute&) = default;
  };
  struct Slot {
    int original_node_id = 0;
    std::string slot_name;
    int slot_node_id = 0;
    friend bool operator==(const Slot&, const Slot&) = default;
  };
  struct RegisteredSaver {
    std::string name;
    std::string object_name;
    friend bool operator==(const RegisteredSaver&,
                           const RegisteredSaver&) = default;
  };
  struct Node {
    std::vector<Child> children;
    std::vector<Attribute> attributes;
    std::vector<Slot> slots;
    std::optional<RegisteredSaver> registered_saver;
    // Absent in files written by older TensorFlow.
    std::optional<bool> has_checkpoint_values;
    friend bool operator==(const Node&, const Node&) = default;
  };
  std::vector<Node> nodes;
  friend bool operator==(const ObjectGraph&, const ObjectGraph&) = default;
};

// Limits applied when parsing untrusted bytes.
struct ObjectGraphLimits {
  int max_nodes = 10'000'000;
};

// Decodes and validates serialized TrackableObjectGraph bytes (any field
// order, unknown fields skipped). DataLoss naming `what` (e.g. the index
// file) for malformed protobuf, an empty graph, or a node/child/slot id out of
// range (the message names the node and the bad id).
absl::StatusOr<ObjectGraph> ParseObjectGraph(absl::string_view bytes,
                                             absl::string_view what,
                                             ObjectGraphLimits limits = {});

// InvalidArgument, naming the node, field and value (hex-escaped), if any
// string of the graph (edge, attribute, slot and saver names, full names,
// checkpoint keys) is not valid UTF-8: protobuf string fields must be, and
// TensorFlow and ckpt refuse to parse a graph that breaks the rule, so such a
// graph must never be written.
absl::Status ValidateObjectGraphStrings(const ObjectGraph& graph);

// Canonical protobuf bytes (field-number order, defaults omitted): for a
// graph parsed from a file TensorFlow wrote canonically, the same bytes. A
// graph whose encoding would pass 2 GiB (more than any protobuf parser
// reads) gives "" (a graph without a root, which every parser refuses).
std::string SerializeObjectGraph(const ObjectGraph& graph);

// The bundle key of the serialized object graph (a string scalar holding a
// TrackableObjectGraph).
inline constexpr absl::string_view kObjectGraphKey =
    "_CHECKPOINTABLE_OBJECT_GRAPH";

// Whether the bundle's index has an object graph entry (false: a TF1
// name-based checkpoint). Decide name-based handling with this, never from a
// NotFound of ReadObjectGraph: that is also what a missing data file gives.
absl::StatusOr<bool> HasObjectGraph(const BundleReader& reader);

// Reads the graph stored under kObjectGraphKey. NotFound if the bundle has no
// object graph (a TF1 name-based checkpoint) or if the data file holding it
// is missing; the message says which.
absl::StatusOr<ObjectGraph> ReadObjectGraph(const BundleReader& reader);

// Escapes one edge name for use in a key: "." -> "..", then "/" -> ".S".
std::string EscapeLocalName(absl::string_view name);

// The path of every node: edge names (escaped) of its first path in
// breadth-first order from the root, joined by "/"; "" for the root. Slot
// variable nodes that no edge reaches get
// "<original path>/.OPTIMIZER_SLOT/<optimizer path>/<escaped slot name>".
// Nodes reachable in no way get "". Iterative; O(nodes + edges) plus the
// path bytes, which have no bound here: a chain of n nodes has n^2 bytes of
// paths. ckpt's own readers of graphs from files (restore, GenericTree, the
// CLI) refuse graphs whose paths would pass 1 GiB plus twice the bytes of
// their strings with DataLoss (docs/errors.md).
std::vector<std::string> NodePaths(const ObjectGraph& graph);

// "<object path>/.ATTRIBUTES/<escaped attribute name>".
std::string AttributeKey(absl::string_view object_path,
                         absl::string_view attribute_name);

// The name of a value by structure, as the Python module's restore_map and
// `ckpt export`'s "ckpt.path.*" metadata give it: a VARIABLE_VALUE is named
// by its object's path ("net/layer/kernel"), any other attribute (and the
// root's VARIABLE_VALUE, whose path is "") by AttributeKey(path, name).
std::string ValuePath(absl::string_view object_path,
                      absl::string_view attribute_name);

// Sets has_checkpoint_values on every node: true iff the node or anything
// reachable from it through children has attributes, slots or a registered
// saver. Iterative.
void ComputeHasCheckpointValues(ObjectGraph* graph);

}  // namespace ckpt

#endif  // CKPT_OBJECT_GRAPH_H_
