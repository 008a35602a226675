// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Byte layout of the sorted string table that is a bundle's `.index` file
// (LevelDB's table format as TensorFlow writes it; docs/format.md §3 The
// index file): block handles, the 48-byte footer, block trailers, and
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

// Bounds on the uncompressed size of a snappy block, checked before the
// output buffer is allocated:
//  * kSnappyMaxExpansion: no valid snappy stream expands more than 64/3-fold
//    (the densest element is a 3-byte copy that emits at most 64 bytes), so a
//    declared length above 22 x the stored size can only be corruption.
//  * kDefaultMaxBlockBytes (64 MiB), the cap Table passes as
//    `max_block_bytes`: bundle index blocks hold tensor names and
//    BundleEntryProtos of tens of bytes and are cut at 256 KiB, so a real
//    block is far smaller; the cap only stops a crafted length from making a
//    small file allocate gigabytes. Uncompressed blocks need no cap: their
//    size is bounded by the file size.
inline constexpr uint64_t kSnappyMaxExpansion = 22;
inline constexpr uint64_t kDefaultMaxBlockBytes = uint64_t{64} << 20;

// OK if the block at `handle` plus its trailer lies inside `file` before the
// footer (all arithmetic overflow-free); otherwise DataLoss naming the file
// and the block offset. Reads nothing.
absl::Status CheckBlockHandle(const RandomAccessFile& file,
                              const BlockHandle& handle);

// Reads the block at `handle` from `file`: checks the handle lies inside the
// file (CheckBlockHandle), verifies the trailer checksum, decompresses snappy
// blocks (checking the declared uncompressed length against
// min(`max_block_bytes`, kSnappyMaxExpansion x stored size) before
// allocating). Errors are DataLoss naming the file and the block offset:
// "checksum mismatch", "unknown compression type", "snappy".
absl::StatusOr<std::string> ReadBlock(const RandomAccessFile& file,
                                      const BlockHandle& handle,
                                      uint64_t max_block_bytes);

}  // namespace ckpt::table

#endif  // CKPT_LIB_TABLE_FORMAT_H_
