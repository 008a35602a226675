// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: checkpoint/index_scan.h
// -----------------------------------------------------------------------------
//
// IndexScan decodes every entry of a bundle's index, on a helper thread
// when one is allowed, so that a restore of a large graph decodes its index
// while the calling thread reads and parses the object graph: the two take
// about the same time for a graph of many small variables, and neither
// needs the other (docs/performance.md, "Cold restores").
//
// Contract:
//   * Start() returns at once; Wait() returns the scan's status and, when
//     it is OK, the entries in key order (header excluded), each key's
//     bytes in one pool. A damaged index is the status of
//     BundleReader::ForEachEntry; the caller decides what it means.
//   * With num_threads < 2, or when a thread cannot be started, the scan
//     runs inside Wait() (same results).
//   * The reader must outlive the scan; the destructor waits for the helper.
//   * Not thread-safe: one owner calls Wait() (once or more).
//
// Example:
//
//   IndexScan scan(reader, /*num_threads=*/2);
//   scan.Start();
//   ... parse the object graph ...
//   CKPT_RETURN_IF_ERROR(scan.Wait());
//   for (size_t i = 0; i < scan.size(); ++i) Use(scan.key(i), scan.entry(i));

#ifndef CKPT_LIB_CHECKPOINT_INDEX_SCAN_H_
#define CKPT_LIB_CHECKPOINT_INDEX_SCAN_H_

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"

namespace ckpt::checkpoint {

class IndexScan {
 public:
  IndexScan(const BundleReader& reader, int num_threads)
      : reader_(reader), num_threads_(num_threads) {}
  ~IndexScan();
  IndexScan(const IndexScan&) = delete;
  IndexScan& operator=(const IndexScan&) = delete;

  // Starts the helper (at most once; nothing if num_threads < 2).
  void Start();
  // Waits for the scan (running it here if no helper did) and returns its
  // status.
  absl::Status Wait();

  // After an OK Wait(): the entries in key order.
  size_t size() const { return entries_.size(); }
  absl::string_view key(size_t i) const {
    const size_t begin = i == 0 ? 0 : key_end_[i - 1];
    return absl::string_view(keys_.data() + begin, key_end_[i] - begin);
  }
  const BundleEntry& entry(size_t i) const { return entries_[i]; }
  // Frees the keys (key() may no longer be called); the entries stay.
  void ReleaseKeys() {
    std::string().swap(keys_);
    std::vector<size_t>().swap(key_end_);
  }

 private:
  void Run();

  const BundleReader& reader_;
  const int num_threads_;
  std::thread helper_;
  bool done_ = false;
  absl::Status status_;
  std::string keys_;             // every key, back to back
  std::vector<size_t> key_end_;  // key i ends at key_end_[i]
  std::vector<BundleEntry> entries_;
};

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_INDEX_SCAN_H_
