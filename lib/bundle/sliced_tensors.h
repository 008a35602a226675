// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// SlicedTensors: the partitioned tensors a BundleWriter is writing
// (BundleWriter::AddSlice; docs/format.md §11 Partitioned tensors). Each
// slice is checked as it comes, so that the writer never writes a layout
// the reader refuses, and at Finish() every tensor's full-tensor entry is
// encoded: dtype, full shape, its slices by shard then in call order, and
// the shard of its first slice. Not thread-safe.

#ifndef CKPT_LIB_BUNDLE_SLICED_TENSORS_H_
#define CKPT_LIB_BUNDLE_SLICED_TENSORS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bundle/pending_index.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt::bundle {

// One partitioned tensor: its dtype, full shape and slices so far.
struct SlicedTensor {
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  std::vector<std::pair<int, TensorSlice>> slices;  // (shard, slice)
};

class SlicedTensors {
 public:
  bool contains(absl::string_view full_key) const {
    return sliced_.contains(full_key);
  }

  // Checks AddSlice(full_key, full_shape, slice, t, shard) against what was
  // added before (`entries`, the writer's pending index, and this object)
  // and against the earlier items of the same batch (`batch`,
  // `batch_keys`): InvalidArgument for a slice that does not fit, a tensor
  // of another shape, a full key added whole or with another dtype or
  // shape, a slice added before, one that overlaps a slice added before,
  // or more than kMaxSlicesPerTensor slices. Sets *key to the key the
  // tensor is stored under: full_key itself for a slice that covers the
  // tensor (TensorFlow stores it whole), else its slice key.
  absl::Status Check(
      absl::string_view full_key, const TensorShape& full_shape,
      const TensorSlice& slice, const Tensor& t, const PendingIndex& entries,
      const absl::flat_hash_map<absl::string_view, SlicedTensor*>& batch,
      const absl::flat_hash_set<absl::string_view>& batch_keys,
      std::string* key) const;

  // Notes a slice written under its slice key to shard `shard_id`.
  void Record(absl::string_view full_key, const TensorShape& full_shape,
              const TensorSlice& slice, DataType dtype, int shard_id);

  // Adds the full-tensor entry of every partitioned tensor to `entries`.
  void AddEntries(PendingIndex& entries);

 private:
  absl::btree_map<std::string, SlicedTensor> sliced_;
};

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_SLICED_TENSORS_H_
