// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// TensorSlice (contract in ckpt/tensor_slice.h): validation, TensorFlow's
// text form, and the shape arithmetic. The slice key codec is in
// slice_key.cc.

#include "ckpt/tensor_slice.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ckpt/status.h"
#include "util/errors.h"

namespace ckpt {

TensorSlice TensorSlice::Full(int rank) {
  return TensorSlice(
      std::vector<Extent>(static_cast<size_t>(rank < 0 ? 0 : rank)));
}

absl::StatusOr<TensorSlice> TensorSlice::Create(std::vector<Extent> extents) {
  if (extents.size() > static_cast<size_t>(TensorShape::kMaxRank)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "slice has rank ", extents.size(), " > ", TensorShape::kMaxRank));
  }
  for (size_t d = 0; d < extents.size(); ++d) {
    const Extent& e = extents[d];
    if (e.full()) {
      if (e.start != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("slice dimension ", d, ": a full dimension starts at ",
                         e.start, ", not 0"));
      }
      continue;
    }
    if (e.start < 0 || e.length < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "slice dimension ", d, ": start ", e.start, " and length ", e.length,
          " must be >= 0 (or length -1 for a full dimension)"));
    }
    if (e.length > std::numeric_limits<int64_t>::max() - e.start) {
      return absl::InvalidArgumentError(
          absl::StrCat("slice dimension ", d, ": start ", e.start, " + length ",
                       e.length, " overflows int64"));
    }
  }
  return TensorSlice(std::move(extents));
}

absl::StatusOr<TensorSlice> TensorSlice::FromStartLength(
    absl::Span<const int64_t> start, absl::Span<const int64_t> length) {
  if (start.size() != length.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "slice: ", start.size(), " starts but ", length.size(), " lengths"));
  }
  std::vector<Extent> extents(start.size());
  for (size_t d = 0; d < start.size(); ++d) {
    if (length[d] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("slice dimension ", d, ": negative length ", length[d]));
    }
    extents[d] = {start[d], length[d]};
  }
  return Create(std::move(extents));
}

absl::StatusOr<TensorSlice> TensorSlice::Parse(absl::string_view text) {
  if (text.empty()) return TensorSlice();
  std::vector<Extent> extents;
  for (absl::string_view part : absl::StrSplit(text, ':')) {
    if (part == "-") {
      extents.push_back(Extent{});
      continue;
    }
    std::vector<absl::string_view> nums = absl::StrSplit(part, ',');
    Extent e;
    if (nums.size() != 2 || !absl::SimpleAtoi(nums[0], &e.start) ||
        !absl::SimpleAtoi(nums[1], &e.length) || e.start < 0 || e.length < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad slice ", QuoteForMessage(text), ": dimension ",
                       extents.size(), " is ", QuoteForMessage(part),
                       ", expected \"start,length\" (both >= 0) or \"-\""));
    }
    extents.push_back(e);
  }
  absl::StatusOr<TensorSlice> slice = Create(std::move(extents));
  if (!slice.ok()) {
    return Annotate(slice.status(),
                    absl::StrCat("bad slice ", QuoteForMessage(text)));
  }
  return slice;
}

bool TensorSlice::IsFull() const {
  for (const Extent& e : extents_) {
    if (!e.full()) return false;
  }
  return true;
}

absl::Status TensorSlice::CheckFits(const TensorShape& shape) const {
  if (rank() != shape.rank()) {
    return absl::InvalidArgumentError(
        absl::StrCat("slice ", DebugString(), " has rank ", rank(),
                     " but the tensor's shape ", shape.DebugString(),
                     " has rank ", shape.rank()));
  }
  for (int d = 0; d < rank(); ++d) {
    const Extent& e = extent(d);
    if (e.full()) continue;
    // start + length does not overflow (Create).
    if (e.start + e.length > shape.dim(d)) {
      return absl::InvalidArgumentError(
          absl::StrCat("slice ", DebugString(), " extends past dimension ", d,
                       " of shape ", shape.DebugString(), ": ", e.start, " + ",
                       e.length, " > ", shape.dim(d)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TensorShape> TensorSlice::SliceShape(
    const TensorShape& shape) const {
  CKPT_RETURN_IF_ERROR(CheckFits(shape));
  std::vector<int64_t> dims(static_cast<size_t>(rank()));
  for (int d = 0; d < rank(); ++d) {
    dims[static_cast<size_t>(d)] = End(d, shape) - Start(d);
  }
  // A part of a valid shape: its element count fits as well.
  return TensorShape(std::move(dims));
}

bool TensorSlice::Covers(const TensorShape& shape) const {
  for (int d = 0; d < rank(); ++d) {
    if (Start(d) != 0 || End(d, shape) != shape.dim(d)) return false;
  }
  return true;
}

std::string TensorSlice::DebugString() const {
  std::string out;
  for (size_t d = 0; d < extents_.size(); ++d) {
    if (d > 0) out += ':';
    const Extent& e = extents_[d];
    if (e.full()) {
      out += '-';
    } else {
      absl::StrAppend(&out, e.start, ",", e.length);
    }
  }
  return out;
}

}  // namespace ckpt
