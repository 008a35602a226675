// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckPartitionedParts (contract in partitioned_parts.h).

#include "checkpoint/partitioned_parts.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bundle/slice_layout.h"

namespace ckpt::checkpoint {

absl::Status CheckPartitionedParts(const TensorShape& full_shape,
                                   absl::Span<Tensor* const> parts,
                                   absl::Span<const TensorSlice> slices,
                                   Coverage coverage) {
  if (parts.empty() || parts.size() != slices.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        parts.size(), " parts and ", slices.size(),
        " slices; a partitioned value needs at least one part, each with its "
        "slice (create the variable with its shape first)"));
  }
  if (parts.size() > bundle::kMaxSlicesPerTensor) {
    return absl::InvalidArgumentError(
        absl::StrCat(parts.size(), " parts, more than the limit of ",
                     bundle::kMaxSlicesPerTensor));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == nullptr || parts[i]->dtype() == DataType::kInvalid) {
      return absl::FailedPreconditionError(
          absl::StrCat("part ", i, " is not initialized"));
    }
    if (parts[i]->dtype() != parts[0]->dtype()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "part ", i, " is ", std::string(DataTypeName(parts[i]->dtype())),
          " but part 0 is ", std::string(DataTypeName(parts[0]->dtype()))));
    }
    absl::StatusOr<TensorShape> shape = slices[i].SliceShape(full_shape);
    if (!shape.ok() || !(*shape == parts[i]->shape())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "part ", i, " of shape ", parts[i]->shape().DebugString(),
          " does not hold slice ", slices[i].DebugString(), " of ",
          full_shape.DebugString()));
    }
  }
  absl::Status layout = bundle::ValidateSliceLayout("", full_shape, slices);
  if (layout.ok() && coverage == Coverage::kComplete) {
    const int64_t covered = bundle::CoveredElements(
        slices, TensorSlice::Full(full_shape.rank()), full_shape);
    if (covered != full_shape.num_elements()) {
      layout = absl::InvalidArgumentError(
          absl::StrCat("they cover ", covered, " of ",
                       full_shape.num_elements(), " elements"));
    }
  }
  if (!layout.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        coverage == Coverage::kComplete ? "the parts do not tile "
                                        : "the parts are not a layout of ",
        full_shape.DebugString(), ": ", layout.message()));
  }
  return absl::OkStatus();
}

}  // namespace ckpt::checkpoint
