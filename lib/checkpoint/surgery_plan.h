// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/surgery_plan.h
// -----------------------------------------------------------------------------
//
// The machinery shared by the four edits of ckpt/surgery.h: opening a
// source (its graph and node paths), turning an edited object graph into a
// plan (new keys, collisions, the report), and writing a plan (staging,
// verification, commit). surgery.cc builds the edited graphs.

#ifndef CKPT_LIB_CHECKPOINT_SURGERY_PLAN_H_
#define CKPT_LIB_CHECKPOINT_SURGERY_PLAN_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/object_graph.h"
#include "ckpt/path_map.h"
#include "ckpt/surgery.h"

namespace ckpt::checkpoint {

// One checkpoint an edit reads.
struct EditSource {
  std::string prefix;
  std::unique_ptr<BundleReader> reader;
  ObjectGraph graph;
  std::vector<std::string> paths;                            // NodePaths(graph)
  std::vector<std::pair<std::string, BundleEntry>> entries;  // key order
};

// Opens `prefix` and reads its object graph, held to the path bound of every
// reader of untrusted graphs. FailedPrecondition for a TF1 checkpoint.
absl::StatusOr<EditSource> OpenEditSource(Env* env, const std::string& prefix);

// Per node of `graph`: whether it is reachable from the root along
// children.
std::vector<bool> ReachableNodes(const ObjectGraph& graph);

// The node at `path` of `source`'s graph (reachable from the root: its
// NodePaths path, never a slot variable's). ValidateObjectPath's
// InvalidArgument (naming `what`) for a malformed path, NotFound naming the
// path and the checkpoint for one that is no object.
absl::StatusOr<int> FindObject(const EditSource& source,
                               const std::string& path, absl::string_view what);

// The edited object graph: attributes still hold the source keys.
struct EditedGraph {
  ObjectGraph graph;
  // Per node: the source it comes from and its node there (-1: made to
  // hold children), and why it moved ("" when it did not, or no reason).
  std::vector<int> source;
  std::vector<int> origin;
  std::vector<std::string> detail;
  // Per source: why its left-out nodes were left out (RemappedGraph).
  std::vector<std::vector<RemappedGraph::Dropped>> dropped;
};

// An EditedGraph holding one RemappedGraph of source 0. A node moved by
// rule i gets detail rule_details[i], any other `no_rule_detail`.
EditedGraph FromRemapped(RemappedGraph remapped,
                         absl::Span<const std::string> rule_details,
                         absl::string_view no_rule_detail);

// A planned edit: the output graph with its new keys and every value copy.
struct EditPlan {
  struct Copy {
    int source = 0;
    std::string from_key;
    std::string to_key;
    BundleEntry entry;  // the source's entry (dtype, full shape, slices)
  };
  ObjectGraph graph;         // the output graph, new keys
  std::vector<Copy> copies;  // in write order: output node order, then kept
                             // keys no attribute names
  EditReport report;         // values and counts; bytes as planned
};

// Plans the edit of `sources` into `edited` for `destination`: new keys,
// the values to copy and to leave out (`keep_unnamed_keys`: bundle keys no
// attribute names are copied unchanged, else left out), the report.
// InvalidArgument for two values given one key or a graph string that is
// not UTF-8; DataLoss for an attribute whose key has no entry.
absl::StatusOr<EditPlan> PlanEdit(absl::Span<const EditSource> sources,
                                  EditedGraph edited, bool keep_unnamed_keys,
                                  const std::string& destination);

// Checks that `destination` can be written from `sources`: differs from
// every source (InvalidArgument) and does not exist (AlreadyExists naming
// the file found).
absl::Status CheckDestination(Env* env, const std::string& destination,
                              absl::Span<const EditSource> sources);

// Writes `plan` to a staging prefix next to `destination`, verifies it and
// renames it to `destination` (ckpt/surgery.h). Sets plan->report.bytes to
// the stored bytes written. Nothing is left at `destination` on error.
absl::Status ExecuteEdit(Env* env, absl::Span<const EditSource> sources,
                         const std::string& destination,
                         const BundleWriterOptions& options, EditPlan* plan);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_SURGERY_PLAN_H_
