// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Slice layout rules and region arithmetic (contract in slice_layout.h).

#include "bundle/slice_layout.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "util/errors.h"

namespace ckpt::bundle {
namespace {

// "key 'K'", or "slice layout" for the checks of live parts (no key).
std::string KeyContext(absl::string_view key) {
  if (key.empty()) return "slice layout";
  return absl::StrCat("key ", QuoteForMessage(key));
}

// Row-major strides of `box` (in elements).
std::vector<int64_t> Strides(const TensorSlice& box, const TensorShape& shape) {
  std::vector<int64_t> strides(static_cast<size_t>(shape.rank()), 1);
  for (int d = shape.rank() - 2; d >= 0; --d) {
    strides[static_cast<size_t>(d)] =
        strides[static_cast<size_t>(d) + 1] *
        (box.End(d + 1, shape) - box.Start(d + 1));
  }
  return strides;
}

// The dimension in which `order`'s slices have the most distinct starts.
int SweepAxis(absl::Span<const TensorSlice> slices,
              const std::vector<size_t>& order, const TensorShape& shape) {
  int best = 0;
  size_t best_count = 0;
  std::vector<int64_t> starts;
  starts.reserve(order.size());
  for (int d = 0; d < shape.rank(); ++d) {
    starts.clear();
    for (size_t i : order) starts.push_back(slices[i].Start(d));
    std::sort(starts.begin(), starts.end());
    const size_t count = static_cast<size_t>(
        std::unique(starts.begin(), starts.end()) - starts.begin());
    if (count > best_count) {
      best = d;
      best_count = count;
    }
  }
  return best;
}

}  // namespace

absl::Status ValidateSliceLayout(absl::string_view key,
                                 const TensorShape& shape,
                                 absl::Span<const TensorSlice> slices) {
  if (slices.size() > kMaxSlicesPerTensor) {
    return absl::DataLossError(absl::StrCat(
        KeyContext(key), ": partitioned tensor lists ", slices.size(),
        " slices, more than the limit of ", kMaxSlicesPerTensor));
  }
  for (size_t i = 0; i < slices.size(); ++i) {
    if (absl::Status s = slices[i].CheckFits(shape); !s.ok()) {
      return absl::DataLossError(absl::StrCat(KeyContext(key), ": slice ", i,
                                              " of ", slices.size(), ": ",
                                              s.message()));
    }
  }
  // Slices that hold elements, by their start in dimension 0; a sweep
  // compares each with the earlier ones whose rows it meets.
  std::vector<size_t> order;
  order.reserve(slices.size());
  for (size_t i = 0; i < slices.size(); ++i) {
    if (NumElements(slices[i], shape) > 0) order.push_back(i);
  }
  const auto overlapping = [&](size_t a, size_t b) {
    if (a > b) std::swap(a, b);
    return absl::DataLossError(absl::StrCat(
        KeyContext(key), ": Overlapping slices ", slices[a].DebugString(),
        " and ", slices[b].DebugString(), " (slices ", a, " and ", b, " of ",
        slices.size(), ") of shape ", shape.DebugString()));
  };
  if (shape.rank() == 0) {
    if (order.size() > 1) return overlapping(order[0], order[1]);
    return absl::OkStatus();
  }
  // Sweep along the dimension the slices are cut most finely in: slices
  // partitioned along any one axis then compare with their neighbours only.
  const int axis = SweepAxis(slices, order, shape);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return slices[a].Start(axis) < slices[b].Start(axis);
  });
  std::vector<size_t> active;
  uint64_t comparisons = 0;
  for (size_t i : order) {
    const int64_t start = slices[i].Start(axis);
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&](size_t j) {
                                  return slices[j].End(axis, shape) <= start;
                                }),
                 active.end());
    comparisons += active.size();
    if (comparisons > kMaxOverlapComparisons) {
      return absl::ResourceExhaustedError(absl::StrCat(
          KeyContext(key), ": checking its ", slices.size(),
          " slices for overlaps needs more than ", kMaxOverlapComparisons,
          " comparisons (slices cut finely along several axes at once)"));
    }
    for (size_t j : active) {
      if (Overlaps(slices[i], slices[j], shape)) return overlapping(i, j);
    }
    active.push_back(i);
  }
  return absl::OkStatus();
}

