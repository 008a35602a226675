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
//     reader refuses (bad shape, shard out of range),
//     FailedPrecondition for a newer format version or a big-endian bundle,
//     NotFound for a missing key or file. Every message names the file and,
//     where there is one, the key and the offending value.
//   * Partitioned (sliced) tensors: a full-tensor entry lists slices, each
//     stored under its slice key (ckpt/tensor_slice.h). Read(), ReadInto()
//     and ReadManyInto() assemble the whole tensor; ReadSlice() and
//     ReadSliceInto() read any region of a partitioned or a plain tensor.
//     Only the stored slices that meet the region are read, each verified
//     against its checksum before its bytes are copied into a result.
//     Memory: the result plus at most one stored slice (none when a slice is
//     one contiguous run of the result: it is read in place). Slices that
//     lie outside the shape or overlap, a listed slice whose entry is
//     missing or disagrees in dtype or shape, and a region the slices do not
//     cover ("insufficient slices") are DataLoss naming the key and the
//     slice.
//   * Variant entries read as Tensors of opaque serialized elements
//     (Tensor::FromVariantElements). An entry whose dtype cannot be in a
//     checkpoint (resource, invalid, unknown values) is still listed with
//     its stored dtype; reading or verifying it fails for that entry only:
//     DataLoss, or Unimplemented for an unknown (newer) dtype.
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
#include "ckpt/bundle_format.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt {

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

  // Reads and verifies a tensor into new owned memory (a partitioned one is
  // assembled from its slices).
  absl::StatusOr<Tensor> Read(absl::string_view key) const;

  // The slices listed by the partitioned tensor `key`, in stored order,
  // validated (inside its shape, no two overlapping). InvalidArgument if
  // `key` is not partitioned.
  absl::StatusOr<std::vector<TensorSlice>> GetSlices(
      absl::string_view key) const;

  // Reads region `slice` of the tensor `key`, partitioned or not, into new
  // memory of the region's shape. InvalidArgument (naming the key) if the
  // slice does not fit the tensor's shape.
  absl::StatusOr<Tensor> ReadSlice(absl::string_view key,
                                   const TensorSlice& slice) const;

  // ReadSlice() of a fixed-size tensor into caller memory: `out.size()`
  // must equal the region's byte size. On a checksum failure `out` may hold
  // unverified bytes and the result is DataLoss.
  absl::Status ReadSliceInto(absl::string_view key, const TensorSlice& slice,
                             absl::Span<char> out) const;

  // Reads and verifies a fixed-size tensor into caller memory, allocating
  // nothing for uncompressed entries. `out.size()` must equal the tensor's
  // byte size (InvalidArgument otherwise). On a checksum failure `out` holds
  // unverified bytes and the result is DataLoss.
  absl::Status ReadInto(absl::string_view key, absl::Span<char> out) const;

  // One tensor of ReadManyInto(). `entry`, if set, must come from this
  // reader (GetEntry/ForEachEntry) and saves a second index lookup. With
  // `slice` set, only that region is read (ReadSliceInto()); it must stay
  // alive during the call.
  struct ReadRequest {
    absl::string_view key;
    absl::Span<char> out;
    const BundleEntry* entry = nullptr;
    const TensorSlice* slice = nullptr;
  };
  // ReadInto() for every request, on up to `num_threads` threads (the
  // calling thread is one of them). Uncompressed tensors are read in chunks
  // of up to 2 MiB (ending at 2 MiB-aligned addresses of `out`, so that no
  // two threads fault in one huge page) that are checksummed as they
  // arrive, so one large tensor is read by several threads too; the chunk CRCs
  // are combined and checked before the request is reported OK. statuses[i]
  // receives the result of requests[i] (statuses must be as long as requests;
  // extra requests are not read).
  void ReadManyInto(absl::Span<const ReadRequest> requests, int num_threads,
                    absl::Span<absl::Status> statuses) const;

  // Reads the raw stored bytes of an entry (after checking offset and size
  // against the data file, before decompression) and verifies their CRC.
  // InvalidArgument for a partitioned tensor's full entry (no bytes).
  absl::StatusOr<std::string> ReadStoredBytes(absl::string_view key) const;

  // Checks the entry `key` (listed as `entry`) the way `ckpt verify` does:
  // reads and decodes it, which checks every checksum; a value this reader
  // cannot decode (Unimplemented) still has its stored bytes' CRC checked.
  // The full-tensor entry of a partitioned tensor stores no bytes: its
  // slices must be a valid layout that tiles the tensor (a hole is
  // DataLoss), and every one must have an entry of the right dtype and
  // shape. A slice entry is checked like any entry, and also against the
  // tensor it belongs to, which must exist and list it. Verifying every
  // entry (as ckpt verify and VerifyCheckpoint do) therefore checks every
  // byte of a partitioned tensor once.
  absl::Status Verify(absl::string_view key, const BundleEntry& entry) const;

 private:
  struct Impl;
  explicit BundleReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ckpt

#endif  // CKPT_BUNDLE_READER_H_
