// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: python/graph.h
// -----------------------------------------------------------------------------
//
// ckpt.object_graph and ckpt.restore_map (docs/python.md "Object graph").
//
// Contract:
//   * The graph is read as `ckpt tree` reads it (cli::ReadGraphForDisplay):
//     FailedPrecondition for a TF1 (name-based) checkpoint, DataLoss for a
//     corrupt graph or one whose node paths pass the bound of every reader
//     of untrusted graphs. Memory is linear in the graph plus its paths.
//   * ObjectGraph: one dict per node in id order, {"id", "path",
//     "children": [{"name", "id"}], "attributes": [{"name", "full_name",
//     "key", "dtype", "shape"}], "slots": [{"slot_name",
//     "original_id", "slot_id"}]}, dtype and shape None for an attribute
//     without an index entry. `path` is NodePaths' (ckpt/object_graph.h):
//     escaped edge names from the root, "" for the root and for nodes
//     reached in no way.
//   * RestoreMap: {object path: value} for every attribute of every node
//     reached from the root (through children or as a slot variable), each
//     node once, named by ValuePath (ckpt/object_graph.h): a VARIABLE_VALUE
//     under the node's path, any other attribute (and the root's value)
//     under "<path>/.ATTRIBUTES/<name>". Values as GetTensor
//     returns them. An attribute whose key has no entry raises NotFound,
//     unless it is optional_restore (then it is left out).

#ifndef CKPT_LIB_PYTHON_GRAPH_H_
#define CKPT_LIB_PYTHON_GRAPH_H_

#include <pybind11/pybind11.h>

#include "py_common.h"
#include "reader.h"

namespace ckpt::python {

py::list ObjectGraphToPython(const CheckpointReader& reader);
py::dict RestoreMap(const CheckpointReader& reader);

}  // namespace ckpt::python

#endif  // CKPT_LIB_PYTHON_GRAPH_H_
