// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/mapped_bundle.h
// -----------------------------------------------------------------------------
//
// MappedBundleReader reads single tensors of a TensorBundle V2 without
// copying them: data files are memory-mapped (Env::NewReadOnlyMemoryRegion)
// and Get() returns tensors that borrow the mapped bytes. Use it to pick a
// few tensors out of a large checkpoint, or to serve the same tensors many
// times; BundleReader remains the reader for whole-checkpoint restores.
//
// Contract:
//   * Every byte from disk is untrusted, as for BundleReader (which this
//     reader uses for the index and for everything it does not map): an
//     entry's range is checked against the mapped file's size, and its
//     CRC-32C is verified, before its bytes are handed out.
//   * Open() reads the index only (BundleReader::Open). The data file of a
//     shard is mapped on the first Get() of a key stored in it; a bundle
//     whose other data files are missing still serves its present shards.
//     A missing data file is NotFound naming that file.
//   * Each entry's checksum is verified on its first successful Get() or
//     GetBytes() only: later calls for the same key are a hash lookup that
//     touches no data page. Pages are read by the kernel on first touch.
//   * Views: Get() returns a read-only view of the mapping (is_borrowed(),
//     Tensor::View) for an uncompressed fixed-size entry whose bytes are
//     aligned for its element type (always the case for bundles written
//     with BundleWriterOptions::data_alignment a multiple of 8). The view
//     and its copies keep the data file mapped: they may outlive the
//     reader. The views from GetBytes() must not. Tensors returned owned
//     (below) are independent.
//   * Owned fallbacks: string tensors, LZ4-compressed entries and sliced
//     (partitioned) tensors are read with BundleReader::Read (same results
//     and errors; a partitioned tensor is assembled from its slices);
//     a misaligned entry is copied out of the mapping; an entry of zero
//     bytes is a new empty tensor; an Env without memory regions
//     (NewReadOnlyMemoryRegion returns Unimplemented) makes every Get() a
//     BundleReader::Read.
//   * Errors: the codes and messages of BundleReader (DataLoss "checksum
//     mismatch" or "extend past the end of the file", NotFound for a
//     missing key or data file, ...), naming the file and the key; a failed
//     mapping names the file and the errno text.
//   * A mapped data file truncated by another process makes reading its
//     lost pages fault (SIGBUS; see ReadOnlyMemoryRegion). Committed
//     checkpoints are never rewritten by ckpt, which writes temporary files
//     and renames them, so this only happens if something else truncates
//     them in place.
//   * All const methods are thread-safe.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::MappedBundleReader> r,
//                         ckpt::MappedBundleReader::Open(ckpt::Env::Default(),
//                                                        "/tmp/model/ckpt-1"));
//   CKPT_ASSIGN_OR_RETURN(ckpt::Tensor kernel,
//                         r->Get("dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"));
//   absl::Span<const float> w = kernel.flat<float>();  // valid while kernel
//                                                      // (or a copy) lives

#ifndef CKPT_MAPPED_BUNDLE_H_
#define CKPT_MAPPED_BUNDLE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"

namespace ckpt {

class MappedBundleReader {
 public:
  // Opens `prefix.index` with BundleReader::Open (same errors); maps
  // nothing yet.
  static absl::StatusOr<std::unique_ptr<MappedBundleReader>> Open(
      Env* env, std::string prefix, BundleReaderOptions options = {});

  // Maps the data files of an open reader (shared with the caller).
  static absl::StatusOr<std::unique_ptr<MappedBundleReader>> Open(
      Env* env, std::shared_ptr<const BundleReader> index);

  // Unmaps the data files no tensor from Get() still views; the views of
  // GetBytes() become dangling.
  ~MappedBundleReader();
  MappedBundleReader(const MappedBundleReader&) = delete;
  MappedBundleReader& operator=(const MappedBundleReader&) = delete;

  // The reader of the index: header, entries, and owned reads.
  const BundleReader& index() const;

  // The verified tensor stored under `key`: borrowed from the mapping where
  // possible, owned otherwise (see the contract above).
  absl::StatusOr<Tensor> Get(absl::string_view key) const;
  // Get() of `key` whose entry the caller already has (from index()): no
  // index lookup, and the checksum is verified on every call (nothing is
  // remembered). For callers that get each key once, such as a mapped
  // restore.
  absl::StatusOr<Tensor> Get(absl::string_view key,
                             const BundleEntry& entry) const;

  // The verified element bytes of an uncompressed fixed-size entry, valid
  // while the reader lives; a view of the mapping (with an Env without
  // memory regions: of a copy kept by the reader until it is destroyed).
  // InvalidArgument for string, LZ4-compressed and partitioned entries (use
  // Get()).
  absl::StatusOr<absl::string_view> GetBytes(absl::string_view key) const;

 private:
  struct Impl;
  explicit MappedBundleReader(std::unique_ptr<Impl> impl);
  absl::StatusOr<Tensor> GetImpl(absl::string_view key,
                                 const BundleEntry* known) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ckpt

#endif  // CKPT_MAPPED_BUNDLE_H_
