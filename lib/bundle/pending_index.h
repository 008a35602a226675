// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// PendingIndex: BundleWriter's index entries waiting for Finish(), kept
// encoded and ordered by key. Not thread-safe.

#ifndef CKPT_LIB_BUNDLE_PENDING_INDEX_H_
#define CKPT_LIB_BUNDLE_PENDING_INDEX_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bundle/entry_codec.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/status.h"

namespace ckpt::bundle {

// The index entries waiting for Finish(): each key and its encoded entry
// side by side in 64 KiB blocks (never reallocated, so never copied),
// ordered by key (bytewise, the table's order) through a set of 16-byte
// references. About 20 bytes per entry beside the key and the 10-20 encoded
// bytes: a std::string key and a BundleEntry per node of a map cost about
// 120, 12 MiB for 100,000 tensors.
class PendingIndex {
 public:
  PendingIndex() = default;
  PendingIndex(const PendingIndex&) = delete;  // the order points at blocks_
  PendingIndex& operator=(const PendingIndex&) = delete;

  bool contains(absl::string_view key) const { return order_.contains(key); }
  size_t size() const { return order_.size(); }
  // `key` must be new and at most 4 GiB - 1 bytes.
  void Add(absl::string_view key, const BundleEntry& entry) {
    AddEncoded(key, bundle::EncodeEntry(entry));
  }
  // `value` is an encoded entry (at most 4 GiB - 1 bytes).
  void AddEncoded(absl::string_view key, absl::string_view value) {
    const size_t size = key.size() + value.size();
    if (blocks_.empty() || capacity_ - used_ < size) {
      // A record larger than a block gets a block of its own.
      capacity_ = std::max(size, kBlockSize);
      blocks_.emplace_back(new char[capacity_]);
      used_ = 0;
    }
    char* at = blocks_.back().get() + used_;
    std::memcpy(at, key.data(), key.size());
    std::memcpy(at + key.size(), value.data(), value.size());
    used_ += size;
    order_.insert(Ref{at, static_cast<uint32_t>(key.size()),
                      static_cast<uint32_t>(value.size())});
  }
  // fn(key, encoded entry) in key order; stops at the first error.
  template <typename Fn>
  absl::Status ForEach(Fn fn) const {
    for (const Ref& r : order_) {
      CKPT_RETURN_IF_ERROR(
          fn(r.key(), absl::string_view(r.at + r.key_size, r.value_size)));
    }
    return absl::OkStatus();
  }

 private:
  static constexpr size_t kBlockSize = size_t{64} << 10;
  struct Ref {
    const char* at;  // the key; the encoded entry follows it
    uint32_t key_size;
    uint32_t value_size;
    absl::string_view key() const { return absl::string_view(at, key_size); }
  };
  struct Less {
    using is_transparent = void;
    bool operator()(const Ref& a, const Ref& b) const {
      return a.key() < b.key();
    }
    bool operator()(const Ref& a, absl::string_view b) const {
      return a.key() < b;
    }
    bool operator()(absl::string_view a, const Ref& b) const {
      return a < b.key();
    }
  };

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t capacity_ = 0;  // of the last block
  size_t used_ = 0;      // of the last block
  absl::btree_set<Ref, Less> order_;
};

}  // namespace ckpt::bundle

#endif  // CKPT_LIB_BUNDLE_PENDING_INDEX_H_
