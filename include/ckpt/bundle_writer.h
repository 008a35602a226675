// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// -----------------------------------------------------------------------------
// File: ckpt/bundle_writer.h
// -----------------------------------------------------------------------------
//
// BundleWriter writes a TensorBundle V2 (`prefix.index` plus
// `prefix.data-NNNNN-of-MMMMM`) byte-compatible with TensorFlow's own writer:
// for the same tensors added in the same order to the same shards, the index
// and data files are byte-identical to what TensorFlow writes.
//
// Contract:
//   * Tensor bytes are streamed into the shard's data file through a bounded
//     buffer as Add() is called (no syscall per small tensor, no copy of the
//     whole model); the CRC-32C is computed over the bytes as they are
//     written, for large tensors by helper threads (checksum_threads) that
//     read the bytes while the calling thread writes them. Every call
//     returns only once no helper reads its tensors any more. Only the
//     index entries are kept in memory.
//   * Data files are written in Add() order per shard; the index is sorted by
//     key at Finish().
//   * Everything is written under temporary names
//     (`<final>.tempstate<random>`). Finish() syncs and closes the data files,
//     writes and syncs the index, renames every data file, syncs the
//     directory, renames the index, and syncs the directory again. A reader
//     therefore never sees an index whose data files are missing.
//   * The status is sticky: after the first error every call returns it.
//     On any error, and on Abandon() or destruction before Finish(), the
//     temporary files are removed; no final name is ever left half-written.
//     Errors name the path and the errno text.
//   * Not thread-safe; AddBatch() writes several shards in parallel itself.
//
// Example:
//
//   CKPT_ASSIGN_OR_RETURN(std::unique_ptr<ckpt::BundleWriter> w,
//                         ckpt::BundleWriter::Create(ckpt::Env::Default(),
//                                                    "/tmp/model/ckpt-1"));
//   CKPT_RETURN_IF_ERROR(w->Add("w/.ATTRIBUTES/VARIABLE_VALUE", weights));
//   CKPT_RETURN_IF_ERROR(w->Finish());

#ifndef CKPT_BUNDLE_WRITER_H_
#define CKPT_BUNDLE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ckpt/bundle_format.h"
#include "ckpt/env.h"
#include "ckpt/tensor.h"
#include "ckpt/tensor_slice.h"

namespace ckpt {

struct BundleWriterOptions {
  // Number of data files. Tensors go to the shard given to Add().
  int num_shards = 1;
  // Compression of numeric tensors. A tensor is stored compressed only when
  // that saves at least 1/8 of its bytes; string tensors are never
  // compressed. Any compressed tensor marks the header (see Compression).
  Compression compression = Compression::kNone;
  // With kLz4: shuffle the bytes of floating-point tensors into planes before
  // compressing (docs/format.md §14 says when this helps).
  bool byte_shuffle = true;
  // Zero padding after each tensor so that every tensor starts at a multiple
  // of this (1 = densely packed, TensorFlow's default).
  int64_t data_alignment = 1;
  // Size of each shard's write buffer.
  size_t write_buffer_bytes = size_t{1} << 20;
  // Helper threads computing the CRC-32C of large tensors (256 KiB and up,
  // stored uncompressed) while the writing thread writes their bytes, so
  // that checksum and write overlap; 0 computes every CRC on the writing
  // thread. The files are the same either way. Started with the first large
  // tensor, joined by Finish() or Abandon(). At most 64.
  int checksum_threads = 1;
  // With sync: after every this many bytes appended to a data file, ask the
  // OS to start writing them to the device (WritableFile::StartWriteback),
  // so that the device works while the rest is written and Finish()'s
  // fsync waits for little more than the tail. 0 turns it off; no effect
  // without sync.
  uint64_t writeback_bytes = uint64_t{8} << 20;
  // Index table layout; defaults are TensorFlow's. Tests shrink them to get
  // many blocks.
  size_t index_block_size = 262144;
  int index_restart_interval = 16;
  // fsync files and the directory. Turning it off is only for tests and
  // throwaway output.
  bool sync = true;
};

class BundleWriter {
 public:
  // Creates the directory of `prefix` if needed and opens temporary data
  // files for every shard. InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<BundleWriter>> Create(
      Env* env, std::string prefix, BundleWriterOptions options = {});

  ~BundleWriter();  // Abandon()s unless Finish() succeeded.
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  // Appends `tensor` to shard `shard_id` under `key`. InvalidArgument for an
  // empty key, a key added before, a shard out of range, a dtype that is
  // not checkpointable (IsCheckpointableDataType), or a variant element that
  // is not a well-formed VariantTensorDataProto.
  absl::Status Add(absl::string_view key, const Tensor& tensor,
                   int shard_id = 0);

  // Adds `tensor` as slice `slice` of the partitioned tensor `full_key` of
  // shape `full_shape`, to shard `shard_id`, as TensorFlow's writer does
  // (docs/format.md §11 Partitioned tensors):
  //   * a slice that covers the whole tensor is Add(full_key, tensor);
  //   * otherwise `tensor` is added under EncodeTensorNameSlice(full_key,
  //     slice), and at Finish() the full-tensor entry `full_key` lists every
  //     slice added for it (dtype, full shape, the slices, no bytes). Slices
  //     are listed by shard, and in call order within a shard: what
  //     TensorFlow's merge of one writer per shard produces; with one shard,
  //     call order. Its shard_id is the lowest shard holding a slice.
  // InvalidArgument if the slice does not fit `full_shape`, `tensor`'s shape
  // is not the slice's shape, `full_key` was added whole or with another
  // dtype or full shape, or the slice was added before (and as Add()).
  // The slices need not tile the tensor; readers refuse overlaps and
  // regions they do not cover.
  absl::Status AddSlice(absl::string_view full_key,
                        const TensorShape& full_shape, const TensorSlice& slice,
                        const Tensor& tensor, int shard_id = 0);

  // One tensor of AddBatch(); `tensor` (and `slice`, `full_shape`) must stay
  // alive during the call. With `slice` set, the item is AddSlice(key,
  // *full_shape, *slice, *tensor, shard_id).
  struct BatchItem {
    absl::string_view key;
    const Tensor* tensor = nullptr;
    int shard_id = 0;
    const TensorSlice* slice = nullptr;
    const TensorShape* full_shape = nullptr;
  };
  // Adds every item, writing different shards on up to `num_threads`
  // threads at once (the calling thread is one of them). The result is the
  // same as Add() for each item in order: each shard holds its items in
  // batch order. All items are checked (as Add() does, plus no key twice in
  // the batch) before anything is written. The writer itself must still be
  // called from one thread at a time.
  absl::Status AddBatch(absl::Span<const BatchItem> items, int num_threads);

  // Writes the index and commits everything (see the contract above).
  absl::Status Finish();

  // Removes all temporary files. Idempotent. No effect after a successful
  // Finish().
  void Abandon();

  // The first error, or OK.
  absl::Status status() const;

  const std::string& prefix() const;
  // Entries added so far.
  int64_t num_entries() const;

 private:
  struct Impl;
  explicit BundleWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ckpt

#endif  // CKPT_BUNDLE_WRITER_H_
