// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/tensor_slice.h
// -----------------------------------------------------------------------------
//
// A TensorSlice names a box inside a tensor: per dimension a start and a
// length, or "full" (the whole dimension, whatever its size). Partitioned
// (sliced) tensors are stored as slices of a full tensor (docs/format.md
// §11 Partitioned tensors): TensorFlow's partitioned variables and
// ShardedVariable save each part under a slice key next to a full-tensor
// entry that lists the slices.
//
// The text form is TensorFlow's: dimensions separated by ':', each
// "start,length" or "-" for a full dimension, "" for rank 0. For example
// "0,2:-" is rows [0, 2) of a matrix, all columns.
//
// Slice keys: a stored slice lives under EncodeTensorNameSlice(name, slice),
// TensorFlow's OrderedCode encoding (a leading 0x00 byte, so slice keys sort
// right after the bundle header and never collide with a variable name).
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(ckpt::TensorSlice rows, ckpt::TensorSlice::Parse(
//                                                     "0,2:-"));
//   CKPT_ASSIGN_OR_RETURN(ckpt::TensorShape part,
//                         rows.SliceShape(ckpt::TensorShape({4, 3})));
//   // part is [2,3]
//   std::string key = ckpt::EncodeTensorNameSlice("v", rows);

#ifndef CKPT_TENSOR_SLICE_H_
#define CKPT_TENSOR_SLICE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/tensor.h"

namespace ckpt {

class TensorSlice {
 public:
  // The length of a full dimension.
  static constexpr int64_t kFullLength = -1;

  struct Extent {
    int64_t start = 0;
    int64_t length = kFullLength;  // kFullLength: the whole dimension
    bool full() const { return length == kFullLength; }
    friend bool operator==(const Extent& a, const Extent& b) {
      return a.start == b.start && a.length == b.length;
    }
  };

  // Rank 0: the whole of a scalar.
  TensorSlice() = default;
  // Every dimension full.
  static TensorSlice Full(int rank);
  // Validates: rank <= TensorShape::kMaxRank, start >= 0, length >= 0 or
  // kFullLength (then start must be 0), start + length without overflow.
  // InvalidArgument otherwise.
  static absl::StatusOr<TensorSlice> Create(std::vector<Extent> extents);
  // A box given by its start and length in every dimension (no full
  // dimensions). Validated as Create().
  static absl::StatusOr<TensorSlice> FromStartLength(
      absl::Span<const int64_t> start, absl::Span<const int64_t> length);
  // Parses TensorFlow's text form (see above). InvalidArgument naming the
  // text for anything else.
  static absl::StatusOr<TensorSlice> Parse(absl::string_view text);

  int rank() const { return static_cast<int>(extents_.size()); }
  const std::vector<Extent>& extents() const { return extents_; }
  const Extent& extent(int d) const { return extents_[static_cast<size_t>(d)]; }
  // True if every dimension is marked full.
  bool IsFull() const;

  // OK if this slice lies inside `shape`: the same rank, and start + length
  // <= the dimension's size in every dimension. InvalidArgument otherwise.
  absl::Status CheckFits(const TensorShape& shape) const;
  // The shape of the part of `shape` this slice selects (CheckFits first).
  absl::StatusOr<TensorShape> SliceShape(const TensorShape& shape) const;
  // True if the slice selects all of `shape` (every dimension full or
  // spanning it): TensorFlow stores such a slice as a plain tensor.
  // Precondition: CheckFits(shape) is OK.
  bool Covers(const TensorShape& shape) const;
  // Start and end (exclusive) of the slice in dimension d of `shape`.
  // Precondition: CheckFits(shape) is OK.
  int64_t Start(int d) const { return extent(d).start; }
  int64_t End(int d, const TensorShape& shape) const {
    const Extent& e = extent(d);
    return e.full() ? shape.dim(d) : e.start + e.length;
  }

  // TensorFlow's text form: "0,2:-".
  std::string DebugString() const;

  friend bool operator==(const TensorSlice& a, const TensorSlice& b) {
    return a.extents_ == b.extents_;
  }
  friend bool operator!=(const TensorSlice& a, const TensorSlice& b) {
    return !(a == b);
  }

 private:
  explicit TensorSlice(std::vector<Extent> extents)
      : extents_(std::move(extents)) {}
  std::vector<Extent> extents_;
};

// The bundle key of slice `slice` of the tensor stored under `name`
// (TensorFlow's EncodeTensorNameSlice; a full dimension is encoded as start
// 0, length -1).
std::string EncodeTensorNameSlice(absl::string_view name,
                                  const TensorSlice& slice);

// True if `key` has the form of a slice key (its first byte is 0x00, which
// no encoded name of another kind starts with).
inline bool IsSliceKey(absl::string_view key) {
  return !key.empty() && key[0] == '\0';
}

// Inverse of EncodeTensorNameSlice. DataLoss naming the key (escaped) for
// bytes that are not a slice key, including trailing bytes and extents that
// TensorSlice::Create refuses.
absl::StatusOr<std::pair<std::string, TensorSlice>> DecodeTensorNameSlice(
    absl::string_view key);

}  // namespace ckpt

#endif  // CKPT_TENSOR_SLICE_H_
