// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Table: read access to a sorted string table (a bundle's `.index` file).
// Open() reads and verifies the footer and the index block; data blocks are
// read on demand and each block's checksum is verified when it is read.
// Snappy-compressed blocks (written by some TensorFlow tools) are accepted.
// Every handle is checked against the file size before anything is read or
// allocated. Thread-safe.

#ifndef CKPT_LIB_TABLE_TABLE_H_
#define CKPT_LIB_TABLE_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/env.h"
#include "table/block.h"
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
  Table(std::unique_ptr<RandomAccessFile> file,
        std::shared_ptr<const Block> index_block);
  friend class TableIterator;
  absl::StatusOr<std::shared_ptr<const Block>> ReadDataBlock(
      absl::string_view handle_value) const;

  std::unique_ptr<RandomAccessFile> file_;
  std::shared_ptr<const Block> index_block_;
};

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_TABLE_H_
