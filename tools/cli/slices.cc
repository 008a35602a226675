// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// ListTensors: partitioned tensors once, their slice keys hidden, orphaned
// slice keys kept (contract in cli/slices.h).

#include "cli/slices.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "cli/output.h"

namespace ckpt::cli {
namespace {

// Why the slice key `key` is listed by no tensor.
std::string OrphanNote(
    absl::string_view key,
    const absl::flat_hash_map<std::string, const BundleEntry*>& by_key) {
  absl::StatusOr<std::pair<std::string, TensorSlice>> decoded =
      DecodeTensorNameSlice(key);
  if (!decoded.ok()) return "orphaned slice key: not a valid slice key";
  const std::string& name = decoded->first;
  const std::string what =
      absl::StrCat("orphaned slice ", decoded->second.DebugString(), " of '",
                   DisplayText(name), "'");
  const auto it = by_key.find(name);
  if (it == by_key.end()) return absl::StrCat(what, ": no such tensor");
  if (it->second->num_slices == 0) {
    return absl::StrCat(what, ": the tensor is not partitioned");
  }
  return absl::StrCat(what, ": not listed by the tensor");
}

}  // namespace

std::vector<ListedTensor> ListTensors(
    const BundleReader& reader,
    absl::Span<const std::pair<std::string, BundleEntry>> entries) {
  absl::flat_hash_map<std::string, const BundleEntry*> by_key;
  by_key.reserve(entries.size());
  for (const auto& [key, entry] : entries) by_key.emplace(key, &entry);

  std::vector<ListedTensor> out;
  absl::flat_hash_set<std::string> listed;  // slice keys some tensor lists
  for (const auto& [key, entry] : entries) {
    if (IsSliceKey(key)) continue;  // placed in a second pass
    ListedTensor t;
    t.key = key;
    t.entry = entry;
    t.stored_size = entry.size;
    if (entry.num_slices > 0) {
      t.kind = ListedTensor::Kind::kPartitioned;
      t.stored_size = 0;
      absl::StatusOr<std::vector<TensorSlice>> slices = reader.GetSlices(key);
      if (!slices.ok()) {
        t.layout = slices.status();
      } else {
        for (TensorSlice& slice : *slices) {
          SlicePart part;
          part.key = EncodeTensorNameSlice(key, slice);
          part.slice = std::move(slice);
          if (const auto it = by_key.find(part.key); it != by_key.end()) {
            part.entry = *it->second;
            t.stored_size += it->second->size;
          }
          listed.insert(part.key);
          t.parts.push_back(std::move(part));
        }
      }
    }
    out.push_back(std::move(t));
  }
  // Slice keys sort before every other key (their first byte is 0x00), so
  // orphans go first, as in the index.
  std::vector<ListedTensor> orphans;
  for (const auto& [key, entry] : entries) {
    if (!IsSliceKey(key) || listed.contains(key)) continue;
    ListedTensor t;
    t.kind = ListedTensor::Kind::kOrphanSlice;
    t.key = key;
    t.entry = entry;
    t.stored_size = entry.size;
    t.orphan_note = OrphanNote(key, by_key);
    orphans.push_back(std::move(t));
  }
  if (!orphans.empty()) {
    for (ListedTensor& t : out) orphans.push_back(std::move(t));
    out = std::move(orphans);
  }
  return out;
}

std::vector<int64_t> SliceStarts(const TensorSlice& slice) {
  std::vector<int64_t> v;
  v.reserve(static_cast<size_t>(slice.rank()));
  for (int d = 0; d < slice.rank(); ++d) v.push_back(slice.Start(d));
  return v;
}

std::vector<int64_t> SliceLengths(const TensorSlice& slice,
                                  const TensorShape& shape) {
  std::vector<int64_t> v;
  v.reserve(static_cast<size_t>(slice.rank()));
  for (int d = 0; d < slice.rank(); ++d) {
    v.push_back(slice.End(d, shape) - slice.Start(d));
  }
  return v;
}

std::string SliceCountText(int64_t n) {
  return absl::StrCat(n, n == 1 ? " slice" : " slices");
}

}  // namespace ckpt::cli
