// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// SlicedTensors (contract in sliced_tensors.h).

#include "bundle/sliced_tensors.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bundle/entry_codec.h"
#include "bundle/slice_layout.h"
#include "util/errors.h"

namespace ckpt::bundle {

absl::Status SlicedTensors::Check(
    absl::string_view full_key, const TensorShape& full_shape,
    const TensorSlice& slice, const Tensor& t, const PendingIndex& entries,
    const absl::flat_hash_map<absl::string_view, SlicedTensor*>& batch,
    const absl::flat_hash_set<absl::string_view>& batch_keys,
    std::string* key) const {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("BundleWriter::AddSlice: key ", QuoteForMessage(full_key),
                     ", slice ", slice.DebugString(), ": ", why));
  };
  if (full_key.empty()) return bad("the empty key is reserved");
  if (absl::Status s = slice.CheckFits(full_shape); !s.ok()) {
    return bad(s.message());
  }
  const TensorShape part = slice.SliceShape(full_shape).value();
  if (!(t.shape() == part)) {
    return bad(absl::StrCat("the tensor's shape ", t.shape().DebugString(),
                            " is not the slice's shape ", part.DebugString()));
  }
  if (slice.Covers(full_shape)) {  // stored whole, as TensorFlow does
    *key = std::string(full_key);
    return absl::OkStatus();
  }
  if (entries.contains(full_key)) {
    return bad("the key was added as a whole tensor");
  }
  *key = EncodeTensorNameSlice(full_key, slice);
  if (entries.contains(*key) || batch_keys.contains(*key)) {
    return bad("the slice was already added");
  }
  const SlicedTensor* before[2] = {nullptr, nullptr};
  if (auto it = sliced_.find(full_key); it != sliced_.end()) {
    before[0] = &it->second;
  }
  if (auto b = batch.find(full_key); b != batch.end()) before[1] = b->second;
  size_t count = 1;
  for (const SlicedTensor* earlier : before) {
    if (earlier == nullptr) continue;
    if (earlier->dtype != t.dtype() || !(earlier->shape == full_shape)) {
      return bad(absl::StrCat(
          "earlier slices are ",
          DataTypeDisplayName(static_cast<int32_t>(earlier->dtype)), " of ",
          earlier->shape.DebugString(), ", this one ",
          DataTypeDisplayName(static_cast<int32_t>(t.dtype())), " of ",
          full_shape.DebugString()));
    }
    count += earlier->slices.size();
    for (const auto& [shard, other] : earlier->slices) {
      if (Overlaps(slice, other, full_shape)) {
        return bad(absl::StrCat("overlaps slice ", other.DebugString(),
                                " added before"));
      }
    }
  }
  if (count > kMaxSlicesPerTensor) {
    return bad(absl::StrCat("more than ", kMaxSlicesPerTensor,
                            " slices for one tensor"));
  }
  return absl::OkStatus();
}

void SlicedTensors::Record(absl::string_view full_key,
                           const TensorShape& full_shape,
                           const TensorSlice& slice, DataType dtype,
                           int shard_id) {
  SlicedTensor& st = sliced_[full_key];
  st.dtype = dtype;
  st.shape = full_shape;
  st.slices.emplace_back(shard_id, slice);
}

void SlicedTensors::AddEntries(PendingIndex& entries) {
  for (auto& [key, st] : sliced_) {
    std::stable_sort(
        st.slices.begin(), st.slices.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<TensorSlice> slices;
    slices.reserve(st.slices.size());
    for (const auto& shard_slice : st.slices) {
      slices.push_back(shard_slice.second);
    }
    BundleEntry e;
    e.dtype = st.dtype;
    e.shape = st.shape;
    e.shard_id = st.slices.front().first;
    entries.AddEncoded(key, EncodeEntry(e, slices));
  }
}

}  // namespace ckpt::bundle
