// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Table: read access to a sorted string table (a bundle's `.index` file).
// Open() reads and verifies the footer and the index block; data blocks are
// read on demand and each block's checksum is verified when it is read.
// Snappy-compressed blocks (written by some TensorFlow tools) are accepted.
// Every handle is checked against the file size before anything is read or
// allocated; a snappy block may declare at most kDefaultMaxBlockBytes
// (64 MiB, see format.h) uncompressed. Thread-safe: a Table is immutable
// after Open() except for a mutex-guarded cache of recently read data
// blocks; each iterator is used by one thread at a time, and the Table must
// outlive its iterators.
//
// Validation: the index block is parsed completely at Open() (keys strictly
// increasing, every value a BlockHandle inside the file); each data block is
// parsed completely when read (see block.h), and each data key must lie in
// (previous index key, own index key], which also makes keys strictly
// increasing across blocks. All errors are DataLoss naming the file path and
// the block offset.

#ifndef CKPT_LIB_TABLE_TABLE_H_
#define CKPT_LIB_TABLE_TABLE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/env.h"
#include "table/block.h"
#include "table/format.h"
#include "table/iterator.h"

namespace ckpt::table {

class Table {
 public:
  static absl::StatusOr<std::unique_ptr<Table>> Open(
      std::unique_ptr<RandomAccessFile> file);

  // Iterates all entries in key order. Keys must be strictly increasing
  // across blocks too; each data key must be <= its index key.
  std::unique_ptr<Iterator> NewIterator() const;

  // The value stored under exactly `key`; NotFound if absent.
  absl::StatusOr<std::string> Get(absl::string_view key) const;

  const RandomAccessFile& file() const { return *file_; }

 private:
  // One decoded index entry: every key of the block at `handle` is
  // <= `key` and > the previous entry's key.
  struct IndexEntry {
    std::string key;
    BlockHandle handle;
  };

  Table(std::unique_ptr<RandomAccessFile> file,
        std::shared_ptr<const Block> index_block);
  friend class TableIterator;
  // The parsed data block of index entry `i`: from the cache, or read,
  // verified, parsed and then cached.
  absl::StatusOr<std::shared_ptr<const Block>> ReadDataBlock(size_t i) const;
  // OK if `key`, found in the data block of index entry `i`, lies in
  // (index key i-1, index key i]; DataLoss "keys out of order" otherwise.
  absl::Status CheckKeyInBlockRange(size_t i, absl::string_view key) const;

  // Immutable after Open(), so concurrent readers need no locking.
  std::unique_ptr<RandomAccessFile> file_;
  std::shared_ptr<const Block> index_block_;
  std::vector<IndexEntry> index_;  // decoded and checked index_block_

  // A small LRU cache of parsed data blocks, so that a series of Get()s does
  // not re-read and re-verify the same 256 KiB block each time. Blocks are
  // immutable and shared; only the list itself is guarded.
  static constexpr size_t kCacheMaxBlocks = 8;
  static constexpr size_t kCacheMaxBytes = size_t{8} << 20;
  struct CachedBlock {
    size_t index;
    std::shared_ptr<const Block> block;
  };
  // std::mutex rather than absl::Mutex so that ThreadSanitizer sees the
  // locking even with a prebuilt (uninstrumented) Abseil.
  mutable std::mutex cache_mu_;
  mutable std::vector<CachedBlock> cache_;  // guarded by cache_mu_; LRU first
  mutable size_t cache_bytes_ = 0;          // guarded by cache_mu_
};

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_TABLE_H_
