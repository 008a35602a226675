// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Follows tsl/lib/io/table_builder.cc (the writer TensorFlow's BundleWriter
// uses) step for step, so that the bytes are identical; see docs/format.md
// §3.5 Splitting records into data blocks.

#include "table/table_builder.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "ckpt/crc32c.h"
#include "util/coding.h"
#include "util/errors.h"

namespace ckpt::table {

namespace {

// Offsets inside a block are 32-bit. A block holds less than block_size bytes
// of earlier entries plus one entry, so these limits keep it below 4 GiB.
constexpr size_t kMaxBlockSize = size_t{1} << 30;
constexpr size_t kMaxEntryBytes = size_t{1} << 31;

}  // namespace

void FindShortestSeparator(std::string* start, absl::string_view limit) {
  const size_t min_length = std::min(start->size(), limit.size());
  size_t diff_index = 0;
  while (diff_index < min_length && (*start)[diff_index] == limit[diff_index]) {
    ++diff_index;
  }
  if (diff_index >= min_length) return;  // One is a prefix of the other.
  const uint8_t diff_byte = static_cast<uint8_t>((*start)[diff_index]);
  if (diff_byte < 0xff &&
      diff_byte + 1 < static_cast<uint8_t>(limit[diff_index])) {
    (*start)[diff_index] = static_cast<char>(diff_byte + 1);
    start->resize(diff_index + 1);
  }
}

void FindShortSuccessor(std::string* key) {
  for (size_t i = 0; i < key->size(); ++i) {
    const uint8_t byte = static_cast<uint8_t>((*key)[i]);
    if (byte != 0xff) {
      (*key)[i] = static_cast<char>(byte + 1);
      key->resize(i + 1);
      return;
    }
  }
  // All 0xff (or empty): leave unchanged.
}

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(options.block_restart_interval),
      index_block_(1) {
  if (file_ == nullptr) {
    status_ = absl::InvalidArgumentError("TableBuilder: null file");
  } else if (options_.block_restart_interval < 1) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        file_->path(), ": block_restart_interval must be >= 1, got ",
        options_.block_restart_interval));
  } else if (options_.block_size > kMaxBlockSize) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(file_->path(), ": block_size ", options_.block_size,
                     " exceeds the maximum ", kMaxBlockSize));
  }
}

absl::Status TableBuilder::Add(absl::string_view key, absl::string_view value) {
  if (!status_.ok()) return status_;
  if (closed_) {
    return absl::FailedPreconditionError(
        "TableBuilder::Add called after Finish() or Abandon()");
  }
  if (key.size() > kMaxEntryBytes ||
      value.size() > kMaxEntryBytes - key.size()) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        file_->path(), ": table entry for key ", QuoteForMessage(key),
        " is too large (", key.size() + value.size(), " bytes; limit ",
        kMaxEntryBytes, ")"));
    return status_;
  }
  if (num_entries_ > 0) {
    if (!(absl::string_view(last_key_) < key)) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          file_->path(), ": table keys must be strictly increasing: ",
          QuoteForMessage(key), " added after ", QuoteForMessage(last_key_)));
      return status_;
    }
    // TensorFlow's addition to LevelDB: an entry of at least twice the block
    // size starts a block of its own.
    if (key.size() + value.size() >= 2 * options_.block_size) {
      Flush();
      if (!status_.ok()) return status_;
    }
  }

  if (pending_index_entry_) {
    FindShortestSeparator(&last_key_, key);
    std::string handle_encoding;
    pending_handle_.EncodeTo(&handle_encoding);
    index_block_.Add(last_key_, handle_encoding);
    pending_index_entry_ = false;
  }

  last_key_.assign(key.data(), key.size());
  ++num_entries_;
  data_block_.Add(key, value);

  if (data_block_.CurrentSizeEstimate() >= options_.block_size) Flush();
  return status_;
}

void TableBuilder::Flush() {
  if (!status_.ok() || data_block_.empty()) return;
  WriteBlock(&data_block_, &pending_handle_);
  if (status_.ok()) pending_index_entry_ = true;
}

void TableBuilder::WriteBlock(BlockBuilder* block, BlockHandle* handle) {
  // TensorFlow's bundle writer always stores blocks uncompressed.
  WriteRawBlock(block->Finish(), handle);
  block->Reset();
}

void TableBuilder::WriteRawBlock(absl::string_view contents,
                                 BlockHandle* handle) {
  handle->offset = offset_;
  handle->size = contents.size();
  status_ = file_->Append(contents);
  if (!status_.ok()) return;
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(kNoCompression);
  uint32_t crc = crc32c::Value(contents.data(), contents.size());
  crc = crc32c::Extend(crc, trailer, 1);  // Covers the type byte too.
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
  status_ = file_->Append(absl::string_view(trailer, kBlockTrailerSize));
  if (!status_.ok()) return;
  offset_ += contents.size() + kBlockTrailerSize;
}

absl::Status TableBuilder::Finish() {
  if (!status_.ok()) {
    closed_ = true;
    return status_;
  }
  if (closed_) {
    return absl::FailedPreconditionError(
        "TableBuilder::Finish called after Finish() or Abandon()");
  }
  Flush();
  closed_ = true;
  if (!status_.ok()) return status_;

  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  BlockBuilder metaindex_block(options_.block_restart_interval);
  WriteBlock(&metaindex_block, &metaindex_handle);
  if (!status_.ok()) return status_;

  if (pending_index_entry_) {
    FindShortSuccessor(&last_key_);
    std::string handle_encoding;
    pending_handle_.EncodeTo(&handle_encoding);
    index_block_.Add(last_key_, handle_encoding);
    pending_index_entry_ = false;
  }
  WriteBlock(&index_block_, &index_handle);
  if (!status_.ok()) return status_;

  Footer footer;
  footer.metaindex_handle = metaindex_handle;
  footer.index_handle = index_handle;
  std::string footer_encoding;
  footer.EncodeTo(&footer_encoding);
  status_ = file_->Append(footer_encoding);
  if (status_.ok()) offset_ += footer_encoding.size();
  return status_;
}

void TableBuilder::Abandon() { closed_ = true; }

}  // namespace ckpt::table
