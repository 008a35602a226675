// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The object-graph codec and key naming (see ckpt/object_graph.h).
//
// The codec and the graph algorithms are GraphTable's (graph/graph_table.h,
// which states their contracts); the public functions convert between
// ObjectGraph and the table.

#include "ckpt/object_graph.h"

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ckpt/status.h"
#include "graph/graph_table.h"

namespace ckpt {

absl::StatusOr<ObjectGraph> ParseObjectGraph(absl::string_view bytes,
                                             absl::string_view what,
                                             ObjectGraphLimits limits) {
  CKPT_ASSIGN_OR_RETURN(graph::GraphTable table,
                        graph::ParseGraphTable(bytes, what, limits));
  return table.ToObjectGraph();
}

std::string SerializeObjectGraph(const ObjectGraph& graph) {
  // The 2 GiB limit of SerializeGraphTable is not reachable from a graph
  // held in memory as an ObjectGraph in practice; past it, "" (unparseable
  // as a graph: it has no root) rather than bytes no parser reads.
  absl::StatusOr<std::string> bytes =
      graph::SerializeGraphTable(graph::GraphTable::FromObjectGraph(graph));
  return bytes.ok() ? *std::move(bytes) : std::string();
}

absl::Status ValidateObjectGraphStrings(const ObjectGraph& graph) {
  return graph::ValidateGraphTableStrings(
      graph::GraphTable::FromObjectGraph(graph));
}

absl::StatusOr<bool> HasObjectGraph(const BundleReader& reader) {
  absl::StatusOr<BundleEntry> entry = reader.GetEntry(kObjectGraphKey);
  if (entry.ok()) return true;
  if (absl::IsNotFound(entry.status())) return false;
  return entry.status();
}

absl::StatusOr<ObjectGraph> ReadObjectGraph(const BundleReader& reader) {
  CKPT_ASSIGN_OR_RETURN(graph::GraphTable table, graph::ReadGraphTable(reader));
  return table.ToObjectGraph();
}

std::string EscapeLocalName(absl::string_view name) {
  std::string out;
  out.reserve(name.size());
  graph::AppendEscapedName(name, &out);
  return out;
}

std::string AttributeKey(absl::string_view object_path,
                         absl::string_view attribute_name) {
  std::string key;
  graph::AppendAttributeKey(object_path, attribute_name, &key);
  return key;
}

std::string ValuePath(absl::string_view object_path,
                      absl::string_view attribute_name) {
  if (attribute_name == "VARIABLE_VALUE" && !object_path.empty()) {
    return std::string(object_path);
  }
  return AttributeKey(object_path, attribute_name);
}

std::vector<std::string> NodePaths(const ObjectGraph& graph) {
  const graph::GraphTable table = graph::GraphTable::FromObjectGraph(graph);
  absl::StatusOr<graph::NodePathTable> paths = graph::NodePathTable::Build(
      table, "", std::numeric_limits<size_t>::max());
  std::vector<std::string> out(graph.nodes.size());
  if (!paths.ok()) return out;  // no limit: not reached
  for (size_t n = 0; n < out.size(); ++n) out[n] = std::string((*paths)[n]);
  return out;
}

void ComputeHasCheckpointValues(ObjectGraph* graph) {
  graph::GraphTable table = graph::GraphTable::FromObjectGraph(*graph);
  graph::ComputeHasCheckpointValues(table);
  for (size_t n = 0; n < graph->nodes.size(); ++n) {
    graph->nodes[n].has_checkpoint_values = table.has_checkpoint_values(n);
  }
}

}  // namespace ckpt
