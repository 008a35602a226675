// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Byte layout of the sorted string table that is a bundle's `.index` file
// (LevelDB's table format as TensorFlow writes it; docs/format.md, section
// "Index table"): block handles, the 48-byte footer, block trailers, and
// reading a block with its checksum verified and snappy blocks decompressed.

#ifndef CKPT_LIB_TABLE_FORMAT_H_
#define CKPT_LIB_TABLE_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/env.h"

namespace ckpt::table {

// Location of a block in the file: `size` excludes the 5-byte trailer.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  static constexpr int kMaxEncodedLength = 20;
  void EncodeTo(std::string* dst) const;
  // Consumes a handle from the front of `input`. DataLoss if malformed.
  absl::Status DecodeFrom(absl::string_view* input);
};

inline constexpr uint64_t kTableMagicNumber = 0xdb4775248b80fb57ull;
inline constexpr int kFooterLength = 48;
// Trailer after every block: 1 byte compression type + 4 bytes masked CRC of
// (block bytes, type byte).
inline constexpr int kBlockTrailerSize = 5;

enum BlockCompression : unsigned char {
  kNoCompression = 0,
  kSnappyCompression = 1,
};

struct Footer {
  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  void EncodeTo(std::string* dst) const;  // exactly kFooterLength bytes
  // DataLoss (bad magic, bad handle) naming nothing; callers annotate.
  absl::Status DecodeFrom(absl::string_view input);
};

// Reads the block at `handle` from `file`: checks the handle lies inside the
// file, verifies the trailer checksum, decompresses snappy blocks (checking
// the declared uncompressed length against `max_block_bytes` before
// allocating). Errors are DataLoss naming the file and the block offset.
absl::StatusOr<std::string> ReadBlock(const RandomAccessFile& file,
                                      const BlockHandle& handle,
                                      uint64_t max_block_bytes);

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_FORMAT_H_
