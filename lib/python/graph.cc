// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ckpt.object_graph and ckpt.restore_map; the contract is in python/graph.h.

#include "graph.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ckpt/dtype.h"
#include "ckpt/object_graph.h"
#include "cli/cli.h"
#include "graph/graph_table.h"
#include "util/errors.h"

namespace ckpt::python {
namespace {

struct LoadedGraph {
  ObjectGraph graph;
  graph::NodePathTable paths;
};

LoadedGraph Load(const CheckpointReader& reader) {
  LoadedGraph loaded;
  absl::StatusOr<ObjectGraph> graph;
  const std::shared_ptr<const BundleReader> bundle = reader.bundle();
  {
    py::gil_scoped_release release;
    graph = cli::ReadGraphForDisplay(*bundle, reader.prefix(), &loaded.paths);
  }
  ThrowIfError(graph.status());
  loaded.graph = *std::move(graph);
  return loaded;
}

py::str Str(absl::string_view s) {
  // Names in a graph are valid UTF-8 (ParseObjectGraph's callers check it
  // before anything is built); decode with surrogateescape all the same, so
  // that no byte can make this raise.
  return py::reinterpret_steal<py::str>(PyUnicode_DecodeUTF8(
      s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape"));
}

}  // namespace

py::list ObjectGraphToPython(const CheckpointReader& reader) {
  LoadedGraph loaded = Load(reader);
  const std::shared_ptr<const BundleReader> bundle = reader.bundle();
  py::list nodes;
  for (size_t id = 0; id < loaded.graph.nodes.size(); ++id) {
    const ObjectGraph::Node& node = loaded.graph.nodes[id];
    py::list children;
    for (const ObjectGraph::Child& c : node.children) {
      py::dict child;
      child["name"] = Str(c.local_name);
      child["id"] = c.node_id;
      children.append(std::move(child));
    }
    py::list attributes;
    for (const ObjectGraph::Attribute& a : node.attributes) {
      py::dict attr;
      attr["name"] = Str(a.name);
      attr["full_name"] = Str(a.full_name);
      attr["key"] = Str(a.checkpoint_key);
      absl::StatusOr<BundleEntry> entry = bundle->GetEntry(a.checkpoint_key);
      if (entry.ok()) {
        attr["dtype"] = std::string(DataTypeName(entry->dtype));
        attr["shape"] = py::cast(entry->shape.dims());
      } else {
        attr["dtype"] = py::none();
        attr["shape"] = py::none();
      }
      attributes.append(std::move(attr));
    }
    py::list slots;
    for (const ObjectGraph::Slot& s : node.slots) {
      py::dict slot;
      slot["slot_name"] = Str(s.slot_name);
      slot["original_id"] = s.original_node_id;
      slot["slot_id"] = s.slot_node_id;
      slots.append(std::move(slot));
    }
    py::dict d;
    d["id"] = id;
    d["path"] = Str(loaded.paths[id]);
    d["children"] = std::move(children);
    d["attributes"] = std::move(attributes);
    d["slots"] = std::move(slots);
    nodes.append(std::move(d));
  }
  return nodes;
}

py::dict RestoreMap(const CheckpointReader& reader) {
  LoadedGraph loaded = Load(reader);
  py::dict values;
  for (size_t id = 0; id < loaded.graph.nodes.size(); ++id) {
    const absl::string_view path = loaded.paths[id];
    // Only the root has the empty path among the nodes reached from it.
    if (path.empty() && id != 0) continue;
    for (const ObjectGraph::Attribute& a : loaded.graph.nodes[id].attributes) {
      if (!reader.HasTensor(a.checkpoint_key)) {
        if (a.optional_restore) continue;
        const std::string name = ValuePath(path, a.name);
        ThrowStatus(absl::NotFoundError(absl::StrCat(
            "checkpoint '", reader.prefix(), "': object ",
            QuoteForMessage(name), " names key ",
            QuoteForMessage(a.checkpoint_key), ", which has no entry")));
      }
      values[Str(ValuePath(path, a.name))] = reader.GetTensor(a.checkpoint_key);
    }
  }
  return values;
}

}  // namespace ckpt::python
