// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// The zip container of numpy's .npz files: a reader of STORED and DEFLATEd
// members (np.savez, np.savez_compressed; ZIP64 included) and an
// append-only writer of STORED members. zlib does CRC-32 and inflate.
//
// ZipReader::Open trusts nothing; errors name the file (`display_name`),
// the member (QuoteForMessage) and the offending value:
//   * DataLoss: no end-of-central-directory record in the last 65557
//     bytes; EOCD or ZIP64 fields pointing outside the file; an entry count
//     the central directory's size cannot hold (each entry takes >= 46
//     bytes, which bounds memory) or that disagrees with it; a bad central
//     or local header signature; a name, extra field or comment running
//     past the directory; a 0xFFFFFFFF field without its ZIP64 extra; a
//     STORED member whose sizes differ; member data past the end of the
//     file; two members' [local header, data end) ranges overlapping each
//     other or the central directory; duplicate names; a local header name
//     other than the central one.
//   * Unimplemented: encrypted members (flag bit 0), methods other than 0
//     (stored) and 8 (deflate), multi-disk archives.
// Data descriptors (flag bit 3) are fine: sizes come from the central
// directory.
//
// Example:
//
//   ZipWriter w(file.get());
//   CKPT_RETURN_IF_ERROR(w.AddStored("x.npy", {npy_header, data}));
//   CKPT_RETURN_IF_ERROR(w.Finish());
//   ...
//   CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ZipReader> r,
//                         ZipReader::Open(in.get(), "model.npz"));
//   for (const ZipEntry& e : r->entries()) {
//     CKPT_ASSIGN_OR_RETURN(std::string bytes, r->ReadEntry(e, 1 << 30));
//   }

#ifndef CKPT_LIB_BRIDGES_ZIP_FORMAT_H_
#define CKPT_LIB_BRIDGES_ZIP_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/env.h"

namespace ckpt::bridges {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // where the (compressed) data starts
};

class ZipReader {
 public:
  // Reads the end-of-central-directory record (and the ZIP64 locator and
  // record when present), the central directory and every member's local
  // header. `file` must outlive the reader.
  static absl::StatusOr<std::unique_ptr<ZipReader>> Open(
      const RandomAccessFile* file, std::string display_name);

  // In central directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  const std::string& display_name() const { return display_name_; }

  // The whole uncompressed member, CRC-32 verified (DataLoss "crc mismatch"
  // otherwise; skipped in fuzzing builds). ResourceExhausted, before
  // allocating, when uncompressed_size > `max_bytes`. Deflate: the stream
  // must inflate to exactly uncompressed_size bytes (inflating stops at one
  // byte more: a bomb costs nothing), else DataLoss; the result grows with
  // the bytes actually inflated, so a claimed size costs no memory before
  // the stream delivers it.
  absl::StatusOr<std::string> ReadEntry(const ZipEntry& e,
                                        uint64_t max_bytes) const;
  // ReadEntry() into `out`, whose capacity is reused (one buffer for every
  // member of an import: no fresh pages per member). On error `out` holds
  // unspecified bytes.
  absl::Status ReadEntryInto(const ZipEntry& e, uint64_t max_bytes,
                             std::string* out) const;

  // Up to the first `n` uncompressed bytes (fewer only when the member is
  // shorter), without CRC check: for a header to look at before reading.
  absl::StatusOr<std::string> ReadEntryPrefix(const ZipEntry& e,
                                              size_t n) const;

 private:
  ZipReader(const RandomAccessFile* file, std::string display_name)
      : file_(file), display_name_(std::move(display_name)) {}

  absl::Status Load();
  // Inflates the first `target` bytes of member `e` into `out`, which grows
  // only as bytes are produced. `exact`: the stream must end there (else it
  // may go on).
  absl::Status Inflate(const ZipEntry& e, size_t target, bool exact,
                       std::string* out) const;

  const RandomAccessFile* file_;
  std::string display_name_;
  std::vector<ZipEntry> entries_;
};

// Writes a zip of STORED members to an open file, appending only: each
// member comes whole (as pieces), so its CRC is known before its local
// header is written. ZIP64 extra fields, and the ZIP64 end records, are
// written when a size or offset is >= `zip64_threshold` (0xFFFFFFFF: what
// the format needs; lower only in tests) or there are >= 0xFFFF members
// (Python's zipfile switches earlier, above 2^31 - 1 bytes; both are valid
// ZIP64), and numpy.load, zipfile and `unzip -t` read the result. Names
// must be UTF-8 without NUL bytes (InvalidArgument), as numpy reads them.
// Version needed 2.0 (4.5 with ZIP64), DOS time 1980-01-01 00:00 (fixed:
// reproducible bytes), UTF-8 flag for non-ASCII names, no data descriptors
// and no other extra fields. InvalidArgument for an empty, duplicate or
// over-long (> 65535 bytes) name; FailedPrecondition after Finish. Sticky:
// after an error every call returns it. Does not own or close the file.
class ZipWriter {
 public:
  static constexpr uint64_t kZip64Limit = 0xFFFFFFFF;

  explicit ZipWriter(WritableFile* file,
                     uint64_t zip64_threshold = kZip64Limit);

  absl::Status AddStored(absl::string_view name,
                         absl::Span<const absl::string_view> pieces);
  // Writes the central directory and the end records.
  absl::Status Finish();
  uint64_t bytes_written() const { return offset_; }

 private:
  struct Member {
    std::string name;
    uint32_t crc32;
    uint64_t size;
    uint64_t offset;
  };
  absl::Status Append(absl::string_view data);

  WritableFile* file_;
  uint64_t zip64_threshold_;
  uint64_t offset_ = 0;
  bool finished_ = false;
  absl::Status status_;
  std::vector<Member> members_;
  absl::flat_hash_set<std::string> names_;
};

}  // namespace ckpt::bridges

#endif  // CKPT_LIB_BRIDGES_ZIP_FORMAT_H_
