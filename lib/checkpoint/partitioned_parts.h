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

// Whether the parts of one process must hold the whole tensor: a
// single-process save needs them to; a collective save checks the parts of
// all ranks together instead, and a restore fills whatever parts exist.
enum class Coverage { kComplete, kPartial };

// OK if `parts` and `slices` are equally many (at least one, at most
// bundle::kMaxSlicesPerTensor), every part is non-null, initialized and of
// one dtype, part i has the shape of slices[i] in `full_shape`, and the
// slices lie inside `full_shape` without overlaps and, with kComplete,
// without holes. Otherwise FailedPrecondition (no parts, an uninitialized
// part: "create it with its shape first") or InvalidArgument naming the
// part; callers add the object and attribute.
absl::Status CheckPartitionedParts(const TensorShape& full_shape,
                                   absl::Span<Tensor* const> parts,
                                   absl::Span<const TensorSlice> slices,
                                   Coverage coverage);

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_PARTITIONED_PARTS_H_