bool Overlaps(const TensorSlice& a, const TensorSlice& b,
              const TensorShape& shape) {
  for (int d = 0; d < shape.rank(); ++d) {
    if (std::max(a.Start(d), b.Start(d)) >=
        std::min(a.End(d, shape), b.End(d, shape))) {
      return false;
    }
  }
  return true;
}

std::optional<TensorSlice> Intersect(const TensorSlice& a, const TensorSlice& b,
                                     const TensorShape& shape) {
  std::vector<int64_t> start(static_cast<size_t>(shape.rank()));
  std::vector<int64_t> length(start.size());
  for (int d = 0; d < shape.rank(); ++d) {
    const int64_t lo = std::max(a.Start(d), b.Start(d));
    const int64_t hi = std::min(a.End(d, shape), b.End(d, shape));
    if (lo >= hi) return std::nullopt;
    start[static_cast<size_t>(d)] = lo;
    length[static_cast<size_t>(d)] = hi - lo;
  }
  // Inside `shape`: valid by construction.
  return TensorSlice::FromStartLength(start, length).value();
}

int64_t NumElements(const TensorSlice& slice, const TensorShape& shape) {
  int64_t n = 1;
  for (int d = 0; d < shape.rank(); ++d) {
    n *= slice.End(d, shape) - slice.Start(d);
  }
  return n;
}

int64_t CoveredElements(absl::Span<const TensorSlice> slices,
                        const TensorSlice& region, const TensorShape& shape) {
  int64_t covered = 0;
  for (const TensorSlice& s : slices) {
    if (std::optional<TensorSlice> part = Intersect(s, region, shape)) {
      covered += NumElements(*part, shape);
    }
  }
  return covered;
}

bool IsContiguousIn(const TensorSlice& inner, const TensorSlice& outer,
                    const TensorShape& shape) {
  int d = shape.rank() - 1;
  // Trailing dimensions that `inner` spans in full ...
  while (d >= 0 && inner.Start(d) == outer.Start(d) &&
         inner.End(d, shape) == outer.End(d, shape)) {
    --d;
  }
  // ... one that it may cut, and before it only single indices.
  for (--d; d >= 0; --d) {
    if (inner.End(d, shape) - inner.Start(d) != 1) return false;
  }
  return true;
}

int64_t OffsetIn(const TensorSlice& inner, const TensorSlice& outer,
                 const TensorShape& shape) {
  const std::vector<int64_t> strides = Strides(outer, shape);
  int64_t offset = 0;
  for (int d = 0; d < shape.rank(); ++d) {
    offset +=
        (inner.Start(d) - outer.Start(d)) * strides[static_cast<size_t>(d)];
  }
  return offset;
}

void CopyRegion(const TensorSlice& region, const TensorSlice& src,
                const TensorSlice& dst, const TensorShape& shape,
                absl::FunctionRef<void(int64_t, int64_t, int64_t)> copy) {
  const int rank = shape.rank();
  if (NumElements(region, shape) == 0) return;
  if (rank == 0) {
    copy(0, 0, 1);
    return;
  }
  const std::vector<int64_t> src_strides = Strides(src, shape);
  const std::vector<int64_t> dst_strides = Strides(dst, shape);
  const auto len = [&](const TensorSlice& s, int d) {
    return s.End(d, shape) - s.Start(d);
  };
  // The run: the last dimension, widened over the dimensions before it
  // while the region spans both source and destination there.
  int inner = rank - 1;
  int64_t run = len(region, inner);
  while (inner > 0 && len(region, inner) == len(src, inner) &&
         len(region, inner) == len(dst, inner)) {
    --inner;
    run *= len(region, inner);
  }
  int64_t src_at = OffsetIn(region, src, shape);
  int64_t dst_at = OffsetIn(region, dst, shape);
  // Odometer over the dimensions before `inner`.
  std::vector<int64_t> index(static_cast<size_t>(inner), 0);
  while (true) {
    copy(dst_at, src_at, run);
    int d = inner - 1;
    for (; d >= 0; --d) {
      const size_t k = static_cast<size_t>(d);
      if (++index[k] < len(region, d)) {
        src_at += src_strides[k];
        dst_at += dst_strides[k];
        break;
      }
      src_at -= (index[k] - 1) * src_strides[k];
      dst_at -= (index[k] - 1) * dst_strides[k];
      index[k] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace ckpt::bundle
