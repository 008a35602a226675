// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The one rule for the parts of a partitioned attribute
// (AttributeVisitor::Partitioned), shared by the save and the restore.

#ifndef CKPT_LIB_CHECKPOINT_PARTITIONED_PARTS_H_
#define CKPT_LIB_CHECKPOINT_PARTITIONED_PARTS_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt::checkpoint {

// OK if `parts` and `slices` are equally many (at least one, at most
// bundle::kMaxSlicesPerTensor), every part is non-null, initialized and of
// one dtype, part i has the shape of slices[i] in `full_shape`, and the
// slices tile `full_shape` (inside it, no overlaps, no holes). Otherwise
// FailedPrecondition (no parts, an uninitialized part: "create it with its
// shape first") or InvalidArgument naming the part; callers add the object
// and attribute.
absl::Status CheckPartitionedParts(const TensorShape& full_shape,
                                   absl::Span<Tensor* const> parts,
                                   absl::Span<const TensorSlice> slices);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_PARTITIONED_PARTS_H_
