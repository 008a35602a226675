// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: cli/slices.h
// -----------------------------------------------------------------------------
//
// Partitioned (sliced) tensors as the CLI shows them. A partitioned tensor is
// stored as a full-tensor entry that lists slices plus one entry per slice
// under its slice key (ckpt/tensor_slice.h). The commands list such a tensor
// once, under its own key with its full shape, and hide the slice keys its
// entry lists, as TensorFlow's listing does (docs/format.md §11.6). A slice key
// that no tensor lists (an orphan: the tensor is missing, not partitioned,
// or does not list that slice) is never hidden: it is listed as an entry of
// its own, raw key escaped, with a note saying what is wrong.
//
// ListTensors reads the index only (no data file is opened).

#ifndef CKPT_TOOLS_CLI_SLICES_H_
#define CKPT_TOOLS_CLI_SLICES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/tensor_slice.h"

namespace ckpt::cli {

// One stored slice of a partitioned tensor.
struct SlicePart {
  TensorSlice slice;
  std::string key;                   // EncodeTensorNameSlice(tensor, slice)
  std::optional<BundleEntry> entry;  // unset: the index has no such entry
};

// One row of a listing that shows every partitioned tensor once.
struct ListedTensor {
  enum class Kind {
    kPlain,        // an ordinary entry (object graph included)
    kPartitioned,  // a full-tensor entry with slices
    kOrphanSlice,  // a slice key no tensor lists
  };
  Kind kind = Kind::kPlain;
  std::string key;
  BundleEntry entry;  // as stored
  // kPartitioned: the slices in stored order, empty when `layout` is not OK.
  std::vector<SlicePart> parts;
  // kPartitioned: BundleReader::GetSlices' status (DataLoss for slices that
  // overlap or lie outside the shape).
  absl::Status layout;
  // Stored bytes: the entry's own, or for a partitioned tensor the sum of
  // its slices' entries.
  int64_t stored_size = 0;
  // kOrphanSlice: why the slice is not listed ("slice 0,2:- of 'v': no
  // tensor 'v'"), escaped for display.
  std::string orphan_note;

  bool partitioned() const { return kind == Kind::kPartitioned; }
};

// The entries of `entries` (BundleReader::ListEntries of `reader`) in key
// order, every partitioned tensor once and the slice keys it lists hidden.
// GetSlices failures are recorded in `layout`; nothing fails.
std::vector<ListedTensor> ListTensors(
    const BundleReader& reader,
    absl::Span<const std::pair<std::string, BundleEntry>> entries);

// "0,2:-" start and length per dimension, full dimensions resolved to the
// dimension's size in `shape` (the slice fits `shape`).
std::vector<int64_t> SliceStarts(const TensorSlice& slice);
std::vector<int64_t> SliceLengths(const TensorSlice& slice,
                                  const TensorShape& shape);

// "2 slices" / "1 slice".
std::string SliceCountText(int64_t n);

}  // namespace ckpt::cli

#endif  // CKPT_TOOLS_CLI_SLICES_H_
