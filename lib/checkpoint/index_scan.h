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
//     it is OK, the entries in key order (header excluded). A damaged index is
//     the status of BundleReader::ForEachEntry; the caller decides what it
//     means.
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
  // Whether Start() started the helper: the scan runs, or ran, beside the
  // caller instead of inside Wait().
  bool started() const { return started_; }
  // Waits for the scan (running it here if no helper did) and returns its
  // status.
  absl::Status Wait();

  // After an OK Wait(): the entries in key order. Entries stay in place
  // for the scan's lifetime.
  size_t size() const { return size_; }
  absl::string_view key(size_t i) const {
    const Chunk& c = chunks_[i / kChunkEntries];
    const size_t j = i % kChunkEntries;
    const size_t begin = j == 0 ? 0 : c.key_end[j - 1];
    return absl::string_view(c.keys.data() + begin, c.key_end[j] - begin);
  }
  const BundleEntry& entry(size_t i) const {
    return chunks_[i / kChunkEntries].entries[i % kChunkEntries];
  }
  // Frees the keys (key() may no longer be called); the entries stay.
  void ReleaseKeys() {
    for (Chunk& c : chunks_) {
      std::string().swap(c.keys);
      std::vector<size_t>().swap(c.key_end);
    }
  }

 private:
  // Entries are kept in chunks of a fixed count, each allocated once: a
  // growing array of 100,000 entries would be copied and faulted in again
  // at every doubling. A chunk's keys are back to back in `keys`, key j
  // ending at key_end[j].
  static constexpr size_t kChunkEntries = 4096;
  struct Chunk {
    std::vector<BundleEntry> entries;
    std::string keys;
    std::vector<size_t> key_end;
  };

  void Run();
  void Clear();

  const BundleReader& reader_;
  const int num_threads_;
  std::thread helper_;
  bool started_ = false;
  bool done_ = false;
  absl::Status status_;
  std::vector<Chunk> chunks_;
  size_t size_ = 0;
};

}  // namespace ckpt::checkpoint

#endif  // CKPT_LIB_CHECKPOINT_INDEX_SCAN_H_
