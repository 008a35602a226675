// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/collective_save.h
// -----------------------------------------------------------------------------
//
// The collective half of a save from many processes (docs/distributed.md):
// every rank has planned the same object graph (PlanSave) and calls
// WritePlanCollective with the same prefix. The steps, each ending in an
// agreement so that a failure on any rank is the error of every rank:
//
//   1. Agree on the plan: a digest of each rank's description (prefix, keys,
//      dtypes, shapes, which values are partitioned) is compared; on a
//      mismatch every rank fails naming the first key that differs.
//   2. Agree on the parts: the slices every rank holds of each partitioned
//      value, together, must tile the value (inside, no overlap, no hole).
//   3. Assign the values written once (every value that is not partitioned,
//      and partitioned values every rank holds whole and alike):
//      each is written once, by the rank with the fewest bytes so far,
//      largest value first (ties: the lower key, the lower rank); partitioned
//      parts count first, and rank 0 also writes the object graph. Every rank
//      computes the same assignment from the same data.
//   4. Each rank writes its share as bundle "<prefix>_temp/part-RRRRR-of-NNNNN"
//      (TensorFlow's temporary layout); rank 0 first clears what a killed
//      save left in that directory.
//   5. Rank 0 merges the parts into "<prefix>" (MergeBundles: data files
//      renamed, the index written atomically last) and removes the temporary
//      directory. A failure before the index is renamed leaves no new
//      checkpoint at `prefix`; an index already there (one a killed save
//      left unnamed) is replaced only by that rename (replace_output), its
//      data files of the same names before it, as a BundleWriter does.

#ifndef CKPT_LIB_CHECKPOINT_COLLECTIVE_SAVE_H_
#define CKPT_LIB_CHECKPOINT_COLLECTIVE_SAVE_H_

#include <string>

#include "absl/status/status.h"
#include "checkpoint/save_plan.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"

namespace ckpt::checkpoint {

// Steps 1-5 above with options.communicator (not null). Returns the same
// status on every rank.
absl::Status WritePlanCollective(const SavePlan& plan,
                                 const std::string& prefix,
                                 const SaveOptions& options);

// The temporary directory of a collective save to `prefix`, and the prefix
// rank `rank` of `size` writes in it.
std::string CollectiveTempDir(const std::string& prefix);
std::string CollectivePartPrefix(const std::string& prefix, int rank, int size);

// Deletes the files in a collective save's temporary directory `dir` and
// `dir` itself; NotFound is success.
absl::Status RemoveTempDir(Env* env, const std::string& dir);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_COLLECTIVE_SAVE_H_
