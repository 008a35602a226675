// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: cli/convert_slices.h
// -----------------------------------------------------------------------------
//
// The write plan of `ckpt convert` (cli/cli.h RunConvert): which tensors and
// slices the output gets, in which shard and order, and how each is read
// from the source. Partitioned tensors are kept slice by slice (default),
// written whole (--merge-slices), or made from any tensor (--partition
// KEY=N, rows split as TensorFlow's fixed-size partitioner splits them).
//
// Order: per shard, the source's data-file order (ascending offset, ties by
// size then key). A kept slice is written where its stored bytes were, so
// for a TensorFlow-written single-shard bundle the full-tensor entry lists
// the slices in their stored order and index and data come back byte for
// byte. A tensor written whole or re-partitioned is written where its first
// stored byte was: a partitioned source's first slice in the lowest shard
// holding one (the shard its full entry names), a plain source's own place.
//
// Planning reads the index only; nothing is written.

#ifndef CKPT_TOOLS_CLI_CONVERT_SLICES_H_
#define CKPT_TOOLS_CLI_CONVERT_SLICES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt::cli {

// How partitioned tensors are written.
struct ConvertSliceOptions {
  // Write every partitioned tensor whole (one entry, no slices).
  bool merge_slices = false;
  // (key, N): write tensor `key` as N slices along axis 0 (N clamped to the
  // number of rows). Applies whether `key` is partitioned or not, and wins
  // over merge_slices.
  std::vector<std::pair<std::string, int64_t>> partitions;
};

// One write of the output, in plan order.
struct ConvertStep {
  // Read: the source key, whole (Read) or, with `region`, ReadSlice.
  std::string src_key;
  std::optional<TensorSlice> region;
  // Write: Add(dst_key, tensor, shard), or with `slice` AddSlice(dst_key,
  // full_shape, *slice, tensor, shard).
  std::string dst_key;
  std::optional<TensorSlice> slice;
  TensorShape full_shape;
  int shard = 0;
  // Stored bytes of the source this step accounts for (progress).
  int64_t src_bytes = 0;
};

// The plan for converting the bundle `reader` (listed as `entries`, its
// ListEntries) into `num_shards` shards. Errors, before anything is written:
//   * InvalidArgument: a --partition key that is not a tensor of the
//     checkpoint (slice keys and orphans included), named twice, a scalar,
//     or with 0 rows; an entry's shard outside [0, num_shards).
//   * DataLoss: a partitioned tensor that is kept or merged but whose
//     slices are invalid (GetSlices) or lack an entry.
// `index_name` names the source in messages.
absl::StatusOr<std::vector<ConvertStep>> PlanConvert(
    const BundleReader& reader,
    absl::Span<const std::pair<std::string, BundleEntry>> entries,
    int num_shards, const ConvertSliceOptions& options,
    const std::string& index_name);

// Parses a --partition value "KEY=N" (the last '=' splits; N >= 1).
// InvalidArgument naming the value otherwise.
absl::StatusOr<std::pair<std::string, int64_t>> ParsePartitionFlag(
    absl::string_view value);

// Removes every `--NAME VALUE` and `--NAME=VALUE` before a `--` from
// `args` and returns the values in order (a flag ParseArgs may not repeat).
// InvalidArgument for `--NAME` without a value.
absl::StatusOr<std::vector<std::string>> TakeRepeatedFlag(
    std::vector<std::string>* args, absl::string_view name);

// TensorFlow's fixed-size partitioning of `rows` rows into min(n, rows)
// parts: (start, length) per part, the first `rows mod parts` parts one row
// longer. Precondition: rows >= 1, n >= 1.
std::vector<std::pair<int64_t, int64_t>> SplitRows(int64_t rows, int64_t n);

}  // namespace ckpt::cli

#endif  // CKPT_TOOLS_CLI_CONVERT_SLICES_H_
