// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// TableBuilder writes a sorted string table exactly as TensorFlow's bundle
// writer does: uncompressed data blocks cut at `block_size` (and before any
// entry of at least 2 * block_size bytes), restart interval 16 in data
// blocks and 1 in the index block, shortest-separator / short-successor index
// keys, an empty metaindex block, and the 48-byte footer.
//
// The status is sticky: after the first error every call returns it. The
// builder does not own or close the file. Call Finish() or Abandon().

#ifndef CKPT_LIB_TABLE_TABLE_BUILDER_H_
#define CKPT_LIB_TABLE_TABLE_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ckpt/env.h"
#include "table/block_builder.h"
#include "table/format.h"

namespace ckpt::table {

struct TableOptions {
  size_t block_size = 262144;
  int block_restart_interval = 16;
};

class TableBuilder {
 public:
  TableBuilder(const TableOptions& options, WritableFile* file);
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Keys must be strictly increasing (InvalidArgument otherwise).
  absl::Status Add(absl::string_view key, absl::string_view value);
  absl::Status Finish();
  void Abandon();
  absl::Status status() const { return status_; }
  uint64_t num_entries() const { return num_entries_; }
  // Bytes written so far (the file size after Finish()).
  uint64_t file_size() const { return offset_; }

 private:
  void Flush();
  void WriteBlock(BlockBuilder* block, BlockHandle* handle);
  void WriteRawBlock(absl::string_view contents, BlockHandle* handle);

  TableOptions options_;
  WritableFile* file_;
  uint64_t offset_ = 0;
  absl::Status status_;
  BlockBuilder data_block_;
  BlockBuilder index_block_;
  std::string last_key_;
  uint64_t num_entries_ = 0;
  bool closed_ = false;
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
};

// Key helpers used for index keys (exposed for tests).
// Shortens *start to a string in [*start, limit) when a one-byte increment
// allows it; otherwise leaves it unchanged.
void FindShortestSeparator(std::string* start, absl::string_view limit);
// Shortens *key to a short string >= *key.
void FindShortSuccessor(std::string* key);

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_TABLE_BUILDER_H_
