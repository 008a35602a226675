// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Slice layout: the rules a partitioned tensor's stored slices must follow,
// and the region arithmetic used to assemble a tensor or a sub-region of it
// from its slices. Pure: no I/O.
//
// A partitioned tensor of shape S lists slices s_1 .. s_n. They are valid if
// every s_i lies inside S (same rank, start + length <= the dimension) and
// no two of them share an element (TensorFlow's "Overlapping slices"). They
// need not cover S: a region is readable if the slices cover it
// (TensorFlow's "insufficient slices" otherwise), and `ckpt verify` reports
// a tensor whose slices leave a hole (TensorFlow's own partitioned saves
// always tile the tensor).

#ifndef CKPT_LIB_BUNDLE_SLICE_LAYOUT_H_
#define CKPT_LIB_BUNDLE_SLICE_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt::bundle {

// Most slices one partitioned tensor may list. Checking that slices do not
// overlap compares pairs whose first dimensions meet; the limit bounds that
// work (and the memory of the decoded list) for crafted entries.
inline constexpr size_t kMaxSlicesPerTensor = size_t{1} << 14;
// Most pairs of slices the overlap check compares (a sweep along the axis
// with the most distinct starts compares a slice only with those it meets
// there; layouts cut finely along several axes at once get near n^2 / 2).
inline constexpr uint64_t kMaxOverlapComparisons = uint64_t{1} << 25;

// DataLoss naming `key` and the offending slice(s) unless `slices` is a
// valid layout for `shape` (see above) of at most kMaxSlicesPerTensor slices;
// ResourceExhausted if checking it for overlaps would take more than
// kMaxOverlapComparisons comparisons.
absl::Status ValidateSliceLayout(absl::string_view key,
                                 const TensorShape& shape,
                                 absl::Span<const TensorSlice> slices);

// True if `a` and `b` (inside `shape`) share an element. Allocates nothing.
bool Overlaps(const TensorSlice& a, const TensorSlice& b,
              const TensorShape& shape);

// The intersection of `a` and `b`, both inside `shape`, as a slice with no
// full dimensions; nullopt if they share no element.
std::optional<TensorSlice> Intersect(const TensorSlice& a, const TensorSlice& b,
                                     const TensorShape& shape);

// Number of elements of `slice` (inside `shape`).
int64_t NumElements(const TensorSlice& slice, const TensorShape& shape);

// Elements of `region` covered by `slices` (a valid, non-overlapping layout
// for `shape`).
int64_t CoveredElements(absl::Span<const TensorSlice> slices,
                        const TensorSlice& region, const TensorShape& shape);

// True if `inner` (inside `outer`, both inside `shape`) occupies one
// contiguous run of `outer`'s row-major elements.
bool IsContiguousIn(const TensorSlice& inner, const TensorSlice& outer,
                    const TensorShape& shape);

// Element index of the first element of `inner` in `outer`'s row-major
// layout (`inner` inside `outer`).
int64_t OffsetIn(const TensorSlice& inner, const TensorSlice& outer,
                 const TensorShape& shape);

// Copies `region` (inside both `src` and `dst`, all inside `shape`) from a
// row-major buffer laid out as `src` to one laid out as `dst`, as calls of
// copy(dst_index, src_index, count) over runs of consecutive elements.
void CopyRegion(
    const TensorSlice& region, const TensorSlice& src, const TensorSlice& dst,
    const TensorShape& shape,
    absl::FunctionRef<void(int64_t dst_index, int64_t src_index, int64_t count)>
        copy);

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_SLICE_LAYOUT_H_
