// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/save_plan.h
// -----------------------------------------------------------------------------
//
// The two halves of a save, apart so that an asynchronous save can put a
// snapshot between them:
//
//   PlanSave   walks the live object graph and decides everything: node ids,
//              keys, the graph (a GraphTable), custom attribute values
//              (produced now). All checks of SaveObjectGraph run here; no
//              file is touched. The plan points at the live tensors of
//              variables.
//   StagingBuffers::Stage
//              copies those live tensors into buffers it owns and points the
//              plan at the copies (the snapshot of an asynchronous save).
//   WritePlan  writes the plan as a bundle: one data file, or several
//              written by several threads (SaveOptions::num_threads,
//              max_shard_bytes).
//
// SaveObjectGraph is PlanSave followed by WritePlan.

#ifndef CKPT_LIB_CHECKPOINT_SAVE_PLAN_H_
#define CKPT_LIB_CHECKPOINT_SAVE_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/checkpoint.h"
#include "ckpt/object_graph.h"
#include "ckpt/tensor.h"
#include "ckpt/trackable.h"
#include "graph/graph_table.h"

namespace ckpt {
namespace checkpoint {

// Where a part of a partitioned attribute goes: its region of the full
// tensor.
struct PlannedSlice {
  TensorSlice slice;
  TensorShape full_shape;
};

// One tensor to write: a live (or staged) tensor, or the value a custom
// attribute produced; for a partitioned attribute, one part of it (all
// parts share the attribute, hence the key). 48 bytes: a plan for 100,000
// variables must not cost more than the variables' metadata already does.
struct PlannedTensor {
  absl::string_view key;             // the attribute's key in SavePlan::graph
  const Tensor* live = nullptr;      // a variable's tensor, or its staged copy
  const Tensor* produced = nullptr;  // in SavePlan::produced, if not live
  const PlannedSlice* slice = nullptr;  // in SavePlan::slices: a part
  uint32_t attribute = 0;  // index of the attribute in SavePlan::graph
  const Tensor& value() const { return live != nullptr ? *live : *produced; }
};

// Keys and produced values are views into the plan itself: a SavePlan may be
// moved (the views stay valid) but must not be copied.
struct SavePlan {
  graph::GraphTable graph;
  std::deque<Tensor> produced;         // values of custom attributes
  std::deque<PlannedSlice> slices;     // regions of partitioned parts
  std::vector<PlannedTensor> tensors;  // in node order (parts in order)
};

absl::StatusOr<SavePlan> PlanSave(ObjectRef root, const SaveOptions& options);

// Writes `plan` to `prefix` (options.env, options.bundle, num_threads,
// max_shard_bytes). Errors are annotated with the key being written.
absl::Status WritePlan(const SavePlan& plan, const std::string& prefix,
                       const SaveOptions& options);

// WritePlan of the tensors plan.tensors[i] for i in `selected` (in that
// order), and of `graph_tensor` (plan.graph serialized by GraphTableTensor;
// null: no object graph): one rank's share of a collective save.
absl::Status WritePlanPart(const SavePlan& plan,
                           absl::Span<const size_t> selected,
                           const Tensor* graph_tensor,
                           const std::string& prefix,
                           const SaveOptions& options);

// Checks num_threads, max_shard_bytes and bundle.num_shards.
absl::Status ValidateSaveOptions(const SaveOptions& options);

// The shard of each tensor, given the tensors' byte sizes in order: with
// max_shard_bytes, consecutive tensors are packed into shards of at most
// that many bytes (a larger tensor alone); otherwise, with num_threads > 1
// and at least 8 MiB per shard, min(num_threads, bytes / 8 MiB) shards
// balanced by bytes, largest tensor first to the lightest shard. Returns
// the shard count in *num_shards.
std::vector<int> AssignShards(const std::vector<uint64_t>& sizes,
                              int num_threads, int64_t max_shard_bytes,
                              int* num_shards);

// Owned copies of the live tensors of a plan: the snapshot of an
// asynchronous save. Buffers are kept between Stage() calls and reused when
// the tensor at the same position has the same dtype and shape, so a
// training loop that saves the same model repeatedly allocates (and
// page-faults) only on the first save. Not thread-safe.
class StagingBuffers {
 public:
  // Copies every live tensor of `plan` into a buffer and points the plan at
  // the copies. Buffers beyond the plan's are released. The copies run on
  // up to `num_threads` threads (the caller is one) once there are at least
  // 64 MiB to copy.
  absl::Status Stage(SavePlan& plan, int num_threads = 1);
  // Bytes held (fixed-size tensors; strings not counted).
  uint64_t bytes() const;
  void Clear() { buffers_.clear(); }

 private:
  std::vector<Tensor> buffers_;
};

}  // namespace checkpoint
}  // namespace ckpt

#endif  // CKPT_LIB_CHECKPOINT_SAVE_PLAN_H_
