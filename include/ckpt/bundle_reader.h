// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/bundle_reader.h
// -----------------------------------------------------------------------------
//
// BundleReader reads a TensorBundle V2 written by TensorFlow or by ckpt.
//
// Contract:
//   * Every byte from disk is untrusted. Offsets and sizes are checked
//     against the file size, and element counts against dtype x shape, before
//     anything is allocated; block and tensor checksums are verified before a
//     value is handed out.
//   * Open() reads the footer, the index block and the header entry only.
//     Listing entries needs the index file alone; data files are opened on
//     the first read of a tensor in them. A missing data file is NotFound
//     naming that file.
//   * Errors: DataLoss for corrupt bytes (bad checksum, bad magic, truncated
//     file, sizes that disagree), InvalidArgument for a well-formed file this
//     reader refuses (unknown dtype, bad shape, shard out of range),
//     FailedPrecondition for a newer format version or a big-endian bundle,
//     NotFound for a missing key or file, Unimplemented for sliced
//     (partitioned) entries. Every message names the file and, where there is
//     one, the key and the offending value.
//   * All const methods are thread-safe.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleReader> r,
//                         ckpt::BundleReader::Open(ckpt::Env::Default(),
//                                                  "testdata/golf/ckpt-1"));
//   CKPT_ASSIGN_OR_RETURN(ckpt::Tensor step,
//                         r->Read("step/.ATTRIBUTES/VARIABLE_VALUE"));

#ifndef CKPT_BUNDLE_READER_H_
#define CKPT_BUNDLE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_writer.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"

namespace ckpt {

// "prefix.index".
std::string IndexFilename(absl::string_view prefix);
// "prefix.data-00003-of-00008".
std::string DataFilename(absl::string_view prefix, int shard_id,
                         int num_shards);

// The bundle key of the serialized object graph.
inline constexpr absl::string_view kObjectGraphKey =
    "_CHECKPOINTABLE_OBJECT_GRAPH";

// The header entry (key "").
struct BundleHeader {
  int num_shards = 0;
  int producer_version = 0;
  int min_consumer_version = 0;
  std::vector<std::string> features;  // ckpt extensions in use ("lz4")
};

// A decoded and validated index entry.
struct BundleEntry {
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  int shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;            // stored bytes
  uint32_t masked_crc32c = 0;  // as stored (masked)
  int num_slices = 0;          // > 0: a partitioned tensor
  Compression compression = Compression::kNone;
  bool byte_shuffle = false;
};

struct BundleReaderOptions {
  // Largest index file accepted; larger ones fail before allocating.
  uint64_t max_index_bytes = uint64_t{1} << 32;
};

class BundleReader {
 public:
  // Opens `prefix.index` and reads the header. NotFound if the index is
  // missing; the message suggests the prefix when `prefix` looks like an
  // index or data file name.
  static absl::StatusOr<std::unique_ptr<BundleReader>> Open(
      Env* env, std::string prefix, BundleReaderOptions options = {});

  ~BundleReader();
  BundleReader(const BundleReader&) = delete;
  BundleReader& operator=(const BundleReader&) = delete;

  const std::string& prefix() const;
  const BundleHeader& header() const;
  int num_shards() const { return header().num_shards; }

  // The validated entry for `key`; NotFound if absent.
  absl::StatusOr<BundleEntry> GetEntry(absl::string_view key) const;

  // Calls `fn` for every entry in key order, header excluded, stopping at the
  // first non-OK status (returned). Index corruption is reported as DataLoss.
  // The entry is passed as an rvalue: `fn` may take it by const reference,
  // or by value or rvalue reference to keep it without a copy. The key is
  // valid during the call only.
  absl::Status ForEachEntry(absl::FunctionRef<absl::Status(
                                absl::string_view key, BundleEntry&& entry)>
                                fn) const;

  // All entries in key order.
  absl::StatusOr<std::vector<std::pair<std::string, BundleEntry>>> ListEntries()
      const;

  // Reads and verifies a tensor into new owned memory.
  absl::StatusOr<Tensor> Read(absl::string_view key) const;

  // Reads and verifies a fixed-size tensor into caller memory, allocating
  // nothing for uncompressed entries. `out.size()` must equal the tensor's
  // byte size (InvalidArgument otherwise). On a checksum failure `out` holds
  // unverified bytes and the result is DataLoss.
  absl::Status ReadInto(absl::string_view key, absl::Span<char> out) const;

  // One tensor of ReadManyInto(). `entry`, if set, must come from this
  // reader (GetEntry/ForEachEntry) and saves a second index lookup.
  struct ReadRequest {
    absl::string_view key;
    absl::Span<char> out;
    const BundleEntry* entry = nullptr;
  };
  // ReadInto() for every request, on up to `num_threads` threads (the
  // calling thread is one of them). Uncompressed tensors are read in 1 MiB
  // chunks that are checksummed as they arrive, so one large tensor is read
  // by several threads too; the chunk CRCs are combined and checked before
  // the request is reported OK. statuses[i] receives the result of
  // requests[i] (statuses must be as long as requests; extra requests are
  // not read).
  void ReadManyInto(absl::Span<const ReadRequest> requests, int num_threads,
                    absl::Span<absl::Status> statuses) const;

  // Reads the raw stored bytes of an entry (after checking offset and size
  // against the data file, before decompression) and verifies their CRC.
  absl::StatusOr<std::string> ReadStoredBytes(absl::string_view key) const;

  // Checks the entry `key` (listed as `entry`) the way `ckpt verify` does:
  // reads and decodes it, which checks every checksum; a value this reader
  // cannot decode (Unimplemented) still has its stored bytes' CRC checked;
  // the full-tensor entry of a partitioned tensor stores no bytes and is OK.
  absl::Status Verify(absl::string_view key, const BundleEntry& entry) const;

 private:
  struct Impl;
  explicit BundleReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ckpt

#endif  // CKPT_BUNDLE_READER_H_
